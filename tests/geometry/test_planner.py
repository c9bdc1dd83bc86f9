"""View plans: the default config, YAML errors, headings and assigning a direction to one view."""

from __future__ import annotations

import numpy as np
import pytest

from camdetect.geometry import ViewPlan, best_view, plan_views
from camdetect.geometry.planner import DEFAULT_PLAN_PATH


def test_default_config_loads_and_matches_dataclass_defaults():
    assert DEFAULT_PLAN_PATH.is_file()
    plan = ViewPlan.from_yaml(DEFAULT_PLAN_PATH)
    assert plan == ViewPlan.from_yaml() == ViewPlan()
    assert plan.overlap > 0  # neighbouring views overlap: no gaps at the horizon
    assert 2 <= plan.pitch <= 17  # cameras hang above eye level


@pytest.mark.parametrize(
    "n, offset, expected",
    [(4, 0.0, [0, 90, 180, 270]), (3, 350.0, [350, 110, 230]), (1, 0.0, [0]), (8, 22.5, [22.5 + 45 * i for i in range(8)])],
)
def test_plan_views_headings(n, offset, expected):
    plan = ViewPlan(n_headings=n, heading_offset=offset, pitch=10, fov=60, width=320, height=240)
    views = plan_views("pano-1", plan)
    assert [v.heading for v in views] == pytest.approx(expected)
    assert all((v.pano_id, v.pitch, v.fov, v.width, v.height) == ("pano-1", 10, 60, 320, 240) for v in views)
    assert len({v.view_id for v in views}) == n


@pytest.mark.parametrize(
    "text, message",
    [
        ("n_headings: 0\n", "n_headings: must be >= 1, got 0"),
        ("fov: 190\n", "fov: must be < 180"),
        ("pitch: 100\n", "pitch: must be <= 90"),
        ("colour: red\n", "colour: unknown key"),
        ("fov: wide\n", "fov: expected a number, got 'wide'"),
        ("- 1\n- 2\n", "expected a mapping"),
        ("fov: [1,\n", "not valid YAML"),
        ("upper_headings: -1\n", "upper_headings: must be >= 0"),
        ("upper_headings: 5\nupper_pitch: 95\n", "upper_pitch: must be <= 90"),
    ],
)
def test_bad_yaml_names_the_file(tmp_path, text, message):
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as exc:
        ViewPlan.from_yaml(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_missing_yaml(tmp_path):
    with pytest.raises(FileNotFoundError, match="plan.yaml"):
        ViewPlan.from_yaml(tmp_path / "plan.yaml")


@pytest.mark.parametrize(
    "heading, pitch, expected",
    [(0.0, 15.0, 0), (44.0, 15.0, 1), (359.0, 5.0, 0), (341.0, 15.0, 9), (343.0, 15.0, 0), (100.0, 80.0, None),
     (180.0, -60.0, None)],
)
def test_best_view(heading, pitch, expected):
    views = plan_views("p")
    assert best_view(views, heading, pitch) == expected


def test_two_rings_plan_adds_an_upper_ring_that_sees_overhead_cameras():
    """configs/views/two-rings.yaml: the default ring, then 6 views at pitch 57 offset by half a step; a camera at
    +45 deg (right overhead, no view of the default ring shows it) is in one of them."""
    from camdetect.geometry.planner import DEFAULT_PLAN_PATH

    plan = ViewPlan.from_yaml(DEFAULT_PLAN_PATH.with_name("two-rings.yaml"))
    views = plan_views("p", plan)
    assert plan.views_per_pano == len(views) == 16 and len({v.view_id for v in views}) == 16
    assert [(v.heading, v.pitch) for v in views[:10]] == [(v.heading, v.pitch) for v in plan_views("p")]
    assert [v.heading for v in views[10:]] == pytest.approx([30.0 + 60 * i for i in range(6)])
    assert {v.pitch for v in views[10:]} == {57.0}
    assert "+ 6 at pitch 57" in plan.upper_text() and ViewPlan().upper_text() == ""
    for heading in (0.0, 36.0, 100.0, 250.0):  # 36: between two upper views
        assert best_view(plan_views("p"), heading, 45.0) is None
        assert best_view(views, heading, 45.0) >= 10


def test_best_views_is_best_view_for_many_directions_at_once():
    """The vectorised form (geometry report, eval's cameras outside the plan) picks the same view as the scalar one
    for every direction, both rings, unseen ones included (-1)."""
    from camdetect.geometry import best_views
    from camdetect.geometry.planner import DEFAULT_PLAN_PATH

    rng = np.random.default_rng(3)
    heading, pitch = rng.uniform(0, 360, 400), rng.uniform(-90, 90, 400)
    for plan in (ViewPlan(), ViewPlan.from_yaml(DEFAULT_PLAN_PATH.with_name("two-rings.yaml"))):
        views = plan_views("p", plan)
        got = best_views(views, heading, pitch)
        want = [best_view(views, h, p) for h, p in zip(heading, pitch)]
        assert [None if i < 0 else int(i) for i in got] == want
        assert (got < 0).any() and (got >= 0).any()
