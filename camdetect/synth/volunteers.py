"""Simulated Decoders volunteers, written in Amnesty's Decode Surveillance CSV format.

A shared pool of volunteers, each doing many intersections (so their reliability can be
estimated), k per panorama. Their errors follow what Amnesty reports: missed cameras (recall
0.5-0.9, lower for small and for building cameras, which the crowd undercounted 2-4x), tags on
look-alikes, click jitter, type and mount confusions, and a few careless (random type/mount) and
spam (random clicks) volunteers.

Column semantics follow Amnesty's README: ``Attached`` in {street_light/traffic_signal/road_sign,
building, unknown}; ``Title`` is the label's full name. One deliberate deviation: Amnesty's
``Type`` is empty for building cameras (their form asked the type only for street cameras); we fill
it for every tag by default so that building cameras have types to learn from
(``type_for_building=False`` reproduces Amnesty exactly). ``counts.csv`` keeps Amnesty's meaning:
``type_*`` count only street cameras.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from camdetect.durable import write_csv

CAMERAS_COLUMNS = ["DecoderId", "IntersectionId", "SubmissionId", "Type", "Attached", "Createdtime", "Id", "Title",
                   "Pov.heading", "Pov.pitch", "Pov.zoom", "Updatedtime", "DecoderGenericId"]
COUNTS_COLUMNS = ["SubmissionId", "DecoderId", "DecoderGenericId", "IntersectionId", "StartTime", "EndTime",
                  "n_cameras", "attached_street", "attached_building", "attached_unknown", "type_dome",
                  "type_bullet", "type_unknown"]
STREET = "street_light/traffic_signal/road_sign"
ATTACHED = {"street_furniture": STREET, "building": "building", "other": "unknown"}
TITLES = {("street", "dome"): "Dome or PTZ camera on traffic signal, streetlight or pole",
          ("street", "bullet"): "Bullet camera on traffic signal, streetlight or pole",
          ("street", "unknown"): "Camera on traffic signal, streetlight or pole",
          ("building", None): "Camera on building",
          ("unknown", None): "Camera, not sure what it is attached to"}
# how often a look-alike kind fools a volunteer (relative), and what type they then report
LOOKALIKE_LURE = {"traffic_sensor": (1.0, "bullet"), "preemption_sensor": (0.7, "bullet"), "smoke_detector": (0.6, "dome"),
                  "wall_light": (0.5, "dome"), "pir_sensor": (0.45, "dome"), "lamp_globe": (0.15, "dome"),
                  "lamp_cobra": (0.12, "bullet"), "sign_edge": (0.15, "bullet"), "dish": (0.1, "dome"),
                  "signal_head": (0.03, "unknown"), "ped_signal": (0.04, "unknown"), "argus_box": (0.5, "unknown")}
KINDS = {"good": 0.45, "average": 0.38, "careless": 0.12, "spam": 0.05}
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass
class Volunteer:
    DecoderId: str
    DecoderGenericId: int
    kind: str
    recall: float  # chance to tag a typical (9 px, street) camera
    fp_rate: float  # chance to tag the most camera-like look-alike
    type_accuracy: float
    mount_accuracy: float
    jitter_deg: float  # click jitter (sd, degrees at zoom 1)
    spam_tags: float  # mean random tags per panorama
    weight: float  # share of the work this volunteer does
    n_submissions: int = 0


@dataclass
class TruthPoint:
    """What the simulator needs to know about one camera or look-alike."""

    heading: float
    pitch: float
    ang_w: float
    type: str  # dome/bullet for cameras; the look-alike kind otherwise
    mount: str
    is_camera: bool


def verify_answer(rng: np.random.Generator, vol: Volunteer, is_camera: bool) -> str:
    """One volunteer's yes / no / unsure on "is this a camera?" about a box: spammers answer at random, careless
    volunteers are unsure 15 % of the time (others 5 %); "yes" on a real camera with 0.5 + 0.5 x recall
    (pointing at a box is easier than searching a panorama), on anything else with the false-alarm rate."""
    if vol.kind == "spam":
        return str(rng.choice(["yes", "no", "unsure"]))
    if rng.random() < (0.15 if vol.kind == "careless" else 0.05):
        return "unsure"
    if is_camera:
        return "yes" if rng.random() < min(0.98, 0.5 + 0.5 * vol.recall) else "no"
    return "yes" if rng.random() < vol.fp_rate else "no"


def make_pool(rng: np.random.Generator, n: int) -> list[Volunteer]:
    pool = []
    for i in range(n):
        kind = list(KINDS)[int(rng.choice(len(KINDS), p=list(KINDS.values())))]
        recall = {"good": rng.uniform(0.75, 0.9), "average": rng.uniform(0.55, 0.75),
                  "careless": rng.uniform(0.5, 0.65), "spam": rng.uniform(0.2, 0.5)}[kind]
        pool.append(Volunteer(
            DecoderId="".join(_ALPHABET[j] for j in rng.integers(0, len(_ALPHABET), 20)),
            DecoderGenericId=int(1000 + i * 7 + rng.integers(0, 7)), kind=kind, recall=float(recall),
            fp_rate=float({"good": rng.uniform(0.01, 0.05), "average": rng.uniform(0.04, 0.12),
                           "careless": rng.uniform(0.1, 0.25), "spam": rng.uniform(0.15, 0.35)}[kind]),
            type_accuracy=float({"good": rng.uniform(0.8, 0.95), "average": rng.uniform(0.6, 0.8),
                                 "careless": 0.0, "spam": 0.0}[kind]),
            mount_accuracy=float({"good": rng.uniform(0.88, 0.98), "average": rng.uniform(0.7, 0.9),
                                  "careless": 0.0, "spam": 0.0}[kind]),
            jitter_deg=float(rng.uniform(0.15, 0.6) if kind != "careless" else rng.uniform(0.6, 1.5)),
            spam_tags=float(rng.uniform(1.0, 4.0) if kind == "spam" else 0.0),
            weight=float(rng.lognormal(0, 0.8))))
    return pool


def report_type(rng, v: Volunteer, true_type: str, ang_w: float) -> str:
    """The type volunteer ``v`` reports for a camera of ``true_type`` and angular width ``ang_w`` degrees
    (also used by the review round's simulated volunteers, camdetect.review.simulate)."""
    if v.kind in ("careless", "spam"):
        return str(rng.choice(["dome", "bullet", "unknown"]))
    # small cameras are more often "unknown"
    if rng.random() < 0.25 * np.clip(1.0 - ang_w / 1.27, 0, 1) + 0.02:
        return "unknown"
    if rng.random() < v.type_accuracy:
        return true_type
    return "bullet" if true_type == "dome" else "dome"


def report_mount(rng, v: Volunteer, true_mount: str) -> str:
    """The mount volunteer ``v`` reports for a camera on ``true_mount``."""
    if v.kind in ("careless", "spam"):
        return str(rng.choice(["street_furniture", "building", "other"]))
    if rng.random() < v.mount_accuracy:
        return true_mount
    return str(rng.choice([m for m in ("street_furniture", "building", "other") if m != true_mount], p=[0.8, 0.2]))


def _tag_row(rng, v, inter, sub, tag_id, created, typ, mount, heading, pitch, zoom, type_for_building) -> dict:
    attached = ATTACHED[mount]
    group = "street" if attached == STREET else attached
    title = TITLES[(group, typ if group == "street" else None)]
    if group != "street" and not type_for_building:
        typ = ""
    t = created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z"
    return {"DecoderId": v.DecoderId, "IntersectionId": inter, "SubmissionId": sub, "Type": typ,
            "Attached": attached, "Createdtime": t, "Id": tag_id, "Title": title,
            "Pov.heading": f"{heading % 360.0:.3f}", "Pov.pitch": f"{pitch:.3f}", "Pov.zoom": f"{zoom:.2f}",
            "Updatedtime": t, "DecoderGenericId": v.DecoderGenericId}


def simulate(rng: np.random.Generator, intersections: list[tuple[str, list[TruthPoint]]], k: int = 3,
             pool_size: int | None = None, type_for_building: bool = True):
    """Returns (cameras rows, counts rows, pool). ``intersections``: (IntersectionId, truth points)."""
    n = len(intersections)
    pool = make_pool(rng, pool_size or max(k + 3, math.ceil(n * k / 12)))
    weights = np.array([v.weight for v in pool])
    weights /= weights.sum()
    t0 = datetime(2021, 4, 15, 12, 0, tzinfo=UTC)
    cam_rows, count_rows = [], []
    for inter, points in intersections:
        chosen = rng.choice(len(pool), size=min(k, len(pool)), replace=False, p=weights)
        for vi in chosen:
            v = pool[int(vi)]
            v.n_submissions += 1
            start = t0 + timedelta(seconds=float(rng.uniform(0, 40 * 86400)))
            sub = f"camera_mappingHIVEsynth-{inter}-{v.DecoderId}"
            tags = []  # (type, mount, heading, pitch)
            for p in points:
                if p.is_camera:
                    size = float(np.clip(p.ang_w / 1.27, 0.3, 1.4)) ** 0.7
                    mount_f = {"building": 0.55, "street_furniture": 1.0, "other": 0.8}[p.mount]
                    if rng.random() < min(0.97, v.recall * size * mount_f):
                        tags.append((report_type(rng, v, p.type, p.ang_w), report_mount(rng, v, p.mount), p))
                        if rng.random() < 0.03:  # double-tagged
                            tags.append((tags[-1][0], tags[-1][1], p))
                else:
                    lure, looks = LOOKALIKE_LURE.get(p.type, (0.1, "unknown"))
                    size = float(np.clip(p.ang_w / 1.27, 0.3, 1.4)) ** 0.5
                    if rng.random() < v.fp_rate * lure * size:
                        typ = looks if rng.random() < 0.8 else "unknown"
                        if v.kind in ("careless", "spam"):
                            typ = str(rng.choice(["dome", "bullet", "unknown"]))
                        tags.append((typ, report_mount(rng, v, p.mount), p))
            for _ in range(int(rng.poisson(v.spam_tags))):
                tags.append((str(rng.choice(["dome", "bullet", "unknown"])),
                             str(rng.choice(["street_furniture", "building", "other"])),
                             TruthPoint(float(rng.uniform(0, 360)), float(rng.uniform(-10, 40)), 1.0, "", "", False)))
            rows = []
            clock = start + timedelta(seconds=float(rng.uniform(5, 20)))
            for i, (typ, mount, p) in enumerate(tags, start=1):
                zoom = float(rng.choice([0.0, 1.0, 2.0, 3.0], p=[0.1, 0.35, 0.35, 0.2])) + float(rng.uniform(0, 0.6))
                sd = v.jitter_deg * 2.0 / 2 ** zoom + 0.05
                heading = p.heading + rng.normal(0, sd) / max(math.cos(math.radians(p.pitch)), 0.2)
                pitch = p.pitch + rng.normal(0, sd)
                if rng.random() < 0.03:  # a sloppy click next to the camera
                    heading += rng.normal(0, 3)
                    pitch += rng.normal(0, 2)
                clock += timedelta(seconds=float(rng.uniform(4, 25)))
                rows.append(_tag_row(rng, v, inter, sub, i, clock, typ, mount, heading, pitch, zoom, type_for_building))
            end = max(clock, start + timedelta(seconds=float(rng.lognormal(math.log(80), 0.5))))
            cam_rows += rows
            count = {"n_cameras": len(rows), "attached_street": 0, "attached_building": 0, "attached_unknown": 0,
                     "type_dome": 0, "type_bullet": 0, "type_unknown": 0}
            for r in rows:
                group = "street" if r["Attached"] == STREET else r["Attached"]
                count[f"attached_{group}"] += 1
                if group == "street":
                    count[f"type_{r['Type'] or 'unknown'}"] += 1
            count_rows.append({"SubmissionId": sub, "DecoderId": v.DecoderId, "DecoderGenericId": v.DecoderGenericId,
                               "IntersectionId": inter,
                               "StartTime": start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z",
                               "EndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"), **count})
    return cam_rows, count_rows, pool


def write_volunteers(out_dir: str | os.PathLike, cam_rows, count_rows, pool) -> None:
    out_dir = Path(out_dir)
    write_csv(out_dir / "cameras.csv", cam_rows, CAMERAS_COLUMNS)
    write_csv(out_dir / "counts.csv", count_rows, COUNTS_COLUMNS)
    cols = list(asdict(pool[0]).keys()) if pool else ["DecoderId"]
    rows = []
    for v in pool:
        d = asdict(v)
        rows.append({k: (round(x, 4) if isinstance(x, float) else x) for k, x in d.items()})
    write_csv(out_dir / "volunteers.csv", rows, cols)
