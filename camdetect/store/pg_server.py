"""A throwaway local PostgreSQL cluster for tests and benchmarks (never for production data).

Uses the Debian server binaries (``/usr/lib/postgresql/<ver>/bin``). PostgreSQL refuses to run as
root, so when we are root the cluster is initialised and run as user ``postgres`` (or ``nobody``)
in a fresh temporary directory, listening on 127.0.0.1 at a free port with trust auth and
durability switched off (fsync=off: it is thrown away anyway).

    with TempPostgres() as pg:
        url = pg.create_database("t1")   # postgresql://postgres@127.0.0.1:PORT/t1
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Self


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing or the cluster could not start (tests skip with this text)."""


def find_bindir() -> Path:
    env = os.environ.get("CAMDETECT_PG_BINDIR")
    cands = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in cands:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise PostgresUnavailable("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                              "(apt-get install postgresql, or set CAMDETECT_PG_BINDIR)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[int | None, int | None]:
    if os.geteuid() != 0:
        return None, None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither user 'postgres' nor 'nobody' exists")


class TempPostgres:
    """Start on ``__enter__`` / :meth:`start`, stop and delete on ``__exit__`` / :meth:`stop`."""

    def __init__(self, max_connections: int = 300):
        self.max_connections = max_connections
        self.dir: Path | None = None
        self.port = 0
        self.bindir: Path | None = None
        self._uid, self._gid = None, None

    def _cmd(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        kw = {}
        if self._uid is not None:
            kw = {"user": self._uid, "group": self._gid, "extra_groups": []}
        return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=check,
                              cwd=str(self.dir), env={**os.environ, "LC_ALL": "C", "LANG": "C"}, **kw)

    def start(self) -> TempPostgres:
        self.bindir = find_bindir()
        self._uid, self._gid = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="camdetect-pg-"))
        if self._uid is not None:
            os.chown(self.dir, self._uid, self._gid)
        os.chmod(self.dir, 0o700)
        data = self.dir / "data"
        try:
            self._cmd(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--no-sync")
            self.port = free_port()
            opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                    f"-c synchronous_commit=off -c full_page_writes=off "
                    f"-c max_connections={self.max_connections} -c shared_buffers=32MB")
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"),
                      "-w", "-t", "60", "start")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", "") or ""
            self.stop()
            raise PostgresUnavailable(f"could not start PostgreSQL: {exc} {detail.strip()[-300:]}") from None
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.dir is None:
            return
        data = self.dir / "data"
        if self.bindir and (data / "postmaster.pid").exists():
            try:
                self._cmd(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop",
                          check=False)
            except (subprocess.TimeoutExpired, OSError):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # manual use: python -m camdetect.store.pg_server
    with TempPostgres() as pg:
        print(pg.url(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
