from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from camdetect.citymap.intersections import find_intersections, haversine_m
from camdetect.citymap.osm_plan import PLAN_COLUMNS, plan_city, read_osm
from camdetect.cli import app

from . import osm_fixture


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    d = tmp_path_factory.mktemp("osm")
    xml = osm_fixture.write_osm_xml(d / "city.osm")
    return {"osm": xml, "pbf": osm_fixture.write_pbf(xml, d / "city.osm.pbf"),
            "json": osm_fixture.write_overpass(d / "city.json"), "area": osm_fixture.write_area_west(d / "area.geojson")}


@pytest.mark.parametrize("fmt", ["osm", "pbf", "json"])
@pytest.mark.parametrize("merge_m, area, expected", [(13.0, False, 9), (0.0, False, 10), (13.0, True, 6), (3.0, False, 10)])
def test_plan_counts(extracts, tmp_path, fmt, merge_m, area, expected):
    out = tmp_path / "plan.csv"
    result = plan_city(extracts[fmt], out, area=extracts["area"] if area else None, merge_m=merge_m)
    assert len(result) == expected
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == PLAN_COLUMNS
    assert len(rows) == expected
    assert all(r["image_path"] == "" and r["kind"] == "" for r in rows)
    assert len({r["intersection_id"] for r in rows}) == expected


def test_motorway_footway_service_excluded(extracts):
    nodes, ways = read_osm(extracts["pbf"])
    ids = {n for it in find_intersections(nodes, ways, merge_m=0) for n in it.node_ids}
    assert ids.isdisjoint({100, 101, 102, 200, 201, 202})  # motorway, footway, service crossings
    assert 103 in ids  # stub meets row 0


def test_near_duplicate_merged_to_centroid(extracts):
    nodes, ways = read_osm(extracts["osm"])
    merged = [it for it in find_intersections(nodes, ways, merge_m=13) if len(it.node_ids) > 1]
    assert [sorted(it.node_ids) for it in merged] == [[1, 103]]
    it = merged[0]
    assert it.intersection_id == "osm-1"
    d1 = haversine_m(it.lat, it.lon, *nodes[1])
    d2 = haversine_m(it.lat, it.lon, *nodes[103])
    assert d1 == pytest.approx(d2, abs=0.05) and d1 + d2 == pytest.approx(5.0, abs=0.1)


@pytest.mark.parametrize("content, name, match", [
    ("{}", "bad.json", "no 'elements'"),
    ("{nope", "bad.json", "bad JSON"),
    ('{"elements": [{"type": "node", "id": 1}]}', "bad.json", "lacks id/lat/lon"),
    ("x", "bad.shp", "unknown OSM format"),
])
def test_bad_inputs(tmp_path, content, name, match):
    p = tmp_path / name
    p.write_text(content)
    with pytest.raises(ValueError, match=match) as exc:
        read_osm(p)
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_osm(tmp_path / "none.osm.pbf")


def test_cli_plan(extracts, tmp_path):
    out = tmp_path / "m.csv"
    res = CliRunner().invoke(app, ["plan", "--osm", str(extracts["pbf"]), "--out", str(out),
                                   "--area", str(extracts["area"]), "--merge-m", "13"])
    assert res.exit_code == 0, res.output
    assert "6 intersections" in res.output
    assert sum(1 for _ in out.open()) == 7
