"""A two-node Ray cluster (head + worker, each its own ``ray start``, raylet and object store) loses its
worker node mid-batch: the run finishes on the head with exactly the local engine's suggestions."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camdetect.scoring.outputs import read_jsonl

N_PANORAMAS = 12
FAST_NODE_DEATH = {"health_check_period_ms": 1000, "health_check_timeout_ms": 1000,
                   "health_check_failure_threshold": 3}  # a dead node is noticed in ~3 s, not ~30 s


@pytest.fixture(scope="module")
def city12(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("city12")
    subprocess.run([sys.executable, "-m", "camdetect.cli", "synth", "--out", str(d), "-n", str(N_PANORAMAS),
                    "--seed", "3", "--width", "2048"], check=True, capture_output=True, timeout=300)
    return d


def command(model: Path, city: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "camdetect.cli", "score", str(city / "manifest.csv"), "--model", str(model),
            "--db", str(out / "review.db"), "--out", str(out / "out"), "--media", str(out / "media"),
            "--conf", "0.3", "--threads", "1", "--batch", "8", "--no-progress", *extra]


def boxes(out: Path) -> list[tuple]:
    """Every suggestion in the store: key, image, box (to the pixel) and class."""
    with sqlite3.connect(out / "review.db") as conn:
        return sorted((k, p, round(x1), round(y1), round(x2), round(y2), t) for k, p, x1, y1, x2, y2, t in conn.execute(
            "SELECT key, image_path, x1, y1, x2, y2, type FROM suggestions"))


def n_done(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM scored_images").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def busy_actor_on(cluster, node: str) -> bool:
    """An actor process of ``node`` is inside ScoreActor.score (Ray sets the process title per task)."""
    import psutil

    for pid in cluster.node_pids(node):
        try:
            if "ScoreActor.score" in " ".join(psutil.Process(pid).cmdline()):
                return True
        except psutil.Error:
            continue
    return False


@pytest.mark.slow
def test_worker_node_killed_mid_batch_loses_and_duplicates_nothing(tiny_onnx, city12, tmp_path, ray_lock):
    from camdetect.scoring.ray_cluster import LocalRayCluster, ray_start_available

    if reason := ray_start_available():
        pytest.skip(reason)
    subprocess.run(command(tiny_onnx, city12, tmp_path / "local"), check=True, capture_output=True, timeout=300)
    reference = boxes(tmp_path / "local")
    assert reference, "the tiny model found nothing: the comparison would prove nothing"

    cluster = LocalRayCluster(workers=1, cpus=1, nice=19, system_config=FAST_NODE_DEATH)
    try:
        try:
            cluster.start()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"cannot start a local two-node Ray cluster here: {exc}")
        out = tmp_path / "ray"
        proc = subprocess.Popen(command(tiny_onnx, city12, out, "--engine", "ray", "--ray-address", cluster.address,
                                        "--actors", "2"),
                                env=cluster.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 180
        while not busy_actor_on(cluster, "w0") and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        killed_at = n_done(out / "review.db")
        assert proc.poll() is None and killed_at < N_PANORAMAS, "the run ended before the worker could be killed"
        assert cluster.kill_node("w0")
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)
    assert proc.returncode == 0, stderr[-2000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["nodes_seen"] == 2
    assert {n["role"] for n in summary["nodes"].values()} == {"head", "worker"}  # both nodes had an actor
    assert summary["resubmitted_batches"] >= 1  # the worker's batch was lost with it and redone
    assert summary["scored"] + summary["skipped_done"] == N_PANORAMAS

    assert boxes(out) == reference  # 0 lost, 0 extra: same keys, same boxes as the local engine
    jsonl = sorted(r["key"] for r in read_jsonl(out / "out" / "suggestions.jsonl"))
    assert jsonl == sorted(r[0] for r in reference)  # sorted with repeats: a duplicated line would show
    assert n_done(out / "review.db") == N_PANORAMAS
    for rec in read_jsonl(out / "out" / "suggestions.jsonl"):
        assert (out / "media" / rec["image_path"]).is_file()  # views written by either node, none half-written
