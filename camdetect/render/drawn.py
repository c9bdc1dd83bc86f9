"""The synthetic city's 2-D *drawn* cameras as a sprite library, in the Mitsuba library's format.

An ablation baseline: the same composite pipeline (``camdetect render composite``) fed with the city's
flat, shaded 2-D drawings instead of physically based renders. Nothing here draws on its own: a
sprite is a cut-out of a real city scene (:func:`camdetect.synth.scene.build_scene`), so kinds,
housing and bubble colours, sizes, tilts, brackets, mounts (poles, streetlight arms, mast arms,
Argus boxes, solar panels, trees, gantries), lighting and shading come from the city's own code:

1. build city scenes from (seed, i) until one has a camera (or a look-alike, for the decoy share);
   pick one, uniformly (look-alikes: a kind uniformly among those present, then one of that kind);
2. take its item and every item with a stick or sprite within ``NEAR_M`` of it (the pole, the mast
   arm it hangs under, the Argus box above it), without any other camera (it would be unlabelled);
3. project them as the city's renderer does (``synth.render``'s stick shapes, ``objects.parts_to_shapes``,
   its light direction, brightness and wall shadows) into a panorama wide enough that the camera's body
   box is 20-45 % of the frame (look-alikes 25-50 %), undo the equirectangular horizontal stretch at the
   object's pitch (what a perspective view does near its centre), and rasterise with
   ``shapes.draw_group`` on a black and on a white canvas: the black one is the premultiplied colour,
   their difference the coverage;
4. store like :func:`camdetect.render.sprites.save_sprite`: linear (display ** 2.2) colour divided by
   the scene's mean sky level (as Mitsuba sprites are divided by the HDR map's mean sky radiance).

The box is the city's truth box (the body box of ``sprite_parts``: housing, bubble, hood; not the
bracket), so a drawn camera is labelled exactly as the city labels it. The city has no licence-plate
readers (its LPR-style bullet under a solar panel is a ``bullet``), so a drawn library has no ``alpr``.
Sidecar fields that mean something else here: ``hdri`` is ``"drawn"``, ``elevation`` the object's
pitch seen from the car, ``azimuth`` its heading in the panorama.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdetect.render.library import run_sprite_jobs
from camdetect.render.sprites import Sprite, SpriteMeta, save_sprite
from camdetect.synth.objects import LOOKALIKE_KINDS, parts_to_shapes, sprite_parts
from camdetect.synth.render import _light_xy, _stick_shapes, _wall_shadow
from camdetect.synth.scene import Placed, Scene, anchor_scale, build_scene
from camdetect.synth.shapes import Shape, draw_group

# Traffic video sensors (Iteris/FLIR units on signal arms) are cameras, but for traffic (../shared/CAMERAS.md,
# look-alikes): the city draws them unlabelled, so (as in the Mitsuba library) they are neither drawn as
# negatives, which would teach that a camera on a signal arm is not one, nor left in another sprite's context.
LEFT_OUT = ("traffic_sensor",)
DECOY_KINDS = tuple(k for k in LOOKALIKE_KINDS if k not in LEFT_OUT)
NEAR_M = 1.0  # context: items with a stick or sprite this close (metres, 3-D) to the object
SUPER = 2  # canvas drawn at this many times the sprite's resolution, then area-averaged
MARGIN = 0.25  # canvas margin around the frame, in frames (shapes are clipped to the canvas)
MAX_SCENES = 60
MAX_HIDDEN = 0.4  # share of the object's coverage under things drawn after it


@dataclass
class DrawnOptions:
    count: int = 600
    seed: int = 0
    size: int = 160
    large_share: float = 0.2  # drawn at 2x size, as the Mitsuba library
    decoy_share: float = 0.35
    workers: int = 1


def plan_job(i: int, opts: DrawnOptions) -> tuple[bool, int, int]:
    """(look-alike?, size, scene seed) of sprite ``i``."""
    rng = np.random.default_rng([opts.seed, i, 7])
    decoy = bool(rng.random() < opts.decoy_share)
    size = opts.size * 2 if rng.random() < opts.large_share else opts.size
    return decoy, size, int(rng.integers(2**31 - 1))


def candidates(decoy: bool, scene_seed: int):
    """City scenes and one camera (or look-alike) in each, in a fixed order (a pure function of the
    arguments); the caller takes the first one that is not hidden."""
    for k in range(MAX_SCENES):
        rng = np.random.default_rng([scene_seed, k])
        scene = build_scene(rng, f"drawn{scene_seed}_{k}")
        if decoy:
            kinds = sorted({p.type for p in scene.lookalikes if p.type in DECOY_KINDS})
            if kinds:
                kind = kinds[int(rng.integers(len(kinds)))]
                pool = [p for p in scene.lookalikes if p.type == kind]
                yield scene, pool[int(rng.integers(len(pool)))]
        elif scene.cameras:
            yield scene, scene.cameras[int(rng.integers(len(scene.cameras)))]


def _seg_dist(p, a, b) -> float:
    p, a, b = (np.asarray(v, float) for v in (p, a, b))
    d = b - a
    t = float(np.clip(np.dot(p - a, d) / max(float(np.dot(d, d)), 1e-12), 0, 1))
    return float(np.linalg.norm(p - (a + t * d)))


def _context(scene: Scene, target: Placed) -> list:
    """Items drawn with the target, far to near, as (sticks, sprites) without other cameras or
    traffic video sensors (camera-like, unlabelled in the city)."""
    dropped = {id(c.sprite) for c in scene.cameras} - {id(target.sprite)}
    dropped |= {id(sp) for item in scene.items for sp in item.sprites if sp.kind in LEFT_OUT}
    pos = target.sprite.pos
    out = []
    for item in scene.items:  # already sorted far to near
        own = any(sp is target.sprite for sp in item.sprites)
        near = own or any(_seg_dist(pos, st.p0, st.p1) - st.radius < NEAR_M for st in item.sticks) or any(
            math.dist(pos, sp.pos) < NEAR_M for sp in item.sprites if id(sp) not in dropped)
        if near:
            out.append((item.sticks, [sp for sp in item.sprites if id(sp) not in dropped]))
    return out


def _clip_rect(pts: np.ndarray, w: float, h: float) -> np.ndarray | None:
    rect = np.array([[1, 1], [w - 1, 1], [w - 1, h - 1], [1, h - 1]], np.float32)
    area, inter = cv2.intersectConvexConvex(pts.astype(np.float32), rect)
    if inter is None or area <= 0:
        return None
    return inter.reshape(-1, 2).astype(np.float64)


def _to_canvas(shapes: list[Shape], W: int, u0: float, v0: float, c: float, ox: float, oy: float,
               cw: int, ch: int) -> list[Shape]:
    """Panorama pixels -> canvas pixels: unwrap at the seam, undo the cos(pitch) stretch, shift;
    shapes are clipped to the canvas so ``draw_group`` never wraps or drops a group."""
    out = []
    for s in shapes:
        if s.kind == "ellipse":
            (cx, cy), (rx, ry) = s.pts
            cx = ox + ((cx - u0 + W / 2) % W - W / 2) * c
            e = Shape("ellipse", np.array([[cx, oy + cy - v0], [rx * c, ry]]), s.rgb, s.shade, s.clip, alpha=s.alpha)
            x0, y0, x1, y1 = e.bbox()
            if x1 < 0 or y1 < 0 or x0 > cw or y0 > ch:
                continue
            if x0 >= 1 and y0 >= 1 and x1 <= cw - 1 and y1 <= ch - 1:
                out.append(e)
            elif s.shade == "flat" and not s.clip:  # a big leaf clump over the edge: clip it as a polygon
                poly = cv2.ellipse2Poly((0, 0), (1000, 1000), 0, 0, 360, 6).astype(np.float64) / 1000
                poly = _clip_rect(e.pts[0] + poly * e.pts[1], cw, ch)
                if poly is not None:
                    out.append(Shape("poly", poly, s.rgb, "flat", alpha=s.alpha))
            continue
        mid = float(s.pts[:, 0].mean())
        shift = (mid - u0 + W / 2) % W - W / 2 - (mid - u0)  # seam unwrap, as render_scene does
        pts = np.stack([ox + (s.pts[:, 0] + shift - u0) * c, oy + s.pts[:, 1] - v0], axis=1)
        axis = None
        if s.axis is not None:
            ax0, ay0, ax1, ay1, r = s.axis
            n = max(math.hypot(ax1 - ax0, ay1 - ay0), 1e-9)
            across = math.hypot((ay1 - ay0) / n * c, (ax1 - ax0) / n)  # the width is measured across the axis
            axis = (ox + (ax0 + shift - u0) * c, oy + ay0 - v0, ox + (ax1 + shift - u0) * c, oy + ay1 - v0, r * across)
        x0, y0, x1, y1 = pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()
        if x1 < 0 or y1 < 0 or x0 > cw or y0 > ch:
            continue
        if not (x0 >= 1 and y0 >= 1 and x1 <= cw - 1 and y1 <= ch - 1):
            pts = _clip_rect(pts, cw, ch)  # stick quads are convex
            if pts is None:
                continue
        out.append(Shape("poly", pts, s.rgb, s.shade, axis=axis, alpha=s.alpha))
    return out


def _groups(scene: Scene, target: Placed, W: int, H: int) -> list[tuple[list[Shape], tuple, float, int]]:
    """(shapes, light direction, brightness, layer) per group, in drawing order, as
    ``synth.render.render_scene`` draws an item; layer 0 is drawn before the target, 1 is the target's
    own parts, 2 is drawn over it."""
    lay, lt = scene.layout, scene.light
    out = []
    layer = 0
    for sticks, sprites in _context(scene, target):
        groups: list[list[Shape]] = [[]]
        for st in sticks:
            groups[-1] += _stick_shapes(scene, st, W, H)
        h = 0.0
        brightness = lt.ambient + lt.sun * 0.55
        for sp in sprites:
            u, v, ssx, ssy, _, h, _ = anchor_scale(lay, sp.pos, W, H)
            parts, _ = sprite_parts(sp.kind, sp.params)
            if "wall" in sp.params:
                shadow, lit = _wall_shadow(lt, parts, sp.params["wall"], u, v, ssx, ssy)
                groups[-1] += shadow
                brightness = lt.ambient + lt.sun * 0.55 * lit
            if sp is target.sprite:
                groups += [parts_to_shapes(parts, u, v, ssx, ssy), []]
            else:
                groups[-1] += parts_to_shapes(parts, u, v, ssx, ssy)
        if not sprites and sticks:
            h = float(lay.bearing(*sticks[0].p0[:2])[0])
        light = _light_xy(scene, h)
        for j, shapes in enumerate(groups):
            if len(groups) > 1:
                layer = (0, 1, 2)[j]
            out.append((shapes, light, brightness, layer))
        if len(groups) > 1:
            layer = 2
    return out


def draw_sprite(decoy: bool, size: int, scene_seed: int, sprite_id: str = "") -> Sprite:
    """One drawn sprite: RGBA (premultiplied linear / sky level) and its sidecar. A candidate whose
    object is more than ``MAX_HIDDEN`` covered (a camera under its own tree's crown) is skipped."""
    t0 = time.perf_counter()
    for scene, target in candidates(decoy, scene_seed):
        sprite = _draw(scene, target, decoy, size, scene_seed)
        if sprite is not None:
            sprite.meta.id = sprite_id
            sprite.meta.seconds = round(time.perf_counter() - t0, 3)
            return sprite
    raise RuntimeError(f"no visible {'look-alike' if decoy else 'camera'} in {MAX_SCENES} scenes (seed {scene_seed})")


def _draw(scene: Scene, target: Placed, decoy: bool, size: int, scene_seed: int) -> Sprite | None:
    rng = np.random.default_rng([scene_seed, 99])
    lay, lt = scene.layout, scene.light
    _, (bx0, by0, bx1, by1) = sprite_parts(target.sprite.kind, target.sprite.params)
    frac = float(rng.uniform(0.25, 0.5) if decoy else rng.uniform(0.2, 0.45))
    # panorama width at which the object's body box is frac of the frame (drawn SUPER times larger)
    _, _, _, sy_ref, _, _, _ = anchor_scale(lay, target.sprite.pos, 4096, 2048)
    W = int(round(4096 * SUPER * frac * size / (max(bx1 - bx0, by1 - by0) * sy_ref)))
    W += W % 2
    H = W // 2
    u0, v0, sx, sy, _, heading, pitch = anchor_scale(lay, target.sprite.pos, W, H)
    c = math.cos(math.radians(pitch))
    frame = SUPER * size
    m = int(round(MARGIN * frame))
    cw = ch = frame + 2 * m
    jx, jy = rng.uniform(-0.08, 0.08, size=2) * frame
    # canvas position of the anchor: the body box's centre lands at the frame's centre (+ jitter)
    ox = m + frame / 2 + jx - (bx0 + bx1) / 2 * sy
    oy = m + frame / 2 + jy + (by0 + by1) / 2 * sy
    black = np.zeros((ch, cw, 3), np.float32)
    white = np.ones((ch, cw, 3), np.float32)
    own = np.zeros((ch, cw, 3), np.float32)  # the target alone, on white: coverage = 1 - own
    over = np.zeros((ch, cw, 3), np.float32)  # what is drawn over it, on white
    own += 1
    over += 1
    for shapes, light, brightness, layer in _groups(scene, target, W, H):
        shapes = _to_canvas(shapes, W, u0, v0, c, ox, oy, cw, ch)
        for canvas in (black, white) + ((own,) if layer == 1 else (over,) if layer == 2 else ()):
            draw_group(canvas, shapes, light, brightness)
    a_own, a_over = 1 - own[..., 1], 1 - over[..., 1]
    if (a_own * a_over).sum() > MAX_HIDDEN * max(a_own.sum(), 1e-6):
        return None
    alpha = np.clip(1.0 - (white - black)[..., 1], 0, 1)
    crop = (slice(m, m + frame), slice(m, m + frame))
    rgba = np.dstack([black[crop], alpha[crop]]).astype(np.float32)
    rgba = cv2.resize(rgba, (size, size), interpolation=cv2.INTER_AREA)
    a = rgba[..., 3:4]
    display = np.clip(rgba[..., :3] / np.maximum(a, 1e-6), 0, 1)
    sky = 0.5 * (np.mean(np.array(lt.sky_top) ** 2.2) + np.mean(np.array(lt.sky_horizon) ** 2.2))
    rgba[..., :3] = np.where(a > 1e-4, display ** 2.2 / sky * a, 0)
    box = None
    if not decoy:
        bx = ox + bx0 * sy, oy - by1 * sy, ox + bx1 * sy, oy - by0 * sy  # canvas px
        box = [round(float(np.clip((b - m) / SUPER, 0, size)), 2) for b in bx]
    meta = SpriteMeta("", target.sprite.kind, None if decoy else target.type, target.mount, "drawn",
                      round(float(pitch), 2), round(float(heading), 2), size, box, 0.0)
    return Sprite(rgba.astype(np.float32), meta)


def _draw_one(args) -> tuple[str, str]:
    i, opts, out = args
    sid = f"d{opts.seed}_{i:06d}"
    if (out / f"{sid}.json").is_file() and (out / f"{sid}.png").is_file():
        return sid, "resumed"
    decoy, size, scene_seed = plan_job(i, opts)
    sprite = draw_sprite(decoy, size, scene_seed, sid)
    save_sprite(sprite, out)
    return sid, sprite.meta.kind


def draw_library(out: Path, opts: DrawnOptions, progress: bool = True) -> Counter:
    """Draw sprites ``0 .. count-1`` into ``out`` (skipping finished ones); counts per kind."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(i, opts, out) for i in range(opts.count)]
    return run_sprite_jobs(_draw_one, jobs, opts.workers, progress, "drawn sprites", chunksize=4)
