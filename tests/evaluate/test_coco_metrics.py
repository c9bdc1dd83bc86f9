"""COCO metrics on hand-computed cases, and faster-coco-eval against an independent AP computation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.evaluate.coco_metrics import coco_metrics
from camdetect.evaluate.matching import match_image

from .helpers import CLASSES, evalset, pred, truth

BOX = [0, 0, 10, 10]


@pytest.mark.parametrize("pred_box, ap50, ap75, ap", [
    (BOX, 1.0, 1.0, 1.0),  # perfect
    ([1, 0, 11, 10], 1.0, 1.0, 0.7),  # IoU 90/110 = 0.818: passes 0.50 ... 0.80, 7 of 10 thresholds
    ([2, 0, 12, 10], 1.0, 0.0, 0.4),  # IoU 80/120 = 0.667: passes 0.50 ... 0.65, 4 of 10
    ([5, 0, 15, 10], 0.0, 0.0, 0.0),  # IoU 1/3: a miss plus a false positive
])
def test_shifted_boxes(pred_box, ap50, ap75, ap):
    r = coco_metrics(evalset([truth("a", [BOX])], [pred("a", [pred_box], [0.9])]))
    assert (r.map50, r.map75, r.map50_95) == pytest.approx((ap50, ap75, ap))


@pytest.mark.parametrize("fp_score, expected", [
    (0.95, 0.5),  # a false positive above the true positive halves precision at every recall
    (0.50, 1.0),  # below it, AP does not notice
])
def test_false_positive_on_empty_image(fp_score, expected):
    es = evalset([truth("a", [BOX]), truth("b")],
                 [pred("a", [BOX], [0.9]), pred("b", [[50, 50, 60, 60]], [fp_score])])
    assert coco_metrics(es).map50 == pytest.approx(expected)


def test_half_recall_gives_51_of_101_points():
    es = evalset([truth("a", [BOX, [50, 50, 60, 60]])], [pred("a", [BOX], [0.9])])
    assert coco_metrics(es).map50 == pytest.approx(51 / 101)


def test_class_confusion_costs_class_ap_but_not_agnostic_ap():
    es = evalset([truth("a", [BOX], ["dome"])], [pred("a", [BOX], [0.9], ["bullet"])])
    r = coco_metrics(es)
    assert r.per_class["dome"]["AP50"] == 0.0
    assert r.per_class["bullet"]["AP50"] is None  # no bullet truth: undefined, not zero
    assert r.map50 == 0.0
    assert r.agnostic["AP50"] == 1.0


@pytest.mark.parametrize("truths, preds, expected", [
    ([truth("a", [BOX])], [], 0.0),  # no predictions at all
    ([truth("a"), truth("b")], [pred("a", [BOX], [0.9])], None),  # no truth boxes: undefined
    ([truth("a"), truth("b", [BOX])], [pred("b", [BOX], [0.9])], 1.0),  # empty image without preds
])
def test_empty_images(truths, preds, expected):
    r = coco_metrics(evalset(truths, preds))
    assert r.map50 == (pytest.approx(expected) if expected is not None else None)


def test_coco_small_and_own_tertiles():
    boxes = [[0, 0, s, s] for s in (4, 8, 16, 40)]
    r = coco_metrics(evalset([truth(f"i{k}", [b]) for k, b in enumerate(boxes)],
                             [pred(f"i{k}", [b], [0.9]) for k, b in enumerate(boxes)]))
    assert r.by_area["small"]["n_truth"] == 3 and r.by_area["medium"]["n_truth"] == 1
    assert [t["AP50"] for t in r.tertiles] == [1.0, 1.0, 1.0]
    assert sum(t["n_truth"] for t in r.tertiles) >= 4
    assert r.pr_curves["dome"]["precision"][0] == 1.0


# ------------------------------------------------------------------ independent AP (COCO's rules)
def reference_ap50(truths, preds) -> dict[str, float | None]:
    """101-point interpolated AP at IoU 0.5 per class, written from the COCO definition."""
    out = {}
    for k, name in enumerate(CLASSES):
        outcomes, n_gt = [], 0
        for t, p in zip(truths, preds):
            g = np.array([CLASSES.index(x) if x in CLASSES else 0 for x in t.types]) == k
            d = p.dets.class_ids == k
            n_gt += int(g.sum())
            m = match_image(t.boxes[g], p.dets.xyxy[d], p.dets.scores[d], 0.5)
            outcomes += list(zip(p.dets.scores[d], m.pred_to_gt >= 0))
        if not n_gt:
            out[name] = None
            continue
        outcomes.sort(key=lambda x: -x[0])
        tp = np.cumsum([o[1] for o in outcomes])
        fp = np.cumsum([not o[1] for o in outcomes])
        rc = tp / n_gt
        pr = np.maximum.accumulate((tp / np.maximum(tp + fp, 1))[::-1])[::-1] if len(outcomes) else np.zeros(0)
        idx = np.searchsorted(rc, np.linspace(0, 1, 101), side="left")
        out[name] = float(np.mean([pr[i] if i < len(pr) else 0.0 for i in idx]))
    return out


@st.composite
def random_sets(draw):
    n_img = draw(st.integers(1, 4))
    truths, preds, score_pool = [], [], iter(draw(st.permutations(range(1, 200))))
    for i in range(n_img):
        gts = draw(st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80), st.integers(4, 20),
                                      st.integers(4, 20), st.sampled_from(CLASSES)), max_size=4))
        boxes, types, pboxes, ptypes = [], [], [], []
        for x, y, w, h, c in gts:
            boxes.append([x, y, x + w, y + h])
            types.append(c)
            if draw(st.booleans()):  # detected, maybe shifted, maybe with the wrong class
                dx, dy = draw(st.integers(-4, 4)), draw(st.integers(-4, 4))
                pboxes.append([x + dx, y + dy, x + w + dx, y + h + dy])
                ptypes.append(c if draw(st.integers(0, 3)) else draw(st.sampled_from(CLASSES)))
        for x, y, c in draw(st.lists(st.tuples(st.integers(0, 90), st.integers(0, 90), st.sampled_from(CLASSES)),
                                     max_size=3)):
            pboxes.append([x, y, x + 8, y + 8])
            ptypes.append(c)
        scores = [next(score_pool) / 200 for _ in pboxes]  # distinct: no tie-order ambiguity
        truths.append(truth(f"img{i}", boxes, types, size=(120, 120)))
        preds.append(pred(f"img{i}", pboxes, scores, ptypes))
    return truths, preds


@given(random_sets())
@settings(max_examples=40, deadline=None)
def test_faster_coco_eval_matches_reference_ap(case):
    truths, preds = case
    r = coco_metrics(evalset(truths, preds))
    ref = reference_ap50(truths, preds)
    for name in CLASSES:
        got = r.per_class[name]["AP50"]
        if ref[name] is None:
            assert got is None
        else:
            assert got == pytest.approx(ref[name], abs=1e-6), name
