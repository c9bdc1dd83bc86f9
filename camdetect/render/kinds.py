"""Parametric 3D models of street cameras, their mounts and their look-alikes, true to size in metres.

Sizes follow ``CAMERAS.md``: domes 10-25 cm across, bullets 15-35 cm long with a sun hood, PTZ globes
on pendant tubes, licence-plate readers (Flock-style box under a solar panel, ELSAG/Motorola boxes with
IR arrays, Neology white bullets), box cameras, multi-sensor heads and fisheye discs. Every model is
built around the camera's mount point at the origin, facing +z (the street), Y up; the pole or wall it
hangs from lies behind it (-z). Look-alikes (lamp heads, signal heads, signs, loudspeakers, dishes,
birds, facade ornaments, junction boxes, bare poles, solar panels) are built the same way with no
``camera`` part, so pasting cues cannot tell a camera from a decoy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from camdetect.render.parts import (
    Part,
    box,
    chain,
    cylinder,
    disk,
    rotate,
    scale,
    sphere,
    transform,
    translate,
)

POLE_HALF = 4.0  # poles and mast arms run far past the sprite frame; the compositor fades their ends


@dataclass(frozen=True)
class Model:
    """One renderable object: its parts, what it is (``type`` None for a look-alike) and its mount."""

    kind: str
    type: str | None
    mount: str  # taxonomy mount: street_furniture | building | other
    parts: list[Part]


# ----------------------------------------------------------------------------- mounts


def _pole(rng: np.random.Generator, z: float, radius: float | None = None) -> list[Part]:
    r = radius if radius is not None else float(rng.uniform(0.05, 0.14))
    parts = [cylinder((0, -POLE_HALF, z - r), (0, POLE_HALF, z - r), r, "pole", "mount")]
    for y in rng.uniform(-0.15, 0.1, size=int(rng.integers(0, 3))):  # clamp bands
        parts.append(cylinder((0, y, z - r), (0, y + 0.03, z - r), r * 1.08, "bracket", "mount"))
    return parts


def _arm_to_pole(rng: np.random.Generator, start, length: float) -> tuple[list[Part], float]:
    """A bracket arm from ``start`` back (-z) to a pole; returns parts and the pole's front z."""
    r = float(rng.uniform(0.012, 0.03))
    x, y, z = start
    end_z = z - length
    parts = [cylinder((x, y, z), (x, y, end_z), r, "bracket", "mount"),
             box((x, y, end_z), (3 * r, 5 * r, 0.02), "bracket", "mount")]
    return parts, end_z


def _mount(rng: np.random.Generator, top, *, prefer: str | None = None) -> tuple[list[Part], str]:
    """Something to hang from: pole via an arm, wall plate, mast arm above, or pole top."""
    choice = prefer or str(rng.choice(["pole_arm", "pole_arm", "wall", "mast", "pole_close"]))
    x, y, z = top
    if choice == "pole_arm":
        arm, pz = _arm_to_pole(rng, (x, y, z - 0.02), float(rng.uniform(0.1, 0.6)))
        return arm + _pole(rng, pz), "street_furniture"
    if choice == "pole_close":
        arm, pz = _arm_to_pole(rng, (x, y, z - 0.02), float(rng.uniform(0.03, 0.08)))
        return arm + _pole(rng, pz), "street_furniture"
    if choice == "mast":  # horizontal mast arm above, camera on a short stalk
        stalk = float(rng.uniform(0.05, 0.35))
        r = float(rng.uniform(0.06, 0.12))
        yaw = float(rng.uniform(-60, 60))
        mast = transform([cylinder((-POLE_HALF, 0, 0), (POLE_HALF, 0, 0), r, "pole", "mount")],
                         chain(translate(x, y + stalk + r, z - 0.05), rotate("y", yaw)))
        return mast + [cylinder((x, y, z - 0.05), (x, y + stalk, z - 0.05), 0.015, "bracket", "mount")], \
            "street_furniture"
    # wall plate and a short L-bracket; the facade itself is the background photo
    depth = float(rng.uniform(0.05, 0.3))
    plate = box((x, y, z - depth), (0.12, 0.16, 0.02), "bracket", "mount")
    return [plate, cylinder((x, y, z - 0.01), (x, y, z - depth), 0.018, "bracket", "mount")], "building"


# ----------------------------------------------------------------------------- cameras


def dome_flush(rng):
    R = float(rng.uniform(0.05, 0.11))
    h = float(rng.uniform(0.03, 0.07))
    parts = [cylinder((0, -h, 0), (0, 0, 0), R, "housing"),
             disk((0, -h, 0), (0, -1, 0), R, "housing"),
             sphere((0, -h, 0), 0.82 * R, "smoke"),
             sphere((0, -h - 0.1 * R, 0), 0.45 * R, "inner")]
    mount, m = _mount(rng, (0, 0, -R * 0.9), prefer=str(rng.choice(["wall", "pole_arm", "pole_close"])))
    return Model("dome_flush", "dome", m, parts + mount)


def dome_pendant(rng):
    R = float(rng.uniform(0.07, 0.13))
    L = float(rng.uniform(0.06, 0.3))
    hh = float(rng.uniform(0.05, 0.12))
    parts = [cylinder((0, -L, 0), (0, 0, 0), float(rng.uniform(0.02, 0.035)), "housing"),
             cylinder((0, -L - hh, 0), (0, -L, 0), R, "housing"),
             disk((0, -L, 0), (0, 1, 0), R, "housing"),
             sphere((0, -L - hh, 0), 0.92 * R, "smoke"),
             sphere((0, -L - hh - 0.2 * R, 0.3 * R), 0.35 * R, "inner")]
    if rng.random() < 0.5:  # a rounded top cap
        parts.append(sphere((0, -L, 0), 0.6 * R, "housing"))
    mount, m = _mount(rng, (0, 0, 0))
    return Model("dome_pendant", "dome", m, parts + mount)


def _bullet_head(rng, r: float, length: float, material: str = "housing", ir: bool = False) -> list[Part]:
    """A bullet along +z, its back at z = 0: body, lens, sun hood, optional IR ring."""
    parts = [cylinder((0, 0, 0), (0, 0, length), r, material),
             disk((0, 0, 0), (0, 0, -1), r, material),
             disk((0, 0, length + 0.002), (0, 0, 1), 0.78 * r, "lens")]
    hood_len = length * float(rng.uniform(1.0, 1.25))
    parts.append(box((0, r * 1.05, hood_len / 2 + 0.01), (2.4 * r, 0.006, hood_len), material))
    if rng.random() < 0.6:
        parts += [box((s * 1.15 * r, r * 0.4, hood_len / 2 + 0.01), (0.006, 1.3 * r, hood_len), material)
                  for s in (-1, 1)]
    if ir:
        for k in range(8):
            a = 2 * np.pi * k / 8
            parts.append(disk((0.55 * r * np.cos(a), 0.55 * r * np.sin(a), length + 0.004), (0, 0, 1),
                              0.1 * r, "ir"))
        parts.append(disk((0, 0, length + 0.005), (0, 0, 1), 0.3 * r, "lens"))
    return parts


def bullet(rng):
    r = float(rng.uniform(0.03, 0.06))
    length = float(rng.uniform(0.15, 0.33))
    tilt = float(rng.uniform(8, 35))
    head = transform(_bullet_head(rng, r, length, ir=rng.random() < 0.4),
                     chain(translate(0, -0.08, 0.02), rotate("x", tilt), translate(0, 0, -length * 0.4)))
    joint = [sphere((0, -0.08 + r * 0.6, 0.02), 0.022, "bracket", "mount"),
             cylinder((0, -0.08 + r, 0.02), (0, 0, 0.02), 0.016, "bracket", "mount")]
    mount, m = _mount(rng, (0, 0, 0))
    return Model("bullet", "bullet", m, head + joint + mount)


def box_camera(rng):
    w, h, length = float(rng.uniform(0.07, 0.11)), float(rng.uniform(0.06, 0.1)), float(rng.uniform(0.18, 0.32))
    tilt = float(rng.uniform(8, 30))
    local = [box((0, 0, length / 2), (w, h, length), "housing"),
             box((0, h / 2 + 0.004, length * 0.6), (w * 1.25, 0.006, length * 1.2), "housing"),
             disk((0, 0, length + 0.002), (0, 0, 1), 0.35 * min(w, h), "lens")]
    head = transform(local, chain(translate(0, -0.07, 0), rotate("x", tilt), translate(0, 0, -length * 0.4)))
    joint = [cylinder((0, -0.07 + h / 2, 0), (0, 0, 0), 0.015, "bracket", "mount")]
    mount, m = _mount(rng, (0, 0, 0))
    return Model("box_camera", "bullet", m, head + joint + mount)


def _solar_panel(rng, center, role: str = "mount") -> list[Part]:
    w, d = float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.3, 0.5))
    tilt = float(rng.uniform(20, 50))
    yaw = float(rng.uniform(-40, 40))
    m = chain(translate(*center), rotate("y", yaw), rotate("x", -tilt))
    return transform([box((0, 0, 0), (w, 0.03, d), "frame", role),
                      box((0, 0.016, 0), (w * 0.94, 0.002, d * 0.94), "panel", role),
                      cylinder((0, -0.015, 0), (0, -0.2, 0), 0.02, "bracket", role)], m)


def _slim_pole(rng, pole_z: float, pole_r: float, panel_share: float, panel_y: tuple[float, float]) -> list[Part]:
    """How Flock-style readers stand: a slim pole with its front at ``pole_z`` and, on a share ``panel_share``, a
    solar panel at a height drawn from ``panel_y``."""
    parts = _pole(rng, pole_z, pole_r)
    if rng.random() < panel_share:
        parts += _solar_panel(rng, (0, float(rng.uniform(*panel_y)), pole_z - pole_r))
    return parts


def alpr_flock(rng):
    """Flock-style: a dark elongated head under a solar panel on a slim pole."""
    w, h, length = float(rng.uniform(0.07, 0.1)), float(rng.uniform(0.08, 0.12)), float(rng.uniform(0.16, 0.24))
    tilt = float(rng.uniform(5, 20))
    local = [box((0, 0, length / 2), (w, h, length), "housing"),
             cylinder((0, -h * 0.1, length * 0.9), (0, -h * 0.1, length + 0.003), 0.42 * min(w, h), "housing"),
             disk((0, -h * 0.1, length + 0.005), (0, 0, 1), 0.36 * min(w, h), "lens"),
             box((0, h / 2 + 0.004, length * 0.55), (w * 1.2, 0.006, length * 1.15), "housing")]
    head = transform(local, chain(translate(0, -0.06, 0), rotate("x", tilt), translate(0, 0, -length * 0.3)))
    pole_r = float(rng.uniform(0.035, 0.07))
    parts = head + [cylinder((0, -0.06 + h / 2, 0), (0, 0.05, 0), 0.02, "bracket", "mount")]
    parts += _slim_pole(rng, -0.04, pole_r, 0.85, (0.25, 0.6))
    return Model("alpr_flock", "alpr", "street_furniture", parts)


def alpr_box(rng):
    """ELSAG / Motorola / Genetec style: a larger box with IR arrays and a hood, on an arm, often a cabinet."""
    w, h, length = float(rng.uniform(0.12, 0.2)), float(rng.uniform(0.09, 0.14)), float(rng.uniform(0.2, 0.35))
    tilt = float(rng.uniform(5, 25))
    local = [box((0, 0, length / 2), (w, h, length), "housing"),
             box((0, h / 2 + 0.005, length * 0.55), (w * 1.15, 0.008, length * 1.15), "housing")]
    n_lens = int(rng.integers(1, 3))
    for i in range(n_lens):
        cx = (i - (n_lens - 1) / 2) * w * 0.45
        local.append(disk((cx, 0, length + 0.002), (0, 0, 1), 0.18 * min(w, h), "lens"))
        for k in range(int(rng.integers(6, 13))):
            a = 2 * np.pi * k / 10
            local.append(disk((cx + 0.3 * h * np.cos(a), 0.3 * h * np.sin(a), length + 0.003), (0, 0, 1),
                              0.03 * h + 0.004, "ir"))
    head = transform(local, chain(translate(0, -0.08, 0.02), rotate("x", tilt), translate(0, 0, -length * 0.4)))
    parts = head + [cylinder((0, -0.08 + h / 2, 0.02), (0, 0, 0.02), 0.02, "bracket", "mount")]
    mount, m = _mount(rng, (0, 0, 0), prefer=str(rng.choice(["pole_arm", "pole_arm", "pole_close", "mast"])))
    parts += mount
    if rng.random() < 0.4:
        parts += _solar_panel(rng, (0, float(rng.uniform(0.3, 0.6)), -0.2))
    if rng.random() < 0.35:  # an equipment cabinet further down the pole (not a camera)
        parts.append(box((0, float(rng.uniform(-0.9, -0.5)), -0.35), (0.25, 0.35, 0.15), "cabinet", "mount"))
    return Model("alpr_box", "alpr", m, parts)


def alpr_bullet(rng):
    """Neology style: a white bullet with an IR front on a pole bracket."""
    r = float(rng.uniform(0.045, 0.07))
    length = float(rng.uniform(0.2, 0.32))
    tilt = float(rng.uniform(5, 25))
    head = transform(_bullet_head(rng, r, length, ir=True),
                     chain(translate(0, -0.09, 0.02), rotate("x", tilt), translate(0, 0, -length * 0.4)))
    parts = head + [cylinder((0, -0.09 + r, 0.02), (0, 0, 0.02), 0.02, "bracket", "mount")]
    mount, m = _mount(rng, (0, 0, 0), prefer=str(rng.choice(["pole_arm", "pole_close", "mast"])))
    return Model("alpr_bullet", "alpr", m, parts + mount)


def alpr_upright(rng):
    """Flock Falcon-style: an upright dark box with the lens low on its front, on a slim pole under a solar panel."""
    w, h, d = float(rng.uniform(0.08, 0.12)), float(rng.uniform(0.18, 0.3)), float(rng.uniform(0.07, 0.11))
    tilt = float(rng.uniform(0, 15))
    local = [box((0, -h / 2, d / 2), (w, h, d), "housing"),
             cylinder((-w / 2, -0.004, d / 2), (w / 2, -0.004, d / 2), d / 2, "housing"),  # rounded top
             disk((0, -h * 0.8, d + 0.002), (0, 0, 1), 0.3 * w, "lens"),
             disk((0, -h * 0.8, d + 0.003), (0, 0, 1), 0.18 * w, "inner")]
    if rng.random() < 0.5:  # a small hood over the lens
        local.append(box((0, -h * 0.8 + 0.35 * w, d + 0.02), (0.7 * w, 0.005, 0.04), "housing"))
    pole_r = float(rng.uniform(0.035, 0.07))
    head = transform(local, chain(translate(0, -0.03, 0.01), rotate("x", tilt)))
    parts = head + [box((0, -0.03 - h / 2, -0.005), (0.05, 0.08, 0.03), "bracket", "mount")]
    parts += _slim_pole(rng, -0.02, pole_r, 0.85, (0.15, 0.5))
    return Model("alpr_upright", "alpr", "street_furniture", parts)


def alpr_kidney(rng):
    """Flock Falcon-style, as volunteers describe it: a black kidney-shaped reader (a rounded body bent a little in
    the middle, no sharp edge) under a solar panel on a slim pole, a blue LED beside the lens. Its long axis runs from
    along the street (tilted down) to hanging almost upright below the bracket."""
    w, h, length = float(rng.uniform(0.09, 0.13)), float(rng.uniform(0.08, 0.12)), float(rng.uniform(0.2, 0.3))
    bend = float(rng.uniform(6, 22))  # degrees between the two halves
    roundness = float(rng.uniform(0.3, 0.6))
    reach = length * 0.34  # half a half's length: the halves overlap, one body, not two
    half = scale(w / 2, h / 2, reach)
    rear = Part("rbox", chain(translate(0, 0, length * 0.5), rotate("x", -bend / 2), translate(0, 0, -length * 0.16),
                              half), "housing", rounding=roundness)
    front_frame = chain(translate(0, 0, length * 0.5), rotate("x", bend / 2), translate(0, 0, length * 0.16))
    front = [Part("rbox", chain(front_frame, half), "housing", rounding=roundness)]
    face = reach + 0.001  # the front half's end face, in its own frame
    front += transform([disk((0, -0.1 * h, face), (0, 0, 1), 0.3 * min(w, h), "lens"),
                        disk((0, -0.1 * h, face + 0.001), (0, 0, 1), 0.16 * min(w, h), "inner"),
                        disk((0.32 * w, 0.2 * h, face), (0, 0, 1), 0.006, "led")], front_frame)
    tilt = float(rng.uniform(5, 25) if rng.random() < 0.5 else rng.uniform(45, 75))
    head = transform([rear, *front], chain(translate(0, -0.05, 0), rotate("x", tilt), translate(0, 0, -length * 0.2)))
    pole_r = float(rng.uniform(0.035, 0.07))
    parts = head + [cylinder((0, -0.05 + h / 2, -0.02), (0, 0.05, -0.02), 0.02, "bracket", "mount")]
    parts += _slim_pole(rng, -0.04, pole_r, 0.9, (0.25, 0.6))
    return Model("alpr_kidney", "alpr", "street_furniture", parts)


def multisensor(rng):
    R = float(rng.uniform(0.1, 0.18))
    h = float(rng.uniform(0.05, 0.1))
    parts = [cylinder((0, -h, 0), (0, 0, 0), R, "housing"),
             disk((0, -h, 0), (0, -1, 0), R, "housing")]
    n = int(rng.integers(3, 5))
    for k in range(n):
        a = 2 * np.pi * k / n + float(rng.uniform(0, 1))
        parts.append(sphere((0.6 * R * np.cos(a), -h, 0.6 * R * np.sin(a)), 0.25 * R, "smoke"))
    mount, m = _mount(rng, (0, 0, -R), prefer=str(rng.choice(["wall", "pole_arm"])))
    return Model("multisensor", "dome", m, parts + mount)


def fisheye(rng):
    R = float(rng.uniform(0.06, 0.1))
    h = float(rng.uniform(0.02, 0.04))
    parts = [cylinder((0, -h, 0), (0, 0, 0), R, "housing"), disk((0, -h, 0), (0, -1, 0), R, "housing"),
             sphere((0, -h, 0), 0.4 * R, "smoke")]
    mount, m = _mount(rng, (0, 0, -R), prefer=str(rng.choice(["wall", "pole_arm"])))
    return Model("fisheye", "dome", m, parts + mount)


# ----------------------------------------------------------------------------- look-alikes


def lamp_cobra(rng, glass: str = "milky"):
    length = float(rng.uniform(0.5, 0.8))
    parts = [box((0, 0, 0), (0.28, 0.12, length), "housing", "decoy", pitch=-float(rng.uniform(0, 15))),
             disk((0, -0.065, 0.03), (0, -1, 0), 0.11, glass, "decoy"),
             cylinder((0, 0, -length / 2), (0, 0.05, -length / 2 - 1.2), 0.03, "pole", "decoy")]
    return Model("lamp_cobra" if glass == "milky" else "lamp_cobra_lit", None, "street_furniture", parts)


def lamp_globe(rng, glass: str = "milky"):
    r = float(rng.uniform(0.15, 0.3))
    parts = [sphere((0, 0, 0), r, glass, "decoy"),
             cylinder((0, -r - 0.1, 0), (0, -r * 0.8, 0), r * 0.4, "housing", "decoy")]
    parts.append(cylinder((0, -POLE_HALF, 0), (0, -r - 0.1, 0), 0.06, "pole", "decoy"))
    return Model("lamp_globe" if glass == "milky" else "lamp_globe_lit", None, "street_furniture", parts)


def signal_head(rng):
    n = 3
    s = float(rng.uniform(0.2, 0.32))
    parts = [box((0, 0, 0), (s * 1.1, s * n * 1.05, 0.22), "signal", "decoy")]
    for i in range(n):
        y = (i - 1) * s
        parts.append(disk((0, y, 0.111), (0, 0, 1), s * 0.38, str(rng.choice(["lamp_red", "lamp_off"])), "decoy"))
        parts.append(box((0, y + s * 0.35, 0.2), (s * 0.9, 0.01, 0.18), "signal", "decoy"))
    if rng.random() < 0.5:
        parts.append(box((0, 0, -0.13), (s * 1.8, s * n * 1.4, 0.01), "signal", "decoy"))
    parts.append(cylinder((0, s * 1.6, 0), (0, s * 1.6 + 0.3, 0), 0.03, "bracket", "decoy"))
    return Model("signal_head", None, "street_furniture", parts)


def round_sign(rng):
    r = float(rng.uniform(0.25, 0.45))
    parts = [disk((0, 0, 0.01), (0, 0, 1), r, "sign", "decoy"), disk((0, 0, 0), (0, 0, -1), r, "bracket", "decoy")]
    parts += _pole(rng, -0.02, 0.04)
    return Model("round_sign", None, "street_furniture", parts)


def loudspeaker(rng):
    r = float(rng.uniform(0.08, 0.15))
    parts = []
    for k, rr in enumerate((0.35, 0.55, 0.8, 1.0)):
        parts.append(cylinder((0, -0.05, k * 0.05), (0, -0.05, k * 0.05 + 0.05), r * rr, "housing", "decoy"))
    parts.append(disk((0, -0.05, 0.2), (0, 0, 1), r * 0.95, "inner", "decoy"))
    mount, m = _mount(rng, (0, 0, 0))
    return Model("loudspeaker", None, m, parts + mount)


def dish(rng):
    r = float(rng.uniform(0.2, 0.4))
    parts = [disk((0, 0, 0), (0, float(rng.uniform(-0.2, 0.3)), 1), r, "housing", "decoy"),
             cylinder((0, -r * 0.6, 0.02), (0, -0.1, r * 0.8), 0.01, "bracket", "decoy"),
             cylinder((0, -0.1, r * 0.8), (0, -0.1, r * 0.9), 0.03, "housing", "decoy")]
    mount, m = _mount(rng, (0, 0, -0.05), prefer="wall")
    return Model("dish", None, m, parts + mount)


def bird(rng):
    s = float(rng.uniform(0.1, 0.2))
    parts = [sphere((0, 0, 0), s * 0.5, "bird", "decoy"), sphere((0, s * 0.35, s * 0.35), s * 0.28, "bird", "decoy"),
             box((0, -0.05, -s * 0.6), (s * 0.3, 0.02, s * 0.7), "bird", "decoy", pitch=20)]
    if rng.random() < 0.5:
        parts.append(cylinder((-POLE_HALF, -s * 0.5, 0), (POLE_HALF, -s * 0.5, 0), 0.008, "cable", "decoy"))
    else:
        parts.append(cylinder((0, -POLE_HALF, 0), (0, -s * 0.45, 0), 0.08, "pole", "decoy"))
    return Model("bird", None, "other", parts)


def ornament(rng):
    r = float(rng.uniform(0.1, 0.3))
    parts = [sphere((0, 0, 0), r, "stone", "decoy"), box((0, -r, 0), (r * 1.6, 0.08, r * 1.6), "stone", "decoy"),
             box((0, -r * 1.6, -r * 0.5), (r * 2.2, r * 1.1, 0.1), "stone", "decoy")]
    return Model("ornament", None, "building", parts)


def junction_box(rng):
    parts = [box((0, 0, 0), (float(rng.uniform(0.2, 0.35)), float(rng.uniform(0.25, 0.5)), 0.15), "cabinet", "decoy")]
    parts += _pole(rng, -0.08)
    return Model("junction_box", None, "street_furniture", parts)


def solar_only(rng):
    parts = _solar_panel(rng, (0, 0.1, 0), role="decoy") + _pole(rng, -0.05, float(rng.uniform(0.035, 0.07)))
    return Model("solar_panel", None, "street_furniture", parts)


def pole_bare(rng):
    parts = _pole(rng, 0.0)
    parts.append(box((0, float(rng.uniform(-0.3, 0.3)), 0.03), (0.05, 0.08, 0.05), "bracket", "decoy"))
    return Model("pole_bare", None, "street_furniture", parts)


def perforated_post(rng):
    """A square sign post punched with a column of round holes (US 'telespar'): dark discs that read as domes."""
    side = float(rng.uniform(0.045, 0.065))
    parts = [box((0, 0, 0), (side, 2 * POLE_HALF, side), "pole", "decoy")]
    step = float(rng.uniform(0.025, 0.03))
    for k in range(-3, 4):  # the frame follows the holes: a short stretch of post, close up
        parts.append(disk((0, k * step, side / 2 + 0.0005), (0, 0, 1), side * 0.17, "inner", "decoy"))
    return Model("perforated_post", None, "street_furniture", parts)


def hole_plate(rng):
    """Bolts, drain holes and round vents on a plate or facade: small dark circles, not cameras."""
    w, h = float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.2, 0.5))
    parts = [box((0, 0, -0.01), (w, h, 0.02), str(rng.choice(["stone", "cabinet", "bracket"])), "decoy")]
    for _ in range(int(rng.integers(1, 6))):
        r = float(rng.uniform(0.01, 0.05))
        parts.append(disk((float(rng.uniform(-w / 3, w / 3)), float(rng.uniform(-h / 3, h / 3)), 0.001), (0, 0, 1), r,
                          str(rng.choice(["inner", "lens", "bracket"])), "decoy"))
    return Model("hole_plate", None, "building", parts)


def wall_light(rng, glass: str = "milky"):
    parts = [box((0, 0, 0.05), (float(rng.uniform(0.1, 0.25)), float(rng.uniform(0.08, 0.2)), 0.1), "housing", "decoy"),
             disk((0, -0.06, 0.05), (0, -0.7, 0.7), 0.04, glass, "decoy"),
             box((0, 0, -0.01), (0.15, 0.2, 0.02), "bracket", "decoy")]
    return Model("wall_light" if glass == "milky" else "wall_light_lit", None, "building", parts)


def wall_lantern(rng):
    """A carriage lantern on a wall arm, lit: a glowing pane box under a dark cap (a false alarm of v3)."""
    w, h = float(rng.uniform(0.15, 0.3)), float(rng.uniform(0.25, 0.45))
    z = float(rng.uniform(0.2, 0.4))
    parts = [box((0, 0, z), (w, h, w), "lit", "decoy"),
             box((0, h / 2 + 0.03, z), (w * 1.3, 0.06, w * 1.3), "frame", "decoy"),
             box((0, -h / 2 - 0.02, z), (w * 0.8, 0.04, w * 0.8), "frame", "decoy"),
             box((0, h / 2 + 0.08, z / 2), (0.03, 0.03, z), "frame", "decoy"),
             box((0, h / 2 + 0.08, 0), (0.12, 0.2, 0.02), "frame", "decoy")]
    return Model("wall_lantern", None, "building", parts)


def sconce(rng):
    """An up/down wall cylinder light, often lit: a short tube on a wall plate, glowing at one end."""
    r, length = float(rng.uniform(0.04, 0.08)), float(rng.uniform(0.15, 0.35))
    z = r + float(rng.uniform(0.03, 0.1))
    glass = "lit" if rng.random() < 0.7 else "milky"
    parts = [cylinder((0, -length / 2, z), (0, length / 2, z), r, "housing", "decoy"),
             disk((0, -length / 2 - 0.002, z), (0, -1, 0), r * 0.8, glass, "decoy"),
             box((0, 0, z / 2), (0.05, 0.06, z), "housing", "decoy"),
             box((0, 0, 0.005), (0.1, 0.12, 0.01), "bracket", "decoy")]
    return Model("sconce", None, "building", parts)


def preemption(rng):
    parts = [cylinder((0, 0, 0), (0, 0, 0.12), 0.03, "housing", "decoy"), disk((0, 0, 0.121), (0, 0, 1), 0.025, "lens", "decoy")]
    mount, m = _mount(rng, (0, 0, 0), prefer="mast")
    return Model("preemption", None, m, parts + mount)


# v5's false alarms on held-out real streets (docs/training.md): pipe bends and clamps, balcony undersides, round
# wall plaques, bollard tops, roof vents, line insulators. Built the same way as every look-alike.


def downpipe(rng):
    """A rain downpipe on a facade: a vertical pipe with clamp brackets and a swan-neck bend to the gutter."""
    r = float(rng.uniform(0.035, 0.06))
    z = r + float(rng.uniform(0.02, 0.06))
    mat = str(rng.choice(["pole", "bracket", "housing"]))
    top = float(rng.uniform(0.0, 0.3))
    parts = [cylinder((0, -POLE_HALF, z), (0, top, z), r, mat, "decoy")]
    for y in rng.uniform(-0.5, top - 0.1, size=int(rng.integers(1, 3))):  # clamp bands with a lug to the wall
        parts += [cylinder((0, y, z), (0, y + 0.03, z), r * 1.15, "bracket", "decoy"),
                  box((0, y + 0.015, z / 2), (0.02, 0.03, z), "bracket", "decoy")]
    bend = (0.0, top + float(rng.uniform(0.1, 0.3)), z + float(rng.uniform(0.15, 0.45)))
    parts += [sphere((0, top, z), r * 1.02, mat, "decoy"), cylinder((0, top, z), bend, r, mat, "decoy"),
              sphere(bend, r * 1.02, mat, "decoy")]
    if rng.random() < 0.5:  # a hopper head under the gutter
        parts.append(box((0, bend[1] + 0.08, bend[2]), (r * 4, 0.16, r * 3), mat, "decoy"))
    g = float(rng.uniform(0.05, 0.08))
    gy = bend[1] + 0.15 + g
    parts.append(cylinder((-POLE_HALF, gy, bend[2]), (POLE_HALF, gy, bend[2]), g, mat, "decoy"))
    return Model("downpipe", None, "building", parts)


def balcony(rng):
    """A cantilevered balcony seen from the street below: a stone slab on corbels under a railing of bars."""
    w, d = float(rng.uniform(0.8, 1.4)), float(rng.uniform(0.4, 0.9))
    t = float(rng.uniform(0.1, 0.22))
    parts = [box((0, 0, d / 2), (w, t, d), "stone", "decoy")]
    parts += [box((x, -t / 2 - 0.12, 0.15), (0.1, 0.24, 0.3), "stone", "decoy") for x in (-w / 2 + 0.12, w / 2 - 0.12)]
    rail = float(rng.uniform(0.8, 1.0))
    n = int(rng.integers(6, 12))
    for k in range(n):
        x = -w / 2 + 0.04 + k * (w - 0.08) / (n - 1)
        parts.append(cylinder((x, t / 2, d - 0.05), (x, t / 2 + rail, d - 0.05), 0.01, "frame", "decoy"))
    parts.append(box((0, t / 2 + rail, d - 0.05), (w, 0.04, 0.05), "frame", "decoy"))
    parts += [box((x, t / 2 + rail, d / 2), (0.04, 0.04, d), "frame", "decoy") for x in (-w / 2 + 0.03, w / 2 - 0.03)]
    return Model("balcony", None, "building", parts)


def _oval(center, rx: float, ry: float, material: str, turn: float = 0.0) -> Part:
    """A flat ellipse facing +z (turned ``turn`` degrees about y)."""
    return Part("disk", chain(translate(*center), rotate("y", turn), scale(rx, ry, 1.0)), material, "decoy")


def plaque(rng):
    """A round or oval sign flat on a wall or on a flag bracket: a no-entry disc, a house-number oval."""
    rx = float(rng.uniform(0.1, 0.3))
    ry = rx * float(rng.uniform(0.6, 1.0))
    inner = str(rng.choice(["sign", "milky", "bracket"]))
    if rng.random() < 0.35:  # a flag sign out from the wall on an arm, its faces along the street
        zc = float(rng.uniform(0.1, 0.3)) + rx
        parts = [cylinder((0, ry + 0.02, 0), (0, ry + 0.02, zc), 0.012, "bracket", "decoy"),
                 _oval((0.003, 0, zc), rx, ry, "sign", 90), _oval((-0.003, 0, zc), rx, ry, "sign", -90),
                 _oval((0.004, 0, zc), rx * 0.85, ry * 0.85, inner, 90)]
        return Model("plaque", None, "building", parts)
    z = 0.012
    parts = [box((0, 0, 0.004), (rx * 1.05, ry * 1.05, 0.008), "bracket", "decoy"),
             _oval((0, 0, z), rx, ry, "sign"), _oval((0, 0, z + 0.001), rx * 0.88, ry * 0.88, inner)]
    if rng.random() < 0.6:  # the white bar of a no-entry sign
        parts.append(box((0, 0, z + 0.003), (rx * 1.3, ry * 0.3, 0.002), "milky", "decoy"))
    return Model("plaque", None, "building", parts)


def bollard(rng):
    """A street bollard or post top: a short post with a domed, ball or flat cap, often a reflective band."""
    r = float(rng.uniform(0.05, 0.12))
    mat = str(rng.choice(["pole", "bracket", "stone", "housing"]))
    parts = [cylinder((0, -1.0, 0), (0, 0, 0), r, mat, "decoy")]
    cap = str(rng.choice(["dome", "ball", "flat"]))
    if cap == "dome":
        parts.append(sphere((0, 0, 0), r, mat, "decoy"))
    elif cap == "ball":
        parts += [cylinder((0, 0, 0), (0, 0.03, 0), r * 1.1, mat, "decoy"), sphere((0, 0.03 + r * 0.8, 0), r * 0.8, mat, "decoy")]
    else:
        parts.append(cylinder((0, 0, 0), (0, 0.02, 0), r * 1.15, mat, "decoy"))
    if rng.random() < 0.5:
        y = -float(rng.uniform(0.08, 0.25))
        parts.append(cylinder((0, y - 0.05, 0), (0, y, 0), r * 1.01, "milky", "decoy"))
    return Model("bollard", None, "street_furniture", parts)


def roof_vent(rng):
    """A mushroom vent or cowl on a roof, dark against the sky (the roof itself is the background photo's)."""
    r = float(rng.uniform(0.05, 0.15))
    h = float(rng.uniform(0.1, 0.4))
    mat = str(rng.choice(["pole", "bracket", "housing", "stone"]))
    parts = [cylinder((0, -0.3, 0), (0, h, 0), r, mat, "decoy")]
    if rng.random() < 0.6:  # a cap
        parts += [cylinder((0, h + 0.04, 0), (0, h + 0.07, 0), r * 1.6, mat, "decoy"),
                  cylinder((0, h, 0), (0, h + 0.04, 0), r * 0.6, mat, "decoy")]
    else:  # a cowl bent to one side
        parts += [sphere((0, h, 0), r, mat, "decoy"), cylinder((0, h, 0), (0, h + r, r * 1.5), r, mat, "decoy")]
    return Model("roof_vent", None, "building", parts)


def insulator(rng):
    """An insulator string between a cross-arm and an overhead line: a stack of dark or glass discs."""
    n = int(rng.integers(3, 9))
    r = float(rng.uniform(0.05, 0.12))
    mat = str(rng.choice(["lens", "smoke", "housing", "bracket"]))
    length = n * 0.06
    parts = [cylinder((0, 0, 0), (0, length + 0.05, 0), 0.008, "cable", "decoy")]  # the string's rod
    parts += [cylinder((0, 0.06 * k, 0), (0, 0.06 * k + 0.015, 0), r, mat, "decoy") for k in range(n)]
    parts.append(cylinder((-POLE_HALF, 0, 0), (POLE_HALF, 0, 0), 0.008, "cable", "decoy"))
    parts.append(cylinder((-POLE_HALF, length + 0.05, 0), (POLE_HALF, length + 0.05, 0), 0.05, "pole", "decoy"))
    return Model("insulator", None, "other", parts)


CAMERA_KINDS: dict[str, Callable[[np.random.Generator], Model]] = {
    "dome_flush": dome_flush, "dome_pendant": dome_pendant, "multisensor": multisensor, "fisheye": fisheye,
    "bullet": bullet, "box_camera": box_camera,
    "alpr_flock": alpr_flock, "alpr_box": alpr_box, "alpr_bullet": alpr_bullet, "alpr_upright": alpr_upright,
    "alpr_kidney": alpr_kidney,
}
DECOY_KINDS: dict[str, Callable[[np.random.Generator], Model]] = {
    "lamp_cobra": lamp_cobra, "lamp_globe": lamp_globe, "signal_head": signal_head, "round_sign": round_sign,
    "loudspeaker": loudspeaker, "dish": dish, "bird": bird, "ornament": ornament, "junction_box": junction_box,
    "solar_panel": solar_only, "pole_bare": pole_bare, "wall_light": wall_light, "preemption": preemption,
    "perforated_post": perforated_post, "hole_plate": hole_plate,
    # lit lamps (v3's false alarms on unseen streets were lit wall lamps): the glass is an area light
    "lamp_cobra_lit": partial(lamp_cobra, glass="lit"), "lamp_globe_lit": partial(lamp_globe, glass="lit"),
    "wall_light_lit": partial(wall_light, glass="lit"), "wall_lantern": wall_lantern, "sconce": sconce,
    "downpipe": downpipe, "balcony": balcony, "plaque": plaque, "bollard": bollard, "roof_vent": roof_vent,
    "insulator": insulator,
}
ALL_KINDS = {**CAMERA_KINDS, **DECOY_KINDS}
# Kinds added after libraries were rendered from seeds: drawn only when named (render sprites --kinds), so a library
# re-rendered from its seed is the one every earlier experiment trained on.
OPT_IN_KINDS = frozenset({"alpr_kidney"})


def build(kind: str, rng: np.random.Generator) -> Model:
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown kind {kind!r} (known: {', '.join(ALL_KINDS)})")
    return ALL_KINDS[kind](rng)
