"""Decoding the raw head output matches ultralytics' non_max_suppression."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.scoring.decode import decode_one


def raw_output(nc: int, anchors: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 320, (2, anchors))
    wh = rng.uniform(2, 80, (2, anchors))
    scores = rng.uniform(0, 1, (nc, anchors)) ** 4
    return np.concatenate([xy, wh, scores]).astype(np.float32)


@pytest.mark.parametrize("nc,anchors,seed,conf,iou", [(2, 2100, 0, 0.25, 0.7), (2, 2100, 1, 0.5, 0.45),
                                                       (1, 500, 2, 0.1, 0.7), (5, 8400, 3, 0.3, 0.6),
                                                       (2, 100, 4, 0.999, 0.7)])
def test_matches_ultralytics_nms(nc, anchors, seed, conf, iou):
    import torch
    from ultralytics.utils.nms import non_max_suppression

    raw = raw_output(nc, anchors, seed)
    ours = decode_one(raw, conf, iou)
    ref = non_max_suppression(torch.from_numpy(raw[None]), conf_thres=conf, iou_thres=iou, max_det=300)[0].numpy()
    assert len(ours) == len(ref)
    order = np.argsort(-ours.scores, kind="stable")
    assert np.allclose(ours.xyxy[order], ref[:, :4], atol=1e-3)
    assert np.allclose(ours.scores[order], ref[:, 4], atol=1e-6)
    assert (ours.class_ids[order] == ref[:, 5].astype(int)).all()


@pytest.mark.parametrize("nc,anchors,seed,conf,iou", [(2, 500, 5, 0.5, 0.5), (5, 2000, 6, 0.9, 0.5)])
def test_agnostic_decoding_matches_ultralytics_agnostic_nms(nc, anchors, seed, conf, iou):
    """`--nms agnostic`: one box per object whatever its class, as ultralytics' ``agnostic=True``."""
    import torch
    from ultralytics.utils.nms import non_max_suppression

    raw = raw_output(nc, anchors, seed)
    ours = decode_one(raw, conf, iou, class_agnostic=True)
    ref = non_max_suppression(torch.from_numpy(raw[None]), conf_thres=conf, iou_thres=iou, max_det=300,
                              agnostic=True)[0].numpy()
    assert len(ours) == len(ref) < len(decode_one(raw, conf, iou))
    order = np.argsort(-ours.scores, kind="stable")
    assert np.allclose(ours.xyxy[order], ref[:, :4], atol=1e-3)
    assert (ours.class_ids[order] == ref[:, 5].astype(int)).all()
