"""The street augmentations run through albumentations with YOLO boxes and never cut a camera."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.train.augment import street_augmentations
from camdetect.train.config import AugmentConfig


def test_disabled_gives_no_transforms():
    assert street_augmentations(AugmentConfig(enabled=False), 320) == []


@pytest.mark.parametrize("seed", range(5))
def test_every_transform_keeps_small_boxes_whole(seed):
    import albumentations as A

    cfg = AugmentConfig(blur=1.0, jpeg=1.0, brightness=1.0, fog=1.0, rain=1.0, safe_crop=1.0)
    ts = street_augmentations(cfg, 160)
    assert {type(t).__name__ for t in ts} >= {"ImageCompression", "RandomSizedBBoxSafeCrop", "RandomFog"}
    comp = A.Compose(ts, bbox_params=A.BboxParams(format="yolo", label_fields=["cls"]), seed=seed)
    img = np.random.default_rng(seed).integers(0, 255, (160, 160, 3), dtype=np.uint8)
    boxes = [(0.2, 0.3, 0.04, 0.04), (0.8, 0.6, 0.05, 0.03)]  # 6-8 px cameras
    out = comp(image=img, bboxes=boxes, cls=[0, 1])
    assert out["image"].shape == (160, 160, 3)
    assert len(out["bboxes"]) == 2  # none dropped or cut
    for (cx, cy, w, h), (_, _, w0, h0) in zip(out["bboxes"], boxes):
        assert w >= w0 * 0.99 and h >= h0 * 0.99  # the safe crop only zooms in
