"""2-D shapes in panorama pixels and their anti-aliased, shaded rasterisation.

Every drawn object (a pole with its arm and lamp, a camera with its bracket) becomes a list of
:class:`Shape` in panorama pixel coordinates. :func:`draw_group` rasterises one list on a small
supersampled patch (so a 6-pixel camera still has a bubble, a housing and a highlight), shrinks it
with area averaging and alpha-composites it into the panorama, wrapping at the 0/360 seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Shape:
    kind: str  # "poly" | "ellipse"
    pts: np.ndarray  # poly: (N, 2) px; ellipse: [[cx, cy], [rx, ry]]
    rgb: tuple[float, float, float]
    shade: str = "flat"  # flat | sphere | cyl | vgrad | glass
    clip: str = ""  # ellipse only: "upper" | "lower" half
    axis: tuple[float, float, float, float, float] | None = None  # cyl: x0, y0, x1, y1, radius px
    alpha: float = 1.0

    def bbox(self) -> tuple[float, float, float, float]:
        if self.kind == "ellipse":
            (cx, cy), (rx, ry) = self.pts
            return cx - rx, cy - ry, cx + rx, cy + ry
        return (float(self.pts[:, 0].min()), float(self.pts[:, 1].min()),
                float(self.pts[:, 0].max()), float(self.pts[:, 1].max()))


def quad(x0, y0, x1, y1, w0, w1) -> np.ndarray:
    """Polygon of a thick segment from (x0, y0) to (x1, y1), widths w0 and w1 px at its ends."""
    dx, dy = x1 - x0, y1 - y0
    n = max(np.hypot(dx, dy), 1e-9)
    nx, ny = -dy / n, dx / n
    return np.array([[x0 + nx * w0 / 2, y0 + ny * w0 / 2], [x1 + nx * w1 / 2, y1 + ny * w1 / 2],
                     [x1 - nx * w1 / 2, y1 - ny * w1 / 2], [x0 - nx * w0 / 2, y0 - ny * w0 / 2]])


def _supersample(width_px: float) -> int:
    if width_px > 400:
        return 1
    if width_px > 120:
        return 2
    return 4


def draw_group(img: np.ndarray, shapes: list[Shape], light_xy: tuple[float, float] = (0.4, -0.7),
               brightness: float = 1.0) -> None:
    """Rasterise ``shapes`` (in order) and composite them into ``img`` (float RGB, in place)."""
    if not shapes:
        return
    H, W = img.shape[:2]
    boxes = np.array([s.bbox() for s in shapes])
    x0, y0 = np.floor(boxes[:, 0].min()) - 1, np.floor(boxes[:, 1].min()) - 1
    x1, y1 = np.ceil(boxes[:, 2].max()) + 1, np.ceil(boxes[:, 3].max()) + 1
    y0, y1 = max(y0, 0), min(y1, H)
    if y1 <= y0 or x1 - x0 < 1 or x1 - x0 > W:
        return
    pw, ph = int(x1 - x0), int(y1 - y0)
    ss = _supersample(max(pw, ph))
    gh, gw = ph * ss, pw * ss
    col = np.zeros((gh, gw, 3), np.float32)
    alpha = np.zeros((gh, gw), np.float32)
    lx, ly = light_xy
    lz = np.sqrt(max(0.0, 1 - lx * lx - ly * ly))
    for s in shapes:
        bx0, by0, bx1, by1 = s.bbox()
        # sub-window of the patch touched by this shape (saves work on big patches)
        gx0 = max(int((bx0 - x0) * ss) - 2, 0)
        gy0 = max(int((by0 - y0) * ss) - 2, 0)
        gx1 = min(int((bx1 - x0) * ss) + 3, gw)
        gy1 = min(int((by1 - y0) * ss) + 3, gh)
        if gx1 <= gx0 or gy1 <= gy0:
            continue
        yy, xx = np.mgrid[gy0:gy1, gx0:gx1].astype(np.float32)
        xx = (xx + 0.5) / ss + x0
        yy = (yy + 0.5) / ss + y0
        if s.kind == "ellipse":
            (cx, cy), (rx, ry) = s.pts
            nx = (xx - cx) / max(rx, 1e-6)
            ny = (yy - cy) / max(ry, 1e-6)
            m = nx * nx + ny * ny <= 1.0
            if s.clip == "upper":
                m &= yy <= cy
            elif s.clip == "lower":
                m &= yy >= cy
        else:
            mask = np.zeros((gy1 - gy0, gx1 - gx0), np.uint8)
            p = (s.pts - [x0, y0]) * ss - [gx0, gy0]
            cv2.fillPoly(mask, [np.round(p * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
            m = mask.astype(bool)
            nx = ny = None
        if not m.any():
            continue
        base = np.array(s.rgb, np.float32)
        if s.shade in ("sphere", "glass") and s.kind == "ellipse":
            nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
            lam = np.clip(nx * lx + ny * ly + nz * lz, 0, 1)
            f = (0.45 + 0.75 * lam)[..., None]
            c = base * f
            if s.shade == "glass":  # smoked bubble: dark with a sharp highlight and a sky reflection
                spec = np.clip(nx * lx * 0.8 + ny * ly * 0.8 + nz * lz, 0, 1) ** 24
                c = base * (0.7 + 0.5 * lam)[..., None] + (0.8 * spec + 0.12 * np.clip(-ny, 0, 1) ** 2)[..., None]
        elif s.shade == "cyl" and s.axis is not None:
            ax0, ay0, ax1, ay1, r = s.axis
            dx, dy = ax1 - ax0, ay1 - ay0
            n = max(np.hypot(dx, dy), 1e-6)
            across = ((xx - ax0) * (-dy / n) + (yy - ay0) * (dx / n)) / max(r, 1e-6)
            across = np.clip(across, -1, 1)
            nzc = np.sqrt(1 - across ** 2)
            # the normal across the cylinder lies in the image plane perpendicular to the axis
            lam = np.clip(across * (lx * (-dy / n) + ly * (dx / n)) + nzc * lz, 0, 1)
            c = base * (0.5 + 0.65 * lam)[..., None]
        elif s.shade == "vgrad":
            t = (yy - by0) / max(by1 - by0, 1e-6)
            c = base * (1.1 - 0.35 * t)[..., None]
        else:
            c = np.broadcast_to(base, m.shape + (3,))
        a = m.astype(np.float32) * s.alpha
        sub_c = col[gy0:gy1, gx0:gx1]
        sub_a = alpha[gy0:gy1, gx0:gx1]
        sub_c *= (1 - a)[..., None]
        sub_c += c * brightness * a[..., None]
        sub_a *= 1 - a
        sub_a += a
    if ss > 1:
        col = cv2.resize(col, (pw, ph), interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, (pw, ph), interpolation=cv2.INTER_AREA)
    ix0 = int(x0)
    for shift in (0, -W, W):
        a0 = ix0 + shift
        if a0 >= W or a0 + pw <= 0:
            continue
        s0, s1 = max(0, -a0), min(pw, W - a0)
        dst = img[int(y0):int(y0) + ph, a0 + s0:a0 + s1]
        aa = alpha[:, s0:s1, None]
        dst *= 1 - aa
        dst += col[:, s0:s1]
