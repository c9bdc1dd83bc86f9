"""Type and mount confusion matrices on matched detections (class-agnostic match, IoU >= 0.5).

Matching ignores the class so that a dome predicted as bullet shows up as a confusion rather than as
one miss plus one false positive. Rows are truth, columns prediction; the extra ``background`` row
counts unmatched predictions (false positives) and the ``background`` column unmatched truth (misses),
as in ultralytics' confusion matrix. Only predictions with score >= ``conf`` take part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camdetect.evaluate.matching import match_image
from camdetect.evaluate.samples import EvalSet

BACKGROUND = "background"


@dataclass
class Confusion:
    labels: list[str]  # row/column names; the last one is "background"
    matrix: np.ndarray  # (n, n) counts, rows = truth, cols = prediction

    @property
    def accuracy(self) -> float | None:
        """Share of matched pairs with the right label (background excluded)."""
        core = self.matrix[:-1, :-1]
        return float(np.trace(core) / core.sum()) if core.sum() else None

    def as_dict(self) -> dict:
        return {"labels": self.labels, "matrix": self.matrix.astype(int).tolist(), "accuracy": self.accuracy}


def _labels(values: list[str], known: tuple[str, ...]) -> list[str]:
    extra = sorted(set(values) - set(known) - {BACKGROUND})
    return [*known, *extra, BACKGROUND]


def confusions(es: EvalSet, types: tuple[str, ...], mounts: tuple[str, ...], conf: float = 0.25,
               iou_thr: float = 0.5) -> dict[str, Confusion | None]:
    """{"type": Confusion, "mount": Confusion or None when no prediction carries a mount}."""
    pairs: dict[str, list[tuple[str, str]]] = {"type": [], "mount": []}
    with_mount = es.has_mounts
    for t, p in zip(es.truth, es.preds):
        keep = p.dets.scores >= conf
        idx = np.flatnonzero(keep)
        m = match_image(t.boxes, p.dets.xyxy[idx], p.dets.scores[idx], iou_thr)
        for j_local, i in enumerate(m.pred_to_gt):
            j = idx[j_local]
            pt = p.types[j] if j < len(p.types) else es.classes[int(p.dets.class_ids[j])]
            pm = p.mounts[j] if p.mounts is not None else BACKGROUND
            if i >= 0:
                pairs["type"].append((t.types[i], pt))
                pairs["mount"].append((t.mounts[i], pm))
            else:
                pairs["type"].append((BACKGROUND, pt))
                pairs["mount"].append((BACKGROUND, pm))
        for i in np.flatnonzero(m.gt_to_pred < 0):
            pairs["type"].append((t.types[i], BACKGROUND))
            pairs["mount"].append((t.mounts[i], BACKGROUND))
    out: dict[str, Confusion | None] = {}
    for what, known in (("type", types), ("mount", mounts)):
        if what == "mount" and not with_mount:
            out[what] = None
            continue
        labels = _labels([a for pr in pairs[what] for a in pr], known)
        mat = np.zeros((len(labels), len(labels)), np.int64)
        for a, b in pairs[what]:
            mat[labels.index(a), labels.index(b)] += 1
        out[what] = Confusion(labels, mat)
    return out
