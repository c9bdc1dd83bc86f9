"""Simulated volunteers: Amnesty's exact columns and values, and realistic errors."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

import numpy as np
import pytest

from camdetect.synth.volunteers import CAMERAS_COLUMNS, COUNTS_COLUMNS, TruthPoint, simulate, write_volunteers
from camdetect.taxonomy import Taxonomy

AMNESTY_CAMERAS = ["DecoderId", "IntersectionId", "SubmissionId", "Type", "Attached", "Createdtime", "Id", "Title",
                   "Pov.heading", "Pov.pitch", "Pov.zoom", "Updatedtime", "DecoderGenericId"]
AMNESTY_COUNTS = ["SubmissionId", "DecoderId", "DecoderGenericId", "IntersectionId", "StartTime", "EndTime",
                  "n_cameras", "attached_street", "attached_building", "attached_unknown", "type_dome",
                  "type_bullet", "type_unknown"]


def _city(n=150, seed=0):
    rng = np.random.default_rng(seed)
    inters = []
    for i in range(n):
        pts = []
        if rng.random() < 0.5:
            for _ in range(int(rng.integers(1, 4))):
                pts.append(TruthPoint(float(rng.uniform(0, 360)), float(rng.uniform(2, 17)),
                                      float(rng.lognormal(np.log(1.27), 0.5)), str(rng.choice(["dome", "bullet"])),
                                      str(rng.choice(["building", "street_furniture"])), True))
        pts.append(TruthPoint(float(rng.uniform(0, 360)), 8.0, 1.0, "traffic_sensor", "street_furniture", False))
        inters.append((f"syn-{i:04d}", pts))
    return inters


@pytest.fixture(scope="module")
def sim():
    inters = _city()
    rows, counts, pool = simulate(np.random.default_rng(1), inters, k=3)
    return inters, rows, counts, pool


def test_columns_are_amnestys():
    assert CAMERAS_COLUMNS == AMNESTY_CAMERAS
    assert COUNTS_COLUMNS == AMNESTY_COUNTS


def test_written_files_have_exact_headers(sim, tmp_path):
    _, rows, counts, pool = sim
    write_volunteers(tmp_path, rows, counts, pool)
    for name, cols in (("cameras.csv", AMNESTY_CAMERAS), ("counts.csv", AMNESTY_COUNTS)):
        with open(tmp_path / name, newline="") as fh:
            assert next(csv.reader(fh)) == cols
    assert (tmp_path / "volunteers.csv").exists()


def test_k_volunteers_per_intersection_from_a_shared_pool(sim):
    inters, _, counts, pool = sim
    per = Counter(c["IntersectionId"] for c in counts)
    assert set(per.values()) == {3} and len(per) == len(inters)
    assert len(pool) < len(inters)  # each volunteer does many intersections
    assert max(v.n_submissions for v in pool) >= 10


@pytest.mark.parametrize("column, allowed", [
    ("Attached", {"street_light/traffic_signal/road_sign", "building", "unknown"}),
    ("Type", {"dome", "bullet", "unknown"}),
])
def test_raw_values_are_amnesty_like(sim, column, allowed):
    _, rows, _, _ = sim
    assert {r[column] for r in rows} <= allowed


def test_taxonomy_maps_every_raw_value(sim):
    tax = Taxonomy.load()
    _, rows, _, _ = sim
    for r in rows[:300]:
        assert tax.map_type(r["Type"]) in ("dome", "bullet", "unknown")
        assert tax.map_mount(r["Attached"]) in ("street_furniture", "building", "other")
        assert tax.map_type(r["Title"], strict=False, default="unknown") in ("dome", "bullet", "unknown")


def test_counts_agree_with_tags(sim):
    _, rows, counts, _ = sim
    per_sub = defaultdict(list)
    for r in rows:
        per_sub[r["SubmissionId"]].append(r)
    for c in counts:
        tags = per_sub.get(c["SubmissionId"], [])
        assert c["n_cameras"] == len(tags)
        assert c["attached_street"] + c["attached_building"] + c["attached_unknown"] == len(tags)
        assert c["type_dome"] + c["type_bullet"] + c["type_unknown"] == c["attached_street"]


def test_volunteer_errors_are_realistic(sim):
    inters, rows, counts, pool = sim
    truth = {i: [p for p in pts if p.is_camera] for i, pts in inters}
    by = {v.DecoderId: v for v in pool}
    found = defaultdict(lambda: [0, 0])  # decoder -> [matched, cameras seen]
    lure = 0
    tags = defaultdict(list)
    for r in rows:
        tags[(r["DecoderId"], r["IntersectionId"])].append((float(r["Pov.heading"]), float(r["Pov.pitch"])))
    for c in counts:
        key = (c["DecoderId"], c["IntersectionId"])
        for p in truth[c["IntersectionId"]]:
            hit = any(abs((h - p.heading + 180) % 360 - 180) < 1.5 and abs(q - p.pitch) < 1.5 for h, q in tags[key])
            found[c["DecoderId"]][0] += hit
            found[c["DecoderId"]][1] += 1
        lure += any(abs(q - 8.0) < 1.5 for _, q in tags[key])
    recall = {d: a / b for d, (a, b) in found.items() if b >= 8}
    good = [r for d, r in recall.items() if by[d].kind == "good"]
    assert good and 0.45 < np.mean(good) < 0.95
    assert 0.3 < np.mean(list(recall.values())) < 0.85
    assert lure > 0  # look-alikes get tagged sometimes
    kinds = Counter(v.kind for v in pool)
    assert kinds["good"] > 0 and (kinds["careless"] + kinds["spam"]) > 0


def test_building_cameras_are_found_less_often():
    rng = np.random.default_rng(0)
    inters = [(f"i{i}", [TruthPoint(10.0, 8.0, 1.27, "dome", "building", True),
                         TruthPoint(200.0, 8.0, 1.27, "dome", "street_furniture", True)]) for i in range(200)]
    rows, _, _ = simulate(rng, inters, k=3)[0:3]
    near = lambda h: sum(abs((float(r["Pov.heading"]) - h + 180) % 360 - 180) < 3 for r in rows)
    assert near(10.0) < 0.8 * near(200.0)


@pytest.mark.parametrize("type_for_building, building_type_empty", [(True, False), (False, True)])
def test_amnesty_strict_type_leaves_building_type_empty(type_for_building, building_type_empty):
    inters = [(f"i{i}", [TruthPoint(10.0, 8.0, 2.0, "dome", "building", True)]) for i in range(40)]
    rows, _, _ = simulate(np.random.default_rng(2), inters, k=3, type_for_building=type_for_building)
    building = [r for r in rows if r["Attached"] == "building"]
    assert building
    assert all(r["Type"] == "" for r in building) == building_type_empty
    assert all(r["Title"] == "Camera on building" for r in building)
