"""Render one model into an RGBA sprite with an exact camera box (Mitsuba 3, CPU ``scalar_rgb``).

Light: a real outdoor HDR map (``../shared/data/hdri-outdoor``) rotated at random, so sun direction,
sky colour and shadows are real. Viewpoint: from the street, below the object (0-60 degrees
elevation), mostly in front of the camera. Two passes: a path-traced beauty pass (alpha = coverage)
and a cheap mask pass in which only the camera's parts glow, whose coverage gives the exact box of
what is visible of the camera. Pixels are stored linear and normalised by the sky's mean radiance, so
the compositor can match them to any background's exposure.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from camdetect.durable import atomic_write_bytes, atomic_write_json
from camdetect.render.kinds import Model, build
from camdetect.render.materials import glow, palette, weather
from camdetect.render.parts import Part, corners, disk, rounded, rounded_cube

VALUE_SCALE = 8.0  # 16-bit PNG stores linear / sky radiance in [0, VALUE_SCALE]
MIN_CAMERA_PIXELS = 12


@dataclass
class SpriteMeta:
    """Sidecar of one sprite: what it shows and where the camera is (pixels of the sprite)."""

    id: str
    kind: str
    type: str | None  # None: a look-alike (unlabelled in composites)
    mount: str
    hdri: str
    elevation: float
    azimuth: float
    size: int
    box: list[float] | None  # x1, y1, x2, y2 of the visible camera, or None
    seconds: float
    weathered: float = 0.0  # grime strength on painted and plastic parts (0: clean)
    frame_m: float = 0.0  # metres the frame spans at the object (0: rendered before this was stored)
    rounded: bool = False  # boxes drawn with rounded edges (render sprites --rounding)
    light: str = ""  # lit by this background photo's map (photo_light.light_key), not an HDR sky; "": an HDR sky


def _mitsuba():
    import mitsuba as mi

    if mi.variant() is None:
        mi.set_variant("scalar_rgb")  # the LLVM variants crash on this CPU's LLVM (measured)
    return mi


@lru_cache(maxsize=32)
def sky_radiance(hdri: str) -> float:
    """Mean luminance of the upper half of an equirectangular HDR map (what a white wall sees)."""
    mi = _mitsuba()
    try:
        img = np.array(mi.Bitmap(hdri), np.float64)  # Mitsuba reads .hdr and .exr alike (OpenCV's EXR is off)
    except Exception as exc:  # noqa: BLE001 - Mitsuba raises RuntimeError or its own types
        raise ValueError(f"{hdri}: not a readable HDR image ({str(exc).splitlines()[0][:80]})") from None
    top = img[: img.shape[0] // 2, :, :3]
    lum = 0.2126 * top[..., 0] + 0.7152 * top[..., 1] + 0.0722 * top[..., 2]
    rows = np.cos(np.linspace(0, math.pi / 2, top.shape[0], endpoint=False))  # solid-angle weight
    return float(max(1e-6, (lum * rows[:, None]).sum() / (rows.sum() * top.shape[1])))


def _cylinder_axis(part: Part) -> tuple[np.ndarray, np.ndarray, float]:
    """End points and radius of a cylinder part (its matrix maps the unit cylinder along +z)."""
    m = part.matrix
    return m[:3, 3], (m @ np.array([0, 0, 1, 1.0]))[:3], float(np.linalg.norm(m[:3, 0]))


@lru_cache(maxsize=64)
def rounded_cube_ply(rounding: float) -> str:
    """A PLY file of :func:`rounded_cube` (positions, normals, uv; binary) in this process's temp folder, written
    once per exponent (rounded to 0.01, so a library needs a few dozen files at most)."""
    import tempfile

    v, nrm, uv, tri = rounded_cube(rounding)
    path = Path(tempfile.gettempdir()) / f"camdetect-rbox-{rounding:.2f}-{len(v)}.ply"
    if not path.is_file():
        head = (f"ply\nformat binary_little_endian 1.0\nelement vertex {len(v)}\n"
                + "".join(f"property float {k}\n" for k in ("x", "y", "z", "nx", "ny", "nz", "u", "v"))
                + f"element face {len(tri)}\nproperty list uchar uint vertex_indices\nend_header\n").encode()
        faces = np.zeros(len(tri), dtype=[("n", "u1"), ("i", "<u4", 3)])
        faces["n"], faces["i"] = 3, tri
        body = np.concatenate([v, nrm, uv], axis=1).astype("<f4").tobytes() + faces.tobytes()
        atomic_write_bytes(path, head + body)
    return str(path)


def _shape_dict(mi, part: Part, bsdf: dict) -> dict:
    T = mi.ScalarTransform4f(part.matrix.tolist())
    if part.shape == "box":
        return {"type": "cube", "to_world": T, "bsdf": bsdf}
    if part.shape == "rbox":
        return {"type": "ply", "filename": rounded_cube_ply(round(part.rounding, 2)), "to_world": T, "bsdf": bsdf}
    if part.shape == "sphere":
        return {"type": "sphere", "to_world": T, "bsdf": bsdf}
    if part.shape == "disk":
        return {"type": "disk", "to_world": T, "bsdf": bsdf}
    p0, p1, radius = _cylinder_axis(part)  # an open tube: _caps closes it
    return {"type": "cylinder", "p0": p0.tolist(), "p1": p1.tolist(), "radius": radius, "bsdf": bsdf}


def _caps(part: Part) -> list[Part]:
    if part.shape != "cylinder":
        return []
    p0, p1, radius = _cylinder_axis(part)
    axis = p1 - p0
    return [disk(p0, -axis, radius, part.material, part.role), disk(p1, axis, radius, part.material, part.role)]


def _framing(model: Model) -> tuple[np.ndarray, float]:
    """Centre and radius to frame: the labelled camera and its near context, never a whole pole."""
    near = [p for p in model.parts if np.ptp(corners(p), axis=0).max() < 1.5]
    focus = [p for p in near if p.role in ("camera", "decoy")] or near
    pts_focus = np.concatenate([corners(p) for p in focus])
    pts_near = np.concatenate([corners(p) for p in near])
    centre = (pts_focus.min(0) + pts_focus.max(0)) / 2
    r_focus = float(np.linalg.norm(pts_focus - centre, axis=1).max())
    r_near = float(np.linalg.norm(pts_near - centre, axis=1).max())
    return centre, min(r_near, 2.5 * r_focus)


def _scene(mi, model: Model, mats: dict, hdri: str, vp: Viewpoint, size: int, spp: int, mask: bool,
           glow_rgb: list[float] | None = None) -> dict:
    parts = list(model.parts)
    parts += [c for p in model.parts for c in _caps(p)]
    scene: dict = {
        "type": "scene",
        "integrator": {"type": "path", "max_depth": 1 if mask else 8, "hide_emitters": not mask},
        "sensor": {"type": "perspective", "fov": float(vp.fov),
                   "to_world": mi.ScalarTransform4f().look_at(origin=list(map(float, vp.origin)),
                                                              target=list(map(float, vp.target)), up=[0, 1, 0]),
                   "film": {"type": "hdrfilm", "width": size, "height": size, "pixel_format": "rgba",
                            "rfilter": {"type": "gaussian"}},
                   "sampler": {"type": "independent", "sample_count": spp}},
    }
    if not mask:
        scene["env"] = {"type": "envmap", "filename": hdri, "scale": 1.0,
                        "to_world": mi.ScalarTransform4f().rotate([0, 1, 0], float(vp.env_rot))}
    black = {"type": "diffuse", "reflectance": {"type": "rgb", "value": [0, 0, 0]}}
    for i, p in enumerate(parts):
        if mask:
            d = _shape_dict(mi, p, black)
            if glow_rgb is None and p.role == "camera":  # coverage of the camera
                d["emitter"] = {"type": "area", "radiance": {"type": "rgb", "value": [1, 1, 1]}}
            elif glow_rgb is not None and p.material == "lit":  # a lit lamp's own light, added to the beauty pass
                d["emitter"] = {"type": "area", "radiance": {"type": "rgb", "value": glow_rgb}}
        else:
            d = _shape_dict(mi, p, _bitmaps(mi, mats[p.material]))
        scene[f"s{i:03d}"] = d
    return scene


def _bitmaps(mi, bsdf: dict) -> dict:
    """A texture given as an array (``{"type": "bitmap", "data": ndarray}``, from materials.weather) as Mitsuba
    wants it: ``{"bitmap": mi.Bitmap(...)}``."""
    out = {}
    for k, v in bsdf.items():
        if isinstance(v, dict) and v.get("type") == "bitmap" and "data" in v:
            v = {**{a: b for a, b in v.items() if a != "data"}, "bitmap": mi.Bitmap(v["data"])}
        out[k] = v
    return out


@dataclass(frozen=True)
class Viewpoint:
    """Where a sprite is seen from: a street-level view (mostly from below), its framing and the light's rotation."""

    elevation: float  # degrees the camera looks up at the model (negative: from above)
    azimuth: float
    origin: np.ndarray
    target: np.ndarray
    fov: float  # degrees
    half: float  # half the frame's side at the target, metres
    env_rot: float  # the HDR map's rotation about the vertical, degrees


def draw_viewpoint(rng: np.random.Generator, centre: np.ndarray, radius: float) -> Viewpoint:
    """One viewpoint for a model framed by (``centre``, ``radius``); the draws (and their order) fix the library's
    sprites, so they must not change: 85 % from below at 0-60 degrees, 80 % from the front half."""
    elevation = float(rng.uniform(0, 60) if rng.random() < 0.85 else rng.uniform(-10, 0))
    front = rng.random() < 0.8
    azimuth = float(rng.uniform(-100, 100) if front else rng.uniform(-180, 180))
    dist = float(rng.uniform(4, 15))
    e, a = math.radians(elevation), math.radians(azimuth)
    direction = np.array([math.sin(a) * math.cos(e), -math.sin(e), math.cos(a) * math.cos(e)])
    target = centre + rng.uniform(-0.2, 0.2, size=3) * radius
    origin = target + dist * direction
    half = radius * float(rng.uniform(1.05, 1.35))
    fov = math.degrees(2 * math.atan(half / dist))
    return Viewpoint(elevation, azimuth, origin, target, fov, half, float(rng.uniform(0, 360)))


@dataclass
class Sprite:
    rgba: np.ndarray  # float32 HxWx4, linear rgb / sky radiance, alpha = coverage
    meta: SpriteMeta


def render_sprite(kind: str, hdri: str, seed: int, size: int = 160, spp: int = 32, sprite_id: str = "",
                  weathering: float = 0.0, rounding: float = 0.0) -> Sprite:
    """Render ``kind`` lit by ``hdri``; a seed fixes the model, materials, light and view (pixels agree to
    float rounding: Mitsuba's threads sum overlapping filter splats in any order). Retries viewpoints
    where the camera is hidden (behind its pole) or cut by the frame. ``rounding``: the chance that the
    model's boxes get rounded edges (:func:`parts.rounded`); 0 keeps the renders of before byte for byte."""
    import time

    mi = _mitsuba()
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    model = build(kind, rng)
    rrng = np.random.default_rng([seed, 13])  # own stream, drawn only when asked: older libraries stay as they were
    soft = bool(rounding) and rrng.random() < rounding
    if soft:
        model = replace(model, parts=rounded(list(model.parts), rrng))
    mats = palette(rng, kind)
    wrng = np.random.default_rng([seed, 11])  # own stream: renders without weathering stay as they were
    strength = float(wrng.uniform(0.15, 0.55)) if wrng.random() < weathering else 0.0
    if strength:
        mats = weather(mats, wrng, strength)
    centre, radius = _framing(model)
    sky = sky_radiance(hdri)
    glow_rgb = glow(np.random.default_rng([seed, 7]), sky)  # own stream: older kinds' renders stay as they were
    for attempt in range(6):
        vp = draw_viewpoint(rng, centre, radius)
        beauty = np.array(mi.render(mi.load_dict(_scene(mi, model, mats, hdri, vp, size, spp, False)),
                                    seed=int(seed % 2**31)), np.float32)
        if any(p.material == "lit" for p in model.parts):  # emitters in the beauty pass would read as holes in alpha
            beauty[..., :3] += np.array(mi.render(mi.load_dict(_scene(mi, model, mats, hdri, vp, size, 16, True,
                                                                      glow_rgb)), seed=2), np.float32)[..., :3]
        box = None
        if model.type is not None:
            cover = np.array(mi.render(mi.load_dict(_scene(mi, model, mats, hdri, vp, size, 8, True)), seed=1),
                             np.float32)[..., 0]
            ys, xs = np.nonzero(cover > 0.3)
            if len(xs) < MIN_CAMERA_PIXELS or xs.min() <= 0 or ys.min() <= 0 or xs.max() >= size - 1 \
                    or ys.max() >= size - 1:
                continue
            box = [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]
        rgba = beauty[..., :4].copy()
        rgba[..., :3] /= sky
        meta = SpriteMeta(sprite_id, kind, model.type, model.mount, Path(hdri).name, vp.elevation, vp.azimuth, size,
                          box, round(time.perf_counter() - t0, 3), round(strength, 3), round(2 * vp.half, 4), soft)
        return Sprite(rgba, meta)
    raise RuntimeError(f"{kind}: no viewpoint showed the camera whole after 6 tries (seed {seed})")


def save_sprite(sprite: Sprite, out_dir: Path) -> Path:
    """``ID.png`` (16-bit RGBA, premultiplied linear / VALUE_SCALE) + ``ID.json``; both atomic."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{sprite.meta.id}.png"
    bgra = sprite.rgba[..., [2, 1, 0, 3]].copy()
    bgra[..., :3] = np.clip(bgra[..., :3] / VALUE_SCALE, 0, 1)
    data = np.round(np.clip(bgra, 0, 1) * 65535).astype(np.uint16)
    ok, buf = cv2.imencode(".png", data)
    if not ok:
        raise RuntimeError(f"{png}: PNG encoding failed")
    atomic_write_bytes(png, buf.tobytes())
    atomic_write_json(out_dir / f"{sprite.meta.id}.json", asdict(sprite.meta))  # last: the sprite is done
    return png


def load_sprite(png: Path) -> Sprite:
    """Read a sprite written by :func:`save_sprite`; a bad file is a one-line ValueError naming it."""
    data = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    side = png.with_suffix(".json")
    if data is None or data.ndim != 3 or data.shape[2] != 4 or data.dtype != np.uint16:
        raise ValueError(f"{png}: not a 16-bit RGBA sprite")
    try:
        meta = SpriteMeta(**json.loads(side.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"{side}: bad sprite sidecar ({exc})") from None
    rgba = data.astype(np.float32)[..., [2, 1, 0, 3]] / 65535.0
    rgba[..., :3] *= VALUE_SCALE
    return Sprite(rgba, meta)
