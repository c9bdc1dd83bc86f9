from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from camdetect.citymap.geojson import cameras_geojson, read_suggestions
from camdetect.citymap.locate import LocalPlane, locate_cameras, triangulate
from camdetect.cli import app
from camdetect.records import Suggestion

LAT0, LON0 = 40.75, -73.99
PLANE = LocalPlane(LAT0, LON0)


def bearing(frm, to) -> float:
    return math.degrees(math.atan2(to[0] - frm[0], to[1] - frm[1])) % 360


def sug(pano: str, pano_xy, cam_xy, typ="dome", noise=0.0, score=0.9, mount="pole") -> Suggestion:
    lat, lon = PLANE.to_latlon(*pano_xy)
    h = (bearing(pano_xy, cam_xy) + noise) % 360
    return Suggestion(key=f"{pano}-{typ}-{h:.1f}", intersection=pano, pano_id=pano, image_path=f"{pano}.jpg",
                      view_heading=h, view_pitch=15, view_fov=48, image_width=640, image_height=640,
                      x1=1, y1=1, x2=9, y2=9, score=score, type=typ, mount=mount, heading=h, pitch=10.0,
                      lat=lat, lon=lon)


def test_triangulate_exact():
    cam = np.array([10.0, 20.0])
    origins = np.array([[0.0, 0.0], [30.0, 0.0], [0.0, 40.0]])
    res = triangulate(origins, np.array([bearing(o, cam) for o in origins]))
    assert res["point"] == pytest.approx(cam, abs=1e-6)
    assert res["rms"] == pytest.approx(0, abs=1e-6)
    assert 0 < res["sigma_minor"] <= res["sigma_major"] and res["radius"] == pytest.approx(3 * res["sigma_major"])


@pytest.mark.parametrize("origins, bearings", [
    ([[0, 0]], [0.0]),  # one ray
    ([[0, 0], [10, 0]], [0.0, 0.0]),  # parallel
])
def test_triangulate_rejects(origins, bearings):
    with pytest.raises(ValueError):
        triangulate(np.array(origins, float), np.array(bearings))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cam=st.tuples(st.floats(-20, 20), st.floats(-20, 20)),
    n=st.integers(2, 4),
    dists=st.lists(st.floats(6, 35), min_size=4, max_size=4),
    start=st.floats(0, 360),
    spread=st.floats(25, 80),
    sigma=st.floats(0.5, 3.0),
    unit_noise=st.lists(st.floats(-1, 1), min_size=4, max_size=4),
)
def test_property_recovered_within_stated_uncertainty(cam, n, dists, start, spread, sigma, unit_noise):
    """Panoramas around a camera (directions >= 25 deg apart), bearings off by at most sigma:
    the estimate lies within the stated (3 sigma) radius of the truth."""
    cam = np.array(cam)
    angles = [math.radians(start + i * spread) for i in range(n)]
    origins = np.array([cam + d * np.array([math.sin(a), math.cos(a)]) for d, a in zip(dists, angles)])
    bearings = np.array([bearing(o, cam) + sigma * u for o, u in zip(origins, unit_noise)])
    res = triangulate(origins, bearings, sigma_deg=sigma, k_sigma=3.0)
    err = float(np.linalg.norm(res["point"] - cam))
    assert err <= res["radius"], (err, res["radius"])


@settings(max_examples=60, deadline=None)
@given(noise=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3), cam=st.tuples(st.floats(5, 25), st.floats(5, 25)))
def test_property_locate_end_to_end(noise, cam):
    """Three panoramas at a crossing see one camera: located once, within its stated radius."""
    panos = {"p1": (0.0, 0.0), "p2": (30.0, 0.0), "p3": (0.0, 30.0)}
    sugs = [sug(p, xy, cam, noise=e) for (p, xy), e in zip(panos.items(), noise)]
    (est,) = locate_cameras(sugs, sigma_deg=1.5)
    x, y = PLANE.to_xy(est.lat, est.lon)
    assert est.located and len(est.rays) == 3
    assert math.hypot(x - cam[0], y - cam[1]) <= est.radius_m


@pytest.mark.parametrize("case, expected", [
    # two cameras of different types seen from the same two panoramas -> two located cameras
    ("two_types", {"triangulated": 2, "bearing": 0}),
    # same type, crossing behind a panorama -> not associated: two bearing lines
    ("behind", {"triangulated": 0, "bearing": 2}),
    # crossing 80 m away (> max range 40 m) -> two bearing lines
    ("too_far", {"triangulated": 0, "bearing": 2}),
    # one camera seen once -> one bearing line; overlapping views of one panorama deduplicated
    ("single_dup", {"triangulated": 0, "bearing": 1}),
    # two dome cameras seen from three panoramas each: the ghost crossing of a/b is rejected
    ("two_domes", {"triangulated": 2, "bearing": 0}),
    # an outlier ray from a third panorama that misses the crossing stays a bearing line
    ("outlier", {"triangulated": 1, "bearing": 1}),
])
def test_association(case, expected):
    a, b = (0.0, 0.0), (30.0, 0.0)
    if case == "two_types":
        sugs = [sug("a", a, (10, 15), "dome"), sug("b", b, (10, 15), "dome"),
                sug("a", a, (20, -10), "bullet"), sug("b", b, (20, -10), "bullet")]
    elif case == "behind":
        sugs = [sug("a", a, (10, 15)), sug("b", b, (60, 15))]  # b looks away from a's ray
    elif case == "too_far":
        sugs = [sug("a", a, (15, 80)), sug("b", b, (15, 80))]
    elif case == "single_dup":
        sugs = [sug("a", a, (10, 15), score=0.8), sug("a", a, (10, 15), noise=1.0, score=0.9)]
    elif case == "outlier":
        sugs = [sug("a", a, (10, 15)), sug("b", b, (10, 15)), sug("c", (0, 30), (10, 15), noise=25.0)]
    else:
        c = (30.0, 30.0)
        sugs = [sug(p, xy, cam) for cam in [(5, 10), (25, 12)] for p, xy in (("a", a), ("b", b), ("c", c))]
    fc = cameras_geojson(sugs)
    got = {"triangulated": 0, "bearing": 0}
    for f in fc["features"]:
        got[f["properties"]["camdetect:located"]] += 1
    assert got == expected
    if case == "two_domes":
        pts = sorted(PLANE.to_xy(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]).tolist()
                     for f in fc["features"])
        assert pts[0] == pytest.approx([5, 10], abs=0.01) and pts[1] == pytest.approx([25, 12], abs=0.01)
    if case == "single_dup":
        (f,) = fc["features"]
        assert f["geometry"]["type"] == "LineString" and f["properties"]["camdetect:score"] == 0.9


def test_geojson_osm_tags_and_cli(tmp_path):
    sugs = [sug("a", (0, 0), (10, 15), "dome"), sug("b", (30, 0), (10, 15), "dome"),
            sug("a", (0, 0), (-10, 5), "bullet")]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(s.as_dict()) + "\n" for s in sugs))
    assert len(read_suggestions(path)) == 3
    out = tmp_path / "cams.geojson"
    res = CliRunner().invoke(app, ["locate", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 located, 1 bearing-only" in res.output
    fc = json.loads(out.read_text())
    point = next(f for f in fc["features"] if f["geometry"]["type"] == "Point")
    assert point["properties"]["man_made"] == "surveillance"
    assert point["properties"]["camdetect:panoramas"] == ["a", "b"]
    assert point["properties"]["camdetect:uncertainty_m"] > 0
    line = next(f for f in fc["features"] if f["geometry"]["type"] == "LineString")
    assert line["properties"]["camdetect:bearing"] == pytest.approx(bearing((0, 0), (-10, 5)), abs=0.01)


@pytest.mark.parametrize("content, match", [("{bad\n", ":1: not JSON"), ('{"key": "x"}\n', ":1: not a Suggestion")])
def test_read_suggestions_bad(tmp_path, content, match):
    p = tmp_path / "s.jsonl"
    p.write_text(content)
    with pytest.raises(ValueError, match=match):
        read_suggestions(p)


def test_cli_locate_from_review_store(tmp_path):
    """Real SQLite review store: accepted suggestions only by default, all with --all."""
    from sqlalchemy import update

    from camdetect.store import Store
    from camdetect.store.models import SuggestionRow

    url = f"sqlite:///{tmp_path / 'review.db'}"
    sugs = [sug("a", (0, 0), (10, 15)), sug("b", (30, 0), (10, 15)), sug("c", (0, 30), (-20, 40), "bullet")]
    store = Store.open(url, create=True)
    for s in sugs:
        store.record_image(s.image_path, "m", [s], {})
    with store.write() as session:
        session.execute(update(SuggestionRow).where(SuggestionRow.pano_id.in_(["a", "b"])).values(outcome="yes"))
    store.close()
    for extra, expected in [([], "1 located, 0 bearing-only"), (["--all"], "1 located, 1 bearing-only")]:
        out = tmp_path / "cams.geojson"
        res = CliRunner().invoke(app, ["locate", "--db", url, "--out", str(out), *extra])
        assert res.exit_code == 0, res.output
        assert expected in res.output
