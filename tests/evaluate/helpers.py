"""Small builders for hand-made evaluation cases."""

from __future__ import annotations

import numpy as np

from camdetect.evaluate.samples import EvalSet, ImagePrediction, ImageTruth, align
from camdetect.records import Detections

CLASSES = ("dome", "bullet")


def truth(image: str, boxes=(), types=None, mounts=None, inter: str = "", cams=None, size=(640, 640)) -> ImageTruth:
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    return ImageTruth(image, inter, size[0], size[1], boxes, types or ["dome"] * len(boxes),
                      mounts or [], cams or [])


def pred(image: str, boxes=(), scores=(), types=None, mounts=None) -> ImagePrediction:
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    types = types or ["dome"] * len(boxes)
    dets = Detections(boxes, np.asarray(scores, np.float32).reshape(-1),
                      np.array([CLASSES.index(t) if t in CLASSES else 0 for t in types], np.int64))
    return ImagePrediction(image, dets, list(types), mounts)


def evalset(truths, preds) -> EvalSet:
    return align(list(truths), list(preds), CLASSES)
