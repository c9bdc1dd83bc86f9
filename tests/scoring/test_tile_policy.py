"""Tile policy (camdetect.scoring.tile_policy): geometry and texture rules, specs, and `score` with tiles skipped.

Real onnxruntime (the tiny random-weight model), real files, real review store; no timing asserts.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camdetect.geometry.tiles import tile_windows
from camdetect.records import View
from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.pipeline import ScoreConfig, Scorer, score
from camdetect.scoring.tile_policy import TilePolicy, edge_counts, edge_map, elevation_range

PY = sys.executable
GEO = TilePolicy("geometry")
TEX = TilePolicy("geometry+texture")


def view(pitch: float, fov: float = 48.0, size: int = 640) -> View:
    return View("p", 0.0, pitch, fov, size, size)


def test_elevation_range_of_a_level_view_is_its_half_fov():
    lo, hi = elevation_range(view(0.0, 90.0), (0, 0, 640, 640))
    assert lo == pytest.approx(-45.0, abs=1e-6) and hi == pytest.approx(45.0, abs=1e-6)


@pytest.mark.parametrize("pitch,fov,size,expected", [
    (-60.0, 48.0, 640, {"road"}),       # looking down at the street: every tile is road surface
    (15.0, 48.0, 640, {""}),            # the default plan: every tile holds part of the camera band
    (90.0, 20.0, 640, {"sky"}),         # straight up, narrow: every tile far above the buildings
    (0.0, 90.0, 640, {""}),             # a level 90-degree view: the bottom row touches the horizon
])
def test_geometry_rule_on_known_pitches(pitch, fov, size, expected):
    v = view(pitch, fov, size)
    windows = tile_windows(size, size, 320)
    assert set(GEO.decide(v, np.zeros((size, size, 3), np.uint8), windows)) == expected
    assert set(TilePolicy("none").decide(v, np.zeros((size, size, 3), np.uint8), windows)) == {""}


@pytest.mark.parametrize("road_below_deg,row_720,row_960", [
    (5.0, "road", "road"), (10.0, "", "road"), (30.0, "", "")])
def test_a_tile_below_the_horizon_by_the_margin_is_skipped_one_straddling_the_band_is_kept(road_below_deg, row_720,
                                                                                           row_960):
    # a level 90-degree view, 1280 px (focal 640 px), 320 px tiles at 0, 240, 480, 720, 960. The tiles at
    # x 720..1040 look at most atan(b / sqrt(1 + 0.625^2)) below the horizon, b = their top edge's offset
    # below the centre / focal (the top edge's far corner): -6.0 deg for the row at 720 (b = 0.125),
    # -23.0 deg for the row at 960 (b = 0.5); rows up to 480 straddle the horizon.
    v = view(0.0, 90.0, 1280)
    windows = tile_windows(1280, 1280, 320)
    got = dict(zip(windows, TilePolicy("geometry", road_below_deg=road_below_deg).decide(
        v, np.zeros((1280, 1280, 3), np.uint8), windows)))
    far = math.hypot(1.0, 0.625)
    assert elevation_range(v, (720, 720, 1040, 1040))[1] == pytest.approx(-math.degrees(math.atan(0.125 / far)))
    assert elevation_range(v, (720, 960, 1040, 1280))[1] == pytest.approx(-math.degrees(math.atan(0.5 / far)))
    assert got[(720, 720, 1040, 1040)] == row_720 and got[(720, 960, 1040, 1280)] == row_960
    assert all(r == "" for (_, y0, _, _), r in got.items() if y0 <= 480)


def test_a_photo_without_geometry_keeps_its_tiles_under_the_geometry_rule():
    photo = View("photo", math.nan, math.nan, math.nan, 640, 640)
    windows = tile_windows(640, 640, 320)
    assert set(GEO.decide(photo, np.zeros((640, 640, 3), np.uint8), windows)) == {""}


def smooth_sky(h: int = 320, w: int = 320, seed: int = 0) -> np.ndarray:
    """A vertical blue gradient with sensor noise (+-3 grey levels), as clear sky."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(150, 210, h)[:, None, None] * np.array([1.0, 0.85, 0.7])[None, None, :]
    return np.clip(np.broadcast_to(ramp, (h, w, 3)) + rng.normal(0, 1.5, (h, w, 3)), 0, 255).astype(np.uint8)


def with_camera(img: np.ndarray, side: int = 6) -> np.ndarray:
    out = img.copy()
    out[100:100 + side, 150:150 + side] = 40  # a small dark housing against the sky
    return out


def textured(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)
    return np.kron(blocks, np.ones((8, 8, 1), np.uint8))


@pytest.mark.parametrize("name,image,expected", [
    ("uniform grey", np.full((320, 320, 3), 128, np.uint8), "texture"),
    ("smooth sky with noise", smooth_sky(), "texture"),
    ("sky with a 6 px camera", with_camera(smooth_sky()), ""),
    ("sky with a 4 px camera", with_camera(smooth_sky(), 4), ""),
    ("textured blocks", textured(), ""),
])
def test_texture_rule_on_uniform_and_textured_arrays(name, image, expected):
    photo = View("photo", math.nan, math.nan, math.nan, 320, 320)
    assert TEX.decide(photo, image, [(0, 0, 320, 320)]) == [expected], name
    assert GEO.decide(photo, image, [(0, 0, 320, 320)]) == [""]  # the geometry mode never looks at pixels


@pytest.mark.parametrize("contrast", [1.0, 12.3, 16.0, 63.75, 64.0, 200.0])
def test_edge_map_fast_path_is_the_plain_rule(contrast):
    import cv2

    img = cv2.GaussianBlur(textured(2), (0, 0), 1.5)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64)
    dx, dy = cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3), cv2.Sobel(gray, cv2.CV_64F, 0, 1, ksize=3)
    assert np.array_equal(edge_map(img, contrast), (np.maximum(abs(dx), abs(dy)) >= 4 * contrast).astype(np.uint8))


def test_geometry_decisions_do_not_depend_on_the_heading():
    windows = tile_windows(640, 640, 320)
    img = np.zeros((640, 640, 3), np.uint8)
    pol = TilePolicy("geometry", road_below_deg=-16.0)  # skips the bottom row of a +15 deg view (up to +15)
    got = [pol.decide(View("p", h, 15.0, 48.0, 640, 640), img, windows) for h in (0.0, 123.4, 359.9)]
    assert got[0] == got[1] == got[2] and got[0].count("road") == 3


def test_edge_counts_per_window_match_the_crop():
    img = textured(1)
    windows = [(0, 0, 160, 160), (80, 40, 320, 200)]
    full = edge_counts(img, windows, 16.0)
    assert full[0] > 0
    assert sum(edge_counts(np.zeros_like(img), windows, 16.0)) == 0


@pytest.mark.parametrize("spec,mode,changed", [
    ("none", "none", {}), ("geometry", "geometry", {}), (None, "none", {}),
    ("geometry+texture:edge_contrast=32,min_edge_px=64", "geometry+texture", {"edge_contrast": 32.0,
                                                                               "min_edge_px": 64}),
    ({"mode": "geometry", "road_below_deg": 5.0}, "geometry", {"road_below_deg": 5.0}),
])
def test_policy_specs_parse_and_round_trip(spec, mode, changed):
    pol = TilePolicy.parse(spec)
    assert pol.mode == mode and all(getattr(pol, k) == v for k, v in changed.items())
    assert TilePolicy.parse(pol.label) == pol
    assert pol.to_json()["spec"] == pol.label


@pytest.mark.parametrize("spec,needle", [
    ("sky", "must be one of none, geometry, geometry+texture"),
    ("geometry:foo=1", "got 'foo=1'"),
    ("geometry:edge_contrast=lots", "edge_contrast must be a number"),
    ("geometry+texture:edge_contrast=0", "edge_contrast must be in (0, 255]"),
])
def test_bad_policy_specs_are_one_line_errors(spec, needle):
    with pytest.raises(ValueError) as exc:
        TilePolicy.parse(spec)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


# ---------------------------------------------------------------------------------------------
# end to end: `camdetect score` with tiles skipped
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def half_sky(tmp_path_factory) -> Path:
    """One 640 px photo: smooth sky up to x = 336, textured beyond (320 px tiles at x = 0, 160, 320: the left
    column sees sky only, edges included: the Sobel edge map is taken on the whole view)."""
    d = tmp_path_factory.mktemp("halfsky")
    img = np.concatenate([smooth_sky(640, 336, seed=3), np.concatenate([textured(4), textured(5)])[:, :304]], axis=1)
    Image.fromarray(img[..., ::-1]).save(d / "half.png")
    return d


def run_score(model: Path, input: Path, tmp: Path, **kw):
    cfg = ScoreConfig(model=model, input=input, db=str(tmp / "review.db"), out=tmp / "out", threads=1,
                      progress=False, conf=0.01, **kw)
    return score(cfg), tmp / "out"


def test_score_skips_uniform_tiles_and_infers_only_the_kept_ones(tiny_onnx, half_sky, tmp_path):
    full, out_full = run_score(tiny_onnx, half_sky, tmp_path / "none", kind="view", tile=320, skip_tiles="none")
    skip, out_skip = run_score(tiny_onnx, half_sky, tmp_path / "tex", kind="view", tile=320,
                               skip_tiles="geometry+texture")
    # 9 windows (3 x 3); the 3 in the left column see only sky; the whole-view pass always runs
    assert (full.tiles, full.units, dict(full.tiles_skipped)) == (9, 10, {})
    assert (skip.tiles, skip.units, dict(skip.tiles_skipped)) == (9, 7, {"texture": 3})
    # the units a job hands to ORT are exactly the whole view + the kept tiles
    scorer = Scorer(tiny_onnx, threads=1, tile=320, tile_policy="geometry+texture")
    from camdetect.scoring.inputs import discover

    prep = scorer.prepare(0, discover(half_sky, "view")[0])
    assert sorted(u.origin for u in prep.units) == [(0, 0)] + sorted((x, y) for x in (160, 320) for y in (0, 160, 320))
    # outputs stay valid and say which policy made them
    for out, mode in ((out_full, "none"), (out_skip, "geometry+texture")):
        summary = json.loads((out / "summary.json").read_text())
        assert summary["tile_policy"]["mode"] == mode and summary["tile_policy"]["spec"] == mode
        rows = read_jsonl(out / "suggestions.jsonl")
        assert all(0 <= r["x1"] <= r["x2"] <= 640 and 0 <= r["y1"] <= r["y2"] <= 640 for r in rows)
        json.loads((out / "suggestions.geojson").read_text())
    assert json.loads((out_skip / "summary.json").read_text())["tiles_skipped_share"] == pytest.approx(3 / 9, abs=1e-4)


def test_score_panoramas_looking_at_the_road_infers_whole_views_only(tiny_onnx, tmp_path):
    d = tmp_path / "pano"
    d.mkdir()
    Image.fromarray(textured(5).repeat(4, 0)[:1024].repeat(7, 1)[:, :2048]).save(d / "p.jpg")
    plan = tmp_path / "down.yaml"
    plan.write_text("n_headings: 2\nheading_offset: 0.0\npitch: -60.0\nfov: 48.0\nwidth: 640\nheight: 640\n")
    kw = {"kind": "panorama", "tile": 320, "plan": plan, "layout": "tiles"}  # auto feeds panorama views whole
    full, _ = run_score(tiny_onnx, d, tmp_path / "none", skip_tiles="none", **kw)
    skip, out = run_score(tiny_onnx, d, tmp_path / "geo", skip_tiles="geometry", **kw)
    auto, _ = run_score(tiny_onnx, d, tmp_path / "auto", kind="panorama", tile=320, plan=plan, skip_tiles="geometry")
    assert (auto.views, auto.units, auto.tiles) == (2, 2, 0)  # the default: one 640 px input per view, no tiles
    assert (full.views, full.units) == (2, 20)
    assert (skip.views, skip.units, dict(skip.tiles_skipped)) == (2, 2, {"road": 18})
    assert (out / "suggestions.jsonl").is_file()


def test_score_cli_default_is_geometry_and_texture_and_is_recorded(tiny_onnx, half_sky, tmp_path):
    from camdetect.scoring.tile_policy import DEFAULT_SPEC

    assert DEFAULT_SPEC == ScoreConfig(model=Path("m"), input=Path("i"), db="d").skip_tiles == "geometry+texture"
    proc = subprocess.run([PY, "-m", "camdetect.cli", "score", str(half_sky), "--model", str(tiny_onnx), "--tile", "320",
                           "--db", str(tmp_path / "r.db"), "--out", str(tmp_path / "out"), "--no-progress",
                           "--threads", "1"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["tile_policy"]["spec"] == DEFAULT_SPEC and summary["tiles_skipped"] == {"texture": 3}
