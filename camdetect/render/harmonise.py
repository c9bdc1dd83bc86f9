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
                   blur_sigma: float, fade: bool = True) -> np.ndarray:
    """Resize (area filter when shrinking), expose, colour-cast and blur a premultiplied linear sprite. ``fade``
    off keeps the structures the frame cuts at full strength, for ``continue_cut`` to carry on."""
    h, w = rgba.shape[:2]
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    out = cv2.resize(rgba, (nw, nh), interpolation=interp)
    if out.ndim == 2:
        out = out[..., None]
    out = out.copy()
    if fade:
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


CUT_ALPHA = 0.35  # an edge pixel at least this opaque means the frame cut a structure (a pole, an arm)
MAX_SLOPE = 1.5  # px sideways per px outwards: steeper estimates on a few-pixel sprite are noise


def _top_cuts(sprite: np.ndarray) -> tuple[list[tuple[int, int, float]], int]:
    """The runs of the sprite's top row (start, end, centre) that are cut structures, and the row's length; the
    other sides are the same call on ``np.rot90`` views."""
    row = np.ascontiguousarray(sprite[0, :, 3])
    return [(s, e, c) for s, e, c in _runs(row) if row[s:e].max() >= CUT_ALPHA], row.size


def _at_corner(start: int, end: int, n: int) -> bool:
    return start == 0 or end == n


def cuts_cleanly(sprite: np.ndarray) -> bool:
    """True when the frame cuts something and every cut crosses a side away from its corners. A cut at a corner
    (a mast arm through it, a pole running along the side) has no one direction to carry on in, so such a sprite
    keeps the fade (``prepare_sprite(fade=True)``) and is not carried on."""
    sides = [_top_cuts(np.rot90(sprite, k)) for k in (0, 2, 1, -1)]
    return any(cuts for cuts, _ in sides) and not any(_at_corner(s, e, n) for cuts, n in sides for s, e, _ in cuts)


def continue_cut(bg_lin: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    """Carry every structure the sprite's frame cuts (poles, mast arms, wall columns) on to the tile's edge, in
    its own direction, after ``paste``: in a street photo a pole runs to the ground and a mast arm to its pole, so
    a pole that fades out in mid-air (``border_ramp``) marks a paste in a way no real camera shows. For sprites that
    ``cuts_cleanly``; cuts at a corner are left alone."""
    H, W = bg_lin.shape[:2]
    h, w = sprite.shape[:2]
    for k, (rx, ry) in ((0, (x, y)), (2, (W - x - w, H - y - h)), (1, (y, W - x - w)), (-1, (H - y - h, x))):
        _continue_top(np.rot90(bg_lin, k), np.rot90(sprite, k), rx, ry)


def _runs(alpha: np.ndarray) -> list[tuple[int, int, float]]:
    """Runs of visible pixels along one row: start, end and alpha-weighted centre."""
    on = np.concatenate([[0], (alpha > 0.02).astype(np.int8), [0]])
    bounds = np.flatnonzero(np.diff(on))
    cols = np.arange(alpha.size, dtype=np.float32)
    return [(int(s), int(e), float((cols[s:e] * alpha[s:e]).sum() / alpha[s:e].sum()))
            for s, e in zip(bounds[::2], bounds[1::2])]


def _continue_top(bg: np.ndarray, sp: np.ndarray, x: int, y: int) -> None:
    """``continue_cut`` for the top side (the others are rotated views): rows ``0..y-1`` above the sprite repeat
    its top row, each run of opaque pixels shifted along its slope (its centre against that of the nearest run a
    few rows in)."""
    h = sp.shape[0]
    cuts, w = _top_cuts(sp) if y > 0 and h >= 4 else ([], 0)
    cuts = [(s, e, c) for s, e, c in cuts if not _at_corner(s, e, w)]  # corner cuts: see cuts_cleanly
    if not cuts:
        return
    edge = np.ascontiguousarray(sp[0])
    d = max(1, min(8, h // 4))
    inner = _runs(np.ascontiguousarray(sp[d, :, 3]))
    n = min(y, bg.shape[0])  # a sprite beyond the far side still runs across the whole tile
    t = (y - np.arange(n, dtype=np.float32))[:, None]  # how far out each row lies
    xs = np.arange(bg.shape[1], dtype=np.float32)[None, :] - x  # tile columns in sprite coordinates
    acc = np.zeros((n, bg.shape[1], 4), np.float32)
    for s, e, c0 in cuts:
        cd = min((c for _, _, c in inner), key=lambda c: abs(c - c0), default=c0)
        slope = float(np.clip((c0 - cd) / d, -MAX_SLOPE, MAX_SLOPE)) if abs(cd - c0) <= MAX_SLOPE * d else 0.0
        seg = np.zeros_like(edge)
        seg[s:e] = edge[s:e]
        map_x = np.ascontiguousarray(np.broadcast_to(xs - slope * t, acc.shape[:2]), dtype=np.float32)
        acc += cv2.remap(seg[None], map_x, np.zeros_like(map_x), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = acc[..., 3:4]
    over = np.maximum(alpha, 1.0)  # two runs that meet: never more than opaque
    bg[:n] = acc[..., :3] / over + bg[:n] * (1 - np.minimum(alpha, 1.0))


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


# Bayer layouts as the RGB channel recorded at (0,0) (0,1) (1,0) (1,1), each with OpenCV's codes that interpolate it
# back (bilinear, edge-aware, VNG); OpenCV names a layout by its second row, hence BG for R G / G B (checked by
# tests/render/test_harmonise.py: a flat colour survives the round trip).
BAYER = (
    ((0, 1, 1, 2), (cv2.COLOR_BayerBG2RGB, cv2.COLOR_BayerBG2RGB_EA, cv2.COLOR_BayerBG2RGB_VNG)),
    ((1, 0, 2, 1), (cv2.COLOR_BayerGB2RGB, cv2.COLOR_BayerGB2RGB_EA, cv2.COLOR_BayerGB2RGB_VNG)),
    ((2, 1, 1, 0), (cv2.COLOR_BayerRG2RGB, cv2.COLOR_BayerRG2RGB_EA, cv2.COLOR_BayerRG2RGB_VNG)),
    ((1, 2, 0, 1), (cv2.COLOR_BayerGR2RGB, cv2.COLOR_BayerGR2RGB_EA, cv2.COLOR_BayerGR2RGB_VNG)),
)


def mosaic(img: np.ndarray, pattern: int) -> np.ndarray:
    """The one colour a Bayer sensor records at each pixel (RGB in, one channel out), for ``BAYER[pattern]``."""
    ch = BAYER[pattern][0]
    out = np.empty(img.shape[:2], img.dtype)
    for k, (dy, dx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        out[dy::2, dx::2] = img[dy::2, dx::2, ch[k]]
    return out


@dataclass(frozen=True)
class CameraPipeline:
    """What a street camera does to light before the JPEG (``CompositeOptions.camera_pipeline``): one colour per
    pixel with its noise (Bayer), interpolated back (bilinear, edge-aware or VNG: colour fringes on small,
    high-contrast things), then an unsharp mask (the halos most street cameras add). Applied to the whole tile, so
    the pasted sprite and its background carry it alike; rendered sprites otherwise have clean, halo-free edges
    that no real object in the photo has."""

    pattern: int
    demosaic: int  # 0 bilinear, 1 edge-aware, 2 VNG
    sharpen: float  # unsharp-mask amount (0: none)
    radius: float  # its Gaussian sigma, px

    @classmethod
    def draw(cls, rng: np.random.Generator) -> CameraPipeline:
        return cls(int(rng.integers(4)), int(rng.integers(3)), float(rng.uniform(0.0, 1.5)), float(rng.uniform(0.5, 1.5)))

    def apply(self, img: np.ndarray, noise: np.ndarray | None) -> np.ndarray:
        """sRGB float32 (0..255) RGB in, uint8 RGB out; ``noise`` (per pixel, one channel) is added on the mosaic."""
        raw = mosaic(img, self.pattern)
        if noise is not None:
            raw = raw + noise
        raw8 = np.clip(raw, 0, 255).astype(np.uint8)
        rgb = cv2.cvtColor(raw8, BAYER[self.pattern][1][self.demosaic]).astype(np.float32)
        if self.sharpen > 0.05:
            rgb += self.sharpen * (rgb - cv2.GaussianBlur(rgb, (0, 0), self.radius))
        return np.clip(rgb, 0, 255).astype(np.uint8)


def finish(lin: np.ndarray, rng: np.random.Generator, jpeg: tuple[int, int] = (40, 95),
           camera: CameraPipeline | None = None) -> np.ndarray:
    """Sensor noise and JPEG over the whole tile (sprite and background alike), through ``camera``'s Bayer
    sensor and sharpening when given; RGB in, BGR uint8 out. The main stream ``rng`` draws the same either way."""
    img = to_srgb(lin).astype(np.float32)
    sigma = float(rng.uniform(0, 4.0))
    if camera is not None:
        noise = rng.normal(0, sigma, img.shape).astype(np.float32)[..., 0] if sigma > 0.3 else None  # same draws
        img = camera.apply(img, noise)
    else:
        if sigma > 0.3:
            img += rng.normal(0, sigma, img.shape).astype(np.float32)
        img = np.clip(img, 0, 255).astype(np.uint8)
    q = int(rng.integers(jpeg[0], jpeg[1] + 1))
    ok, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)
