"""Mount classifier guards: crops that cannot train it are skipped (recorded, nothing written), a model whose
val predictions are one class is degenerate; neither reaches export or evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from camdetect.train.attributes import (
    MIN_CROPS_PER_CLASS,
    crop_counts,
    mount_readiness,
    mount_status,
    output_spread,
    spread,
    train_mount_classifier,
)
from camdetect.train.config import TrainConfig

MOUNTS = ("street_furniture", "building", "other")


def _crops(root: Path, counts: dict[str, dict[str, int]]) -> Path:
    """DATA/data.yaml + crops/{split}/{mount}/*.jpg with ``counts[split][mount]`` small images (every
    mount folder made, as `camdetect dataset build` makes them)."""
    import cv2

    rng = np.random.default_rng(0)
    (root / "data.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames: {0: dome}\n")
    for split, per in counts.items():
        for m in MOUNTS:
            d = root / "crops" / split / m
            d.mkdir(parents=True, exist_ok=True)
            for i in range(per.get(m, 0)):
                cv2.imwrite(str(d / f"{m}_{i}.jpg"), rng.integers(0, 255, (32, 32, 3), dtype=np.uint8))
    return root


@pytest.mark.parametrize("counts, expected", [
    ({"street_furniture": 12, "building": 8, "other": 5}, None),
    ({"street_furniture": 12, "building": 8, "other": 0},
     "the train crops hold 2 of the taxonomy's 3 mounts (none of other; crops: street_furniture 12, building 8, other 0)"),
    ({"street_furniture": 20, "building": 0, "other": 0}, "hold 1 of the taxonomy's 3 mounts (none of building, other"),
    ({"street_furniture": 12, "building": 4, "other": 9}, f"fewer than {MIN_CROPS_PER_CLASS} train crops of building"),
])
def test_readiness(counts, expected):
    reason = mount_readiness(counts, MOUNTS)
    assert reason is None if expected is None else expected in reason


@pytest.mark.parametrize("predicted, degenerate, top", [
    (["street_furniture"] * 20, True, 1.0),  # the demo's model: every crop street_furniture
    (["building"] * 99 + ["other"], True, 0.99),
    (["building"] * 98 + ["other"] * 2, False, 0.98),
    (["building", "other", "street_furniture"], False, 0.3333),
    ([], None, None),  # no val crops: not checked
])
def test_spread(predicted, degenerate, top):
    s = spread(predicted)
    assert s["degenerate"] is degenerate and s["top_share"] == top


@pytest.mark.parametrize("info, usable", [
    ({}, True),  # an older run: its weights decide
    ({"mount_model": {"class_names": ["a"]}}, True),
    ({"mount_model": {"status": "trained"}}, True),
    ({"mount_model": {"status": "skipped", "reason": "r"}}, False),
    ({"mount_model": {"status": "degenerate", "reason": "r"}}, False),
])
def test_mount_status(info, usable):
    assert mount_status(info)[0] is usable


def test_two_of_three_mounts_is_skipped_without_training(tmp_path, capsys):
    """The demo's case: 20 crops of 2 mounts. Nothing is trained, the run records why, and a classifier a
    resumed run left behind is removed."""
    data = _crops(tmp_path / "ds", {"train": {"street_furniture": 12, "building": 8}, "val": {"building": 3}})
    run = tmp_path / "run"
    (run / "mount" / "weights").mkdir(parents=True)
    (run / "mount" / "weights" / "best.pt").write_bytes(b"old")
    summary = train_mount_classifier(TrainConfig(data=str(data)), run)
    assert summary["status"] == "skipped" and summary["weights"] is None
    assert "2 of the taxonomy's 3 mounts" in summary["reason"]
    assert summary["train_crops"] == {"street_furniture": 12, "building": 8, "other": 0}
    assert summary["val_crops"]["building"] == 3
    assert json.loads((run / "mount" / "mount.json").read_text()) == summary
    assert not (run / "mount" / "weights").exists()
    assert "mount classifier not trained: the train crops hold 2" in capsys.readouterr().out


def test_crop_counts_lists_every_mount(tmp_path):
    data = _crops(tmp_path / "ds", {"train": {"building": 2}})
    assert crop_counts(data / "crops" / "train", MOUNTS) == {"street_furniture": 0, "building": 2, "other": 0}
    assert crop_counts(data / "crops" / "nope", MOUNTS) == dict.fromkeys(MOUNTS, 0)


def test_constant_classifier_is_degenerate(tmp_path):
    """A real YOLO11n-cls whose head always answers one class, run on real val crops: degenerate."""
    import torch
    from ultralytics import YOLO

    from camdetect.export.tiny import build_tiny_mount_classifier

    weights = build_tiny_mount_classifier(tmp_path / "run", imgsz=32)
    model = YOLO(str(weights), task="classify")
    linear = model.model.model[-1].linear
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.tensor([5.0, -5.0, -5.0]))
    model.model.args = {"imgsz": 32, "task": "classify"}  # as a trained classifier's checkpoint says
    model.model.task = "classify"
    model.save(weights)
    data = _crops(tmp_path / "ds", {"val": {"street_furniture": 2, "building": 3, "other": 2}})
    s = output_spread(weights, data / "crops" / "val")
    assert s["degenerate"] is True and s["top_share"] == 1.0 and s["n_val_crops"] == 7
    assert s["top_class"] == MOUNTS[0]
