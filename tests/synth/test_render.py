"""Pixels agree with the truth: a camera's drawn pixels fall inside its truth box."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from camdetect.geometry import angles_to_pano
from camdetect.synth.city import scene_for, truth_rows
from camdetect.synth.render import render_scene

W, H = 2048, 1024


def _scenes_with_cameras(seed, n):
    out = []
    i = 0
    while len(out) < n:
        sc = scene_for(seed, i)
        if sc.cameras:
            out.append(sc)
        i += 1
    return out


@pytest.mark.parametrize("scene", _scenes_with_cameras(5, 3), ids=lambda s: s.pano_id)
def test_camera_pixels_fall_in_truth_boxes(scene):
    with_cams = render_scene(scene, W, H, np.random.default_rng(0))
    bare = copy.deepcopy(scene)
    cam_ids = {id(c.sprite) for c in scene.cameras}
    for item, bare_item in zip(scene.items, bare.items):
        bare_item.sprites = [b for a, b in zip(item.sprites, bare_item.sprites) if id(a) not in cam_ids]
    without = render_scene(bare, W, H, np.random.default_rng(0))
    diff = np.abs(with_cams - without).max(axis=2)
    cams, _, _ = truth_rows(scene, W, H)
    for cam in cams:
        x1, y1, x2, y2 = cam.x1, cam.y1, cam.x2, cam.y2
        cols = np.arange(int(np.floor(x1)), int(np.ceil(x2))) % W
        inside = diff[int(np.floor(y1)):int(np.ceil(y2))][:, cols]
        assert inside.size and inside.max() > 0.1, cam.camera_id  # something was drawn in the box
        # the box centre is where the geometry module says the camera is
        u, v = angles_to_pano(cam.heading, cam.pitch, W, H)
        assert abs(((float(u) - (x1 + x2) / 2) + W / 2) % W - W / 2) < 0.5
        assert abs(float(v) - (y1 + y2) / 2) < 0.5


def test_background_has_sky_up_and_ground_down():
    sc = scene_for(0, 0)
    img = render_scene(sc, 512, 256, np.random.default_rng(0))
    assert img.shape == (256, 512, 3) and img.dtype == np.float32
    top, bottom = img[:10].mean(axis=(0, 1)), img[-60:-40].mean(axis=(0, 1))
    assert top[2] > top[0]  # blue-ish sky
    assert bottom.std() < 0.1 and bottom.mean() < 0.6  # grey road
