"""Measure consensus against known truth (the synthetic city): camera precision / recall / F1 and
type / mount accuracy for single volunteers, majority vote, Dawid-Skene and Amnesty's median counts.

Matching: on each image, consensus cameras and truth cameras are paired one-to-one by the Hungarian
algorithm on the angle between their directions; pairs further apart than ``match_deg`` do not count.
Type and mount accuracy are over matched pairs. Amnesty's rule yields only a count per intersection,
so it is scored at count level: TP = min(median count, true count) per intersection (and per type /
mount for the attribute accuracies); every method also gets that count-level F1, for a fair row.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from camdetect.records import Camera, Tag

from .agreement import intersection_counts
from .consensus import ConsensusConfig, run_consensus
from .voting import KeepRule


@dataclass
class Score:
    """One row of the measured table."""

    method: str
    n_pred: int = 0
    n_truth: int = 0
    tp: int = 0
    precision: float = math.nan
    recall: float = math.nan
    f1: float = math.nan
    count_f1: float = math.nan
    type_acc: float = math.nan
    mount_acc: float = math.nan
    n_images: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _prf(tp: float, n_pred: float, n_truth: float) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else math.nan
    r = tp / n_truth if n_truth else math.nan
    f = 2 * tp / (n_pred + n_truth) if (n_pred + n_truth) else math.nan
    return p, r, f


def match_image(pred: Sequence[Camera], truth: Sequence[Camera], match_deg: float) -> list[tuple[int, int]]:
    """One-to-one (pred index, truth index) pairs within ``match_deg`` degrees (Hungarian)."""
    from scipy.optimize import linear_sum_assignment

    from camdetect.geometry import angular_distance

    if not pred or not truth:
        return []
    ph = np.array([c.heading for c in pred])[:, None]
    pp = np.array([c.pitch for c in pred])[:, None]
    th = np.array([c.heading for c in truth])[None, :]
    tp = np.array([c.pitch for c in truth])[None, :]
    d = np.asarray(angular_distance(ph, pp, th, tp), float).reshape(len(pred), len(truth))
    cost = np.where(d <= match_deg, d, 1e6)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if d[r, c] <= match_deg]


def score_cameras(method: str, pred: Iterable[Camera], truth: Iterable[Camera], images: Iterable[str],
                  match_deg: float = 3.0) -> Score:
    """Camera-level score of ``pred`` against ``truth`` on ``images`` only."""
    images = set(images)
    P: dict[str, list[Camera]] = defaultdict(list)
    T: dict[str, list[Camera]] = defaultdict(list)
    for c in pred:
        if c.image in images:
            P[c.image].append(c)
    for c in truth:
        if c.image in images:
            T[c.image].append(c)
    n_pred = sum(map(len, P.values()))
    n_truth = sum(map(len, T.values()))
    tp = type_ok = mount_ok = 0
    count_tp = 0
    for image in images:
        pairs = match_image(P[image], T[image], match_deg)
        tp += len(pairs)
        type_ok += sum(P[image][i].type == T[image][j].type for i, j in pairs)
        mount_ok += sum(P[image][i].mount == T[image][j].mount for i, j in pairs)
        count_tp += min(len(P[image]), len(T[image]))
    p, r, f = _prf(tp, n_pred, n_truth)
    return Score(method, n_pred, n_truth, tp, p, r, f, _prf(count_tp, n_pred, n_truth)[2],
                 type_ok / tp if tp else math.nan, mount_ok / tp if tp else math.nan, len(images))


def score_median_counts(tags: Sequence[Tag], truth: Iterable[Camera], images: Iterable[str] | None = None) -> Score:
    """Amnesty's rule: the median of the volunteers' counts per intersection, scored at count level.

    Type / mount "accuracy" here is the share of count-level true positives whose per-type (per-mount)
    median count also matches: sum_c min(median_c, true_c) / sum min(median, true).
    """
    counts = intersection_counts(tags)
    truth_by: dict[str, list[Camera]] = defaultdict(list)
    for c in truth:
        truth_by[c.intersection or c.image].append(c)
    keys = set(counts) if images is None else set(images) & set(counts)
    n_pred = n_truth = tp = 0.0
    type_tp = mount_tp = 0.0
    for key in keys:
        ic, tr = counts[key], truth_by.get(key, [])
        med = ic.median
        n_pred += med
        n_truth += len(tr)
        tp += min(med, len(tr))
        tt, tm = Counter(c.type for c in tr), Counter(c.mount for c in tr)
        type_tp += sum(min(ic.median_by("type", k), n) for k, n in tt.items())
        mount_tp += sum(min(ic.median_by("mount", k), n) for k, n in tm.items())
    p, r, f = _prf(tp, n_pred, n_truth)
    return Score("Amnesty median counts (count level)", int(round(n_pred)), int(n_truth), int(round(tp)), p, r,
                 math.nan, f, type_tp / tp if tp else math.nan, mount_tp / tp if tp else math.nan, len(keys))


def single_volunteer_scores(tags: Sequence[Tag], truth: Sequence[Camera], match_deg: float = 3.0,
                            min_images: int = 5) -> list[Score]:
    """Each volunteer alone (every tag a camera) on the images that volunteer saw."""
    seen: dict[str, set[str]] = defaultdict(set)
    mine: dict[str, list[Camera]] = defaultdict(list)
    for t in tags:
        seen[t.annotator].add(t.image)
        if t.kind == "tag":
            mine[t.annotator].append(Camera(camera_id=t.tag_id, image=t.image, heading=t.heading, pitch=t.pitch,
                                            type=t.type, mount=t.mount))
    return [score_cameras(a, mine[a], truth, imgs, match_deg) for a, imgs in sorted(seen.items())
            if len(imgs) >= min_images]


def best_volunteer_held_out(tags: Sequence[Tag], truth: Sequence[Camera], match_deg: float = 3.0,
                            min_images: int = 20) -> Score | None:
    """The best volunteer picked on half the images (alternate images in sorted order) and scored on
    the other half: a fair "best single volunteer", free of the luck of picking with hindsight."""
    images = sorted({t.image for t in tags})
    half = {im: k % 2 for k, im in enumerate(images)}
    pick = [t for t in tags if half[t.image] == 0]
    test = [t for t in tags if half[t.image] == 1]
    scores = [s for s in single_volunteer_scores(pick, truth, match_deg, max(1, min_images // 2))
              if not math.isnan(s.f1)]
    if not scores:
        return None
    best = max(scores, key=lambda s: s.f1).method
    held = [s for s in single_volunteer_scores([t for t in test if t.annotator == best], truth, match_deg, 1)]
    if not held:
        return None
    out = held[0]
    out.method = f"best single volunteer, picked on half the images ({best}, {out.n_images} held-out images)"
    return out


def _summary(name: str, scores: Sequence[Score], pick) -> Score:
    s = pick(scores)
    out = Score(**s.as_dict())
    out.method = f"{name} ({s.method}, {s.n_images} images)"
    return out


def measure(tags: Sequence[Tag], truth: Sequence[Camera], match_deg: float = 3.0,
            config: ConsensusConfig | None = None, min_images: int = 20) -> list[Score]:
    """The measured table: best / median single volunteer, majority, Dawid-Skene, and more."""
    base = config or ConsensusConfig()
    images = sorted({t.image for t in tags})
    rows: list[Score] = []
    singles = [s for s in single_volunteer_scores(tags, truth, match_deg, min_images) if not math.isnan(s.f1)]
    if singles:
        by_f1 = sorted(singles, key=lambda s: s.f1)
        rows.append(_summary("best single volunteer", by_f1, lambda xs: xs[-1]))
        rows.append(_summary("median single volunteer", by_f1, lambda xs: xs[(len(xs) - 1) // 2]))
        mean = Score("mean over single volunteers", n_images=int(statistics.mean(s.n_images for s in singles)))
        for attr in ("precision", "recall", "f1", "count_f1", "type_acc", "mount_acc"):
            vals = [getattr(s, attr) for s in singles if not math.isnan(getattr(s, attr))]
            setattr(mean, attr, statistics.mean(vals) if vals else math.nan)
        rows.append(mean)
        held = best_volunteer_held_out(tags, truth, match_deg, min_images)
        if held is not None:
            rows.append(held)
    variants = [
        ("union of volunteers (keep any)", "any", "majority"),
        ("majority vote", "majority", "majority"),
        ("Dawid-Skene presence + labels (keep reliability:0.5)", "reliability", "dawid-skene"),
        ("Dawid-Skene labels (keep majority; the default)", "majority", "dawid-skene"),
    ]
    for name, keep, labels in variants:
        cfg = ConsensusConfig(max_angle=base.max_angle, min_iou=base.min_iou, keep=KeepRule.parse(keep),
                              labels=labels, types=base.types, mounts=base.mounts, smoothing=base.smoothing,
                              diag_prior=base.diag_prior, shrinkage=base.shrinkage, abstain_types=base.abstain_types,
                              presence_iter=base.presence_iter)
        rows.append(score_cameras(name, run_consensus(tags, cfg).cameras, truth, images, match_deg))
    rows.append(score_median_counts(tags, truth, images))
    return rows


def format_table(rows: Sequence[Score]) -> str:
    """Markdown table of scores."""
    def f(x: float) -> str:
        return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"
    lines = ["| method | precision | recall | F1 | count F1 | type acc | mount acc | cameras (pred / truth) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        counts = f"{r.n_pred} / {r.n_truth}" if r.n_truth else ""
        lines.append(f"| {r.method} | {f(r.precision)} | {f(r.recall)} | {f(r.f1)} | {f(r.count_f1)} | "
                     f"{f(r.type_acc)} | {f(r.mount_acc)} | {counts} |")
    return "\n".join(lines)
