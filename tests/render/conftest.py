"""A tiny outdoor HDR map (sky gradient, ground, a sun) so render tests need no ../shared/data."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="session")
def hdri_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hdri")
    h, w = 32, 64
    img = np.zeros((h, w, 3), np.float32)
    for y in range(h):
        if y < h // 2:
            img[y] = (0.9, 0.6, 0.35)  # BGR: blue sky
        else:
            img[y] = (0.12, 0.14, 0.16)  # grey ground
    img[5:7, 20:22] = 4000.0  # the sun
    cv2.imwrite(str(d / "tiny_sky.hdr"), img)
    return d


@pytest.fixture(scope="session")
def sprite_dir(tmp_path_factory, hdri_dir) -> Path:
    from camdetect.render.library import LibraryOptions, render_library

    d = tmp_path_factory.mktemp("sprites")
    opts = LibraryOptions(count=6, seed=3, size=48, large_share=0.0, spp=4, decoy_share=0.34)
    render_library(d, hdri_dir, opts, progress=False)
    return d
