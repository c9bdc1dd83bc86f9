"""`camdetect render drawn`: the synthetic city's 2-D cameras as a sprite library the compositor loads."""

import json
import subprocess
import sys
from dataclasses import fields

import cv2
import numpy as np
import pytest

from camdetect.dataset.check import check_dataset
from camdetect.render.composite import CompositeOptions, build_composites, compose_tile, list_backgrounds
from camdetect.render.drawn import DECOY_KINDS, DrawnOptions, draw_library, draw_sprite, plan_job
from camdetect.render.sprites import SpriteMeta, load_sprite
from camdetect.synth.objects import CAMERA_TYPE

NAMES = ["dome", "bullet", "alpr"]
OPTS = DrawnOptions(count=6, seed=4, size=48, large_share=0.2, decoy_share=0.34)


@pytest.fixture(scope="module")
def drawn_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("drawn")
    draw_library(d, OPTS, progress=False)
    return d


@pytest.fixture(scope="module")
def backgrounds(tmp_path_factory):
    d = tmp_path_factory.mktemp("bgs")
    rng = np.random.default_rng(0)
    for i in range(3):  # names as in test_composite.py: val_share 0.34 puts one of them in val
        img = np.zeros((200, 300, 3), np.uint8)
        img[:70] = (210, 170, 120)
        img[70:150] = rng.integers(60, 160, size=(80, 300, 3), dtype=np.uint8)
        img[150:] = (70, 70, 72)
        cv2.imwrite(str(d / f"street_{i}.jpg"), img)
    return d


def test_files_are_sprites_the_compositor_reads(drawn_dir):
    sides = sorted(drawn_dir.glob("*.json"))
    assert len(sides) == OPTS.count and len(list(drawn_dir.glob("*.png"))) == OPTS.count
    keys = {f.name for f in fields(SpriteMeta)}
    seen = set()
    for side in sides:
        assert set(json.loads(side.read_text())) == keys  # exactly the Mitsuba sidecar's keys
        s = load_sprite(side.with_suffix(".png"))  # 16-bit RGBA, premultiplied, / VALUE_SCALE
        m = s.meta
        assert s.rgba.shape == (m.size, m.size, 4) and m.size in (OPTS.size, 2 * OPTS.size)
        assert np.all(s.rgba[..., :3] <= s.rgba[..., 3:] * 8.0 + 1e-3)  # premultiplied
        if m.type is None:
            assert m.kind in DECOY_KINDS and m.box is None
        else:
            assert m.type == CAMERA_TYPE[m.kind] and m.type in ("dome", "bullet")
            x1, y1, x2, y2 = m.box
            assert 0 <= x1 < x2 <= m.size and 0 <= y1 < y2 <= m.size
            inside = s.rgba[int(y1):int(np.ceil(y2)), int(x1):int(np.ceil(x2)), 3]
            assert inside.mean() > 0.3  # the box is on the drawn camera, not on empty canvas
        assert m.mount in ("street_furniture", "building", "other")
        seen.add(m.type is None)
    assert seen == {True, False}  # both cameras and look-alikes at this seed


def test_sprite_depends_only_on_seed_and_index(drawn_dir, tmp_path):
    decoy, size, scene_seed = plan_job(3, OPTS)
    a = draw_sprite(decoy, size, scene_seed, "a")
    b = draw_sprite(decoy, size, scene_seed, "a")
    np.testing.assert_array_equal(a.rgba, b.rgba)
    # a fresh run of one index writes the same bytes as the library run; a re-run keeps finished files
    draw_library(tmp_path, DrawnOptions(**{**OPTS.__dict__, "count": 4}), progress=False)
    name = f"d{OPTS.seed}_000003.png"
    assert (tmp_path / name).read_bytes() == (drawn_dir / name).read_bytes()
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    draw_library(tmp_path, DrawnOptions(**{**OPTS.__dict__, "count": 4}), progress=False)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamp


def test_composite_from_drawn_sprites(drawn_dir, backgrounds, tmp_path):
    bgs = list_backgrounds([backgrounds])
    img, rec = compose_tile(1, bgs, drawn_dir, CompositeOptions(tiles=2, tile=96, seed=1, empty_share=0.0))
    assert img.shape == (96, 96, 3) and set(rec.classes) <= {"dome", "bullet"}
    for x1, y1, x2, y2 in rec.boxes:
        assert 0 <= x1 < x2 <= 96 and 0 <= y1 < y2 <= 96
    out = tmp_path / "ds"
    s = build_composites(out, bgs, drawn_dir, CompositeOptions(tiles=6, tile=96, seed=2, val_share=0.34), NAMES,
                         progress=False)
    assert sum(s["tiles"].values()) == 6
    assert [p for p in check_dataset(out) if p.severity == "error"] == []


def test_cli_draws_and_refuses_bad_input(tmp_path):
    cmd = [sys.executable, "-m", "camdetect.cli", "render", "drawn", "--out", str(tmp_path / "d")]
    r = subprocess.run([*cmd, "--count", "2", "--size", "32", "--seed", "1", "--no-progress"],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "d").glob("d1_*.json"))) == 2
    r = subprocess.run([*cmd, "--count", "0"], check=False, capture_output=True, text=True)
    assert r.returncode == 2 and "--count" in r.stderr.strip().splitlines()[-1]
