"""Street layout of one synthetic intersection: two crossing streets, four building blocks.

Everything here is in a *local street frame* (metres): street A runs along the local y axis
(|x| < wa is its road), street B along the local x axis (|y| < wb). Blocks are the four quadrants
with |x| > ba and |y| > bb (ba = wa + sidewalk). The Street View car stands at ``car`` (inside a road)
with its camera ``cam_h`` metres up. Local direction angle ``alpha`` is clockwise from local +y;
the world heading is ``alpha + rot`` (``rot`` = heading of local +y).

:func:`ray_hit` is the one ray caster: the background renderer uses it per panorama column and the
scene builder uses it to check that a camera on a facade or pole is not hidden behind a block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FAR = 180.0  # metres: rays that hit no block see a distant skyline at this range
QUADRANTS = [(1, 1), (1, -1), (-1, -1), (-1, 1)]


@dataclass
class Building:
    """One building segment along a facade (parameters of its procedural texture)."""

    s0: float  # start along the face (metres from the block corner)
    s1: float
    height: float
    wall: tuple[float, float, float]  # RGB 0..1
    floor_h: float
    bay: float
    win_w: float  # fraction of bay
    win_h: float  # metres
    ground_h: float  # ground-floor (shop) height
    shop: bool
    sign: tuple[float, float, float]
    awning: bool
    awning_col: tuple[float, float, float]
    brick: bool
    frame: tuple[float, float, float]


@dataclass
class Face:
    """One facade plane of a block: ``axis='x'`` is the plane x = sx*ba (runs along y)."""

    sx: int
    sy: int
    axis: str
    buildings: list[Building] = field(default_factory=list)

    def breaks(self) -> np.ndarray:
        return np.array([b.s1 for b in self.buildings])

    def point(self, lay: Layout, s: float) -> tuple[float, float]:
        """Local (x, y) of the point ``s`` metres along the face from the block corner."""
        if self.axis == "x":
            return self.sx * lay.ba, self.sy * (lay.bb + s)
        return self.sx * (lay.ba + s), self.sy * lay.bb

    def normal_alpha(self) -> float:
        """Local direction angle of the face's outward normal (towards the street)."""
        if self.axis == "x":
            return 270.0 if self.sx > 0 else 90.0
        return 180.0 if self.sy > 0 else 0.0


@dataclass
class Layout:
    rot: float
    car: tuple[float, float]
    cam_h: float
    wa: float
    wb: float
    ba: float
    bb: float
    faces: list[Face]

    def to_world_heading(self, alpha):
        return np.mod(np.asarray(alpha) + self.rot, 360.0)

    def local_dirs(self, heading):
        """Unit local direction (dx, dy) for world headings (degrees)."""
        a = np.radians(np.asarray(heading, dtype=np.float64) - self.rot)
        return np.sin(a), np.cos(a)

    def bearing(self, x, y):
        """World heading (deg) and horizontal distance (m) from the car to local points."""
        dx = np.asarray(x, dtype=np.float64) - self.car[0]
        dy = np.asarray(y, dtype=np.float64) - self.car[1]
        return self.to_world_heading(np.degrees(np.arctan2(dx, dy))), np.hypot(dx, dy)

    def face_index(self, sx: int, sy: int, axis: str) -> int:
        for i, f in enumerate(self.faces):
            if (f.sx, f.sy, f.axis) == (sx, sy, axis):
                return i
        raise KeyError((sx, sy, axis))


def _halfplane(p: float, d: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval [t0, t1] of t >= 0 where p + t*d > c (empty when t0 > t1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (c - p) / d
    inside = p > c
    t0 = np.where(d > 0, np.maximum(t, 0.0), np.where(inside, 0.0, np.inf))
    t1 = np.where(d < 0, np.where(inside, t, -np.inf), np.where((d > 0) | inside, np.inf, -np.inf))
    return t0, t1


def ray_hit(lay: Layout, heading) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal distance to the first facade along world ``heading`` (vectorised).

    Returns ``(t, face_id, s)``: distance in metres (``inf`` when the ray runs down a street), index
    into ``lay.faces`` (-1 for none) and the coordinate along that face.
    """
    dx, dy = lay.local_dirs(heading)
    px, py = lay.car
    best = np.full(dx.shape, np.inf)
    face = np.full(dx.shape, -1, dtype=np.int64)
    for sx, sy in QUADRANTS:
        tx0, tx1 = _halfplane(sx * px, sx * dx, lay.ba)
        ty0, ty1 = _halfplane(sy * py, sy * dy, lay.bb)
        t0 = np.maximum(tx0, ty0)
        ok = (t0 <= np.minimum(tx1, ty1)) & np.isfinite(t0) & (t0 < best)
        axis_x = tx0 >= ty0
        fx = lay.face_index(sx, sy, "x")
        fy = lay.face_index(sx, sy, "y")
        best = np.where(ok, t0, best)
        face = np.where(ok, np.where(axis_x, fx, fy), face)
    far = best > 1e4  # numerically parallel to a facade: treat as open street
    best = np.where(far, np.inf, best)
    face = np.where(far, -1, face)
    hx = px + np.where(np.isfinite(best), best, 0) * dx
    hy = py + np.where(np.isfinite(best), best, 0) * dy
    s = np.zeros_like(best)
    for i, f in enumerate(lay.faces):
        m = face == i
        if f.axis == "x":
            s[m] = f.sy * hy[m] - lay.bb
        else:
            s[m] = f.sx * hx[m] - lay.ba
    return best, face, s


def visible(lay: Layout, x: float, y: float, slack: float = 0.3) -> bool:
    """True when the local point (x, y) is not hidden behind a block as seen from the car."""
    heading, dist = lay.bearing(x, y)
    t, _, _ = ray_hit(lay, np.atleast_1d(heading))
    return bool(t[0] >= float(dist) - slack)


# Palettes (RGB 0..1). Walls are muted; signs and awnings carry the saturated colours so that a
# camera is never the only distinctive colour in a scene.
WALLS = [(0.52, 0.30, 0.24), (0.60, 0.38, 0.30), (0.70, 0.64, 0.54), (0.78, 0.76, 0.70),
         (0.50, 0.50, 0.51), (0.36, 0.34, 0.33), (0.84, 0.82, 0.78), (0.64, 0.55, 0.44),
         (0.44, 0.27, 0.22), (0.66, 0.67, 0.68), (0.56, 0.56, 0.50), (0.58, 0.47, 0.40)]
SIGNS = [(0.80, 0.10, 0.10), (0.10, 0.45, 0.20), (0.10, 0.25, 0.65), (0.95, 0.80, 0.10),
         (0.95, 0.95, 0.95), (0.15, 0.15, 0.15), (0.90, 0.45, 0.05), (0.55, 0.10, 0.45)]
FRAMES = [(0.9, 0.9, 0.88), (0.2, 0.2, 0.2), (0.45, 0.30, 0.20), (0.6, 0.6, 0.6)]


def _jitter(rng: np.random.Generator, col, amount=0.06):
    return tuple(float(np.clip(c + rng.normal(0, amount), 0, 1)) for c in col)


def make_layout(rng: np.random.Generator, city_rot: float) -> Layout:
    """Random intersection geometry and the buildings along its eight facades."""
    wa = float(rng.uniform(4.5, 9.0))
    wb = float(rng.uniform(4.5, 9.0))
    ba = wa + float(rng.uniform(2.5, 5.0))
    bb = wb + float(rng.uniform(2.5, 5.0))
    # The car drives in a lane of street A or B, near (not exactly at) the crossing.
    if rng.random() < 0.5:
        car = (float(rng.uniform(-0.7, 0.7) * wa), float(rng.uniform(-1.2, 1.2) * bb))
    else:
        car = (float(rng.uniform(-1.2, 1.2) * ba), float(rng.uniform(-0.7, 0.7) * wb))
    lay = Layout(rot=float((city_rot + rng.normal(0, 3)) % 360), car=car, cam_h=float(rng.uniform(2.4, 2.8)),
                 wa=wa, wb=wb, ba=ba, bb=bb, faces=[])
    district_h = float(rng.choice([9.0, 15.0, 25.0, 40.0], p=[0.25, 0.35, 0.25, 0.15]))
    for sx, sy in QUADRANTS:
        for axis in ("x", "y"):
            face = Face(sx, sy, axis)
            s = 0.0
            while s < FAR * 1.2:
                w = float(rng.uniform(6, 22))
                shop = bool(rng.random() < 0.65)
                face.buildings.append(Building(
                    s0=s, s1=s + w,
                    height=float(np.clip(rng.lognormal(np.log(district_h), 0.35), 5.0, 80.0)),
                    wall=_jitter(rng, WALLS[rng.integers(len(WALLS))], 0.03),
                    floor_h=float(rng.uniform(2.9, 3.6)), bay=float(rng.uniform(1.8, 3.2)),
                    win_w=float(rng.uniform(0.4, 0.7)), win_h=float(rng.uniform(1.3, 2.0)),
                    ground_h=float(rng.uniform(3.8, 5.0)), shop=shop,
                    sign=_jitter(rng, SIGNS[rng.integers(len(SIGNS))], 0.04),
                    awning=bool(shop and rng.random() < 0.45),
                    awning_col=_jitter(rng, SIGNS[rng.integers(len(SIGNS))], 0.05),
                    brick=bool(rng.random() < 0.4),
                    frame=FRAMES[rng.integers(len(FRAMES))]))
                s += w
            lay.faces.append(face)
    return lay
