"""Per-class AP with licence-plate readers: a 3-class model on 3-class truth, and a 2-class (dome,
bullet) model on truth with alpr, where alpr truth is its own class with no predictions (AP 0, in the
mAP; class-agnostic AP still counts a dome/bullet box on it as found)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from camdetect.evaluate.coco_metrics import coco_metrics
from camdetect.evaluate.report import EvalOptions, evaluate, write_report
from camdetect.evaluate.samples import ImagePrediction, align
from camdetect.records import Detections
from camdetect.taxonomy import load_taxonomy

from .helpers import truth

DOME, PLATE = [0, 0, 10, 10], [40, 0, 60, 12]
TWO, THREE = ("dome", "bullet"), ("dome", "bullet", "alpr")


def pred(image, boxes, scores, types, classes):
    dets = Detections(np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(scores, np.float32),
                      np.array([classes.index(t) for t in types], np.int64))
    return ImagePrediction(image, dets, list(types))


# model classes, predicted (box, type) pairs, expected: classes, AP50 dome, AP50 alpr, mAP50, agnostic AP50
CASES = [
    pytest.param(THREE, [(DOME, "dome"), (PLATE, "alpr")], THREE, 1.0, 1.0, 1.0, 1.0, id="3-class-model-right"),
    pytest.param(THREE, [(DOME, "dome"), (PLATE, "bullet")], THREE, 1.0, 0.0, 0.5, 1.0, id="3-class-alpr-as-bullet"),
    pytest.param(TWO, [(DOME, "dome"), (PLATE, "bullet")], THREE, 1.0, 0.0, 0.5, 1.0, id="2-class-model-box-on-alpr"),
    pytest.param(TWO, [(DOME, "dome")], THREE, 1.0, 0.0, 0.5, 51 / 101, id="2-class-model-misses-alpr"),
]


@pytest.mark.parametrize("model_classes, boxes, classes, ap_dome, ap_alpr, map50, agnostic", CASES)
def test_per_class_ap_with_alpr(model_classes, boxes, classes, ap_dome, ap_alpr, map50, agnostic):
    t = truth("a", [DOME, PLATE], ["dome", "alpr"])
    p = pred("a", [b for b, _ in boxes], [0.9 - 0.1 * i for i in range(len(boxes))], [ty for _, ty in boxes],
             model_classes)
    es = align([t], [p], model_classes)
    assert es.classes == classes and es.class_of("alpr") == 2 and es.class_of("dome") == 0
    r = coco_metrics(es)
    assert r.per_class["dome"]["AP50"] == pytest.approx(ap_dome)
    assert r.per_class["alpr"]["AP50"] == pytest.approx(ap_alpr) and r.per_class["alpr"]["n_truth"] == 1
    assert r.per_class["bullet"]["AP50"] is None  # no bullet truth: undefined, not zero
    assert r.map50 == pytest.approx(map50) and r.agnostic["AP50"] == pytest.approx(agnostic)


def test_two_class_model_on_truth_without_alpr_keeps_two_classes():
    es = align([truth("a", [DOME], ["dome"])], [pred("a", [DOME], [0.9], ["dome"], TWO)], TWO)
    assert es.classes == TWO and set(coco_metrics(es).per_class) == {"dome", "bullet"}


def test_report_with_three_classes(tmp_path):
    tax = load_taxonomy()
    es = align([truth("a", [DOME, PLATE], ["dome", "alpr"], ["building", "street_furniture"], inter="I1")],
               [pred("a", [DOME, PLATE], [0.9, 0.8], ["dome", "bullet"], TWO)], TWO)
    result, objects = evaluate(es, tuple(tax.types), tuple(tax.mounts), EvalOptions(), {"model": "2-class"})
    write_report(result, objects, tmp_path)
    loaded = json.loads((tmp_path / "report.json").read_text())
    assert loaded["coco"]["per_class"]["alpr"]["AP50"] == 0.0
    assert loaded["coco"]["mAP50"] == pytest.approx(0.5)
    assert "alpr" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("pred_types, truth_types, expected", [
    (["dome"], ["dome"], TWO),  # saved predictions of a dome/bullet model: reported like the model itself
    (["dome", "alpr"], ["dome"], THREE),  # a 3-class model's predictions
    (["bullet"], ["alpr"], THREE),  # alpr truth stays its own class (no predictions of it)
    ([], [], TWO),
])
def test_classes_of_saved_predictions(pred_types, truth_types, expected):
    from camdetect.evaluate.samples import used_classes

    p = [pred("a", [DOME] * len(pred_types), [0.5] * len(pred_types), pred_types, THREE)]
    t = [truth("a", [DOME] * len(truth_types), truth_types)]
    assert used_classes(THREE, p, t) == expected
