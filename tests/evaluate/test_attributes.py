"""Type and mount confusion on matched detections."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.evaluate.attributes import confusions

from .helpers import evalset, pred, truth

TYPES = ("dome", "bullet", "unknown")
MOUNTS = ("street_furniture", "building", "other")


def test_type_confusion_hand_case():
    es = evalset(
        [truth("a", [[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]], ["dome", "dome", "bullet"]), truth("b")],
        [pred("a", [[0, 0, 10, 10], [20, 0, 30, 10], [60, 0, 70, 10]], [0.9, 0.8, 0.7], ["dome", "bullet", "dome"]),
         pred("b", [[0, 0, 5, 5], [9, 9, 19, 19]], [0.9, 0.1])])  # the 0.1 one is below conf: ignored
    c = confusions(es, TYPES, MOUNTS, conf=0.25)
    t = c["type"]
    assert t.labels == ["dome", "bullet", "unknown", "background"]
    assert t.matrix.tolist() == [
        [1, 1, 0, 0],  # dome: one right, one called bullet
        [0, 0, 0, 1],  # bullet: missed
        [0, 0, 0, 0],
        [2, 0, 0, 0],  # two false "dome" predictions
    ]
    assert t.accuracy == pytest.approx(0.5)
    assert c["mount"] is None  # the model predicts no mount


def test_mount_confusion_when_predicted():
    es = evalset([truth("a", [[0, 0, 10, 10], [20, 0, 30, 10]], mounts=["building", "street_furniture"])],
                 [pred("a", [[0, 0, 10, 10], [20, 0, 30, 10]], [0.9, 0.9], mounts=["building", "building"])])
    m = confusions(es, TYPES, MOUNTS)["mount"]
    assert m.matrix[m.labels.index("building"), m.labels.index("building")] == 1
    assert m.matrix[m.labels.index("street_furniture"), m.labels.index("building")] == 1
    assert m.accuracy == pytest.approx(0.5)


@pytest.mark.parametrize("conf, n_fp", [(0.0, 2), (0.5, 1), (0.95, 0)])
def test_conf_threshold_filters_predictions(conf, n_fp):
    es = evalset([truth("a")], [pred("a", [[0, 0, 5, 5], [10, 10, 15, 15]], [0.9, 0.3])])
    t = confusions(es, TYPES, MOUNTS, conf=conf)["type"]
    assert int(np.sum(t.matrix[-1])) == n_fp and t.accuracy is None
