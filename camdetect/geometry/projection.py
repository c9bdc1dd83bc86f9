"""Points between a perspective view, the sphere of directions and an equirectangular panorama.

Conventions (docs/CONTRACTS.md, docs/geometry.md):

- Angles in degrees. ``heading`` clockwise from north in [0, 360); ``pitch`` up from the horizon.
- Pixel coordinates are *continuous*: an image of ``width x height`` spans ``[0, width] x [0, height]``
  and pixel (column i, row j) has its centre at ``(i + 0.5, j + 0.5)``. Boxes are ``x1, y1, x2, y2``
  in the same coordinates, so a box covering pixels 10..19 is ``x1=10, x2=20``.
- Panorama ``W x H``: the centre column is ``pano_heading``;
  ``u = W * (((heading - pano_heading) / 360 + 0.5) mod 1)``, ``v = H * (0.5 - pitch / 180)``
  (row 0 is pitch +90, the zenith).
- Views are pinhole cameras with square pixels and no roll; ``fov`` is horizontal and
  ``fx = fy = (width / 2) / tan(fov / 2)``; the principal point is the image centre.

The camera frame is built from the heading (not from a cross product with "up"), so views that look
straight up or down (pitch = +-90) are well defined and never produce NaN.

All functions take scalars or numpy arrays (broadcast together) and return the same shape.
"""

from __future__ import annotations

import numpy as np

from camdetect.records import View

ArrayLike = "float | np.ndarray"


def focal_px(view: View) -> float:
    """Focal length in pixels: ``(width / 2) / tan(fov / 2)``."""
    if not 0.0 < view.fov < 180.0:
        raise ValueError(f"view {view.view_id}: fov must be in (0, 180) degrees, got {view.fov}")
    if view.width <= 0 or view.height <= 0:
        raise ValueError(f"view {view.view_id}: size must be positive, got {view.width}x{view.height}")
    return (view.width / 2.0) / np.tan(np.radians(view.fov) / 2.0)


def vertical_fov(view: View) -> float:
    """Vertical field of view in degrees (square pixels): ``2 atan((height / 2) / fx)``."""
    return float(np.degrees(2.0 * np.arctan((view.height / 2.0) / focal_px(view))))


def view_axes(view: View, dtype=np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World unit vectors (east, north, up) of the view's right, down and forward axes.

    Right is horizontal (no roll); down = forward x right, so image rows grow downwards.
    """
    h, p = np.radians(view.heading), np.radians(view.pitch)
    forward = np.array([np.cos(p) * np.sin(h), np.cos(p) * np.cos(h), np.sin(p)], dtype)
    right = np.array([np.cos(h), -np.sin(h), 0.0], dtype)
    down = np.array([np.sin(p) * np.sin(h), np.sin(p) * np.cos(h), -np.cos(p)], dtype)
    return right, down, forward


def angles_to_vector(heading, pitch) -> np.ndarray:
    """Unit direction(s) (..., 3) in (east, north, up) for heading/pitch in degrees."""
    h, p = np.radians(heading), np.radians(pitch)
    cp = np.cos(p)
    return np.stack(np.broadcast_arrays(cp * np.sin(h), cp * np.cos(h), np.sin(p)), axis=-1)


def vector_to_angles(vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heading in [0, 360) and pitch in [-90, 90] of direction(s) (..., 3); need not be unit length."""
    x, y, z = vec[..., 0], vec[..., 1], vec[..., 2]
    heading = np.mod(np.degrees(np.arctan2(x, y)), 360.0)
    heading = np.where(heading >= 360.0, 0.0, heading)  # mod of a tiny negative can round to 360
    pitch = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return heading, pitch


def _out(a):
    """Return a Python float for 0-d results so scalar calls give scalars."""
    return float(a) if np.ndim(a) == 0 else a


def view_to_angles(view: View, x, y):
    """(heading, pitch) of the ray through continuous view pixel coordinates ``(x, y)``."""
    f = focal_px(view)
    right, down, forward = view_axes(view)
    a = (np.asarray(x, np.float64) - view.width / 2.0) / f
    b = (np.asarray(y, np.float64) - view.height / 2.0) / f
    a, b = np.broadcast_arrays(a, b)
    vec = forward + a[..., None] * right + b[..., None] * down
    heading, pitch = vector_to_angles(vec)
    return _out(heading), _out(pitch)


def angles_to_view(view: View, heading, pitch):
    """``(x, y, in_front)``: the view pixel of direction (heading, pitch).

    ``in_front`` is False for directions at or behind the image plane (angle >= 90 deg from the
    optical axis); their x, y are NaN. Points in front but outside the image are returned as-is
    (x < 0 or x > width...); callers decide whether to clip.
    """
    f = focal_px(view)
    right, down, forward = view_axes(view)
    vec = angles_to_vector(heading, pitch)
    zc = vec @ forward
    in_front = zc > 1e-9
    safe = np.where(in_front, zc, 1.0)
    x = np.where(in_front, view.width / 2.0 + f * (vec @ right) / safe, np.nan)
    y = np.where(in_front, view.height / 2.0 + f * (vec @ down) / safe, np.nan)
    if np.ndim(x) == 0:
        return float(x), float(y), bool(in_front)
    return x, y, in_front


def _check_pano_size(W: int, H: int) -> None:
    if W <= 0 or H <= 0:
        raise ValueError(f"panorama size must be positive, got {W}x{H}")


def pano_to_angles(u, v, W: int, H: int, pano_heading: float = 0.0):
    """(heading, pitch) of continuous panorama pixel coordinates (u, v); u may lie outside [0, W)."""
    _check_pano_size(W, H)
    u = np.asarray(u, np.float64)
    v = np.asarray(v, np.float64)
    heading = np.mod(pano_heading + (u / W - 0.5) * 360.0, 360.0)
    heading = np.where(heading >= 360.0, 0.0, heading)
    pitch = 90.0 - v * (180.0 / H)
    heading, pitch = np.broadcast_arrays(heading, pitch)
    return _out(heading), _out(pitch)


def angles_to_pano(heading, pitch, W: int, H: int, pano_heading: float = 0.0):
    """Continuous panorama pixel (u, v) of direction (heading, pitch); u in [0, W), v in [0, H]."""
    _check_pano_size(W, H)
    frac = np.mod((np.asarray(heading, np.float64) - pano_heading) / 360.0 + 0.5, 1.0)
    u = frac * W
    u = np.where(u >= W, 0.0, u)
    v = H * (0.5 - np.asarray(pitch, np.float64) / 180.0)
    u, v = np.broadcast_arrays(u, v)
    return _out(u), _out(v)


def angular_distance(h1, p1, h2, p2):
    """Great-circle angle in degrees between directions (h1, p1) and (h2, p2); vectorised.

    Uses the haversine form, accurate for tiny and large separations alike.
    """
    h1, p1, h2, p2 = (np.radians(np.asarray(a, np.float64)) for a in (h1, p1, h2, p2))
    s = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((h2 - h1) / 2.0) ** 2
    return _out(np.degrees(2.0 * np.arcsin(np.sqrt(np.clip(s, 0.0, 1.0)))))


def wrap_heading(heading):
    """Heading(s) wrapped into [0, 360)."""
    h = np.mod(np.asarray(heading, np.float64), 360.0)
    return _out(np.where(h >= 360.0, 0.0, h))


def heading_difference(h1, h2):
    """Signed smallest difference ``h1 - h2`` in (-180, 180]."""
    d = np.mod(np.asarray(h1, np.float64) - np.asarray(h2, np.float64) + 180.0, 360.0) - 180.0
    return _out(np.where(d == -180.0, 180.0, d))
