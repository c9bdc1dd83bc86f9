"""The review-effort model: arithmetic by hand, physical-camera recall, targets, config errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camdetect.evaluate.effort import EffortModel, effort_curve

from .helpers import evalset, pred, truth


@pytest.mark.parametrize("kw, n_int, n_sugg, expected", [
    # default (Decode Surveillance NYC): full = 10 x 90 x 3 = 2700 s;
    # assisted = 20 x 3 x 3 + 0.05 x 2700 = 180 + 135 = 315 s -> saved 1 - 315/2700
    ({}, 10, 20, 1 - 315 / 2700),
    ({}, 10, 0, 0.95),  # nothing to verify: only the 5% spot check remains
    ({"spot_check_share": 0.0}, 10, 300, 0.0),  # 300 x 9 s = 2700 s: break-even
    ({"spot_check_share": 0.0}, 10, 600, -1.0),  # reviewing twice the cost of searching
    ({"verify_reviewers": 1, "spot_check_share": 0.1, "per_intersection_s": 6}, 4, 8,
     1 - (4 * 6 + 0.1 * 4 * 270 + 8 * 3) / (4 * 270)),
    ({"full_search_s": 60, "full_search_reviewers": 1, "verify_s": 2, "verify_reviewers": 2,
      "spot_check_share": 0.0}, 1, 5, 1 - 20 / 60),
])
def test_effort_saved_arithmetic(kw, n_int, n_sugg, expected):
    assert EffortModel(**kw).saved(n_int, n_sugg) == pytest.approx(expected)


@given(st.integers(1, 500), st.lists(st.integers(0, 5000), min_size=2, max_size=10),
       st.floats(0, 1), st.floats(0.5, 10))
@settings(max_examples=50, deadline=None)
def test_saved_never_rises_with_more_suggestions(n_int, counts, spot, verify):
    m = EffortModel(spot_check_share=spot, verify_s=verify)
    counts = np.sort(counts)
    saved = m.saved(n_int, counts)
    assert np.all(np.diff(saved) <= 1e-12)
    assert np.all(saved <= 1 - spot + 1e-12)


def _two_view_camera_set():
    # intersection X: one physical camera seen in two views (same camera id), found in one view only;
    # intersection Y: two cameras, one found with a low score; intersection Z: no camera, one false alarm.
    t = [truth("x1", [[0, 0, 10, 10]], inter="X", cams=["X|c1"]),
         truth("x2", [[30, 30, 40, 40]], inter="X", cams=["X|c1"]),
         truth("y1", [[0, 0, 10, 10], [50, 50, 60, 60]], inter="Y"),
         truth("z1", inter="Z")]
    p = [pred("x1", [[0, 0, 10, 10]], [0.9]),
         pred("y1", [[0, 0, 10, 10], [50, 50, 60, 60]], [0.8, 0.2]),
         pred("z1", [[5, 5, 15, 15]], [0.6])]
    return evalset(t, p)


def test_recall_counts_physical_cameras_once():
    c = effort_curve(_two_view_camera_set(), EffortModel(targets=(0.6, 0.9, 1.0)))
    assert c.n_cameras == 3 and c.n_intersections == 3
    # thresholds descending: inf, 0.9, 0.8, 0.6, 0.2
    assert c.thresholds[1:].tolist() == pytest.approx([0.9, 0.8, 0.6, 0.2])
    assert c.recall.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3, 1.0])
    assert c.suggestions_per_intersection.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3])
    at = {round(t["target_recall"], 2): t for t in c.at_targets}
    assert at[0.6]["threshold"] == pytest.approx(0.8)  # 0.8 beats 0.6: same recall, fewer suggestions
    assert at[0.6]["saved"] == pytest.approx(1 - (2 * 9 + 0.05 * 3 * 270) / (3 * 270))
    assert at[1.0]["threshold"] == pytest.approx(0.2) and at[1.0]["reached"]


def test_target_never_reached_is_said():
    es = evalset([truth("a", [[0, 0, 10, 10], [50, 50, 60, 60]])], [pred("a", [[0, 0, 10, 10]], [0.9])])
    c = effort_curve(es)
    assert c.max_recall == pytest.approx(0.5)
    assert [t["reached"] for t in c.at_targets] == [False, False]
    assert "at most 50.0%" in c.at_targets[0]["note"]


def test_spot_check_recall_is_expected_extra_finds():
    c = effort_curve(_two_view_camera_set(), EffortModel(spot_check_share=0.1))
    assert c.recall_with_spot_check == pytest.approx(c.recall + 0.1 * (1 - c.recall))


@pytest.mark.parametrize("text, message", [
    ("verify_s: 3\nbogus: 1\n", "bogus: unknown key (expected one of: name, full_search_s"),
    ("spot_check_share: 2\n", "spot_check_share: must be <= 1, got 2"),
    ("full_search_s: 0\n", "full_search_s: must be > 0, got 0"),
    ("- 1\n- 2\n", "expected a mapping"),
])
def test_bad_effort_config_names_the_file(tmp_path, text, message):
    path = tmp_path / "effort.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=str(path)) as err:
        EffortModel.from_yaml(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_shipped_default_config_is_the_documented_model():
    from pathlib import Path

    m = EffortModel.from_yaml(Path(__file__).parents[2] / "configs" / "effort" / "default.yaml")
    assert m == EffortModel()


def test_closed_form_target_matches_the_curve():
    es = _two_view_camera_set()
    m = EffortModel(targets=(0.6, 0.9, 1.0))
    c = effort_curve(es, m, n_boot=0)
    from camdetect.evaluate.effort import camera_scores, saved_at_target

    cams = np.array(list(camera_scores(es).values()))
    preds = np.sort(np.concatenate([p.dets.scores for p in es.preds]).astype(np.float64))
    for t in c.at_targets:
        assert saved_at_target(cams, preds, c.n_intersections, m, t["target_recall"]) == pytest.approx(t["saved"])
    assert saved_at_target(np.array([0.0, 0.5]), preds, 3, m, 1.0) is None  # a camera nobody found


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bootstrap_interval_is_ordered_and_bounded(seed):
    from camdetect.evaluate.effort import bootstrap_targets

    boot = bootstrap_targets(_two_view_camera_set(), EffortModel(targets=(0.6, 1.0)), n_boot=50, seed=seed)
    for b in boot:
        assert 0 < b["reached_share"] <= 1
        lo, hi = b["saved_ci90"]
        assert lo <= hi <= 1 - EffortModel().spot_check_share + 1e-9
    assert boot == bootstrap_targets(_two_view_camera_set(), EffortModel(targets=(0.6, 1.0)), n_boot=50, seed=seed)


def test_curve_carries_bootstrap():
    c = effort_curve(_two_view_camera_set(), EffortModel(targets=(0.6,)), n_boot=20)
    assert c.at_targets[0]["bootstrap"]["n_boot"] == 20


def test_suggestion_breakdown_separates_repeats_and_false_alarms():
    from camdetect.evaluate.effort import suggestion_breakdown

    es = evalset([truth("x1", [[0, 0, 10, 10]], inter="X", cams=["X|c1"]),
                  truth("x2", [[30, 30, 40, 40]], inter="X", cams=["X|c1"])],
                 [pred("x1", [[0, 0, 10, 10], [60, 60, 70, 70]], [0.9, 0.8]),
                  pred("x2", [[30, 30, 40, 40]], [0.7])])  # the same camera again in the second view
    assert suggestion_breakdown(es, 0.5) == {"new_camera": 1, "repeat": 1, "false_alarm": 1}
    assert suggestion_breakdown(es, 0.85) == {"new_camera": 1, "repeat": 0, "false_alarm": 0}
    c = effort_curve(es, EffortModel(targets=(1.0,)), n_boot=0)
    assert c.at_targets[0]["suggestions"] == {"new_camera": 1, "repeat": 0, "false_alarm": 0}
