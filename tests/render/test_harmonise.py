import numpy as np
import pytest

from camdetect.render.harmonise import Look, border_ramp, paste, prepare_sprite, to_linear, to_srgb


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
