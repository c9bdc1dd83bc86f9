"""training/adapt_bn.py: BatchNorm statistics re-estimated on photos change those statistics and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "training" / "adapt_bn.py"


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from camdetect.export.tiny import build_tiny_run

    return build_tiny_run(tmp_path_factory.mktemp("adabn") / "tiny", imgsz=64) / "weights" / "best.pt"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("street")
    rng = np.random.default_rng(0)
    for i in range(3):  # brighter and more varied than the tiny run's training noise, so the statistics move
        im = rng.integers(100, 256, (150, 200, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f"p{i}.png"), im)
    (folder / "held").mkdir()
    cv2.imwrite(str(folder / "held" / "h.png"), np.zeros((150, 200, 3), np.uint8))
    return folder


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def _state(path: Path) -> tuple[dict, dict]:
    import torch

    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    return ckpt, (ckpt.get("ema") or ckpt["model"]).float().state_dict()


def _stats(key: str) -> bool:
    return key.endswith(("running_mean", "running_var"))


def test_only_the_running_statistics_move(tmp_path: Path, tiny_checkpoint: Path, photos: Path) -> None:
    import torch

    out = tmp_path / "a.pt"
    r = _run("--weights", str(tiny_checkpoint), "--out", str(out), "--backgrounds", f"{photos}=3",
             "--exclude", "held/", "--batch", "4", "--threads", "1")
    assert r.returncode == 0, r.stderr
    assert "adapted" in r.stdout and str(out) in r.stdout
    _, before = _state(tiny_checkpoint)
    ckpt, after = _state(out)
    assert before.keys() == after.keys()
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved and all(_stats(k) for k in moved), sorted(moved)[:5]
    meta = ckpt["adapt_bn"]
    assert meta["photos"] == 3 and meta["inputs"] >= 3 and meta["mix"] == 1.0 and meta["exclude"] == ["held/"]
    assert meta["mean_shift_max"] > 0 and ckpt["optimizer"] is None

    half = tmp_path / "h.pt"
    assert _run("--weights", str(tiny_checkpoint), "--out", str(half), "--backgrounds", str(photos),
                "--exclude", "held/", "--mix", "0.5", "--batch", "4", "--threads", "1").returncode == 0
    _, mid = _state(half)
    for k in moved:  # half of the way, at fp16 resolution
        want = (before[k] + after[k]) / 2
        assert torch.allclose(mid[k], want, rtol=2e-3, atol=2e-3), k


def test_the_adapted_checkpoint_predicts(tmp_path: Path, tiny_checkpoint: Path, photos: Path) -> None:
    from camdetect.env import configure_offline_ultralytics

    configure_offline_ultralytics()
    from ultralytics import YOLO

    out = tmp_path / "a.pt"
    assert _run("--weights", str(tiny_checkpoint), "--out", str(out), "--backgrounds", str(photos),
                "--batch", "4", "--threads", "1").returncode == 0
    res = YOLO(str(out)).predict(np.zeros((64, 64, 3), np.uint8), imgsz=64, verbose=False)
    assert len(res) == 1 and res[0].boxes is not None


@pytest.mark.parametrize("case", ["missing", "garbage", "mix", "evaluation-set", "no-photos"])
def test_bad_input_is_one_line(tmp_path: Path, tiny_checkpoint: Path, photos: Path, case: str) -> None:
    weights, backgrounds, extra = str(tiny_checkpoint), str(photos), []
    if case == "missing":
        weights = str(tmp_path / "nope.pt")
    elif case == "garbage":
        (tmp_path / "bad.pt").write_text("not a checkpoint")
        weights = str(tmp_path / "bad.pt")
    elif case == "mix":
        extra = ["--mix", "1.5"]
    elif case == "evaluation-set":
        (tmp_path / "real-cameras-dev").mkdir()
        backgrounds = str(tmp_path / "real-cameras-dev")
    else:
        (tmp_path / "empty").mkdir()
        backgrounds = str(tmp_path / "empty")
    out = tmp_path / "o.pt"
    r = _run("--weights", weights, "--out", str(out), "--backgrounds", backgrounds, *extra)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert not out.exists()
