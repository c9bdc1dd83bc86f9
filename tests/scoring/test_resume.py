"""SIGKILL at any moment, then re-run: no lost and no duplicated suggestions (store and JSONL)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from camdetect.export.parity import synthetic_views
from camdetect.scoring.outputs import read_jsonl

N_VIEWS = 16


@pytest.fixture(scope="module")
def many_views(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("many")
    for i, v in enumerate(synthetic_views(N_VIEWS, 320, seed=5)):
        Image.fromarray(v[..., ::-1]).save(d / f"v{i:02d}.jpg", quality=90)
    return d


def command(model: Path, views: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "camdetect.cli", "score", str(views), "--model", str(model),
            "--db", str(out / "review.db"), "--out", str(out / "out"), "--media", str(out / "media"),
            "--batch", "1", "--threads", "1", "--no-progress"]


def n_done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM scored_images").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def results(out: Path) -> tuple[list[str], list[str]]:
    with sqlite3.connect(out / "review.db") as conn:
        store = sorted(r[0] for r in conn.execute("SELECT key FROM suggestions"))
    jsonl = sorted(r["key"] for r in read_jsonl(out / "out" / "suggestions.jsonl"))
    return store, jsonl


@pytest.fixture(scope="module")
def reference(tiny_onnx, many_views, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    subprocess.run(command(tiny_onnx, many_views, out), check=True, capture_output=True, timeout=300)
    store, jsonl = results(out)
    assert store and store == jsonl
    return store


@pytest.mark.parametrize("kill_after,extra_delay", [(1, 0.0), (6, 0.05)])
def test_sigkill_then_rerun_equals_uninterrupted_run(tiny_onnx, many_views, tmp_path, reference, kill_after,
                                                     extra_delay):
    proc = subprocess.Popen(command(tiny_onnx, many_views, tmp_path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while n_done(tmp_path / "review.db") < kill_after and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(extra_delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = n_done(tmp_path / "review.db")
    assert partial < N_VIEWS, "the run finished before it could be killed; the test proved nothing"
    subprocess.run(command(tiny_onnx, many_views, tmp_path), check=True, capture_output=True, timeout=300)
    store, jsonl = results(tmp_path)
    assert store == reference
    assert jsonl == reference  # sorted with repeats: a duplicate line would show up here
    assert n_done(tmp_path / "review.db") == N_VIEWS
