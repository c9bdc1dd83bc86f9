"""View plans: the default config, YAML errors, headings and assigning a direction to one view."""

from __future__ import annotations

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
