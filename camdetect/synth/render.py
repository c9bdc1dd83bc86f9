"""Draw a :class:`Scene` into an equirectangular panorama and degrade it like a real capture.

Order: ray-cast background, then items far to near (painter's algorithm), then camera effects:
exposure and colour cast, a little optical blur, sensor noise, and JPEG compression on write.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

from camdetect.synth.draw_background import render_background
from camdetect.synth.objects import Stick, parts_to_shapes, sprite_parts
from camdetect.synth.scene import Scene, anchor_scale
from camdetect.synth.shapes import Shape, draw_group, quad


def _stick_shapes(scene: Scene, st: Stick, W: int, H: int) -> list[Shape]:
    lay = scene.layout
    p0, p1 = np.array(st.p0, float), np.array(st.p1, float)
    length_deg = math.degrees(np.linalg.norm(p1 - p0) / max(1.0, min(
        np.hypot(*(p0[:2] - lay.car)), np.hypot(*(p1[:2] - lay.car)))))
    n = int(min(24, max(1, math.ceil(length_deg / 2.0))))
    if np.allclose(p0[:2], p1[:2]):
        n = 1
    pts = []
    for t in np.linspace(0, 1, n + 1):
        u, v, sx, sy, *_ = anchor_scale(lay, tuple(p0 + (p1 - p0) * t), W, H)
        if pts:
            u = pts[-1][0] + ((u - pts[-1][0] + W / 2) % W - W / 2)
        pts.append((u, v, sx, sy))
    out = []
    vertical = np.allclose(p0[:2], p1[:2])
    for (u0, v0, sx0, sy0), (u1, v1, sx1, sy1) in itertools.pairwise(pts):
        if vertical:  # constant heading span 2r/d whatever the height
            d = max(float(np.hypot(*(p0[:2] - lay.car))), 0.3)
            w = 2 * st.radius / d * W / (2 * math.pi)
            poly = np.array([[u0 - w / 2, v0], [u0 + w / 2, v0], [u1 + w / 2, v1], [u1 - w / 2, v1]])
            out.append(Shape("poly", poly, st.rgb, "cyl", axis=(u0, v0, u1, v1, w / 2)))
        else:
            w0, w1 = 2 * st.radius * sy0, 2 * st.radius * sy1
            out.append(Shape("poly", quad(u0, v0, u1, v1, w0, w1), st.rgb, "cyl", axis=(u0, v0, u1, v1, (w0 + w1) / 4)))
    return out


def _light_xy(scene: Scene, heading: float) -> tuple[float, float]:
    lt = scene.light
    if lt.sun <= 0:
        return 0.0, -0.6
    return 0.55 * math.sin(math.radians(lt.sun_az - heading)), -0.65


def _wall_shadow(lt, parts, wall: tuple[float, float], u, v, sx, sy) -> tuple[list[Shape], float]:
    """Soft shadow a wall-mounted sprite casts on its sunlit facade, and how lit the facade is (0..1).

    The sprite stands ``out`` metres from the wall; sunlight at elevation ``el`` and azimuth ``rel``
    from the wall normal drops its shadow ``out * tan(el) / cos(rel)`` below and ``out * tan(rel)``
    beside it.
    """
    normal, out = wall
    rel = math.radians((lt.sun_az - normal + 540) % 360 - 180)
    lit = max(0.0, math.cos(rel))
    if lt.sun <= 0 or lit < 0.15:
        return [], lit
    el = math.radians(lt.sun_el)
    dx = -out * math.tan(rel)  # metres, screen right for a viewer facing the wall
    dy = -out * math.tan(el) / max(math.cos(rel), 0.15)
    # a soft smudge (core + penumbra), not a crisp copy that would read as a second camera
    boxes = np.array([s.bbox() for s in parts_to_shapes(parts, u + dx * sx, v - dy * sy, sx, sy)])
    cx, cy = (boxes[:, 0].min() + boxes[:, 2].max()) / 2, (boxes[:, 1].min() + boxes[:, 3].max()) / 2
    rx, ry = (boxes[:, 2].max() - boxes[:, 0].min()) / 2, (boxes[:, 3].max() - boxes[:, 1].min()) / 2
    strength = min(1.0, lt.sun * 1.6)
    shadow = [Shape("ellipse", np.array([[cx, cy], [rx * 1.25, ry * 1.25]]), (0.0, 0.0, 0.0), alpha=0.08 * strength),
              Shape("ellipse", np.array([[cx, cy], [rx * 0.8, ry * 0.8]]), (0.0, 0.0, 0.0), alpha=0.14 * strength)]
    return shadow, lit


def render_scene(scene: Scene, W: int, H: int, rng: np.random.Generator) -> np.ndarray:
    """Float RGB panorama in [0, 1] with everything drawn, before sensor effects."""
    img = render_background(scene.layout, scene.light, rng, W, H)
    lt = scene.light
    for item in scene.items:
        shapes: list[Shape] = []
        for st in item.sticks:
            shapes += _stick_shapes(scene, st, W, H)
        heading = 0.0
        brightness = lt.ambient + lt.sun * 0.55
        for sp in item.sprites:
            u, v, sx, sy, _, heading, _ = anchor_scale(scene.layout, sp.pos, W, H)
            parts, _ = sprite_parts(sp.kind, sp.params)
            if "wall" in sp.params:
                shadow, lit = _wall_shadow(lt, parts, sp.params["wall"], u, v, sx, sy)
                shapes += shadow
                brightness = lt.ambient + lt.sun * 0.55 * lit
            shapes += parts_to_shapes(parts, u, v, sx, sy)
        if not item.sprites and item.sticks:
            heading = float(scene.layout.bearing(*item.sticks[0].p0[:2])[0])
        # unwrap all shapes of the item near the first one so one patch holds them
        if shapes:
            ref = shapes[0].bbox()[0]
            for s in shapes:
                if s.kind == "ellipse":
                    s.pts[0, 0] = ref + ((s.pts[0, 0] - ref + W / 2) % W - W / 2)
                else:
                    c = s.pts[:, 0].mean()
                    shift = (c - ref + W / 2) % W - W / 2 - (c - ref)
                    s.pts[:, 0] += shift
                    if s.axis is not None:
                        a = list(s.axis)
                        a[0] += shift
                        a[2] += shift
                        s.axis = tuple(a)
        draw_group(img, shapes, _light_xy(scene, heading), brightness)
    return img


def degrade(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exposure, colour cast, optical blur and sensor noise; returns uint8 BGR for JPEG writing.

    Works in 8 bits after one conversion (a per-channel lookup table does exposure, cast and gamma)
    so a 4096 x 2048 panorama costs well under a second.
    """
    gain = float(rng.uniform(0.85, 1.12))
    cast = 1.0 + rng.normal(0, 0.025, 3)
    gamma = float(rng.uniform(0.9, 1.1))
    sigma = float(rng.uniform(0.45, 1.0))
    luma_sd = float(rng.uniform(1.5, 4.0))
    bgr = cv2.convertScaleAbs(np.ascontiguousarray(img[..., ::-1]), alpha=255.0)
    x = np.arange(256) / 255.0
    lut = np.stack([np.clip(255.0 * np.clip(x * gain * c, 0, 1) ** gamma + 0.5, 0, 255) for c in cast[::-1]], axis=1)
    bgr = cv2.LUT(bgr, lut.astype(np.uint8).reshape(1, 256, 3))
    bgr = cv2.GaussianBlur(bgr, (0, 0), sigma)
    # luminance noise at full resolution, chroma noise at half (as a Bayer sensor + demosaic)
    noise = rng.standard_normal(bgr.shape[:2], dtype=np.float32) * np.float32(luma_sd)
    h2, w2 = (bgr.shape[0] + 1) // 2, (bgr.shape[1] + 1) // 2
    chroma = rng.standard_normal((h2, w2, 3), dtype=np.float32) * np.float32(1.2)
    chroma = cv2.resize(chroma, (bgr.shape[1], bgr.shape[0]), interpolation=cv2.INTER_LINEAR)
    chroma += noise[..., None]
    return cv2.add(bgr.astype(np.float32), chroma, dtype=cv2.CV_8U)  # rounds and saturates


def encode_jpeg(bgr: np.ndarray, rng: np.random.Generator) -> bytes:
    quality = int(rng.integers(72, 93))
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()
