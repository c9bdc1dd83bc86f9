"""The `camdetect review` commands: add-user, export, stats; bad input exits 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from camdetect.store import Store
from camdetect.store.models import User

from .conftest import fill_store


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`camdetect ARGS` in this process (fast) through the real entry point, exit code and output kept."""
    import contextlib
    import io
    import os

    from camdetect.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_argv, old_env = sys.argv, dict(os.environ)
    sys.argv = ["camdetect", *args]
    os.environ.update(env or {})
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
        os.environ.clear()
        os.environ.update(old_env)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_add_user_export_stats(tmp_path):
    db = str(tmp_path / "r.db")
    media = tmp_path / "media"
    media.mkdir()
    fill_store(Store.open(db, create=True), media, n_images=1)
    env = {"CAMDETECT_REVIEW_PASSWORD": "password123"}
    r = run("review", "add-user", "boss", "--role", "coordinator", "--db", db, env=env)
    assert r.returncode == 0, r.stderr
    r = run("review", "add-user", "boss", "--role", "volunteer", "--db", db, env=env)
    assert r.returncode == 0 and "role set" in r.stdout
    with Store.open(db).read() as s:
        assert s.scalar(select(User.role).where(User.username == "boss")) == "volunteer"
    out = tmp_path / "exp"
    r = run("review", "export", "--db", db, "--media", str(media), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} >= {"tags.csv", "reviews.csv", "cameras.csv", "cameras.geojson", "coco.json"}
    r = run("review", "stats", "--db", db)
    assert r.returncode == 0 and json.loads(r.stdout)["suggestions"] == 4


@pytest.mark.parametrize("args, message", [
    (["review", "serve", "--media", "/nonexistent/media"], "--media folder not found"),
    (["review", "export", "--out", "OUT", "--formats", "pdf"], "unknown export format"),
    (["review", "add-user", "x", "--password", "password123"], "username"),
    (["review", "stats", "--db", "mysql://u@h/db"], "unsupported database URL"),
])
def test_bad_input_exits_2(tmp_path, args, message):
    args = [str(tmp_path / "OUT") if a == "OUT" else a for a in args]
    if "--db" not in args:
        Store.open(tmp_path / "r.db", create=True).close()  # a real store: the error under test is another
        args += ["--db", str(tmp_path / "r.db")]
    r = run(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("error:") and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
