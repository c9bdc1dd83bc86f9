"""Simulated volunteers on a known set of cameras, for tests and the consensus benchmark.

The synthetic city (``camdetect synth``) writes volunteers in Amnesty's CSV format from its rendered
panoramas; this module is the pixel-free shortcut: given truth cameras (points on the sphere) it
draws Tag rows directly, so consensus can be measured in a second with many intersections and a
controlled mix of careful and careless volunteers. Same vocabulary as the synth volunteers.csv:
``recall`` (chance to tag a real camera; halved-ish for building cameras, which the crowd
undercounts), ``fp_rate`` (expected false tags per intersection), ``type_acc`` / ``mount_acc``
(chance the label is right; otherwise a uniformly random other label), ``noise_deg`` (click error).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from camdetect.records import Camera, Tag

TYPES = ("dome", "bullet", "unknown")
MOUNTS = ("street_furniture", "building", "other")


@dataclass(frozen=True)
class VolunteerSpec:
    annotator: str
    kind: str  # careful | average | careless
    recall: float
    fp_rate: float
    type_acc: float
    mount_acc: float
    noise_deg: float = 0.6
    lookalike_rate: float = 0.1  # chance to tag a look-alike (street lamp, signal head) as a camera
    building_recall_factor: float = 0.7


PROFILES: dict[str, dict[str, float]] = {
    "careful": dict(recall=0.85, fp_rate=0.10, type_acc=0.92, mount_acc=0.95, noise_deg=0.4, lookalike_rate=0.04),
    "average": dict(recall=0.70, fp_rate=0.25, type_acc=0.80, mount_acc=0.85, noise_deg=0.7, lookalike_rate=0.12),
    "careless": dict(recall=0.55, fp_rate=0.70, type_acc=0.40, mount_acc=0.45, noise_deg=1.2, lookalike_rate=0.40),
}


def make_volunteers(n: int = 30, careless_share: float = 0.3, careful_share: float = 0.3,
                    seed: int = 0) -> list[VolunteerSpec]:
    """A pool of volunteers with the given shares of careless and careful ones (rest average)."""
    rng = np.random.default_rng(seed)
    n_bad = int(round(n * careless_share))
    n_good = int(round(n * careful_share))
    kinds = ["careless"] * n_bad + ["careful"] * n_good + ["average"] * (n - n_bad - n_good)
    out = []
    for i, kind in enumerate(kinds):
        p = dict(PROFILES[kind])
        jit = lambda v, lo=0.02, hi=0.99: float(np.clip(v + rng.normal(0, 0.05), lo, hi))
        out.append(VolunteerSpec(f"v{i:03d}", kind, jit(p["recall"]), max(0.0, p["fp_rate"] + rng.normal(0, 0.05)),
                                 jit(p["type_acc"]), jit(p["mount_acc"]), p["noise_deg"], jit(p["lookalike_rate"], 0.0)))
    return out


def random_city(n_intersections: int = 100, seed: int = 0, min_sep: float = 6.0,
                lookalikes_per_image: float = 1.5) -> tuple[list[Camera], list[Camera]]:
    """(truth cameras, look-alikes): half the intersections have no camera, the rest 1 + Poisson(1.2),
    all above the horizon; Poisson(``lookalikes_per_image``) look-alikes (type "lookalike") each."""
    rng = np.random.default_rng(seed)
    cams: list[Camera] = []
    looks: list[Camera] = []
    for k in range(n_intersections):
        image = f"sim-{k:04d}"
        n = 0 if rng.random() < 0.5 else 1 + int(rng.poisson(1.2))
        n_look = int(rng.poisson(lookalikes_per_image))
        placed: list[tuple[float, float]] = []
        while len(placed) < n + n_look:
            h, p = float(rng.uniform(0, 360)), float(rng.uniform(2, 17))
            if all(_sep(h, p, h2, p2) >= min_sep for h2, p2 in placed):
                placed.append((h, p))
        for j, (h, p) in enumerate(placed[:n]):
            cams.append(Camera(camera_id=f"{image}#{j + 1:03d}", image=image, intersection=image, heading=h,
                               pitch=p, type=str(rng.choice(TYPES, p=[0.6, 0.36, 0.04])),
                               mount=str(rng.choice(MOUNTS, p=[0.3, 0.68, 0.02])), weak=True))
        for j, (h, p) in enumerate(placed[n:]):
            looks.append(Camera(camera_id=f"{image}#L{j + 1:02d}", image=image, intersection=image, heading=h,
                                pitch=p, type="lookalike", mount=str(rng.choice(MOUNTS[:2])), weak=True))
    return cams, looks


def _sep(h1, p1, h2, p2) -> float:
    from camdetect.geometry import angular_distance

    return float(angular_distance(h1, p1, h2, p2))


def _other(rng, value: str, choices: Sequence[str]) -> str:
    return str(rng.choice([c for c in choices if c != value]))


def simulate_tags(truth: Sequence[Camera], volunteers: Sequence[VolunteerSpec], images: Sequence[str] | None = None,
                  per_image: int = 3, seed: int = 0, lookalikes: Sequence[Camera] = ()) -> list[Tag]:
    """Tag rows (``seen`` + ``tag``) of ``per_image`` volunteers drawn for each image."""
    rng = np.random.default_rng(seed)
    by_image: dict[str, list[Camera]] = {}
    for c in truth:
        by_image.setdefault(c.image, []).append(c)
    looks: dict[str, list[Camera]] = {}
    for c in lookalikes:
        looks.setdefault(c.image, []).append(c)
    images = sorted(set(images or []) | set(by_image) | set(looks))
    # Some volunteers do much more than others (a long tail, as in any crowd project).
    activity = rng.pareto(1.5, len(volunteers)) + 1.0
    activity /= activity.sum()
    tags: list[Tag] = []
    for image in images:
        chosen = rng.choice(len(volunteers), size=min(per_image, len(volunteers)), replace=False, p=activity)
        for vi in sorted(chosen):
            v = volunteers[vi]
            tags.append(Tag(source="synth", image=image, annotator=v.annotator, kind="seen", intersection=image))
            n = 0
            for cam in by_image.get(image, []):
                recall = v.recall * (v.building_recall_factor if cam.mount == "building" else 1.0)
                if rng.random() >= recall:
                    continue
                n += 1
                type_ = cam.type if rng.random() < v.type_acc else _other(rng, cam.type, TYPES)
                mount = cam.mount if rng.random() < v.mount_acc else _other(rng, cam.mount, MOUNTS)
                dh, dp = rng.normal(0, v.noise_deg, 2)
                tags.append(Tag(source="synth", image=image, annotator=v.annotator, tag_id=f"{image}:{v.annotator}:{n}",
                                type=type_, mount=mount, heading=float((cam.heading + dh / max(math.cos(math.radians(cam.pitch)), 0.2)) % 360),
                                pitch=float(np.clip(cam.pitch + dp, -90, 90)), intersection=image))
            for look in looks.get(image, []):
                if rng.random() < v.lookalike_rate:
                    n += 1
                    dh, dp = rng.normal(0, v.noise_deg, 2)
                    tags.append(Tag(source="synth", image=image, annotator=v.annotator, tag_id=f"{image}:{v.annotator}:{n}",
                                    type=str(rng.choice(TYPES[:2])), mount=look.mount, heading=float((look.heading + dh) % 360),
                                    pitch=float(np.clip(look.pitch + dp, -90, 90)), intersection=image))
            for _ in range(int(rng.poisson(v.fp_rate))):
                n += 1
                tags.append(Tag(source="synth", image=image, annotator=v.annotator, tag_id=f"{image}:{v.annotator}:{n}",
                                type=str(rng.choice(TYPES)), mount=str(rng.choice(MOUNTS)),
                                heading=float(rng.uniform(0, 360)), pitch=float(rng.uniform(-5, 25)), intersection=image))
    return tags
