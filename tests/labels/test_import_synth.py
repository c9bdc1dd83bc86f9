"""The Decoders importer on the synthetic city's simulated volunteers (camdetect.synth.volunteers),
which write Amnesty's Decode Surveillance columns: every tag and every submission comes through."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from camdetect.labels.importers import import_labels

volunteers = pytest.importorskip("camdetect.synth.volunteers", reason="camdetect.synth not built yet")


def _city(n: int, seed: int):
    rng = np.random.default_rng(seed)
    inters = []
    for i in range(n):
        points = [volunteers.TruthPoint(float(rng.uniform(0, 360)), float(rng.uniform(2, 17)), float(rng.uniform(0.4, 2)),
                                        str(rng.choice(["dome", "bullet"])),
                                        str(rng.choice(["street_furniture", "building", "other"])), True)
                  for _ in range(int(rng.integers(0, 4)))]
        points.append(volunteers.TruthPoint(float(rng.uniform(0, 360)), 10.0, 1.0, "lamp_globe", "street_furniture",
                                            False))
        inters.append((f"syn-{i:04d}", points))
    return rng, inters


@pytest.mark.parametrize("type_for_building", [True, False])
def test_simulated_volunteers_import_strict(tmp_path, type_for_building):
    rng, inters = _city(25, seed=3)
    cams, counts, pool = volunteers.simulate(rng, inters, k=3, type_for_building=type_for_building)
    volunteers.write_volunteers(tmp_path, cams, counts, pool)
    result = import_labels("decoders", tmp_path, strict=True)
    assert result.n_tags == len(cams)
    assert result.n_seen == len({(r["IntersectionId"], r["DecoderId"]) for r in counts}) == 75
    assert "n_cameras differs from cameras.csv" not in result.counts
    assert result.warnings.total == 0
    attached = {"street_light/traffic_signal/road_sign": "street_furniture", "building": "building", "unknown": "other"}
    assert Counter(t.mount for t in result.tags if t.kind == "tag") == Counter(attached[r["Attached"]] for r in cams)
    street = [r for r in cams if r["Attached"].startswith("street")]
    assert Counter(t.type for t in result.tags if t.kind == "tag" and t.mount == "street_furniture") == \
        Counter(r["Type"] or "unknown" for r in street)
    tags = [t for t in result.tags if t.kind == "tag"]
    assert all(t.is_point and 0 <= t.heading < 360 and t.view_fov > 0 for t in tags)
