"""Geometry primitives of the parametric camera models, in metres, Y up.

A model is a list of :class:`Part` (box, rounded box, cylinder, sphere or disk) with a material name and a role:
``camera`` parts make the labelled box, ``mount`` and ``decoy`` parts do not. Parts are built in a
local frame and moved with :func:`transform`, so a bullet can be tilted down and yawed as a whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

ROLES = ("camera", "mount", "decoy")


@dataclass(frozen=True)
class Part:
    """One primitive. ``matrix`` maps the unit primitive to the world:

    box: the cube [-1, 1]^3; rbox: the same cube with rounded edges and corners (a superellipsoid of exponent
    ``rounding``, :func:`rounded_cube`); cylinder: radius 1 along +z from 0 to 1 (capped); sphere: unit sphere;
    disk: unit disk in the xy plane facing +z.
    """

    shape: str
    matrix: np.ndarray = field(compare=False)
    material: str
    role: str = "camera"
    rounding: float = 0.0  # rbox only: 0 < rounding < 1 (larger: rounder)

    def __post_init__(self) -> None:
        if self.shape not in ("box", "rbox", "cylinder", "sphere", "disk"):
            raise ValueError(f"unknown shape {self.shape!r}")
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if (self.shape == "rbox") != (0 < self.rounding < 1):
            raise ValueError(f"rounding {self.rounding} needs shape rbox and 0 < rounding < 1")


def translate(x: float, y: float, z: float) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = (x, y, z)
    return m


def scale(sx: float, sy: float, sz: float) -> np.ndarray:
    return np.diag([sx, sy, sz, 1.0])


def rotate(axis: str, degrees: float) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    m = np.eye(4)
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


def chain(*ms: np.ndarray) -> np.ndarray:
    """Compose left to right as written: ``chain(A, B)`` applies B first, then A."""
    out = np.eye(4)
    for m in ms:
        out = out @ m
    return out


def box(center, size, material: str, role: str = "camera", yaw: float = 0.0, pitch: float = 0.0) -> Part:
    """Axis-aligned box of full ``size`` (x, y, z) at ``center``, turned by yaw (about y) then pitch (about x)."""
    m = chain(translate(*center), rotate("y", yaw), rotate("x", pitch), scale(*(np.asarray(size) / 2)))
    return Part("box", m, material, role)


def _frame_from_z(direction: np.ndarray) -> np.ndarray:
    """Rotation whose z axis is ``direction``."""
    z = direction / np.linalg.norm(direction)
    helper = np.array([0.0, 1.0, 0.0]) if abs(z[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2] = x, y, z
    return m


def cylinder(p0, p1, radius: float, material: str, role: str = "camera") -> Part:
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    length = float(np.linalg.norm(p1 - p0))
    m = chain(translate(*p0), _frame_from_z(p1 - p0), scale(radius, radius, length))
    return Part("cylinder", m, material, role)


def sphere(center, radius: float, material: str, role: str = "camera") -> Part:
    return Part("sphere", chain(translate(*center), scale(radius, radius, radius)), material, role)


def disk(center, normal, radius: float, material: str, role: str = "camera") -> Part:
    m = chain(translate(*center), _frame_from_z(np.asarray(normal, float)), scale(radius, radius, 1.0))
    return Part("disk", m, material, role)


def transform(parts: list[Part], m: np.ndarray) -> list[Part]:
    """Move a whole model (or a sub-assembly) by ``m``."""
    return [replace(p, matrix=m @ p.matrix) for p in parts]


def corners(part: Part) -> np.ndarray:
    """Points that bound the part in world space (for framing the sensor)."""
    if part.shape in ("box", "rbox"):
        local = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    elif part.shape == "cylinder":
        local = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (0, 1)], float)
    elif part.shape == "sphere":
        local = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    else:
        local = np.array([[x, y, 0] for x in (-1, 1) for y in (-1, 1)], float)
    h = np.c_[local, np.ones(len(local))] @ part.matrix.T
    return h[:, :3]


MIN_ROUNDED_SIDE = 0.015  # metres: plates, hoods and fins thinner than this keep their sharp edges


def rounded(parts: list[Part], rng: np.random.Generator, lo: float = 0.12, hi: float = 0.4) -> list[Part]:
    """Every box at least MIN_ROUNDED_SIDE thick turned into a rounded box (one exponent per part from
    U(lo, hi)): moulded housings and cast lamp heads have no knife edges, and a renderer that draws every
    housing as a sharp cuboid gives the detector an edge cue no real camera has."""
    out = []
    for p in parts:
        sides = 2 * np.linalg.norm(p.matrix[:3, :3], axis=0)  # full side lengths of the unit cube's image
        if p.shape == "box" and sides.min() >= MIN_ROUNDED_SIDE:
            p = replace(p, shape="rbox", rounding=float(rng.uniform(lo, hi)))
        out.append(p)
    return out


def rounded_cube(rounding: float, segments: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(vertices, normals, texture coordinates, triangles) of a superellipsoid filling [-1, 1]^3: |x|^n + |y|^n + |z|^n = 1 with n = 2 /
    rounding (rounding 1 would be a sphere, -> 0 the cube). A cube-sphere grid (each face of a cube subdivided and
    pushed onto the surface), so the flat faces are not starved of vertices as a latitude grid would be. The
    normals are the surface's own (its gradient), so the seams between the six patches do not show."""
    n = 2.0 / rounding
    t = np.linspace(-1.0, 1.0, segments + 1)
    u, v = np.meshgrid(t, t, indexing="ij")
    verts, uvs, tris = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            p = np.zeros((segments + 1, segments + 1, 3))
            p[..., axis] = sign
            p[..., (axis + 1) % 3] = u
            p[..., (axis + 2) % 3] = v
            d = p.reshape(-1, 3)
            d = d / np.linalg.norm(d, axis=1, keepdims=True)  # direction, then scaled onto the superellipsoid
            r = (np.abs(d) ** n).sum(axis=1) ** (-1.0 / n)
            base = sum(len(x) for x in verts)
            verts.append(d * r[:, None])
            uvs.append(np.stack([(u.ravel() + 1) / 2, (v.ravel() + 1) / 2], 1))  # each patch spans the texture
            idx = np.arange((segments + 1) ** 2).reshape(segments + 1, segments + 1) + base
            a, b, c, e = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
            quads = np.stack([a, b, c, e], -1).reshape(-1, 4)
            if sign < 0:  # keep every face's winding outward
                quads = quads[:, ::-1]
            tris.append(np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]))
    pts = np.concatenate(verts)
    grad = np.sign(pts) * np.abs(pts) ** (n - 1)
    normals = grad / np.linalg.norm(grad, axis=1, keepdims=True)
    return (pts.astype(np.float32), normals.astype(np.float32), np.concatenate(uvs).astype(np.float32),
            np.concatenate(tris).astype(np.uint32))
