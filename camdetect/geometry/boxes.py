"""Boxes between perspective views, the sphere and the equirectangular panorama.

A box on the sphere is carried as its **centre direction plus angular width and height**
``(heading, pitch, ang_w, ang_h)``, not as the bounding box of its warped outline:

- view box: centre = the ray through the box's pixel centre; ``ang_w`` = the angle between the rays
  through the midpoints of its left and right edges, ``ang_h`` the same for top and bottom edges.
- panorama box: centre = the box's pixel centre; ``ang_w`` = the angle between its left and right edge
  midpoints (both on the centre's parallel), ``ang_h`` = its height in degrees of pitch.

Both have closed-form inverses, so view box -> sphere -> view box (and -> panorama box -> view box) are
exact, whatever the view's pitch. The price: a box moved between frames whose axes are rotated against
each other (a pitched view and the panorama) keeps its angular size but not the exact bounding box of
its warped outline; for camera-sized boxes (< 3 degrees) that difference is well under a pixel.

Panorama boxes crossing the 0/360 seam (its left/right edge) are *unwrapped*: ``0 <= u1 < W`` and
``u2 = u1 + width`` may exceed ``W``. Input boxes with ``u2 < u1`` are read as wrapped (``u2 += W``).

Functions accept one box (4,) or many (N, 4). One box gives a tuple (or None when not visible),
many give an (N, 4) array with NaN rows for boxes that are not visible.
"""

from __future__ import annotations

import numpy as np

from camdetect.geometry.projection import (
    angles_to_pano,
    angles_to_view,
    focal_px,
    pano_to_angles,
    view_to_angles,
)
from camdetect.records import View


def _as_boxes(box) -> tuple[np.ndarray, bool]:
    arr = np.asarray(box, np.float64)
    single = arr.ndim == 1
    if arr.shape[-1:] != (4,) or arr.ndim > 2:
        raise ValueError(f"boxes must be (4,) or (N, 4) x1, y1, x2, y2; got shape {np.shape(box)}")
    return arr.reshape(-1, 4), single


def _edge_angle(lo, hi, s):
    """Angle between rays (lo, t, 1) and (hi, t, 1) of a line at distance sqrt(s) from the eye."""
    rs = np.sqrt(s)
    return np.degrees(np.arctan(hi / rs) - np.arctan(lo / rs))


def _edge_half(m, theta_deg, s):
    """Half extent d with angle((m - d, t, 1), (m + d, t, 1)) = theta, for a line at distance sqrt(s).

    Positive root of sin(th) d^2 + 2 cos(th) sqrt(s) d - sin(th) (s + m^2) = 0, written without
    cancellation for both th < 90 and th > 90 degrees.
    """
    th = np.radians(np.clip(theta_deg, 0.0, 179.999))
    S, C, rs = np.sin(th), np.cos(th), np.sqrt(s)
    q = np.sqrt(C * C * s + S * S * (s + m * m))
    with np.errstate(divide="ignore", invalid="ignore"):
        small = S * (s + m * m) / (C * rs + q)  # th <= 90
        large = (q - C * rs) / S  # th > 90
    return np.where(C >= 0, small, large)


def view_box_to_sphere(view: View, box_xyxy):
    """(heading, pitch, ang_w, ang_h) of a box on ``view`` (see module docstring for the definition)."""
    b, single = _as_boxes(box_xyxy)
    f = focal_px(view)
    cx, cy = view.width / 2.0, view.height / 2.0
    x1, y1, x2, y2 = ((b[:, i] - c) / f for i, c in zip(range(4), (cx, cy, cx, cy)))
    m, t = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    heading, pitch = view_to_angles(view, cx + f * m, cy + f * t)
    ang_w = _edge_angle(x1, x2, 1.0 + t * t)
    ang_h = _edge_angle(y1, y2, 1.0 + m * m)
    out = (np.asarray(heading), np.asarray(pitch), ang_w, ang_h)
    if single:
        return tuple(float(a[0]) if np.ndim(a) else float(a) for a in out)
    return tuple(np.atleast_1d(a) for a in out)


def sphere_boxes_to_view(view: View, heading, pitch, ang_w, ang_h) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`sphere_box_to_view`: ((N, 4) boxes, (N,) visible); invisible rows are NaN.

    Boxes are not clipped to the image (use :func:`clip_box`); visible means the centre is in front
    of the camera and the box overlaps the image.
    """
    heading, pitch, ang_w, ang_h = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, np.float64))
                                                         for a in (heading, pitch, ang_w, ang_h)))
    f = focal_px(view)
    cx, cy = view.width / 2.0, view.height / 2.0
    x, y, front = angles_to_view(view, heading, pitch)
    x, y, front = np.atleast_1d(x), np.atleast_1d(y), np.atleast_1d(front)
    m = np.where(front, (x - cx) / f, 0.0)
    t = np.where(front, (y - cy) / f, 0.0)
    dx = _edge_half(m, ang_w, 1.0 + t * t)
    dy = _edge_half(t, ang_h, 1.0 + m * m)
    boxes = np.stack([cx + f * (m - dx), cy + f * (t - dy), cx + f * (m + dx), cy + f * (t + dy)], axis=1)
    visible = (front & np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > 0) & (boxes[:, 0] < view.width)
               & (boxes[:, 3] > 0) & (boxes[:, 1] < view.height))
    boxes[~visible] = np.nan
    return boxes, visible


def sphere_box_to_view(view: View, heading: float, pitch: float, ang_w: float, ang_h: float):
    """xyxy of the sphere box on ``view`` (unclipped), or None when it is behind or outside the view."""
    boxes, visible = sphere_boxes_to_view(view, heading, pitch, ang_w, ang_h)
    if boxes.shape[0] == 1:
        return tuple(float(v) for v in boxes[0]) if visible[0] else None
    return boxes


def pano_box_to_sphere(box_uvuv, W: int, H: int, pano_heading: float = 0.0):
    """(heading, pitch, ang_w, ang_h) of a panorama box (unwrapped or wrapped at the seam)."""
    b, single = _as_boxes(box_uvuv)
    u1, v1, u2, v2 = b.T
    u2 = np.where(u2 < u1, u2 + W, u2)
    heading, pitch = pano_to_angles((u1 + u2) / 2.0, (v1 + v2) / 2.0, W, H, pano_heading)
    dh = np.radians((u2 - u1) * 360.0 / W)
    cos_p = np.cos(np.radians(pitch))
    ang_w = np.degrees(2.0 * np.arcsin(np.clip(cos_p * np.sin(dh / 2.0), -1.0, 1.0)))
    ang_h = (v2 - v1) * 180.0 / H
    out = (np.atleast_1d(heading), np.atleast_1d(pitch), ang_w, ang_h)
    if single:
        return tuple(float(a[0]) for a in out)
    return out


def sphere_to_pano_box(heading, pitch, ang_w, ang_h, W: int, H: int, pano_heading: float = 0.0):
    """Unwrapped panorama box(es) of sphere box(es); ``0 <= u1 < W``, ``u2`` may exceed ``W``.

    Near the poles, where the box's width exceeds the parallel's circumference, the box spans 180
    degrees of heading (the most this representation can hold).
    """
    single = np.ndim(heading) == 0
    heading, pitch, ang_w, ang_h = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, np.float64))
                                                         for a in (heading, pitch, ang_w, ang_h)))
    uc, vc = angles_to_pano(heading, pitch, W, H, pano_heading)
    uc, vc = np.atleast_1d(uc), np.atleast_1d(vc)
    cos_p = np.cos(np.radians(pitch))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cos_p > 1e-12, np.sin(np.radians(ang_w) / 2.0) / cos_p, 1.0)
    dh = 2.0 * np.degrees(np.arcsin(np.clip(ratio, 0.0, 1.0)))
    w = dh * W / 360.0
    h = ang_h * H / 180.0
    u1 = np.mod(uc - w / 2.0, W)
    u1 = np.where(u1 >= W, 0.0, u1)
    boxes = np.stack([u1, vc - h / 2.0, u1 + w, vc + h / 2.0], axis=1)
    return tuple(float(v) for v in boxes[0]) if single else boxes


def view_box_to_pano_box(view: View, box_xyxy, W: int, H: int, pano_heading: float = 0.0):
    """Panorama box (unwrapped at the seam) of a box on ``view``."""
    single = np.asarray(box_xyxy).ndim == 1
    heading, pitch, ang_w, ang_h = view_box_to_sphere(view, box_xyxy)
    out = sphere_to_pano_box(heading, pitch, ang_w, ang_h, W, H, pano_heading)
    return out if single else np.asarray(out)


def pano_box_to_view_box(view: View, box_uvuv, W: int, H: int, pano_heading: float = 0.0):
    """Box on ``view`` (unclipped) of a panorama box, or None when it is not visible in the view."""
    single = np.asarray(box_uvuv).ndim == 1
    heading, pitch, ang_w, ang_h = pano_box_to_sphere(box_uvuv, W, H, pano_heading)
    if single:
        return sphere_box_to_view(view, heading, pitch, ang_w, ang_h)
    return sphere_boxes_to_view(view, heading, pitch, ang_w, ang_h)[0]


def clip_box(box_xyxy, width: float, height: float):
    """(clipped box, kept fraction of the area) for box(es) on an image of ``width x height``."""
    b, single = _as_boxes(box_xyxy)
    clipped = np.stack([np.clip(b[:, 0], 0, width), np.clip(b[:, 1], 0, height),
                        np.clip(b[:, 2], 0, width), np.clip(b[:, 3], 0, height)], axis=1)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    kept = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(area > 0, kept / area, 0.0)
    if single:
        return tuple(float(v) for v in clipped[0]), float(frac[0])
    return clipped, frac


def _outline(box: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points along the border of box (x1, y1, x2, y2), n per edge, corners included."""
    x1, y1, x2, y2 = box
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([x1 + (x2 - x1) * t, np.full(n, x2), x2 - (x2 - x1) * t, np.full(n, x1)])
    ys = np.concatenate([np.full(n, y1), y1 + (y2 - y1) * t, np.full(n, y2), y2 - (y2 - y1) * t])
    return xs, ys


def enclosing_view_box(view: View, box_uvuv, W: int, H: int, pano_heading: float = 0.0, n: int = 17):
    """Bounding box on ``view`` of a panorama box's warped outline (sampled, ``n`` points per edge),
    or None when no part of it is in front of the camera and inside the image.

    The conservative alternative to :func:`pano_box_to_view_box` (which keeps centre and angular size
    and ignores the roll between the panorama's and the view's axes): use it when a box must contain
    everything the panorama box contains, e.g. for objects that fill their box's corners. Not exact
    under round trips; parts behind the camera are dropped.
    """
    b = np.asarray(box_uvuv, np.float64).reshape(4)
    if b[2] < b[0]:
        b[2] += W
    us, vs = _outline(b, n)
    heading, pitch = pano_to_angles(us, vs, W, H, pano_heading)
    x, y, front = angles_to_view(view, heading, pitch)
    if not np.any(front):
        return None
    x, y = x[front], y[front]
    out = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    if out[2] <= 0 or out[0] >= view.width or out[3] <= 0 or out[1] >= view.height:
        return None
    return out


def enclosing_pano_box(view: View, box_xyxy, W: int, H: int, pano_heading: float = 0.0, n: int = 17):
    """Bounding box on the panorama (unwrapped at the seam) of a view box's warped outline.

    Conservative counterpart of :func:`view_box_to_pano_box`. Columns are unwrapped around the box
    centre, so a box straddling the seam gets ``u2 > W``; a box containing a pole spans the full
    panorama width (u1 = 0, u2 = W) and reaches row 0 or H.
    """
    b = np.asarray(box_xyxy, np.float64).reshape(4)
    xs, ys = _outline(b, n)
    heading, pitch = view_to_angles(view, xs, ys)
    u, v = angles_to_pano(heading, pitch, W, H, pano_heading)
    hc, pc = view_to_angles(view, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    uc, _ = angles_to_pano(hc, pc, W, H, pano_heading)
    u = uc + np.mod(u - uc + W / 2.0, W) - W / 2.0  # unwrap around the centre column
    v1, v2 = float(v.min()), float(v.max())
    for pole_pitch, row in ((90.0, 0.0), (-90.0, float(H))):  # a pole inside the box: all headings
        px, py, front = angles_to_view(view, 0.0, pole_pitch)
        if front and b[0] <= px <= b[2] and b[1] <= py <= b[3]:
            return (0.0, min(v1, row), float(W), max(v2, row))
    u1, u2 = float(u.min()), float(u.max())
    shift = np.floor(u1 / W) * W
    return (u1 - shift, v1, u2 - shift, v2)
