"""The review store: suggestions from the scorer, views, the resume ledger, and everything the review
app writes. One class, :class:`Store`, opened by URL (SQLite WAL by default, PostgreSQL by URL).

Scorer API (docs/CONTRACTS.md)::

    store = Store.open(url, create=True)    # creates / migrates (Alembic); without create=True a
                                            # missing or non-camdetect store is a StoreError
    store.record_image(image_key, model, suggestions, meta) -> int   # one transaction, idempotent
    store.done_images(model) -> set[str]

Optional ``meta["view_images"]``: a list of dicts (image_path, pano_id, intersection, view_heading,
view_pitch, view_fov, width, height, lat, lon) for views written to the media folder that have no
suggestions; they become spot-check candidates (what the model missed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files

from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from camdetect.records import Suggestion
from camdetect.retry import with_retries

from .db import insert_ignore, make_engine, normalize_url, sqlite_path
from .models import Intersection, ScoredImage, SuggestionRow, ViewRow

PG_MIGRATION_LOCK = 0x63616D64  # "camd": advisory lock id serialising migrations on PostgreSQL
SQLITE_MAGIC = b"SQLite format 3\x00"
STORE_TABLES = {"alembic_version", "suggestions", "views"}  # a camdetect store has at least these


class StoreError(ValueError):
    """The URL names no usable review store (missing, empty, not ours, damaged): one line, for the CLI."""


def _sqlite_tables(path, shown: str) -> set[str]:
    """Table names, read through a read-only connection (the engine's WAL pragma would rewrite the
    header of a file that turns out not to be ours)."""
    import sqlite3
    from urllib.parse import quote

    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{shown}: cannot read the store ({exc}); is it truncated or damaged? "
                         "restore it from a backup") from None


def _check_sqlite_file(path) -> bool:
    """True when ``path`` holds a SQLite file (False: missing or 0 bytes); StoreError when it is not
    SQLite or is shorter than its header says (a truncated copy)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path}: not a SQLite file, so not a camdetect review store")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96]  # the in-header page count is valid when these two agree
    if valid and pages and size < page_size * pages:
        raise StoreError(f"{path}: truncated or damaged store ({size} bytes, its header says "
                         f"{page_size * pages}); restore it from a backup")
    return True


def uncertainty(score: float) -> float:
    """1 at score 0.5 (the model cannot tell), 0 at 0 or 1."""
    if score is None or math.isnan(score):
        return 0.0
    return max(0.0, 1.0 - abs(2.0 * float(score) - 1.0))


def spot_rank(image_path: str) -> float:
    """Deterministic pseudo-random number in [0, 1) per view: view is spot-checked when < share."""
    return int(hashlib.sha256(image_path.encode("utf-8")).hexdigest()[:12], 16) / float(16**12)


def retryable(exc: BaseException) -> bool:
    """A transient lock conflict worth retrying (PostgreSQL deadlock / serialization failure,
    SQLite "database is locked" after the busy timeout)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in ("40P01", "40001") or "database is locked" in str(orig)


def _num(v) -> float | None:
    if v is None or v == "":
        return None
    v = float(v)
    return None if math.isnan(v) else v


class Store:
    """Handle on one review database. Thread-safe: every call uses its own session."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(write=True), expire_on_commit=False)
        self._writer_lock = threading.Lock() if self.dialect == "sqlite" else contextlib.nullcontext()

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | os.PathLike, migrate: bool = True, pool_size: int = 20,
             create: bool = False) -> Store:
        """Open the camdetect store at ``url`` and migrate it to the newest schema.

        ``create=True`` makes a new store where there is none (a missing or 0-byte SQLite file, an
        empty PostgreSQL database). Without it -- and always for a file or database that holds
        something else, or a truncated / damaged SQLite file -- raises :class:`StoreError` with a
        one-line reason, so a typo in ``--db`` never silently serves an empty store."""
        full = normalize_url(url, mkdir=create)
        shown = str(url)
        path = sqlite_path(full)
        if path is not None and not _check_sqlite_file(path) and not create:
            raise StoreError(f"{shown}: no review store here (make one on purpose: "
                             f"camdetect review init --db {shown}, or --create)")
        tables = _sqlite_tables(path, shown) if path is not None and path.exists() else None
        store = cls(make_engine(full, pool_size=pool_size))
        try:
            if tables is None:  # PostgreSQL / in-memory: nothing is written by just looking
                tables = set(inspect(store.engine).get_table_names())
            if tables and not STORE_TABLES <= tables:
                raise StoreError(f"{shown}: not a camdetect review store (it has other tables: "
                                 f"{', '.join(sorted(tables)[:5])})")
            if not tables and not create:
                raise StoreError(f"{shown}: empty database, not a review store (make one on purpose: "
                                 f"camdetect review init --db {shown}, or --create)")
            if migrate:
                store.migrate()
        except DatabaseError as exc:
            store.close()
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise StoreError(f"{shown}: cannot read the store ({reason}); is it truncated or damaged? "
                             "restore it from a backup") from None
        except Exception:
            store.close()
            raise
        return store

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self, revision: str = "head") -> None:
        """Run the Alembic migrations shipped in the package, under a lock (safe with many processes)."""
        from alembic import command
        from alembic.config import Config
        from alembic.util import CommandError

        cfg = Config()
        cfg.set_main_option("script_location", str(files("camdetect.store") / "migrations"))
        cfg.set_main_option("sqlalchemy.url", self.engine.url.render_as_string(hide_password=False))
        with self.engine.execution_options(write=True).begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, revision)
            except CommandError as exc:  # e.g. a store written by a newer camdetect
                raise StoreError(f"{self.url}: cannot migrate the store ({exc})") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- sessions -------------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read session; closing it ends the transaction and keeps loaded objects usable."""
        with self._read() as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (SQLite: BEGIN IMMEDIATE); commits on success, rolls back on error.

        SQLite: writers of this process also queue on a Python lock first. SQLite's own busy handler
        polls with growing sleeps, which under 50 concurrent writers gives a multi-second tail; a
        lock hands the database over in order. Other processes still meet ``busy_timeout``."""
        with self._writer_lock, self._write() as s, s.begin():
            yield s

    # -- scorer API -----------------------------------------------------------------------------
    def record_image(self, image_key: str, model: str, suggestions: list[Suggestion], meta: dict) -> int:
        """Insert ``suggestions`` (skipping keys already present) and mark ``image_key`` done for
        ``model``, all in one transaction. Returns how many suggestions were new."""
        return with_retries(lambda: self._record_image(image_key, model, suggestions, meta), retries=5,
                            wait=lambda attempt: 0.05 * (attempt + 1),
                            retry_on=lambda exc: isinstance(exc, OperationalError) and retryable(exc))

    def _record_image(self, image_key: str, model: str, suggestions: list[Suggestion], meta: dict) -> int:
        now = time.time()
        meta = dict(meta or {})
        area = str(meta.get("area") or "")
        with self.write() as s:
            # lock the intersections first, in name order: concurrent writers of one intersection
            # queue here instead of deadlocking on each other's suggestion and counter rows
            names = sorted({sug.intersection or sug.pano_id for sug in suggestions})
            first = {}
            for sug in suggestions:
                first.setdefault(sug.intersection or sug.pano_id, sug)
            for name in names:
                self._intersection(s, name, area, first[name].lat, first[name].lon)
            if names and self.dialect == "postgresql":
                s.execute(select(Intersection.id).where(Intersection.name.in_(names))
                          .order_by(Intersection.name).with_for_update())
            for v in meta.get("view_images") or []:  # views without suggestions (for spot checks)
                self._view_from_meta(s, v, image_key)
            n_new = 0
            for sug in suggestions:
                view_id = self._view_id(s, sug)
                inter = self._intersection(s, sug.intersection or sug.pano_id, area, sug.lat, sug.lon)
                u = uncertainty(sug.score)
                row = sug.to_json_dict()  # the Suggestion codec: NaN -> NULL
                row["model"] = row["model"] or model
                row.update(view_id=view_id, uncertainty=u, priority=u, status="open",
                           slots=0, n_answers=0, intersection=sug.intersection or sug.pano_id)
                stmt = insert_ignore(self.dialect, SuggestionRow).values(**row)
                stmt = stmt.on_conflict_do_nothing(index_elements=["key"]).returning(SuggestionRow.id)
                n = len(s.execute(stmt).all())  # rowcount is -1 on psycopg; RETURNING is exact
                if n:
                    n_new += n
                    s.execute(update(Intersection).where(Intersection.id == inter)
                              .values(n_suggestions=Intersection.n_suggestions + n))
            stmt = insert_ignore(self.dialect, ScoredImage).values(
                model=model, image_key=image_key, n_suggestions=len(suggestions),
                meta=json.dumps(meta, default=str), created_at=now)
            stmt = stmt.on_conflict_do_update(
                index_elements=["model", "image_key"],
                set_={"meta": stmt.excluded.meta, "n_suggestions": stmt.excluded.n_suggestions})
            s.execute(stmt)
        return n_new

    def done_images(self, model: str) -> set[str]:
        """Image keys already recorded for ``model`` (the scorer skips them on a re-run)."""
        with self.read() as s:
            return set(s.scalars(select(ScoredImage.image_key).where(ScoredImage.model == model)))

    # -- helpers --------------------------------------------------------------------------------
    def _view_id(self, s: Session, sug: Suggestion) -> int:
        found = s.scalar(select(ViewRow.id).where(ViewRow.image_path == sug.image_path))
        if found is not None:
            return found
        stmt = insert_ignore(self.dialect, ViewRow).values(
            image_path=sug.image_path, pano_id=sug.pano_id, intersection=sug.intersection or sug.pano_id,
            view_heading=_num(sug.view_heading), view_pitch=_num(sug.view_pitch), view_fov=_num(sug.view_fov),
            width=int(sug.image_width), height=int(sug.image_height), lat=_num(sug.lat), lon=_num(sug.lon),
            spot_rank=spot_rank(sug.image_path), spot_slots=0, spot_answers=0,
        ).on_conflict_do_nothing(index_elements=["image_path"])
        s.execute(stmt)
        return s.scalar(select(ViewRow.id).where(ViewRow.image_path == sug.image_path))

    def _view_from_meta(self, s: Session, v: dict, image_key: str) -> None:
        """``meta["view_images"]`` entry -> a views row (idempotent on image_path)."""
        path = str(v.get("image_path") or "")
        if not path:
            raise ValueError(f"{image_key}: meta view_images entry without image_path")
        inter = str(v.get("intersection") or v.get("pano_id") or image_key)
        s.execute(insert_ignore(self.dialect, ViewRow).values(
            image_path=path, pano_id=str(v.get("pano_id") or ""), intersection=inter,
            view_heading=_num(v.get("view_heading")), view_pitch=_num(v.get("view_pitch")),
            view_fov=_num(v.get("view_fov")), width=int(v.get("width") or 0), height=int(v.get("height") or 0),
            lat=_num(v.get("lat")), lon=_num(v.get("lon")), spot_rank=spot_rank(path), spot_slots=0,
            spot_answers=0).on_conflict_do_nothing(index_elements=["image_path"]))

    def _intersection(self, s: Session, name: str, area: str, lat: float, lon: float) -> int:
        found = s.scalar(select(Intersection.id).where(Intersection.name == name))
        if found is not None:
            return found
        stmt = insert_ignore(self.dialect, Intersection).values(
            name=name, area=area, lat=_num(lat), lon=_num(lon), n_suggestions=0, n_retired=0,
        ).on_conflict_do_nothing(index_elements=["name"])
        s.execute(stmt)
        return s.scalar(select(Intersection.id).where(Intersection.name == name))
