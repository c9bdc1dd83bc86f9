"""Durable files: every file camdetect writes goes through here, so a kill at any moment leaves either
the old file or the new one, never half of one.

The rule, for every writer in the package:

- A whole file (a table, a report, an image, a model, a label file, GeoJSON) is written to
  ``NAME.tmp`` beside it (``STEM.tmp.SUFFIX`` where the writer picks its format from the suffix),
  flushed and fsynced, renamed over ``NAME`` (``os.replace``, atomic on POSIX and Windows), and the
  folder is fsynced so the rename itself survives a power cut: :func:`atomic_write_bytes`,
  :func:`atomic_write_text`, :func:`atomic_write_json`, :func:`atomic_open` (a file handle, for csv
  writers), :func:`atomic_path` (a path, for libraries that write files themselves: onnx, cv2),
  :func:`write_csv`, :func:`save_figure` (matplotlib) and :func:`write_geojson`.
- A log that grows while work is done (scored suggestions, fetched intersections, evaluation
  predictions) is a :class:`JsonlLedger`: appended a batch at a time with one fsync, repaired on
  reopen (a torn last line from a kill is cut off), de-duplicated by a key field, and with
  done-markers that say a unit of work (an image, an intersection) is complete.

Suggestions are encoded with :meth:`camdetect.records.Suggestion.to_json_dict` /
:meth:`~camdetect.records.Suggestion.from_dict`; retries with backoff are :mod:`camdetect.retry`.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Self


def fsync_dir(folder: str | os.PathLike) -> None:
    """fsync a folder so a rename or a new file in it is on disk (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows: folders cannot be opened; NTFS journals the rename itself
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network, FUSE) refuse fsync on a folder: nothing more can be done
    finally:
        os.close(fd)


def tmp_path_for(path: Path, keep_suffix: bool = False) -> Path:
    """``NAME.tmp`` beside ``path``; ``STEM.tmp.SUFFIX`` with ``keep_suffix`` (for writers that pick the
    format from the suffix, like matplotlib's ``savefig``)."""
    return path.with_name(f"{path.stem}.tmp{path.suffix}" if keep_suffix else f"{path.name}.tmp")


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextmanager
def atomic_path(path: str | os.PathLike, keep_suffix: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s new content to; on success it is fsynced and renamed
    over ``path`` and the folder fsynced; on error it is removed and ``path`` is left as it was.

    >>> with atomic_path(out / "plot.png", keep_suffix=True) as tmp:
    ...     fig.savefig(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_for(path, keep_suffix)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", newline: str | None = None,
                encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """A file handle on a temporary file that replaces ``path`` atomically when the block ends without
    an error (``mode`` "w" or "wb"); for writers that stream (csv.writer)."""
    with atomic_path(path) as tmp:
        if "b" in mode:
            fh = open(tmp, mode)  # noqa: SIM115 - closed below, before the rename
        else:
            fh = open(tmp, mode, newline=newline, encoding=encoding)  # noqa: SIM115
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably (tmp + fsync + rename + folder fsync)."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically and durably."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, doc: object, indent: int | None = 1, ensure_ascii: bool = False,
                      allow_nan: bool = False) -> None:
    """``doc`` as JSON plus a newline (``json.dumps`` options as given), atomically and durably."""
    atomic_write_text(path, json.dumps(doc, indent=indent, ensure_ascii=ensure_ascii, allow_nan=allow_nan) + "\n")


def write_csv(path: str | os.PathLike, rows: Iterable[dict], columns: list[str], extrasaction: str = "raise") -> int:
    """A CSV table with a fixed header (``csv.DictWriter``), atomically and durably; returns the row count."""
    n = 0
    with atomic_open(path, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction=extrasaction)  # type: ignore[arg-type]
        w.writeheader()
        for r in rows:
            w.writerow(r)
            n += 1
    return n


def save_figure(fig: Any, path: str | os.PathLike, **savefig: Any) -> Path:
    """Save a matplotlib figure atomically and durably (the format from the suffix), then close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        with atomic_path(path, keep_suffix=True) as tmp:
            fig.savefig(tmp, **savefig)
    finally:
        plt.close(fig)
    return path


def link_or_copy(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Hard-link ``src`` to ``dst`` (a copy where links are not possible); an existing ``dst`` is kept."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_geojson(path: str | os.PathLike, collection: dict, indent: int | None = 1) -> int:
    """Write a GeoJSON FeatureCollection atomically and durably; returns its feature count.

    ``indent`` None writes one line (the scorer's ``suggestions.geojson``)."""
    if collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    atomic_write_text(path, json.dumps(collection, indent=indent))
    return len(collection["features"])


def read_records(path: str | os.PathLike) -> Iterator[dict | None]:
    """The complete lines of a JSONL ledger as dicts (None for a whole line that is not a JSON object),
    without repairing anything: for readers while a writer may still be appending. A missing file
    has no records; an unterminated last line (a write in progress, or torn) is not a record yet."""
    path = Path(path)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for text in fh:
            if not text.strip() or not text.endswith("\n"):
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError:
                rec = None
            yield rec if isinstance(rec, dict) else None


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Every complete record of a JSONL ledger (see :func:`read_records`), bad lines skipped."""
    return [r for r in read_records(path) if r is not None]


class JsonlLedger:
    """An append-only JSON-lines file that survives a kill at any moment and is resumed from.

    - :meth:`append` writes a batch of records as whole lines with one flush + fsync (``sync=False``
      defers the fsync to :meth:`sync`, for callers that fsync once per batch of images).
    - On open, a torn last line (bytes after the last newline: the process died mid-write) is cut off,
      so the next append starts on a fresh line; that record was never complete, so nothing that was
      reported written is lost. A complete line that is not a JSON object (a file from before this
      repair existed) is skipped and counted in ``bad_lines``.
    - ``key``: the field that identifies a record; :meth:`append` skips records whose key the file
      (or the same batch) already holds, so redoing work never duplicates a record (``keys``).
    - ``unit``: the field naming a unit of work (an image, an intersection). :meth:`mark_done` appends
      a unit's records followed by its done-marker ``{unit: id, "done": true, ...}`` in one write;
      ``done`` maps each finished unit to its marker, and :meth:`drop_unfinished` removes the records
      of units that have no marker (the run died mid-unit) so redoing them never duplicates a row.

    The file is created on the first append, not on open.
    """

    def __init__(self, path: str | os.PathLike, *, key: str | None = None, unit: str | None = None):
        self.path = Path(path)
        self.key, self.unit = key, unit
        self.keys: set[str] = set()
        self.done: dict[str, dict] = {}
        self.bad_lines = 0
        self.cut_bytes = 0
        self._fh: IO[bytes] | None = None
        if self.path.exists():
            self._repair()
            for rec in self._read(count_bad=True):
                self._note(rec)

    # -- reading ------------------------------------------------------------------------------------
    def _repair(self) -> None:
        size = self.path.stat().st_size
        if not size:
            return
        with self.path.open("rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) == b"\n":
                return
            # find the last newline, reading backwards in blocks (the file may be large)
            pos, block = size, 1 << 16
            last_nl = -1
            while pos > 0 and last_nl < 0:
                start = max(0, pos - block)
                fh.seek(start)
                chunk = fh.read(pos - start)
                i = chunk.rfind(b"\n")
                if i >= 0:
                    last_nl = start + i
                pos = start
            keep = last_nl + 1
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
        self.cut_bytes = size - keep

    def records(self) -> Iterator[dict]:
        """Every complete record in file order (lines that are not a JSON object skipped)."""
        return self._read(count_bad=False)

    def _read(self, count_bad: bool) -> Iterator[dict]:
        for rec in read_records(self.path):
            if rec is None:
                self.bad_lines += count_bad
                continue
            yield rec

    def __iter__(self) -> Iterator[dict]:
        return self.records()

    def _note(self, rec: dict) -> None:
        if self.key is not None and rec.get(self.key) is not None:
            self.keys.add(str(rec[self.key]))
        if self.unit is not None and rec.get("done") and rec.get(self.unit) is not None:
            self.done[str(rec[self.unit])] = rec

    # -- writing ------------------------------------------------------------------------------------
    def _open(self) -> IO[bytes]:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            self._fh = self.path.open("ab")
            if created:
                fsync_dir(self.path.parent)
        return self._fh

    def touch(self) -> Self:
        """Create the file now (empty when new): for logs whose empty file means "ran, found nothing",
        which readers must tell from "never ran"."""
        self._open()
        return self

    def append(self, records: Iterable[dict], sync: bool = True) -> int:
        """Append ``records`` (those whose key is new) as whole lines; returns how many were written."""
        new = []
        for rec in records:
            if self.key is not None:
                k = rec.get(self.key)
                if k is not None:
                    if str(k) in self.keys:
                        continue
                    self.keys.add(str(k))
            new.append(rec)
        if not new:
            return 0
        fh = self._open()
        fh.write("".join(json.dumps(r) + "\n" for r in new).encode("utf-8"))
        for rec in new:
            self._note(rec)
        if sync:
            self.sync()
        else:
            fh.flush()
        return len(new)

    def mark_done(self, unit_id: str, records: Iterable[dict] = (), sync: bool = True, **fields: object) -> int:
        """Append a unit's ``records`` and then its done-marker ``{unit: unit_id, "done": true, **fields}``."""
        if self.unit is None:
            raise ValueError(f"{self.path}: a ledger without a unit field has no done-markers")
        return self.append([*records, {self.unit: unit_id, "done": True, **fields}], sync=sync)

    def sync(self) -> None:
        """Flush and fsync what was appended."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def drop_unfinished(self) -> int:
        """Rewrite the file (atomically) without the records of units that have no done-marker;
        returns how many records were dropped."""
        if self.unit is None:
            raise ValueError(f"{self.path}: a ledger without a unit field has no units to drop")
        recs = list(self.records())
        keep = [r for r in recs if str(r.get(self.unit)) in self.done]
        if len(keep) == len(recs):
            return 0
        self.close()
        atomic_write_text(self.path, "".join(json.dumps(r) + "\n" for r in keep))
        self.keys.clear()
        for rec in keep:
            self._note(rec)
        return len(recs) - len(keep)

    def close(self) -> None:
        if self._fh is not None:
            self.sync()
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
