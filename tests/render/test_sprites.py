import json

import numpy as np
import pytest

pytest.importorskip("mitsuba")

from camdetect.render.sprites import load_sprite, render_sprite, save_sprite, sky_radiance


def test_camera_sprite_has_exact_box_inside_its_alpha(hdri_dir, tmp_path):
    hdri = str(next(hdri_dir.glob("*.hdr")))
    s = render_sprite("dome_pendant", hdri, seed=5, size=64, spp=4, sprite_id="t1")
    assert s.meta.type == "dome" and s.meta.box is not None
    x1, y1, x2, y2 = map(int, s.meta.box)
    assert 0 < x1 < x2 < 64 and 0 < y1 < y2 < 64
    alpha = s.rgba[..., 3]
    assert alpha[y1:y2, x1:x2].max() > 0.9  # the camera is drawn where its box says
    assert alpha[0, 0] < 0.05 or alpha.mean() < 0.9  # background left transparent
    save_sprite(s, tmp_path)
    back = load_sprite(tmp_path / "t1.png")
    assert back.meta == s.meta
    np.testing.assert_allclose(back.rgba[..., 3], s.rgba[..., 3], atol=2e-4)


def test_look_alike_sprite_has_no_box(hdri_dir):
    s = render_sprite("signal_head", str(next(hdri_dir.glob("*.hdr"))), seed=1, size=48, spp=2)
    assert s.meta.type is None and s.meta.box is None and s.rgba[..., 3].max() > 0.5
    assert 0.2 < s.meta.frame_m < 3.0  # metres the frame spans: what a true-to-size paste scales by


@pytest.mark.parametrize("kind", ["downpipe", "balcony", "plaque", "bollard", "roof_vent", "insulator"])
def test_new_look_alikes_render_something_in_frame(hdri_dir, kind):
    s = render_sprite(kind, str(next(hdri_dir.glob("*.hdr"))), seed=2, size=48, spp=2)
    alpha = s.rgba[..., 3]
    assert s.meta.type is None and 0.03 < (alpha > 0.5).mean() < 0.95  # the object, not an empty or full frame


def test_lit_lamp_glows_without_holes_in_its_alpha(hdri_dir):
    """A lit lamp is the unlit model plus its glass's own light: same coverage, brighter glass (an emitter
    in the beauty pass would have read as transparent)."""
    hdri = str(next(hdri_dir.glob("*.hdr")))
    unlit = render_sprite("lamp_globe", hdri, seed=3, size=48, spp=4)
    lit = render_sprite("lamp_globe_lit", hdri, seed=3, size=48, spp=4)
    assert lit.meta.type is None and lit.meta.kind == "lamp_globe_lit"
    np.testing.assert_allclose(lit.rgba[..., 3], unlit.rgba[..., 3], atol=0.05)
    covered = unlit.rgba[..., 3] > 0.9
    assert lit.rgba[..., :3][covered].mean() > 1.3 * unlit.rgba[..., :3][covered].mean()


def test_weathering_keeps_the_view_and_darkens_the_paint(hdri_dir):
    """Grime is its own random stream: the same model, view and box as the clean render (which is what it was
    before weathering existed); the paint becomes a texture darker than the clean colour where dirty."""
    from camdetect.render.materials import grime_map, palette, weather

    hdri = str(next(hdri_dir.glob("*.hdr")))
    clean = render_sprite("alpr_bullet", hdri, seed=2, size=48, spp=4)
    dirty = render_sprite("alpr_bullet", hdri, seed=2, size=48, spp=4, weathering=1.0)  # Mitsuba takes the textures
    assert clean.meta.weathered == 0.0 and 0.15 <= dirty.meta.weathered <= 0.55
    assert dirty.meta.box == clean.meta.box and dirty.meta.elevation == clean.meta.elevation
    mats = palette(np.random.default_rng(2), "alpr_bullet")
    base = np.array(mats["housing"]["diffuse_reflectance"]["value"])
    tex = weather(mats, np.random.default_rng(5), 0.5)["housing"]["diffuse_reflectance"]
    assert tex["type"] == "bitmap" and tex["raw"] and tex["data"].shape == (64, 64, 3)
    assert (tex["data"] <= base + 1e-6).all() and tex["data"].mean() < 0.98 * base.mean()
    assert mats["lens"] == weather(mats, np.random.default_rng(5), 0.5)["lens"]  # glass and lenses stay clean
    g = grime_map(np.random.default_rng(0))
    assert g.shape == (64, 64) and g.min() >= 0 and g.max() <= 1 and 0.05 < (g > 0).mean() < 0.95


def test_same_seed_same_sprite(hdri_dir):
    """Same model, view and samples; Mitsuba's threads add overlapping filter splats in any order, so
    pixels agree to float rounding, not bit for bit."""
    hdri = str(next(hdri_dir.glob("*.hdr")))
    a = render_sprite("bullet", hdri, seed=9, size=40, spp=2)
    b = render_sprite("bullet", hdri, seed=9, size=40, spp=2)
    assert a.meta.box == b.meta.box and a.meta.elevation == b.meta.elevation
    np.testing.assert_allclose(a.rgba, b.rgba, atol=1e-4)


def test_sky_radiance_of_a_bad_file_names_it(tmp_path):
    bad = tmp_path / "broken.hdr"
    bad.write_bytes(b"not an hdr")
    with pytest.raises(ValueError, match="broken.hdr: not a readable HDR image"):
        sky_radiance(str(bad))


def test_library_resumes_and_writes_sidecars(sprite_dir, hdri_dir):
    from camdetect.render.library import LibraryOptions, render_library

    sides = sorted(sprite_dir.glob("*.json"))
    assert len(sides) == 6
    metas = [json.loads(p.read_text()) for p in sides]
    assert any(m["type"] for m in metas) and any(m["type"] is None for m in metas)
    counts = render_library(sprite_dir, hdri_dir, LibraryOptions(count=6, seed=3, size=48, large_share=0.0, spp=4,
                                                                 decoy_share=0.34), progress=False)
    assert counts == {"resumed": 6}


def test_truncated_sprite_is_a_one_line_error(tmp_path, sprite_dir):
    png = next(sprite_dir.glob("*.png"))
    bad = tmp_path / png.name
    bad.write_bytes(png.read_bytes()[:40])
    (tmp_path / png.with_suffix(".json").name).write_text(png.with_suffix(".json").read_text())
    with pytest.raises(ValueError, match="not a 16-bit RGBA sprite"):
        load_sprite(bad)


def test_rounding_keeps_the_view_and_rounds_the_housing(hdri_dir):
    """Rounded edges are their own random stream: the same view as the sharp render (what it was before the
    option existed), with the housing's corners cut away in the alpha."""
    hdri = str(next(hdri_dir.glob("*.hdr")))
    sharp = render_sprite("junction_box", hdri, seed=4, size=64, spp=4)
    again = render_sprite("junction_box", hdri, seed=4, size=64, spp=4, rounding=0.0)
    soft = render_sprite("junction_box", hdri, seed=4, size=64, spp=4, rounding=1.0)
    assert not sharp.meta.rounded and soft.meta.rounded
    np.testing.assert_allclose(again.rgba, sharp.rgba, atol=1e-4)
    assert soft.meta.elevation == sharp.meta.elevation and soft.meta.azimuth == sharp.meta.azimuth
    a_sharp, a_soft = sharp.rgba[..., 3] > 0.5, soft.rgba[..., 3] > 0.5
    assert a_soft.sum() < a_sharp.sum()  # corners gone
    assert (a_soft & ~a_sharp).sum() <= 0.02 * a_sharp.sum()  # and nothing grows outside the sharp box


def test_kidney_reader_renders_as_an_alpr_with_its_box(hdri_dir):
    s = render_sprite("alpr_kidney", str(next(hdri_dir.glob("*.hdr"))), seed=6, size=64, spp=4)
    assert s.meta.type == "alpr" and s.meta.mount == "street_furniture" and s.meta.box is not None
    x1, y1, x2, y2 = map(int, s.meta.box)
    assert s.rgba[y1:y2, x1:x2, 3].max() > 0.9


def test_opt_in_kinds_are_drawn_only_when_named(hdri_dir):
    """A kind added after libraries were rendered must not shift what an old seed draws (make_*.sh re-render
    runs/sprites/v1 from seed 1 on a fresh machine), yet --kinds reaches it."""
    from camdetect.render.kinds import CAMERA_KINDS, OPT_IN_KINDS
    from camdetect.render.library import LibraryOptions, plan_job

    hdris = sorted(hdri_dir.glob("*.hdr"))
    default = LibraryOptions(count=400, seed=1, size=48, large_share=0.0, spp=4, decoy_share=0.0)
    drawn = {plan_job(i, default, hdris)[0] for i in range(400)}
    assert drawn == set(CAMERA_KINDS) - OPT_IN_KINDS  # every default camera kind, none of the opt-in ones
    named = LibraryOptions(count=4, seed=1, size=48, large_share=0.0, spp=4, decoy_share=0.0, kinds=("alpr_kidney",))
    assert {plan_job(i, named, hdris)[0] for i in range(4)} == {"alpr_kidney"}
