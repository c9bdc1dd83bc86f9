"""Make a rendered sprite sit in a real photo: exposure, white balance, blur, occluders, noise, JPEG.

Everything happens in linear light: the sprite is stored as radiance / sky radiance, so scaling it by
the photo's bright-sky level puts a white housing at the brightness a white object has in that photo.
The same steps are applied to look-alikes, so no pasting cue separates a camera from a decoy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def to_linear(img_u8: np.ndarray) -> np.ndarray:
    return (img_u8.astype(np.float32) / 255.0) ** 2.2


def to_srgb(lin: np.ndarray) -> np.ndarray:
    return np.clip(np.clip(lin, 0, 1) ** (1 / 2.2) * 255.0 + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Look:
    """What the photo says about its light: bright-sky level and colour cast (linear RGB)."""

    white: float
    cast: np.ndarray

    @classmethod
    def of(cls, lin: np.ndarray) -> Look:
        lum = lin.mean(axis=2)
        white = float(max(0.05, np.quantile(lum, 0.92)))
        mean = lin.reshape(-1, 3).mean(0) + 1e-4
        return cls(white, mean / mean.mean())


def border_ramp(h: int, w: int, frac: float = 0.12) -> np.ndarray:
    """1 inside, falling to 0 at the sprite's edges: poles and arms fade out instead of ending sharply."""
    ry = np.minimum(np.arange(h), np.arange(h)[::-1]) / max(1.0, frac * h)
    rx = np.minimum(np.arange(w), np.arange(w)[::-1]) / max(1.0, frac * w)
    return np.clip(np.minimum.outer(ry, rx), 0, 1).astype(np.float32)


def prepare_sprite(rgba: np.ndarray, scale: float, look: Look, rng: np.random.Generator,
                   blur_sigma: float) -> np.ndarray:
    """Resize (area filter when shrinking), expose, colour-cast and blur a premultiplied linear sprite."""
    h, w = rgba.shape[:2]
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    out = cv2.resize(rgba, (nw, nh), interpolation=interp)
    if out.ndim == 2:
        out = out[..., None]
    out = out.copy()
    out *= border_ramp(nh, nw)[..., None]  # premultiplied: colour fades with alpha
    exposure = look.white * float(rng.uniform(0.45, 1.25))
    beta = float(rng.uniform(0.3, 0.9))
    out[..., :3] *= exposure * (look.cast[None, None, :] ** beta)
    if blur_sigma > 0.05:
        out = cv2.GaussianBlur(out, (0, 0), blur_sigma)
    return out


def paste(bg_lin: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    """Premultiplied 'over' in place; the sprite may hang off any edge."""
    H, W = bg_lin.shape[:2]
    h, w = sprite.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x0 >= x1 or y0 >= y1:
        return
    s = sprite[y0 - y:y1 - y, x0 - x:x1 - x]
    a = s[..., 3:4]
    bg_lin[y0:y1, x0:x1] = s[..., :3] + bg_lin[y0:y1, x0:x1] * (1 - a)


def occlude(bg_lin: np.ndarray, rng: np.random.Generator, box: tuple[float, float, float, float]) -> None:
    """A wire across the object, or a blob of the photo's own texture (foliage, a sign) over part of it."""
    H, W = bg_lin.shape[:2]
    x1, y1, x2, y2 = box
    if rng.random() < 0.5:  # a wire: thin, dark, slightly sagging
        pts = []
        ya, yb = rng.uniform(y1, y2), rng.uniform(y1, y2)
        for t in np.linspace(0, 1, 12):
            pts.append((t * W, ya + (yb - ya) * t + 6 * np.sin(np.pi * t) * rng.uniform(0, 1)))
        shade = float(rng.uniform(0.005, 0.04))
        cv2.polylines(bg_lin, [np.array(pts, np.int32)], False, (shade, shade, shade), 1, cv2.LINE_AA)
        return
    bw, bh = x2 - x1, y2 - y1
    rx, ry = max(2, int(bw * rng.uniform(0.2, 0.45))), max(2, int(bh * rng.uniform(0.2, 0.45)))
    cx, cy = int(rng.uniform(x1, x2)), int(rng.uniform(y1, y2))
    sx, sy = int(rng.uniform(0, max(1, W - 2 * rx))), int(rng.uniform(0, max(1, H - 2 * ry)))
    patch = bg_lin[sy:sy + 2 * ry, sx:sx + 2 * rx].copy()
    mask = np.zeros(patch.shape[:2], np.float32)
    cv2.ellipse(mask, (rx, ry), (rx, ry), float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.0)[..., None]
    ty, tx = cy - ry, cx - rx
    y0, x0 = max(0, ty), max(0, tx)
    y1_, x1_ = min(H, ty + patch.shape[0]), min(W, tx + patch.shape[1])
    if y0 >= y1_ or x0 >= x1_:
        return
    p = patch[y0 - ty:y1_ - ty, x0 - tx:x1_ - tx]
    m = mask[y0 - ty:y1_ - ty, x0 - tx:x1_ - tx]
    bg_lin[y0:y1_, x0:x1_] = p * m + bg_lin[y0:y1_, x0:x1_] * (1 - m)


def finish(lin: np.ndarray, rng: np.random.Generator, jpeg: tuple[int, int] = (40, 95)) -> np.ndarray:
    """Sensor noise and JPEG over the whole tile (sprite and background alike); RGB in, BGR uint8 out."""
    img = to_srgb(lin).astype(np.float32)
    sigma = float(rng.uniform(0, 4.0))
    if sigma > 0.3:
        img += rng.normal(0, sigma, img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    q = int(rng.integers(jpeg[0], jpeg[1] + 1))
    ok, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)
