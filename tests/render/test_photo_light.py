"""Sprites lit by the background photo they are pasted on (render/photo_light.py, library light_photos,
composite match_light)."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

pytest.importorskip("mitsuba")

from camdetect.render.composite import CompositeOptions, build_composites, compose_tile, list_backgrounds
from camdetect.render.library import LibraryOptions, render_library
from camdetect.render.photo_light import (
    HIGHLIGHT_GAIN,
    expand_highlights,
    light_key,
    photo_envmap,
    write_envmap,
)

NAMES = ["dome", "bullet", "alpr"]


def _street(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    """RGB: a clipped white sky, a warm facade on the left half only, a dark road."""
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 3] = 255
    img[h // 3: 2 * h // 3, : w // 2] = (180, 110, 60)
    img[h // 3: 2 * h // 3, w // 2:] = np.random.default_rng(seed).integers(40, 120, (h // 3, w - w // 2, 3))
    img[2 * h // 3:] = (50, 50, 55)
    return img


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos") / "street"
    d.mkdir()
    for i in range(2):
        cv2.imwrite(str(d / f"p{i}.jpg"), _street(seed=i)[..., ::-1])
    return d


def test_expand_highlights_lifts_only_what_was_clipped():
    lin = np.array([[[0.2, 0.3, 0.5], [1.0, 1.0, 1.0]]], np.float32)
    out = expand_highlights(lin)
    np.testing.assert_allclose(out[0, 0], lin[0, 0])
    np.testing.assert_allclose(out[0, 1], 1.0 + HIGHLIGHT_GAIN)


def test_envmap_has_the_photos_sky_above_its_road_below_and_no_seam():
    env = photo_envmap(_street())
    assert env.shape == (256, 512, 3) and env.dtype == np.float32 and np.isfinite(env).all() and env.min() >= 0
    assert env[:20].mean() > 1.0 > env[-20:].mean()  # an expanded clipped sky overhead, the road underfoot
    np.testing.assert_allclose(env[:, 0], env[:, -1], atol=0.05)  # mirrored back half: the map wraps around
    mid = env[128]  # the horizon row: the facade's warm half faces one way, the grey half the other
    assert mid[:128, 0].mean() > mid[128:256, 0].mean()


def test_write_envmap_reads_back_for_mitsuba_and_resumes(photos, tmp_path):
    from camdetect.render.sprites import sky_radiance

    m = write_envmap(photos / "p0.jpg", tmp_path / "env")
    assert m.name == "street__p0.hdr"
    back = cv2.imread(str(m), cv2.IMREAD_UNCHANGED)
    assert back.shape == (256, 512, 3) and back.max() > 1.0
    assert sky_radiance(str(m)) > 1.0  # Mitsuba reads it as it reads the Poly Haven maps
    stamp = m.stat().st_mtime_ns
    assert write_envmap(photos / "p0.jpg", tmp_path / "env") == m and m.stat().st_mtime_ns == stamp
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="broken.jpg: not a readable image"):
        write_envmap(bad, tmp_path / "env")


@pytest.fixture(scope="module")
def photo_sprites(tmp_path_factory, photos, hdri_dir):
    """Sprites lit by p0 only (p1 excluded), a library relit from the same seed as conftest's sprite_dir."""
    d = tmp_path_factory.mktemp("photo_sprites")
    opts = LibraryOptions(count=6, seed=3, size=48, large_share=0.0, spp=4, decoy_share=0.34,
                          light_photos=(str(photos),), light_exclude=("p1",))
    render_library(d, hdri_dir, opts, progress=False)
    return d


def test_library_lit_by_photos_names_the_photo(photo_sprites, photos, sprite_dir):
    metas = [json.loads(p.read_text()) for p in sorted(photo_sprites.glob("*.json"))]
    assert metas and {m["light"] for m in metas} == {light_key(photos / "p0.jpg")} == {"street/p0.jpg"}
    assert {m["hdri"] for m in metas} == {"street__p0.hdr"}
    assert sorted(p.name for p in (photo_sprites / "env").iterdir()) == ["street__p0.hdr"]
    hdri_lit = {json.loads(p.read_text())["id"]: json.loads(p.read_text()) for p in sprite_dir.glob("*.json")}
    assert set(hdri_lit) & {m["id"] for m in metas}
    for m in metas:  # same seed: same kind and view as the HDR-lit library, only the light differs
        twin = hdri_lit.get(m["id"])
        if twin:
            assert (twin["kind"], twin["elevation"], twin["azimuth"], twin["light"]) == \
                (m["kind"], m["elevation"], m["azimuth"], "")


def test_match_light_pastes_the_photos_own_sprites_and_keeps_the_draw(photos, photo_sprites, sprite_dir, tmp_path):
    bgs = list_backgrounds([photos / "p0.jpg"])
    dirs = [sprite_dir, photo_sprites]
    base = dict(tiles=6, tile=96, seed=5, empty_share=1.0, decoys_per_tile=(1, 3))  # look-alikes only: never dropped
    plain = [compose_tile(i, bgs, dirs, CompositeOptions(**base))[1] for i in range(6)]
    lit = [compose_tile(i, bgs, dirs, CompositeOptions(**base, match_light=1.0))[1] for i in range(6)]
    assert [(r.background, r.decoy_frames) for r in plain] == [(r.background, r.decoy_frames) for r in lit]
    assert all(r.photo_lit == len(r.decoys) for r in lit)  # every paste lit by this tile's photo
    assert sum(r.photo_lit for r in plain) < sum(len(r.decoys) for r in plain)  # without it: any sprite
    other = list_backgrounds([photos / "p1.jpg"])  # no sprite lit by p1: the whole library, as before
    r = compose_tile(0, other, dirs, CompositeOptions(**base, match_light=1.0))[1]
    assert r.photo_lit == 0 and r.decoys
    build_composites(tmp_path / "ds", bgs, dirs, CompositeOptions(**base, match_light=1.0), NAMES, progress=False)
    card = (tmp_path / "ds" / "card.md").read_text()
    n = sum(len(r.decoys) for r in lit)
    assert f"Sprites lit by their own background photo: {n} of {n} kept pastes (match_light 1" in card


def test_cli_renders_sprites_lit_by_photos_and_refuses_the_evaluation_set(tmp_path, photos):
    out = tmp_path / "s"
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "render", "sprites", "--out", str(out), "--count", "2",
                        "--size", "32", "--spp", "2", "--kinds", "dome_flush", "--light-photos", str(photos),
                        "--no-progress"], check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert list(out.glob("*.json")) and {json.loads(p.read_text())["light"] for p in out.glob("*.json")} <= {"street/p0.jpg", "street/p1.jpg"}
    real = tmp_path / "real-cameras-dev"
    real.mkdir()
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "render", "sprites", "--out", str(out), "--count", "1",
                        "--light-photos", str(real), "--no-progress"], check=False, capture_output=True, text=True)
    assert r.returncode == 2 and "is for evaluation only, never a background" in r.stderr.strip().splitlines()[-1]
