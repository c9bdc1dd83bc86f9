"""Street objects: 3-D sticks (poles, arms) and small sprites (cameras, lamps, signal heads ...).

A :class:`Sprite` is drawn facing the viewer, in metres around its anchor, then scaled by the
equirectangular pixel density at its distance and pitch (``W / (2 pi d cos(pitch))`` px/m across,
``H / (pi d)`` px/m up). Its *body box* (the camera itself, without bracket) is the ground truth box,
computed from the same parts that are drawn, so truth and pixels cannot drift apart.
Look-alikes are sprites too, with their own kinds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from camdetect.synth.shapes import Shape, quad

CAMERA_KINDS = ("dome", "ptz", "bullet")
LOOKALIKE_KINDS = ("lamp_cobra", "lamp_globe", "signal_head", "ped_signal", "preemption_sensor",
                   "traffic_sensor", "sign_edge", "pir_sensor", "wall_light", "smoke_detector", "dish", "argus_box")
# fine camera kind -> taxonomy type
CAMERA_TYPE = {"dome": "dome", "ptz": "dome", "bullet": "bullet"}

Part = tuple  # ("ellipse", cx, cy, rx, ry, rgb, shade, clip) | ("poly", pts, rgb, shade) | ("seg", x0, y0, x1, y1, w, rgb)


@dataclass
class Stick:
    """A 3-D cylinder segment in the local street frame (pole, arm, trunk, beam)."""

    p0: tuple[float, float, float]
    p1: tuple[float, float, float]
    radius: float
    rgb: tuple[float, float, float]


@dataclass
class Sprite:
    kind: str
    pos: tuple[float, float, float]  # local street frame, metres
    params: dict = field(default_factory=dict)


@dataclass
class Item:
    """One thing drawn as a unit (e.g. a streetlight: pole, arm and lamp head), far to near."""

    dist: float
    sticks: list[Stick] = field(default_factory=list)
    sprites: list[Sprite] = field(default_factory=list)


def _rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _seg_poly(x0, y0, x1, y1, w):
    return [tuple(p) for p in quad(x0, y0, x1, y1, w, w)]


def sprite_parts(kind: str, p: dict) -> tuple[list[Part], tuple[float, float, float, float]]:
    """Parts of a sprite in metres (x right, y up, anchor at 0, 0) and its body box (x0, y0, x1, y1)."""
    s = p.get("scale", 1.0)
    side = p.get("side", 1)
    housing = p.get("housing", (0.85, 0.85, 0.83))
    dark = p.get("bubble", (0.10, 0.10, 0.12))
    reach = p.get("reach", 0.0)  # horizontal metres from body to the mount (pole/wall) on ``side``
    parts: list[Part] = []
    if kind == "dome":
        w = 0.2 * s
        if p.get("mount") == "ceiling":
            parts.append(("poly", _rect(-0.75 * w, 0.28 * w, 0.75 * w, 0.36 * w), tuple(np.array(housing) * 0.8), "flat"))
        elif reach:
            bw = max(0.1 * w, 0.012)
            parts.append(("poly", _seg_poly(0, 0.25 * w, 0, 0.7 * w, bw), housing, "flat"))
            parts.append(("poly", _seg_poly(0, 0.7 * w, side * reach, 0.7 * w, bw), housing, "flat"))
        parts += [("ellipse", 0, 0, 0.5 * w, 0.3 * w, housing, "sphere", "upper"),
                  ("ellipse", 0, 0, 0.41 * w, 0.42 * w, dark, "glass", "lower"),
                  ("poly", _rect(-0.5 * w, -0.03 * w, 0.5 * w, 0.02 * w), tuple(np.array(housing) * 0.75), "flat")]
        return parts, (-0.5 * w, -0.42 * w, 0.5 * w, 0.3 * w)
    if kind == "ptz":
        w = 0.26 * s
        bw = max(0.09 * w, 0.015)
        top = 0.85 * w
        if reach:
            parts.append(("poly", _seg_poly(0, top, side * reach * 0.6, top + 0.25 * w, bw), housing, "flat"))
            parts.append(("poly", _seg_poly(side * reach * 0.6, top + 0.25 * w, side * reach, top + 0.3 * w, bw),
                          housing, "flat"))
        else:
            parts.append(("poly", _rect(-0.4 * w, top, 0.4 * w, top + 0.06 * w), tuple(np.array(housing) * 0.8), "flat"))
        parts += [("poly", _rect(-0.11 * w, 0.35 * w, 0.11 * w, top), housing, "vgrad"),
                  ("ellipse", 0, 0, 0.5 * w, 0.5 * w, housing, "sphere", "upper"),
                  ("ellipse", 0, 0, 0.47 * w, 0.47 * w, dark, "glass", "lower"),
                  ("poly", _rect(-0.5 * w, -0.04 * w, 0.5 * w, 0.04 * w), tuple(np.array(housing) * 0.7), "flat")]
        return parts, (-0.5 * w, -0.47 * w, 0.5 * w, top)
    if kind in ("bullet", "traffic_sensor"):
        L, D = 0.3 * s, 0.095 * s
        if kind == "traffic_sensor":
            L, D = 0.22 * s, 0.11 * s
        tilt = math.radians(p.get("tilt", 20.0))
        f = p.get("yaw_f", 0.8)  # |cos(yaw)|: how much of the length we see
        ax, ay = side * f * math.cos(tilt) * L, -math.sin(tilt) * L
        n = max(math.hypot(ax, ay), 1e-9)
        ux, uy = -ay / n * side, ax / n * side  # "up" of the camera (perpendicular, towards the sky)
        if uy < 0:
            ux, uy = -ux, -uy
        bx, by = -ax / 2, -ay / 2  # back end
        fx, fy = ax / 2, ay / 2  # front end
        body = _seg_poly(bx, by, fx, fy, D)
        hood = _seg_poly(bx * 0.9 + ux * D * 0.18, by * 0.9 + uy * D * 0.18,
                         fx + ax / n * 0.1 * L + ux * D * 0.18, fy + ay / n * 0.1 * L + uy * D * 0.18, D * 1.3)
        bw = max(0.25 * D, 0.012)
        mx = bx + ux * D * 0.6
        my = by + uy * D * 0.6 + 0.06 * s
        parts.append(("poly", _seg_poly(bx, by, mx, my, bw), housing, "flat"))
        parts.append(("poly", _seg_poly(mx, my, mx - side * max(reach, 0.05), my, bw), housing, "flat"))
        parts += [("poly", body, housing, "cylbody"), ("poly", hood, tuple(np.array(housing) * 1.02), "vgrad")]
        lens_r = D * 0.42 * max(0.35, math.sqrt(max(0.0, 1 - f * f)))
        parts.append(("ellipse", fx + ax / n * 0.06 * L, fy + ay / n * 0.06 * L, lens_r, D * 0.42, dark, "glass", ""))
        pts = np.array(body + hood)
        return parts, (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))
    if kind == "lamp_cobra":
        L, T = 0.75 * s, 0.2 * s
        pts = [(-L / 2, 0.02), (-L / 4, T / 2), (L / 3, T * 0.35), (L / 2, 0.0), (L / 2, -T * 0.2), (-L / 4, -T / 2),
               (-L / 2, -T * 0.1)]
        pts = [(x * side, y) for x, y in pts]
        parts += [("poly", pts, housing, "vgrad"),
                  ("ellipse", side * 0.08 * L, -T * 0.33, 0.28 * L, 0.07 * s, p.get("lens", (0.85, 0.85, 0.78)), "flat", "")]
        return parts, (-L / 2, -T / 2, L / 2, T / 2)
    if kind == "lamp_globe":
        r = 0.22 * s
        parts += [("poly", _rect(-0.05 * s, -r - 0.25 * s, 0.05 * s, -r * 0.8), (0.15, 0.15, 0.15), "flat"),
                  ("ellipse", 0, 0, r, r * 1.05, housing, "sphere", ""),
                  ("poly", [(-0.5 * r, 0.95 * r), (0.5 * r, 0.95 * r), (0.1 * r, 1.35 * r), (-0.1 * r, 1.35 * r)],
                   (0.15, 0.15, 0.15), "flat")]
        return parts, (-r, -r * 1.05, r, 1.35 * r)
    if kind == "signal_head":
        w, h = 0.34 * s, 1.0 * s
        back = p.get("back", False)
        plate = (0.08, 0.08, 0.08)
        parts.append(("poly", _rect(-0.75 * w, -0.55 * h, 0.75 * w, 0.55 * h), (0.85, 0.7, 0.1) if p.get("yellow_border") else plate, "flat"))
        parts.append(("poly", _rect(-0.68 * w, -0.52 * h, 0.68 * w, 0.52 * h), plate, "flat"))
        parts.append(("poly", _rect(-w / 2, -h / 2, w / 2, h / 2), housing, "vgrad"))
        if not back:
            lit = p.get("lit", 0)
            cols = [(0.9, 0.1, 0.05), (0.95, 0.65, 0.05), (0.1, 0.9, 0.5)]
            for i, yc in enumerate((h / 3, 0, -h / 3)):
                c = cols[i] if i == lit else (0.12, 0.12, 0.12)
                parts.append(("ellipse", 0, yc, 0.36 * w, 0.36 * w, c, "flat" if i == lit else "glass", ""))
        return parts, (-0.75 * w, -0.55 * h, 0.75 * w, 0.55 * h)
    if kind == "ped_signal":
        w = 0.33 * s
        parts += [("poly", _rect(-w / 2, -w / 2, w / 2, w / 2), housing, "vgrad"),
                  ("ellipse", 0, 0, 0.3 * w, 0.3 * w, p.get("lens", (0.95, 0.5, 0.1)), "flat", "")]
        return parts, (-w / 2, -w / 2, w / 2, w / 2)
    if kind == "preemption_sensor":
        D, L = 0.07 * s, 0.16 * s
        parts += [("poly", _rect(-0.01 * s, 0, 0.01 * s, 0.08 * s), (0.2, 0.2, 0.2), "flat"),
                  ("poly", _seg_poly(0, 0, side * 0.05 * s, -L, D), housing, "cylbody"),
                  ("ellipse", side * 0.05 * s, -L, D * 0.45, D * 0.25, (0.75, 0.75, 0.7), "flat", "")]
        return parts, (min(0, side * 0.05 * s) - D / 2, -L - D * 0.25, max(0, side * 0.05 * s) + D / 2, 0.08 * s)
    if kind == "sign_edge":
        r = 0.3 * s
        face = abs(p.get("face", 0.1))
        parts += [("ellipse", 0, 0, max(r * face, 0.02 * s), r, p.get("sign", (0.8, 0.1, 0.1)), "flat", ""),
                  ("ellipse", 0, 0, 0.018 * s, r, (0.7, 0.7, 0.7), "flat", "")]
        return parts, (-max(r * face, 0.02 * s), -r, max(r * face, 0.02 * s), r)
    if kind == "pir_sensor":
        w, h = 0.08 * s, 0.11 * s
        parts += [("poly", _rect(-w / 2, -h / 2, w / 2, h / 2), housing, "vgrad"),
                  ("ellipse", 0, -h * 0.15, w * 0.35, h * 0.25, (0.35, 0.35, 0.38), "sphere", "")]
        return parts, (-w / 2, -h / 2, w / 2, h / 2)
    if kind == "wall_light":
        if p.get("style") == "barn":  # gooseneck barn light: a dome-like shade
            w = 0.3 * s
            parts += [("poly", _seg_poly(side * 0.35 * s, 0.25 * s, 0, 0.25 * s, 0.025 * s), housing, "flat"),
                      ("poly", _seg_poly(0, 0.25 * s, 0, 0.05 * s, 0.025 * s), housing, "flat"),
                      ("poly", [(-0.12 * w, 0.08 * s), (0.12 * w, 0.08 * s), (0.5 * w, -0.05 * s), (-0.5 * w, -0.05 * s)],
                       housing, "vgrad"),
                      ("ellipse", 0, -0.05 * s, 0.45 * w, 0.03 * s, (0.95, 0.92, 0.8), "flat", "")]
            return parts, (-0.5 * w, -0.08 * s, 0.5 * w, 0.08 * s)
        w, h = 0.28 * s, 0.2 * s
        parts += [("poly", [(-w / 2, h / 2), (w / 2, h / 2), (w * 0.4, -h / 2), (-w * 0.4, -h / 2)], housing, "vgrad"),
                  ("poly", _rect(-w * 0.35, -h * 0.45, w * 0.35, -h * 0.05), (0.9, 0.88, 0.75), "flat")]
        return parts, (-w / 2, -h / 2, w / 2, h / 2)
    if kind == "smoke_detector":
        w = 0.13 * s
        parts += [("poly", _rect(-0.6 * w, 0.0, 0.6 * w, 0.05 * s), tuple(np.array(housing) * 0.8), "flat"),
                  ("ellipse", 0, 0, 0.5 * w, 0.25 * w, housing, "sphere", "lower")]
        return parts, (-0.5 * w, -0.25 * w, 0.5 * w, 0.05 * s)
    if kind == "dish":
        r = 0.32 * s
        parts += [("ellipse", 0, 0, r * p.get("face", 0.7), r, housing, "sphere", ""),
                  ("poly", _seg_poly(0, 0, side * 0.35 * s, -0.15 * s, 0.02 * s), (0.3, 0.3, 0.3), "flat"),
                  ("ellipse", side * 0.35 * s, -0.15 * s, 0.035 * s, 0.03 * s, (0.25, 0.25, 0.25), "flat", "")]
        return parts, (-r, -r, r, r)
    if kind == "canopy":
        R = p["radius"]
        for bx, by, br, shade in p["blobs"]:
            c = tuple(np.clip(np.array(p["green"]) * shade, 0, 1))
            parts.append(("ellipse", bx * R, by * R, br * R, br * R * 0.9, c, "flat", ""))
        return parts, (-R, -R, R, R)
    if kind == "car":  # parked car, seen at angle ``rel`` between its axis and the line of sight
        L, Wd = 4.4 * s, 1.8 * s
        rel = math.radians(p.get("rel", 90.0))
        w = abs(math.sin(rel)) * L + abs(math.cos(rel)) * Wd
        paint = p.get("paint", (0.8, 0.8, 0.8))
        glass = (0.12, 0.14, 0.16)
        side_view = abs(math.sin(rel))
        cab = w * (0.55 if side_view > 0.5 else 0.8)
        parts += [("poly", _rect(-w / 2, -0.45, w / 2, 0.25), paint, "vgrad"),
                  ("poly", [(-cab / 2, 0.25), (cab / 2, 0.25), (cab / 2 - 0.25, 0.75), (-cab / 2 + 0.25, 0.75)], paint, "flat"),
                  ("poly", [(-cab / 2 + 0.12, 0.3), (cab / 2 - 0.12, 0.3), (cab / 2 - 0.32, 0.68), (-cab / 2 + 0.32, 0.68)],
                   glass, "flat"),
                  ("poly", _rect(-w / 2, -0.5, w / 2, -0.4), (0.1, 0.1, 0.1), "flat")]
        if side_view > 0.5:
            for xw in (-0.32 * w, 0.32 * w):
                parts.append(("ellipse", xw, -0.45, 0.3, 0.3, (0.08, 0.08, 0.08), "flat", ""))
        else:
            parts += [("ellipse", -0.35 * w, 0.05, 0.1, 0.06, (0.9, 0.9, 0.8) if p.get("front") else (0.7, 0.1, 0.1), "flat", ""),
                      ("ellipse", 0.35 * w, 0.05, 0.1, 0.06, (0.9, 0.9, 0.8) if p.get("front") else (0.7, 0.1, 0.1), "flat", "")]
        return parts, (-w / 2, -0.75, w / 2, 0.75)
    if kind == "argus_box":  # NYPD pole box: grey cabinet, blue light on top
        w, h = 0.45 * s, 0.5 * s
        parts += [("poly", _rect(-w / 2, -h / 2, w / 2, h / 2), housing, "vgrad"),
                  ("poly", _rect(-w / 2 - 0.02 * s, h / 2 - 0.05 * s, w / 2 + 0.02 * s, h / 2), tuple(np.array(housing) * 0.8), "flat"),
                  ("ellipse", 0, h / 2 + 0.06 * s, 0.06 * s, 0.07 * s, (0.15, 0.3, 0.85), "sphere", "")]
        return parts, (-w / 2, -h / 2, w / 2, h / 2 + 0.13 * s)
    if kind == "solar_panel":  # small panel over a licence-plate reader
        w, h = 0.55 * s, 0.3 * s
        parts += [("poly", _seg_poly(0, -0.45 * s, 0, 0, 0.03 * s), (0.15, 0.15, 0.15), "flat"),
                  ("poly", [(-w / 2, -h / 2), (w / 2, -h / 3), (w / 2, h / 2), (-w / 2, h / 3)], (0.14, 0.17, 0.26), "vgrad")]
        return parts, (-w / 2, -0.45 * s, w / 2, h / 2)
    if kind == "street_sign":
        w, h = 0.75 * s, 0.16 * s
        parts += [("poly", _rect(-w / 2, -h / 2, w / 2, h / 2), p.get("sign", (0.05, 0.4, 0.2)), "flat"),
                  ("poly", _rect(-w * 0.35, -h * 0.15, w * 0.35, h * 0.15), (0.9, 0.9, 0.9), "flat")]
        return parts, (-w / 2, -h / 2, w / 2, h / 2)
    raise ValueError(f"unknown sprite kind {kind!r}")


def parts_to_shapes(parts: list[Part], u: float, v: float, sx: float, sy: float) -> list[Shape]:
    """Place metre-space parts at panorama pixel (u, v) with px/m scales (sx, sy)."""
    out = []
    for part in parts:
        if part[0] == "ellipse":
            _, cx, cy, rx, ry, rgb, shade, clip = part
            out.append(Shape("ellipse", np.array([[u + cx * sx, v - cy * sy], [rx * sx, ry * sy]]), rgb, shade, clip))
        else:
            _, pts, rgb, shade = part
            a = np.array(pts, np.float64)
            px = np.stack([u + a[:, 0] * sx, v - a[:, 1] * sy], axis=1)
            if shade == "cylbody":  # body of a cylinder: shade across its long axis
                e = [np.linalg.norm(px[1] - px[0]), np.linalg.norm(px[2] - px[1])]
                if e[0] >= e[1]:
                    a0, a1, r = (px[0] + px[3]) / 2, (px[1] + px[2]) / 2, e[1] / 2
                else:
                    a0, a1, r = (px[0] + px[1]) / 2, (px[3] + px[2]) / 2, e[0] / 2
                out.append(Shape("poly", px, rgb, "cyl", axis=(a0[0], a0[1], a1[0], a1[1], r)))
            else:
                out.append(Shape("poly", px, rgb, shade))
    return out
