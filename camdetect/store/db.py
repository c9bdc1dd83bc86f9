"""Engine set-up shared by the store and the review app: URLs, SQLite pragmas, write transactions.

SQLite: WAL journal, ``busy_timeout``, foreign keys, and write transactions opened with
``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing half-way with
"database is locked" on upgrade from a read. PostgreSQL: plain READ COMMITTED; the scheduler uses
``SELECT ... FOR UPDATE SKIP LOCKED`` where rows are contended.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite

SQLITE_BUSY_MS = 30_000


def normalize_url(url: str | os.PathLike, mkdir: bool = True) -> str:
    """A path or URL -> SQLAlchemy URL (``x.db`` -> ``sqlite:///x.db``; postgres uses psycopg 3).
    ``mkdir``: create a SQLite file's parent folder (only when a new store is made on purpose)."""
    url = str(url)
    if not url.strip():
        raise ValueError("empty database URL")
    if "://" not in url:
        path = Path(url).expanduser()
        if mkdir:
            path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    if mkdir and scheme.startswith("sqlite") and rest.startswith("/") and rest not in ("/", "/:memory:"):
        Path(rest[1:]).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if not (scheme.startswith(("sqlite", "postgresql"))):
        raise ValueError(f"{url}: unsupported database URL (use a SQLite path/URL or postgresql://...)")
    return url


def make_engine(url: str, pool_size: int = 20) -> Engine:
    """Engine with the pragmas / pool this store needs."""
    url = normalize_url(url, mkdir=False)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
                               pool_size=pool_size, max_overflow=pool_size)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own is broken)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for in-memory SQLite and other databases)."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or rest in ("/", "/:memory:") or rest.startswith("/file:"):
        return None
    return Path(rest[1:].split("?", 1)[0]).expanduser()


def insert_ignore(engine_or_dialect_name: str, table):
    """``INSERT ... ON CONFLICT DO NOTHING`` for the running dialect."""
    mod = postgresql if engine_or_dialect_name.startswith("postgresql") else sqlite
    return mod.insert(table)
