"""Fixtures shared by the training tests."""

from __future__ import annotations

import dataclasses

import pytest

from camdetect.train.config import ROOT, TrainConfig

RECIPE = ROOT / "configs" / "train" / "default.yaml"  # camdetect-p2, scales t (first) and n


@pytest.fixture(scope="session")
def wide_checkpoint(tmp_path_factory):
    """(YOLO, path): camdetect-p2 built at scale n and saved as an ultralytics checkpoint (untrained: only the
    shapes matter), the width of models/camdetect-wide.pt."""
    from camdetect.train.detector import import_ultralytics

    YOLO = import_ultralytics(1)
    tmp = tmp_path_factory.mktemp("wide")
    cfg = dataclasses.replace(TrainConfig.from_yaml(RECIPE), model_scale="n")
    YOLO(cfg.model_yaml(tmp), task="detect").save(tmp / "wide.pt")
    return YOLO, tmp / "wide.pt"
