"""Cut perspective views out of an equirectangular panorama with one ``cv2.remap`` per view.

Memory stays bounded on 8192x4096 panoramas: the panorama is sampled in place as uint8 (never
converted to float), and the only per-view arrays are float32 remap maps the size of the view (times
the supersampling factor). Turning a view about the vertical axis only shifts the panorama columns it
samples, so one cached map per (pitch, fov, size) serves every heading of a plan and every panorama,
whatever its ``pano_heading``; a view then costs one add, one ``cv2.remap`` and one resize.

Seam: columns wrap (``cv2.BORDER_WRAP``), so a view looking at heading ``pano_heading + 180`` (the
panorama's left/right edge) is continuous. Rows never wrap: the map is clamped to the first and last
row, so views at the poles sample the top/bottom rows instead of the opposite pole.

Anti-aliasing: when the panorama has more pixels per degree than the view (a 640 px, 56-degree view
of an 8192 px panorama samples about every 2nd pixel), bilinear sampling would alias small objects
such as cameras; :func:`cut_view` then renders at ``k`` times the size and area-averages down.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from camdetect.geometry.projection import focal_px, vector_to_angles, view_axes
from camdetect.records import View

MAP_CACHE_SIZE = 4  # base maps: one per (pitch, fov, size, panorama size); 13 MB each at 1280x1280


def supersample_factor(view: View, pano_width: int, max_factor: int = 3) -> int:
    """How many view pixels to render per output pixel so each one covers at most ~1 panorama pixel.

    Ratio of panorama pixels per degree to view pixels per degree at the view centre, rounded.
    """
    pano_px_per_rad = pano_width / (2.0 * math.pi)
    ratio = pano_px_per_rad / focal_px(view)
    return int(min(max_factor, max(1, round(ratio))))


def remap_maps(view: View, W: int, H: int, pano_heading: float = 0.0, scale: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """float32 (map_x, map_y) of shape (height*scale, width*scale): the panorama pixel each view pixel samples.

    Values are in OpenCV's convention (integer = pixel centre), i.e. continuous coordinate - 0.5.
    """
    vw, vh = view.width * scale, view.height * scale
    f = focal_px(view) * scale
    right, down, forward = (a.astype(np.float32) for a in view_axes(view))
    xs = (np.arange(vw, dtype=np.float32) + 0.5 - vw / 2.0) / np.float32(f)
    ys = (np.arange(vh, dtype=np.float32) + 0.5 - vh / 2.0) / np.float32(f)
    map_x = np.empty((vh, vw), np.float32)
    map_y = np.empty((vh, vw), np.float32)
    step = max(1, (1 << 18) // vw)  # rows per chunk: temporaries stay around 10 MB for any view size
    for r0 in range(0, vh, step):
        rows = ys[r0:r0 + step]
        vec = forward + xs[None, :, None] * right + rows[:, None, None] * down  # (rows, vw, 3)
        heading, pitch = vector_to_angles(vec)
        # Same formulas as angles_to_pano, in float32 to keep the maps small.
        frac = np.mod((heading - np.float32(pano_heading)) / np.float32(360.0) + np.float32(0.5), np.float32(1.0))
        map_x[r0:r0 + step] = frac * np.float32(W) - np.float32(0.5)
        map_y[r0:r0 + step] = np.float32(H) * (np.float32(0.5) - pitch / np.float32(180.0)) - np.float32(0.5)
    np.clip(map_y, 0.0, H - 1.0, out=map_y)  # rows never wrap across a pole
    return map_x, map_y


@lru_cache(maxsize=MAP_CACHE_SIZE)
def _base_maps(pitch: float, fov: float, width: int, height: int, W: int, H: int, scale: int):
    """Maps for a view at heading 0 of a panorama with pano_heading 0 (read-only, shared)."""
    map_x, map_y = remap_maps(View("", 0.0, pitch, fov, width, height), W, H, 0.0, scale)
    map_x.flags.writeable = False
    map_y.flags.writeable = False
    return map_x, map_y


def view_maps(view: View, W: int, H: int, pano_heading: float = 0.0, scale: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """:func:`remap_maps` via a cache: turning a view about the vertical axis only shifts the panorama
    columns it samples, so every heading of a plan (and every pano_heading) shares one cached map."""
    base_x, map_y = _base_maps(float(view.pitch), float(view.fov), int(view.width), int(view.height), W, H, scale)
    shift = np.float32(W * (((view.heading - pano_heading) % 360.0) / 360.0))
    map_x = base_x + shift  # base in [-0.5, W - 0.5), shift in [0, W): one subtraction wraps it
    np.subtract(map_x, np.float32(W), out=map_x, where=map_x >= W - 0.5)
    return map_x, map_y


def cut_view(pano: np.ndarray, view: View, pano_heading: float = 0.0, supersample: int | None = None,
             interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """The perspective view ``view`` of equirectangular ``pano`` (H, W[, C]) as (height, width[, C]).

    ``supersample``: None picks :func:`supersample_factor`; 1 disables anti-aliasing.
    Any dtype OpenCV remaps (uint8, uint16, float32) is kept as is.
    """
    if pano.ndim not in (2, 3) or pano.shape[0] < 2 or pano.shape[1] < 2:
        raise ValueError(f"panorama must be an (H, W) or (H, W, C) image, got shape {pano.shape}")
    H, W = pano.shape[:2]
    if max(W, H) >= 32767:
        raise ValueError(f"panorama {W}x{H} too large for cv2.remap (max 32766 px per side)")
    scale = supersample_factor(view, W) if supersample is None else int(supersample)
    if scale < 1:
        raise ValueError(f"supersample must be >= 1, got {supersample}")
    map_x, map_y = view_maps(view, W, H, pano_heading, scale)
    out = cv2.remap(pano, map_x, map_y, interpolation, borderMode=cv2.BORDER_WRAP)
    if scale > 1:
        out = cv2.resize(out, (view.width, view.height), interpolation=cv2.INTER_AREA)
    return out


def clear_map_cache() -> None:
    """Free the cached remap maps (e.g. after switching to a different plan)."""
    _base_maps.cache_clear()
