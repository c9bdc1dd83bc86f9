"""training/ssl_backbone.py: SimSiam on real photos changes the backbone of a checkpoint and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "training" / "ssl_backbone.py"


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from camdetect.export.tiny import build_tiny_run

    return build_tiny_run(tmp_path_factory.mktemp("ssl") / "tiny", imgsz=64) / "weights" / "best.pt"


def _photos(folder: Path, n: int = 3) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for i in range(n):  # structure, not noise: bars and blobs at several scales
        im = np.full((300, 400, 3), 120, np.uint8)
        for _ in range(12):
            x, y = rng.integers(0, 380, 2)
            cv2.rectangle(im, (int(x), int(y)), (int(x) + 20, int(y) + 60), tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
        cv2.imwrite(str(folder / f"p{i}.jpg"), im)
    return folder


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_simsiam_trains_the_backbone_only(tmp_path: Path, tiny_checkpoint: Path) -> None:
    import torch

    photos = _photos(tmp_path / "street")
    out = tmp_path / "ssl.pt"
    r = _run("--weights", str(tiny_checkpoint), "--out", str(out), "--backgrounds", f"{photos}=1",
             "--steps", "3", "--batch", "4", "--size", "64", "--threads", "1")
    assert r.returncode == 0, r.stderr
    before = torch.load(tiny_checkpoint, map_location="cpu", weights_only=False)
    after = torch.load(out, map_location="cpu", weights_only=False)
    a = (before.get("ema") or before["model"]).float().state_dict()
    b = after["model"].float().state_dict()
    assert a.keys() == b.keys()
    changed = {k.split(".")[1] for k in a if a[k].dtype.is_floating_point and not torch.equal(a[k], b[k])}
    assert changed and all(int(i) <= 10 for i in changed), changed  # layers 0-10 moved, the neck and heads did not
    assert after["ssl"]["method"] == "simsiam" and after["ssl"]["steps"] == 3
    log = json.loads(out.with_suffix(".log.json").read_text())
    assert log[0]["step"] == 0 and np.isfinite(log[0]["loss"])


def test_ultralytics_starts_a_run_from_the_pretrained_checkpoint(tmp_path: Path, tiny_checkpoint: Path) -> None:
    from camdetect.env import configure_offline_ultralytics

    configure_offline_ultralytics()
    from ultralytics import YOLO

    photos = _photos(tmp_path / "street")
    out = tmp_path / "ssl.pt"
    assert _run("--weights", str(tiny_checkpoint), "--out", str(out), "--backgrounds", str(photos),
                "--steps", "1", "--batch", "2", "--size", "64").returncode == 0
    model = YOLO(str(out))
    boxes = model.predict(np.zeros((64, 64, 3), np.uint8), imgsz=64, verbose=False)
    assert len(boxes) == 1


def test_the_real_evaluation_set_is_refused_in_one_line(tmp_path: Path, tiny_checkpoint: Path) -> None:
    from camdetect.evaluate.real_images import REAL_SET

    photos = _photos(tmp_path / REAL_SET)
    r = _run("--weights", str(tiny_checkpoint), "--out", str(tmp_path / "x.pt"), "--backgrounds", str(photos),
             "--steps", "1")
    assert r.returncode != 0 and f"{REAL_SET} is for evaluation only" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
    assert not (tmp_path / "x.pt").exists()
