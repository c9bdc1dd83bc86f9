"""Scene statistics over a generated city: sizes, elevations, mixes (no pixels needed)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from camdetect.synth.city import scene_for
from camdetect.synth.scene import VIEW_PX_PER_DEG, project_sprite

N_SCENES = 240


@pytest.fixture(scope="module")
def city():
    scenes = [scene_for(11, i) for i in range(N_SCENES)]
    cams = [(sc, c, project_sprite(sc.layout, c.sprite, 4096, 2048)) for sc in scenes for c in sc.cameras]
    return scenes, cams


def test_size_distribution_matches_stanford(city):
    """Box width in 640-px, 90-degree views: Stanford 10/50/90th pct = 5 / 9 / 17 px."""
    _, cams = city
    w = np.array([pr.ang_w * VIEW_PX_PER_DEG for _, _, pr in cams])
    assert len(w) > 100
    p10, p50, p90 = np.percentile(w, [10, 50, 90])
    assert 3.5 <= p10 <= 7.0, p10
    assert 7.0 <= p50 <= 11.0, p50
    assert 12.5 <= p90 <= 21.0, p90


@pytest.mark.parametrize("type_, wider_than_tall", [("dome", True)])
def test_domes_are_wider_than_tall(city, type_, wider_than_tall):
    _, cams = city
    ratio = np.median([pr.ang_w / pr.ang_h for _, c, pr in cams if c.type == type_ and c.sprite.kind == "dome"])
    assert (ratio > 1.0) == wider_than_tall


def test_cameras_sit_above_the_horizon(city):
    _, cams = city
    pitch = np.array([pr.pitch for _, _, pr in cams])
    assert np.mean((pitch > 2) & (pitch < 25)) > 0.7
    assert np.median(pitch) > 4


def test_two_thirds_of_intersections_have_no_camera(city):
    scenes, _ = city
    none = np.mean([not sc.cameras for sc in scenes])
    assert 0.57 <= none <= 0.78  # New York: 67.5%


@pytest.mark.parametrize("attr, values", [
    ("type", {"dome", "bullet"}),
    ("mount", {"building", "street_furniture", "other"}),
    ("mount_detail", {"streetlight", "traffic_signal", "pole"}),
])
def test_every_class_is_represented(city, attr, values):
    _, cams = city
    counts = Counter(getattr(c, attr) for _, c, _ in cams)
    for v in values:
        assert counts[v] >= 5, (attr, counts)


def test_kinds_include_ptz_and_lookalikes(city):
    scenes, cams = city
    kinds = Counter(c.sprite.kind for _, c, _ in cams)
    assert {"dome", "ptz", "bullet"} <= set(kinds)
    looks = Counter(lk.type for sc in scenes for lk in sc.lookalikes)
    for k in ("lamp_cobra", "lamp_globe", "signal_head", "preemption_sensor", "sign_edge", "pir_sensor", "wall_light"):
        assert looks[k] > 0, looks


def test_street_furniture_detail_only_on_street_furniture(city):
    _, cams = city
    for _, c, _ in cams:
        assert (c.mount_detail != "") == (c.mount == "street_furniture")


def test_scene_is_deterministic():
    a, b = scene_for(3, 7), scene_for(3, 7)
    pa = [project_sprite(a.layout, c.sprite, 1024, 512) for c in a.cameras + a.lookalikes]
    pb = [project_sprite(b.layout, c.sprite, 1024, 512) for c in b.cameras + b.lookalikes]
    assert pa == pb


def test_cameras_hang_on_something(city):
    """No camera floats above its building's roof or its pole's top."""
    _, cams = city
    n_checked = 0
    for sc, c, _ in cams:
        z = c.sprite.pos[2]
        if c.mount == "building":
            assert z < c.roof, (sc.pano_id, c.placement, z, c.roof)
            n_checked += 1
        if c.mount_detail in ("streetlight", "pole"):
            item = next(it for it in sc.items if c.sprite in it.sprites)
            assert max(max(s.p0[2], s.p1[2]) for s in item.sticks) > z, (sc.pano_id, c.placement)
            n_checked += 1
    assert n_checked > 50
