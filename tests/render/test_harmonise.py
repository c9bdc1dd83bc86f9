import numpy as np
import pytest

from camdetect.render.harmonise import (
    CameraPipeline,
    Look,
    border_ramp,
    continue_cut,
    cuts_cleanly,
    finish,
    paste,
    prepare_sprite,
    to_linear,
    to_srgb,
)


def test_srgb_round_trip():
    img = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, 2)
    assert np.abs(to_srgb(to_linear(img)).astype(int) - img).max() <= 1


def test_border_ramp_fades_edges_only():
    r = border_ramp(50, 50)
    assert r[0].max() == 0 and r[:, 0].max() == 0 and r[25, 25] == 1


@pytest.mark.parametrize("white", [0.2, 0.8])
def test_exposure_follows_the_photo(white):
    rng = np.random.default_rng(0)
    sprite = np.zeros((20, 20, 4), np.float32)
    sprite[5:15, 5:15] = (1, 1, 1, 1)
    out = prepare_sprite(sprite, 1.0, Look(white, np.ones(3, np.float32)), rng, 0.0)
    assert 0.45 * white <= out[10, 10, 0] <= 1.25 * white


def test_paste_is_premultiplied_over_and_clips_at_edges():
    bg = np.full((10, 10, 3), 0.5, np.float32)
    s = np.zeros((4, 4, 4), np.float32)
    s[..., :3], s[..., 3] = 0.25, 0.5  # premultiplied 0.5 grey at half alpha
    paste(bg, s, -2, 8)
    assert bg[9, 0, 0] == pytest.approx(0.25 + 0.5 * 0.5)
    assert bg[5, 5, 0] == 0.5


def _cross() -> np.ndarray:
    """A premultiplied sprite: a grey pole through top and bottom, a dark arm through left and right, a lamp."""
    sp = np.zeros((20, 20, 4), np.float32)
    sp[:, 9:11] = (0.5, 0.5, 0.5, 1)
    sp[5:7, :] = (0.2, 0.2, 0.2, 1)
    sp[12:15, 2:5] = (0.9, 0.9, 0.9, 1)  # touches no edge
    return sp


def test_cut_structures_run_on_to_every_tile_edge():
    bg = np.zeros((100, 100, 3), np.float32)
    sp = _cross()
    paste(bg, sp, 40, 30)
    continue_cut(bg, sp, 40, 30)
    np.testing.assert_allclose(bg[0, 49:51, 0], 0.5)  # the pole to the top ...
    np.testing.assert_allclose(bg[99, 49:51, 0], 0.5)  # ... and to the bottom
    np.testing.assert_allclose(bg[35:37, 0, 0], 0.2)  # the arm to the left ...
    np.testing.assert_allclose(bg[35:37, 99, 0], 0.2)  # ... and to the right
    assert bg[:30, :45].max() == 0 and bg[50:, 60:].max() == 0  # nothing else: the lamp touches no edge
    assert bg[42:45, :40].max() == 0  # the lamp's rows are not carried on


def test_a_slanted_pole_keeps_its_direction():
    sp = np.zeros((40, 40, 4), np.float32)
    for r in range(40):  # x = 5 + 0.5 * row, two px wide
        c = int(5 + 0.5 * r)
        sp[r, c:c + 2] = (1, 1, 1, 1)
    bg = np.zeros((200, 200, 3), np.float32)
    paste(bg, sp, 80, 80)
    continue_cut(bg, sp, 80, 80)
    top, bottom = np.flatnonzero(bg[0, :, 0] > 0.3).mean(), np.flatnonzero(bg[199, :, 0] > 0.3).mean()
    # 80 rows beyond each end at half a pixel per row: ~40 px further along the line (edge slopes are estimated)
    assert 80 + 5.5 - 0.5 * 80 - 6 <= top <= 80 + 5.5 - 0.5 * 80 + 6
    assert 80 + 25 + 0.5 * 80 - 6 <= bottom <= 80 + 25 + 0.5 * 80 + 6


def test_continuation_never_exceeds_opaque_and_skips_sprites_off_the_tile():
    bg = np.full((60, 60, 3), 0.3, np.float32)
    sp = np.zeros((10, 10, 4), np.float32)
    sp[:, 2:4] = sp[:, 6:8] = (2.0, 2.0, 2.0, 1)  # two poles that a steep slope estimate could merge
    continue_cut(bg, sp, -20, -20)  # wholly off the tile above-left: only its continuations could reach it
    continue_cut(bg, sp, 25, 25)
    assert bg.max() <= 2.0 + 1e-6 and np.isfinite(bg).all()


def test_only_cuts_away_from_the_corners_are_clean():
    assert cuts_cleanly(_cross())
    along = np.zeros((20, 20, 4), np.float32)
    along[:, 15:] = (0.5, 0.5, 0.5, 1)  # a thick pole along the right side: carrying it sideways would make a slab
    assert not cuts_cleanly(along)
    corner = np.zeros((20, 20, 4), np.float32)
    for r in range(8):  # a mast arm out through the top-right corner: two sides disagree on its direction
        corner[r, 12 + r:] = (0.3, 0.3, 0.3, 1)
    assert not cuts_cleanly(corner)
    inside = np.zeros((20, 20, 4), np.float32)
    inside[5:15, 5:15] = (1, 1, 1, 1)
    assert not cuts_cleanly(inside)  # nothing cut: nothing to carry on
    bg = np.zeros((60, 60, 3), np.float32)
    continue_cut(bg, along, 20, 20)  # and continue_cut leaves corner cuts alone even when asked
    assert bg.max() == 0


def test_no_fade_keeps_the_cut_edge_opaque():
    sp = _cross()
    look = Look(1.0, np.ones(3, np.float32))
    faded = prepare_sprite(sp, 1.0, look, np.random.default_rng(0), 0.0)
    kept = prepare_sprite(sp, 1.0, look, np.random.default_rng(0), 0.0, fade=False)
    assert faded[0, 9, 3] == 0 and kept[0, 9, 3] == 1


@pytest.mark.parametrize("pattern", range(4))
@pytest.mark.parametrize("demosaic", range(3))
def test_a_flat_colour_survives_the_bayer_round_trip(pattern, demosaic):
    """Each layout is interpolated back by its own OpenCV code: no colour swap, whatever the method."""
    img = np.zeros((24, 24, 3), np.float32)
    img[...] = (200, 100, 30)
    out = CameraPipeline(pattern, demosaic, 0.0, 1.0).apply(img, None)
    assert np.abs(out[4:-4, 4:-4].astype(int) - (200, 100, 30)).max() <= 1


def test_the_camera_fringes_and_halos_a_small_dark_object():
    """A dark 3 px square on a bright wall: sharpening rings it with brighter-than-wall pixels (a halo) and the
    mosaic gives its edges colour that the grey original had none of."""
    img = np.full((32, 32, 3), 180, np.float32)
    img[14:17, 14:17] = 20
    soft = CameraPipeline(0, 0, 0.0, 1.0).apply(img, None).astype(int)
    sharp = CameraPipeline(0, 0, 1.5, 1.0).apply(img, None).astype(int)
    assert sharp[10:21, 10:21].max() > 185 >= soft[10:21, 10:21].max()
    spread = soft[12:19, 12:19].max(axis=2) - soft[12:19, 12:19].min(axis=2)  # channel spread: 0 for grey
    assert spread.max() > 10


def test_finish_draws_the_same_with_or_without_a_camera():
    lin = np.full((16, 16, 3), 0.3, np.float32)
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    finish(lin, a)
    finish(lin, b, camera=CameraPipeline.draw(np.random.default_rng(1)))
    assert a.random() == b.random()
