"""One synthetic intersection: layout, lighting, street furniture, cameras and look-alikes.

The scene is built in metres and degrees, independent of the output resolution, so the truth
(angular position and size of every camera) does not depend on ``--width``.

Camera sizes follow real Street View statistics (CAMERAS.md, Stanford meta.csv): the box width in
640-px, 90-degree views has median ~9 px and 10th-90th percentiles 5-17 px, i.e. a log-normal
angular width with median ~1.27 deg. We sample the *angular* width first, then a physical size in
the plausible range for that camera kind, and put the camera where its mount (facade, pole,
signal arm, tree, gantry) is at exactly the distance that size and angle imply.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from camdetect.geometry import angles_to_pano, pano_to_angles
from camdetect.synth.draw_background import Light
from camdetect.synth.layout import Layout, make_layout, ray_hit, visible
from camdetect.synth.objects import CAMERA_TYPE, Item, Sprite, Stick, sprite_parts

VIEW_PX_PER_DEG = 640 / 90  # Stanford's 640-px, 90-degree views
# Mixes (documented in docs/synth.md). NYC is 87% building / 13% street furniture; we use a mix
# that still gives every type x mount combination enough examples to learn from.
P_NO_CAMERA = 0.675  # Decode Surveillance NYC: 67.5% of intersections had no camera
KIND_MIX = {"dome": 0.40, "ptz": 0.15, "bullet": 0.45}
MOUNT_MIX = {"building": 0.55, "street_furniture": 0.38, "other": 0.07}
DETAIL_MIX = {"streetlight": 0.40, "traffic_signal": 0.35, "pole": 0.25}
# log-normal box width in view px per kind; after placement (some mounts reject big sizes) the
# mix gives median ~9, p10 ~5, p90 ~15-17 (tests/synth/test_scene.py measures it)
SIZE_MEDIAN_PX = {"dome": 13.0, "ptz": 13.6, "bullet": 9.4}
SIZE_SIGMA = (0.48, 0.66)  # below / above the median: large sizes are rejected more often by placement
# plausible physical body-box width (metres) per kind
PHYS_RANGE = {"dome": (0.11, 0.42), "ptz": (0.17, 0.55), "bullet": (0.09, 0.55)}
HOUSINGS = [((0.88, 0.88, 0.86), 0.40), ((0.70, 0.70, 0.70), 0.22), ((0.18, 0.18, 0.19), 0.22),
            ((0.80, 0.76, 0.66), 0.08), ((0.55, 0.56, 0.58), 0.08)]


@dataclass
class Placed:
    """A camera or look-alike sprite with its truth attributes."""

    sprite: Sprite
    type: str  # taxonomy type for cameras; look-alike kind for look-alikes
    mount: str
    mount_detail: str = ""
    placement: str = ""  # wall, corner, canopy, entrance, pole, arm, mast_arm, tree, gantry ...
    roof: float = math.inf  # height of the building it hangs on (building mounts)


@dataclass
class Scene:
    pano_id: str
    layout: Layout
    light: Light
    items: list[Item] = field(default_factory=list)
    cameras: list[Placed] = field(default_factory=list)
    lookalikes: list[Placed] = field(default_factory=list)


@dataclass
class Projected:
    """A sprite's body box seen from the car: centre angles, true angular size, pixel box."""

    heading: float
    pitch: float
    ang_w: float  # degrees (true angle, not heading span)
    ang_h: float
    dist: float  # metres (3-D)
    box: tuple[float, float, float, float]  # panorama pixels, x unwrapped (x2 may exceed W)


def anchor_scale(lay: Layout, pos, W: int, H: int):
    """Panorama pixel (u, v), px/m across and up, 3-D distance, heading and pitch of a point."""
    heading, d = lay.bearing(pos[0], pos[1])
    heading, d = float(heading), float(d)
    dz = pos[2] - lay.cam_h
    d3 = math.hypot(d, dz)
    pitch = math.degrees(math.atan2(dz, d))
    u, v = (float(c) for c in angles_to_pano(heading, pitch, W, H))
    sx = W / (2 * math.pi * d3 * max(math.cos(math.radians(pitch)), 1e-3))
    sy = H / (math.pi * d3)
    return u, v, sx, sy, d3, heading, pitch


def project_sprite(lay: Layout, sprite: Sprite, W: int, H: int) -> Projected:
    _, (bx0, by0, bx1, by1) = sprite_parts(sprite.kind, sprite.params)
    u, v, sx, sy, d3, _, _ = anchor_scale(lay, sprite.pos, W, H)
    x1, x2 = u + bx0 * sx, u + bx1 * sx
    y1, y2 = v - by1 * sy, v - by0 * sy
    if x1 < 0:
        x1, x2 = x1 + W, x2 + W
    uc, vc = (x1 + x2) / 2, (y1 + y2) / 2
    heading, pitch = (float(c) for c in pano_to_angles(uc, vc, W, H))
    return Projected(heading, pitch, math.degrees((bx1 - bx0) / d3), math.degrees((by1 - by0) / d3), d3,
                     (x1, y1, x2, y2))


def _mount_side(kind: str, toward_mount: int) -> int:
    """Sprite ``side`` for a mount on screen side ``toward_mount``: domes reach towards it with their
    bracket, bullets point their lens away from it (their bracket is at the back)."""
    return -toward_mount if kind == "bullet" else toward_mount


def _choice(rng, mix: dict):
    keys = list(mix)
    return keys[int(rng.choice(len(keys), p=np.array(list(mix.values())) / sum(mix.values())))]


def _housing(rng):
    cols, p = zip(*HOUSINGS)
    return tuple(float(c) for c in np.clip(np.array(cols[int(rng.choice(len(cols), p=p))]) + rng.normal(0, 0.03), 0, 1))


class _Builder:
    def __init__(self, rng: np.random.Generator, lay: Layout, light: Light, pano_id: str):
        self.rng, self.lay, self.light = rng, lay, light
        self.scene = Scene(pano_id, lay, light)
        self.signal_arms: list[tuple] = []  # (x0, y0, x1, y1, z) of mast arms
        self.canopies: list[tuple] = []  # (x, y, z, radius)

    # ---------- geometry helpers ----------
    def dist(self, x, y, z=None) -> float:
        d = float(np.hypot(x - self.lay.car[0], y - self.lay.car[1]))
        return d if z is None else math.hypot(d, z - self.lay.cam_h)

    def add(self, sticks, sprites, x, y):
        self.scene.items.append(Item(self.dist(x, y), sticks, sprites))

    def curb_point(self, d: float, offset: float = 0.5):
        """A random sidewalk point ``offset`` m behind the kerb at horizontal distance ``d``, or None."""
        lay, rng = self.lay, self.rng
        for _ in range(8):
            street_a = rng.random() < 0.5
            side = rng.choice([-1, 1])
            if street_a:  # kerb line x = side*(wa+offset), |y| beyond the crossing
                x = side * (lay.wa + offset)
                dx = x - lay.car[0]
                if d <= abs(dx):
                    continue
                y = lay.car[1] + rng.choice([-1, 1]) * math.sqrt(d * d - dx * dx)
                if abs(y) < lay.bb + 1.0:
                    continue
            else:
                y = side * (lay.wb + offset)
                dy = y - lay.car[1]
                if d <= abs(dy):
                    continue
                x = lay.car[0] + rng.choice([-1, 1]) * math.sqrt(d * d - dy * dy)
                if abs(x) < lay.ba + 1.0:
                    continue
            if visible(lay, x, y):
                return float(x), float(y), bool(street_a), int(side)
        return None

    def facade_point(self, s: float | None = None):
        """A random visible facade point: (face, s, x, y, building)."""
        lay, rng = self.lay, self.rng
        for _ in range(10):
            f = lay.faces[int(rng.integers(len(lay.faces)))]
            ss = float(rng.uniform(0.4, 45)) if s is None else s
            x, y = f.point(lay, ss)
            heading, d = lay.bearing(x, y)
            t, face, _ = ray_hit(lay, np.atleast_1d(heading))
            if abs(t[0] - float(d)) < 0.05 and lay.faces[face[0]] is f and self._facing(f, heading) > 0.3:
                j = int(np.clip(np.searchsorted(f.breaks(), ss, side="right"), 0, len(f.buildings) - 1))
                return f, ss, x, y, f.buildings[j]
        return None

    def screen_side(self, x, y, tx, ty) -> int:
        """+1 when local point (tx, ty) appears right of (x, y) as seen from the car."""
        h0, _ = self.lay.bearing(x, y)
        h1, _ = self.lay.bearing(tx, ty)
        return 1 if ((float(h1) - float(h0) + 540) % 360 - 180) >= 0 else -1

    # ---------- street furniture ----------
    def streetlight(self, x, y, street_a: bool, side: int, style: str | None = None, sprites_extra=(),
                    min_top: float = 0.0):
        """Cobra-head (on an arm over the road) or globe (post-top) streetlight; ``min_top`` keeps the
        pole above a camera mounted on it."""
        rng = self.rng
        style = style or ("cobra" if rng.random() < 0.7 else "globe")
        if min_top > 4.0:
            style = "cobra"
        pole_col = [(0.45, 0.46, 0.47), (0.12, 0.2, 0.14), (0.1, 0.1, 0.1), (0.6, 0.6, 0.58)][int(rng.integers(4))]
        if style == "globe":
            top = float(rng.uniform(3.8, 4.6))
            sticks = [Stick((x, y, 0), (x, y, top), 0.08, pole_col)]
            lamp = Sprite("lamp_globe", (x, y, top + 0.25), {"housing": (0.93, 0.93, 0.9), "scale": float(rng.uniform(0.9, 1.2))})
        else:
            top = max(float(rng.uniform(7.5, 9.5)), min_top)
            arm = float(rng.uniform(1.5, 2.8))
            # arm points over the road: towards the street centre line
            ex, ey = (x - side * arm, y) if street_a else (x, y - side * arm)
            sticks = [Stick((x, y, 0), (x, y, top), 0.1, pole_col), Stick((x, y, top - 0.3), (ex, ey, top), 0.045, pole_col)]
            lamp = Sprite("lamp_cobra", (ex, ey, top - 0.05), {"housing": (0.62, 0.63, 0.62), "scale": float(rng.uniform(0.9, 1.2)),
                                                              "side": self.screen_side(x, y, ex, ey)})
        self.scene.lookalikes.append(Placed(lamp, lamp.kind, "street_furniture", "streetlight", "lamp"))
        self.add(sticks, [lamp, *sprites_extra], x, y)
        return top

    def signal(self, cx, cy, along_a: bool):
        """Traffic-signal pole at a corner with a mast arm over street A (along_a) or B."""
        rng, lay = self.rng, self.lay
        col = (0.12, 0.12, 0.12) if rng.random() < 0.5 else (0.5, 0.5, 0.48)
        top = float(rng.uniform(6.0, 7.0))
        arm_len = (lay.wa if along_a else lay.wb) * float(rng.uniform(1.0, 1.6))
        ex, ey = (cx - np.sign(cx) * arm_len, cy) if along_a else (cx, cy - np.sign(cy) * arm_len)
        sticks = [Stick((cx, cy, 0), (cx, cy, top + 0.5), 0.13, col), Stick((cx, cy, top), (ex, ey, top), 0.07, col)]
        sprites = []
        housing = (0.85, 0.7, 0.1) if rng.random() < 0.4 else (0.12, 0.12, 0.12)
        back = bool(rng.random() < 0.4)
        for f in rng.uniform(0.45, 0.95, size=int(rng.integers(1, 3))):
            hx, hy = cx + (ex - cx) * f, cy + (ey - cy) * f
            sp = Sprite("signal_head", (hx, hy, top - 0.62), {"housing": housing, "back": back,
                                                             "lit": int(rng.integers(3)), "yellow_border": bool(rng.random() < 0.5)})
            sprites.append(sp)
            self.scene.lookalikes.append(Placed(sp, sp.kind, "street_furniture", "traffic_signal", "mast_arm"))
        ped = Sprite("ped_signal", (cx, cy, 2.9), {"housing": housing, "lens": (0.95, 0.5, 0.1) if rng.random() < 0.5 else (0.9, 0.9, 0.9)})
        sprites.append(ped)
        self.scene.lookalikes.append(Placed(ped, ped.kind, "street_furniture", "traffic_signal", "pole"))
        if rng.random() < 0.5:
            f = float(rng.uniform(0.2, 0.4))
            sp = Sprite("preemption_sensor", (cx + (ex - cx) * f, cy + (ey - cy) * f, top - 0.08),
                        {"housing": (0.3, 0.3, 0.3), "side": int(rng.choice([-1, 1])), "scale": float(rng.uniform(0.9, 1.3))})
            sprites.append(sp)
            self.scene.lookalikes.append(Placed(sp, sp.kind, "street_furniture", "traffic_signal", "mast_arm"))
        if rng.random() < 0.35:
            f = float(rng.uniform(0.5, 0.9))
            sp = Sprite("traffic_sensor", (cx + (ex - cx) * f, cy + (ey - cy) * f, top + 0.25),
                        {"housing": (0.85, 0.82, 0.72), "tilt": 25.0, "yaw_f": float(rng.uniform(0.2, 0.8)),
                         "side": int(rng.choice([-1, 1])), "scale": float(rng.uniform(0.9, 1.2))})
            sprites.append(sp)
            self.scene.lookalikes.append(Placed(sp, sp.kind, "street_furniture", "traffic_signal", "mast_arm"))
        self.signal_arms.append((cx, cy, ex, ey, top, col))
        self.add(sticks, sprites, cx, cy)

    def sign_pole(self, x, y):
        rng = self.rng
        top = float(rng.uniform(2.6, 3.4))
        sticks = [Stick((x, y, 0), (x, y, top), 0.03, (0.55, 0.55, 0.55))]
        if rng.random() < 0.6:
            sp = Sprite("sign_edge", (x, y, top), {"face": float(rng.uniform(0.03, 0.5)),
                                                    "sign": [(0.8, 0.1, 0.1), (0.95, 0.95, 0.95), (0.9, 0.75, 0.1)][int(rng.integers(3))]})
            self.scene.lookalikes.append(Placed(sp, sp.kind, "street_furniture", "pole", "sign"))
        else:
            sp = Sprite("street_sign", (x, y, top), {"sign": (0.05, 0.4, 0.2) if rng.random() < 0.7 else (0.1, 0.2, 0.6)})
        self.add(sticks, [sp], x, y)

    def tree(self, x, y, crown_base: float | None = None, extra=()):
        rng = self.rng
        R = float(rng.uniform(1.5, 3.2))
        base = crown_base if crown_base is not None else float(rng.uniform(3.0, 4.0))
        zc = base + R * 0.8
        # many small leaf clumps, darker at the bottom and inside, lighter on top
        blobs = []
        for _ in range(int(rng.integers(45, 75))):
            bx, by = float(rng.normal(0, 0.42)), float(rng.normal(0, 0.36))
            blobs.append((bx, by, float(rng.uniform(0.12, 0.3)),
                          float(np.clip(0.75 + 0.35 * by + rng.normal(0, 0.12), 0.45, 1.3))))
        blobs.sort(key=lambda b: b[3])  # light clumps drawn last, on top
        green = tuple(float(c) for c in np.clip(np.array([0.22, 0.36, 0.16]) + rng.normal(0, 0.04, 3), 0, 1))
        trunk = [Stick((x, y, 0), (x, y, zc), 0.13, (0.28, 0.22, 0.17))]
        canopy = Sprite("canopy", (x, y, zc), {"radius": R, "blobs": blobs, "green": green})
        self.canopies.append((x, y, zc, R))
        # the canopy is drawn after the trunk and any camera on it hangs below the crown
        self.add(trunk, [*extra, canopy], x, y)

    def furnish(self):
        rng, lay = self.rng, self.lay
        # streetlights every ~30 m along each kerb
        for street_a in (True, False):
            for side in (-1, 1):
                for direction in (-1, 1):
                    phase = float(rng.uniform(0, 30))
                    for k in range(3):
                        along = direction * ((lay.bb if street_a else lay.ba) + 2 + phase + 30 * k)
                        x, y = (side * (lay.wa + 0.5), along) if street_a else (along, side * (lay.wb + 0.5))
                        if self.dist(x, y) < 80 and visible(lay, x, y) and rng.random() < 0.8:
                            self.streetlight(x, y, street_a, side)
        if rng.random() < 0.6:
            corners = [(sx * (lay.wa + 0.7), sy * (lay.wb + 0.7)) for sx in (-1, 1) for sy in (-1, 1)]
            for i in rng.permutation(4)[: int(rng.integers(2, 5))]:
                self.signal(*corners[i], along_a=bool(rng.random() < 0.5))
        for _ in range(int(rng.integers(1, 5))):
            p = self.curb_point(float(rng.uniform(6, 40)), offset=0.4)
            if p:
                self.sign_pole(p[0], p[1])
        for _ in range(int(rng.integers(0, 6))):
            p = self.curb_point(float(rng.uniform(6, 50)), offset=float(rng.uniform(1.0, 2.0)))
            if p:
                self.tree(p[0], p[1])
        # parked cars in the kerb lanes
        for _ in range(int(rng.integers(2, 9))):
            street_a = rng.random() < 0.5
            side = int(rng.choice([-1, 1]))
            along = float(rng.choice([-1, 1]) * rng.uniform((lay.bb if street_a else lay.ba) + 5, 45))
            x, y = (side * (lay.wa - 1.2), along) if street_a else (along, side * (lay.wb - 1.2))
            if self.dist(x, y) < 4 or not visible(lay, x, y):
                continue
            heading, _ = lay.bearing(x, y)
            axis = lay.rot + (0.0 if street_a else 90.0)
            rel = float((float(heading) - axis) % 180.0)
            paint = [(0.85, 0.85, 0.84), (0.12, 0.12, 0.13), (0.6, 0.6, 0.62), (0.55, 0.1, 0.1), (0.15, 0.2, 0.4),
                     (0.35, 0.36, 0.38)][int(rng.integers(6))]
            self.add([], [Sprite("car", (x, y, 0.75), {"rel": rel, "paint": paint, "front": bool(rng.random() < 0.5)})], x, y)
        # overhead wires across the streets
        for _ in range(int(rng.integers(0, 4))):
            a, b = self.curb_point(float(rng.uniform(8, 40)), 0.3), self.curb_point(float(rng.uniform(8, 40)), 0.3)
            if not a or not b or np.hypot(a[0] - b[0], a[1] - b[1]) > 45:
                continue
            z0, z1 = float(rng.uniform(6.5, 9)), float(rng.uniform(6.5, 9))
            pts = []
            for t in np.linspace(0, 1, 9):
                pts.append((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, z0 + (z1 - z0) * t - 1.2 * 4 * t * (1 - t)))
            col = (0.1, 0.1, 0.1)
            sticks = [Stick((a[0], a[1], 0), (a[0], a[1], z0 + 0.3), 0.12, (0.35, 0.27, 0.2)),
                      Stick((b[0], b[1], 0), (b[0], b[1], z1 + 0.3), 0.12, (0.35, 0.27, 0.2))]
            sticks += [Stick(p0, p1, 0.012, col) for p0, p1 in itertools.pairwise(pts)]
            self.add(sticks, [], (a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        # facade look-alikes
        for _ in range(int(rng.integers(3, 10))):
            fp = self.facade_point()
            if fp is None:
                continue
            f, s, x, y, b = fp
            kind = _choice(rng, {"wall_light": 0.35, "pir_sensor": 0.25, "smoke_detector": 0.15, "dish": 0.25})
            z = {"wall_light": float(rng.uniform(2.5, 4.0)), "pir_sensor": float(rng.uniform(2.4, 3.6)),
                 "smoke_detector": b.ground_h - 1.75 if b.awning else float(rng.uniform(2.7, 3.2)),
                 "dish": float(rng.uniform(5, max(5.5, b.height - 1)))}[kind]
            nx, ny = self._out(f, 0.15)
            sp = Sprite(kind, (x + nx, y + ny, z), {"wall": self._wall(f, 0.15),
                                                     "housing": _housing(rng) if kind != "wall_light" else
                                                     [(0.15, 0.15, 0.15), (0.4, 0.4, 0.4), (0.1, 0.2, 0.12)][int(rng.integers(3))],
                                                     "style": "barn" if rng.random() < 0.5 else "pack",
                                                     "side": int(rng.choice([-1, 1])), "face": float(rng.uniform(0.4, 0.9))})
            self.scene.lookalikes.append(Placed(sp, kind, "building", "", "wall"))
            self.add([], [sp], x, y)

    def _wall_side(self, wx, wy, cx, cy, default: int) -> int:
        """Screen side of the wall seen from a camera standing out of it (bracket goes that way)."""
        h0, _ = self.lay.bearing(cx, cy)
        h1, _ = self.lay.bearing(wx, wy)
        d = (float(h1) - float(h0) + 540) % 360 - 180
        return default if abs(d) < 0.05 else (1 if d > 0 else -1)

    def _wall(self, f, out: float) -> tuple[float, float]:
        """(world heading of the facade normal, metres the sprite stands out): for its shadow."""
        return float(self.lay.to_world_heading(f.normal_alpha())), out

    def _out(self, f, amount):
        a = math.radians(f.normal_alpha())
        return amount * math.sin(a), amount * math.cos(a)

    # ---------- cameras ----------
    def camera(self) -> bool:
        rng = self.rng
        kind = _choice(rng, KIND_MIX)
        mount = _choice(rng, MOUNT_MIX)
        detail = _choice(rng, DETAIL_MIX) if mount == "street_furniture" else ""
        housing = _housing(rng)
        bubble = tuple(float(c) for c in np.clip(np.array([0.1, 0.1, 0.12]) * rng.uniform(0.7, 2.2), 0, 1))
        params = {"housing": housing, "bubble": bubble, "side": int(rng.choice([-1, 1]))}
        if kind == "bullet":
            params.update(tilt=float(rng.uniform(15, 45)), yaw_f=float(np.sqrt(rng.uniform(0.02, 0.8))))
        for _ in range(40):
            zs = rng.normal()
            ang = math.radians(SIZE_MEDIAN_PX[kind] * math.exp(zs * SIZE_SIGMA[zs > 0]) / VIEW_PX_PER_DEG)
            params["scale"] = 1.0
            _, (bx0, _, bx1, _) = sprite_parts(kind, params)
            unit_w = bx1 - bx0
            lo, hi = PHYS_RANGE[kind]
            phys = float(rng.uniform(lo, hi))
            d3 = phys / ang
            params["scale"] = phys / unit_w
            self.fit = lambda d, ang=ang, unit_w=unit_w, lo=lo, hi=hi: (ang * d / unit_w) if lo <= ang * d <= hi else None
            placed = self._place(kind, mount, detail, params, d3)
            if placed:
                placed.mount_detail = detail if mount == "street_furniture" else ""
                self.scene.cameras.append(placed)
                return True
        return False

    def _place(self, kind, mount, detail, params, d3) -> Placed | None:
        rng, lay = self.rng, self.lay
        if mount == "building":
            placement = _choice(rng, {"wall": 0.45, "entrance": 0.2, "canopy": 0.15, "corner": 0.2})
            if placement == "corner":
                # corners have fixed distances: take the physical size the angle implies there
                for _ in range(6):
                    fp = self.facade_point(s=float(rng.uniform(0.15, 0.4)))
                    if fp is None:
                        continue
                    f, s, x, y, b = fp
                    z = min(float(rng.uniform(3.5, 8.0)), b.height - 0.8)
                    scale = self.fit(self.dist(x, y, z))
                    if scale is None:
                        continue
                    nx, ny = self._out(f, 0.25)
                    p = dict(params, scale=scale, reach=0.2 * scale)
                    p["side"] = _mount_side(kind, self._wall_side(x, y, x + nx, y + ny, p["side"]))
                    p["wall"] = self._wall(f, 0.25)
                    sp = Sprite(kind, (x + nx, y + ny, z), p)
                    self.add([], [sp], x, y)
                    return Placed(sp, CAMERA_TYPE[kind], "building", "", "corner", roof=b.height)
                placement = "wall"
            return self._place_facade_at(kind, params, d3, placement)
        if mount == "street_furniture" and detail == "traffic_signal" and self.signal_arms:
            for _ in range(12):
                cx, cy, ex, ey, top, col = self.signal_arms[int(rng.integers(len(self.signal_arms)))]
                on_arm = rng.random() < 0.6
                f = float(rng.uniform(0.15, 0.9)) if on_arm else 0.0
                x, y = cx + (ex - cx) * f, cy + (ey - cy) * f
                z = top - 0.35 if on_arm else float(rng.uniform(3.8, top - 0.5))
                scale = self.fit(self.dist(x, y, z))  # signals stand at fixed corners
                if scale is None:
                    continue
                p = dict(params, scale=scale)
                if not on_arm:
                    p["reach"] = 0.2
                    p["side"] = int(rng.choice([-1, 1]))
                sp = Sprite(kind, (x, y, z), p)
                self.add([], [sp], x, y)
                return Placed(sp, CAMERA_TYPE[kind], "street_furniture", "traffic_signal", "mast_arm" if on_arm else "pole")
            return None
        if mount == "street_furniture":
            z = float(rng.uniform(4.5, 9.0)) if detail != "pole" else float(rng.uniform(4.0, 7.5))
            dz = z - lay.cam_h
            if d3 <= abs(dz) + 1.0:
                return None
            cp = self.curb_point(math.sqrt(d3 * d3 - dz * dz), offset=0.5)
            if cp is None:
                return None
            x, y, street_a, side = cp
            p = dict(params)
            p["reach"] = 0.12 + 0.1 * p["scale"]
            # the camera sits beside the pole, on the side facing the road
            off = 0.12 + 0.12 * p["scale"]
            cx, cy = (x - side * off, y) if street_a else (x, y - side * off)
            p["side"] = _mount_side(kind, self.screen_side(cx, cy, x, y))
            sp = Sprite(kind, (cx, cy, z), p)
            if detail == "streetlight":
                self.streetlight(x, y, street_a, side, sprites_extra=[sp], min_top=z + 0.6)
            else:
                col = (0.35, 0.28, 0.2) if rng.random() < 0.5 else (0.5, 0.5, 0.5)
                extra = []
                placement = "pole"
                if kind != "bullet" and rng.random() < 0.35:
                    # NYPD "Argus" box: a grey housing on the pole with the camera hanging under it
                    box = Sprite("argus_box", (x, y, z + 0.25 + 0.3 * p["scale"]),
                                 {"housing": (0.55, 0.56, 0.57), "scale": float(rng.uniform(0.9, 1.2))})
                    extra.append(box)
                    self.scene.lookalikes.append(Placed(box, "argus_box", "street_furniture", "pole", "pole"))
                    placement = "argus"
                elif kind == "bullet" and rng.random() < 0.35:
                    # licence-plate reader: black bullet under a small solar panel
                    sp.params["housing"] = (0.1, 0.1, 0.11)
                    extra.append(Sprite("solar_panel", (x, y, z + 0.7), {"side": p["side"]}))
                    placement = "lpr"
                self.add([Stick((x, y, 0), (x, y, max(z + 1.5, float(rng.uniform(6, 9)))), 0.12, col)],
                         [*extra, sp], x, y)
                return Placed(sp, CAMERA_TYPE[kind], "street_furniture", detail, placement)
            return Placed(sp, CAMERA_TYPE[kind], "street_furniture", detail, "pole")
        # other: tree trunk or a gantry over the road
        if rng.random() < 0.6:
            z = float(rng.uniform(2.7, 3.4))
            dz = z - lay.cam_h
            cp = self.curb_point(math.sqrt(max(d3 * d3 - dz * dz, 0.01)), offset=1.3)
            if cp is None:
                return None
            x, y, street_a, side = cp
            off = 0.15 + 0.12 * params["scale"]
            cx, cy = (x - side * off, y) if street_a else (x, y - side * off)
            p = dict(params, reach=off, side=_mount_side(kind, self.screen_side(cx, cy, x, y)))
            sp = Sprite(kind, (cx, cy, z), p)
            self.tree(x, y, crown_base=z + 0.6, extra=[sp])
            return Placed(sp, CAMERA_TYPE[kind], "other", "", "tree")
        z = 6.0
        dz = z - lay.cam_h
        if d3 <= abs(dz) + 2:
            return None
        cp = self.curb_point(math.sqrt(d3 * d3 - dz * dz), offset=-0.5 - float(rng.uniform(0, 3)))
        if cp is None:
            return None
        x, y, street_a, side = cp
        w = lay.wa if street_a else lay.wb
        p0 = (-(w + 0.6), y) if street_a else (x, -(w + 0.6))
        p1 = ((w + 0.6), y) if street_a else (x, (w + 0.6))
        col = (0.55, 0.56, 0.56)
        sticks = [Stick((*p0, 0), (*p0, z + 0.6), 0.15, col), Stick((*p1, 0), (*p1, z + 0.6), 0.15, col),
                  Stick((*p0, z + 0.3), (*p1, z + 0.3), 0.12, col)]
        sp = Sprite(kind, (x, y, z - 0.05), dict(params, mount="ceiling"))
        self.add(sticks, [sp], x, y)
        return Placed(sp, CAMERA_TYPE[kind], "other", "", "gantry")

    def _place_facade_at(self, kind, params, d3, placement) -> Placed | None:
        """Solve for a visible facade point at 3-D distance ``d3`` (walls are long; one usually exists).

        ``placement`` sets the height: wall 2.7-6 m, entrance just above the shop sign, canopy under
        the awning (a ceiling-mounted dome there).
        """
        rng, lay = self.rng, self.lay
        z0 = float(rng.uniform(3.5, 8.5))
        for i in rng.permutation(len(lay.faces)):
            f = lay.faces[int(i)]
            z = z0
            for _ in range(2):  # the height depends on the building, the building on the distance
                hit = self._solve_face(f, d3, z)
                if hit is None:
                    break
                s, x, y = hit
                j = int(np.clip(np.searchsorted(f.breaks(), s, side="right"), 0, len(f.buildings) - 1))
                b = f.buildings[j]
                if placement == "canopy" and b.awning:
                    z_new = b.ground_h - 1.75 - 0.08
                elif placement in ("entrance", "canopy") and b.shop:
                    z_new = b.ground_h + 0.35
                else:
                    z_new = z0 if not (b.shop and b.ground_h - 1.1 < z0 < b.ground_h) else b.ground_h + 0.15
                z_new = min(z_new, b.height - 0.8)  # never above the roof
                if abs(z_new - z) < 1e-6:
                    break
                z = z_new
            else:
                hit = self._solve_face(f, d3, z)
            if hit is None:
                continue
            s, x, y = hit
            j = int(np.clip(np.searchsorted(f.breaks(), s, side="right"), 0, len(f.buildings) - 1))
            b = f.buildings[j]
            if placement == "canopy" and not b.awning:
                placement = "entrance" if b.shop else "wall"
            if placement == "entrance" and not b.shop:
                placement = "wall"
            ceiling = kind == "dome" and placement == "canopy"
            nx, ny = self._out(f, 0.5 if placement == "canopy" else 0.25)
            p = dict(params, mount="ceiling") if ceiling else dict(params, reach=0.2 * params["scale"])
            p["side"] = _mount_side(kind, self._wall_side(x, y, x + nx, y + ny, p["side"]))
            p["wall"] = self._wall(f, 0.5 if placement == "canopy" else 0.25)
            sp = Sprite(kind, (x + nx, y + ny, z), p)
            self.add([], [sp], x, y)
            return Placed(sp, CAMERA_TYPE[kind], "building", "", placement, roof=b.height)
        return None

    def _solve_face(self, f, d3, z):
        """A visible point (s, x, y) on face ``f`` at 3-D distance ``d3`` and height ``z``, or None."""
        lay, rng = self.lay, self.rng
        dz = z - lay.cam_h
        if d3 <= abs(dz):
            return None
        dh = math.sqrt(d3 * d3 - dz * dz)
        if f.axis == "x":
            c = f.sx * lay.ba - lay.car[0]
            if dh <= abs(c):
                return None
            cands = [(f.sx * lay.ba, lay.car[1] + sgn * math.sqrt(dh * dh - c * c)) for sgn in (-1, 1)]
            cands = [(f.sy * y - lay.bb, x, y) for x, y in cands]
        else:
            c = f.sy * lay.bb - lay.car[1]
            if dh <= abs(c):
                return None
            cands = [(lay.car[0] + sgn * math.sqrt(dh * dh - c * c), f.sy * lay.bb) for sgn in (-1, 1)]
            cands = [(f.sx * x - lay.ba, x, y) for x, y in cands]
        for k in rng.permutation(2):
            s, x, y = cands[int(k)]
            if s < 0.6 or s > 60:
                continue
            heading, d = lay.bearing(x, y)
            t, face, _ = ray_hit(lay, np.atleast_1d(heading))
            if abs(t[0] - float(d)) < 0.05 and lay.faces[face[0]] is f and self._facing(f, heading) > 0.3:
                return s, x, y
        return None

    def _facing(self, f, heading) -> float:
        """|cos| of the angle between the line of sight and the facade normal (0 = edge-on)."""
        return abs(math.cos(math.radians(float(self.lay.to_world_heading(f.normal_alpha())) - float(heading))))

    def drop_hidden(self, W=4096, H=2048):
        """Remove cameras whose centre is behind a nearer tree crown (truth must be visible)."""
        keep = []
        for cam in self.scene.cameras:
            pr = project_sprite(self.lay, cam.sprite, W, H)
            hidden = False
            for x, y, zc, R in self.canopies:
                u, v, sx, sy, d3, _, _ = anchor_scale(self.lay, (x, y, zc), W, H)
                if d3 >= pr.dist:
                    continue
                cu, cv = (pr.box[0] + pr.box[2]) / 2, (pr.box[1] + pr.box[3]) / 2
                du = (cu - u + W / 2) % W - W / 2
                if (du / (R * 1.1 * sx)) ** 2 + ((cv - v) / (R * 1.1 * sy)) ** 2 < 1:
                    hidden = True
            if not hidden:
                keep.append(cam)
            else:  # not drawn either: every drawn camera is in the truth
                for item in self.scene.items:
                    item.sprites = [sp for sp in item.sprites if sp is not cam.sprite]
        self.scene.cameras = keep


def build_scene(rng: np.random.Generator, pano_id: str, city_rot: float = 29.0) -> Scene:
    """Random intersection with furniture, look-alikes and (for about a third) cameras."""
    lay = make_layout(rng, city_rot)
    light = Light.sample(rng)
    b = _Builder(rng, lay, light, pano_id)
    b.furnish()
    n_cams = 0 if rng.random() < P_NO_CAMERA else int(min(1 + rng.geometric(0.45) - 1, 8))
    for _ in range(n_cams):
        b.camera()
    b.drop_hidden()
    b.scene.items.sort(key=lambda it: -it.dist)
    return b.scene
