"""The review-effort curve: camera recall vs suggestions per intersection vs volunteer time saved.

Effort model (:class:`EffortModel`, ``configs/effort/default.yaml``), in volunteer-seconds:

- full search (today):  N_int x full_search_s x full_search_reviewers
- model-assisted at score threshold t:
      N_int x per_intersection_s
    + n_suggestions(t) x verify_s x verify_reviewers
    + spot_check_share x N_int x full_search_s x full_search_reviewers
- effort saved = 1 - assisted / full.

Recall is per physical camera (ids from :class:`~camdetect.evaluate.samples.ImageTruth`, so a camera
seen in two views counts once): a camera is found at t when some suggestion with score >= t overlaps
one of its boxes at IoU >= match_iou, whatever its type (the reviewer fixes types). The spot check
exists to *measure* misses; its expected extra finds are reported separately
(``recall_with_spot_check``), and targets are met on model recall alone, the conservative choice.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Annotated

import numpy as np
from pydantic import Field

from camdetect.configs import (
    ConfigError,
    NonNegativeFloat,
    PositiveInt,
    Probability,
    Real,
    StrictModel,
    load_model,
)
from camdetect.evaluate.matching import best_overlap_score
from camdetect.evaluate.samples import EvalSet


class EffortFile(StrictModel):
    """An effort-model file (configs/effort/NAME.yaml) -> :class:`EffortModel`."""

    name: Annotated[str, Field(min_length=1)] = None
    full_search_s: Annotated[Real, Field(gt=0.0)] = None
    full_search_reviewers: PositiveInt = None
    verify_s: NonNegativeFloat = None
    verify_reviewers: PositiveInt = None
    spot_check_share: Probability = None
    per_intersection_s: NonNegativeFloat = None
    match_iou: Annotated[Real, Field(gt=0.0, le=1.0)] = None
    targets: Annotated[list[Annotated[Real, Field(gt=0.0, le=1.0)]], Field(min_length=1)] = None


@dataclass(frozen=True)
class EffortModel:
    name: str = "decode-surveillance-nyc"
    full_search_s: float = 90.0
    full_search_reviewers: int = 3
    verify_s: float = 3.0
    verify_reviewers: int = 3
    spot_check_share: float = 0.05
    per_intersection_s: float = 0.0
    match_iou: float = 0.5
    targets: tuple[float, ...] = (0.90, 0.95)

    def __post_init__(self) -> None:
        for f in ("full_search_s", "verify_s", "per_intersection_s"):
            if getattr(self, f) < 0:
                raise ValueError(f"effort model: {f} must be >= 0")
        if not 0 <= self.spot_check_share <= 1:
            raise ValueError("effort model: spot_check_share must be in [0, 1]")
        if self.full_search_s * self.full_search_reviewers <= 0:
            raise ValueError("effort model: a full search must cost something (full_search_s x reviewers > 0)")
        if not all(0 < t <= 1 for t in self.targets):
            raise ValueError("effort model: targets are recalls in (0, 1]")

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> EffortModel:
        """Load an effort model (checked by :class:`EffortFile`); keys left out keep the defaults above."""
        kw = load_model(path, EffortFile, "effort config").present()
        if "targets" in kw:
            kw["targets"] = tuple(float(t) for t in kw["targets"])
        try:
            return cls(**kw)
        except ValueError as exc:  # checks across keys in __post_init__
            raise ConfigError(f"{path}: {exc}") from None

    @property
    def full_cost_per_intersection(self) -> float:
        return self.full_search_s * self.full_search_reviewers

    def assisted_cost(self, n_intersections: int, n_suggestions: np.ndarray | float) -> np.ndarray | float:
        """Volunteer-seconds for model-assisted review of ``n_intersections`` with that many suggestions."""
        return (n_intersections * (self.per_intersection_s + self.spot_check_share * self.full_cost_per_intersection)
                + np.asarray(n_suggestions, np.float64) * self.verify_s * self.verify_reviewers)

    def saved(self, n_intersections: int, n_suggestions: np.ndarray | float) -> np.ndarray | float:
        """Share of full-search effort saved (negative when reviewing costs more than searching)."""
        full = n_intersections * self.full_cost_per_intersection
        return 1.0 - self.assisted_cost(n_intersections, n_suggestions) / full


@dataclass
class EffortCurve:
    model: EffortModel
    n_intersections: int
    n_cameras: int
    thresholds: np.ndarray  # descending
    recall: np.ndarray
    recall_with_spot_check: np.ndarray
    suggestions_per_intersection: np.ndarray
    saved: np.ndarray
    max_recall: float
    at_targets: list[dict] = field(default_factory=list)

    def as_dict(self, max_points: int = 200) -> dict:
        step = max(1, len(self.thresholds) // max_points)
        sel = np.r_[np.arange(0, len(self.thresholds), step), len(self.thresholds) - 1] if len(self.thresholds) else []
        sel = np.unique(sel).astype(int)
        return {
            "effort_model": {**asdict(self.model), "targets": list(self.model.targets)},
            "n_intersections": self.n_intersections, "n_cameras": self.n_cameras,
            "full_search_hours": self.n_intersections * self.model.full_cost_per_intersection / 3600,
            "max_recall": self.max_recall, "at_targets": self.at_targets,
            "curve": {k: [round(float(x), 6) for x in np.asarray(v)[sel]] for k, v in (
                ("threshold", self.thresholds), ("recall", self.recall),
                ("recall_with_spot_check", self.recall_with_spot_check),
                ("suggestions_per_intersection", self.suggestions_per_intersection), ("saved", self.saved))},
        }


def camera_scores(es: EvalSet, match_iou: float = 0.5) -> dict[str, float]:
    """Physical camera id -> the best score of a suggestion that finds it (0 when none does)."""
    best: dict[str, float] = {}
    for t, p in zip(es.truth, es.preds):
        s = best_overlap_score(t.boxes, p.dets.xyxy, p.dets.scores, match_iou)
        for cid, v in zip(t.camera_ids, s):
            best[cid] = max(best.get(cid, 0.0), float(v))
    return best


def suggestion_breakdown(es: EvalSet, threshold: float, match_iou: float = 0.5) -> dict[str, int]:
    """What reviewers see at a threshold: suggestions on a new camera, repeats of a camera already
    suggested (another view, or a second box), and false alarms. Repeats are the case for
    de-duplicating across views before review."""
    from camdetect.evaluate.matching import box_iou

    seen: set[str] = set()
    hits: list[tuple[float, str]] = []
    false_alarms = 0
    for t, p in zip(es.truth, es.preds):
        keep = np.flatnonzero(p.dets.scores >= threshold)
        if not len(keep):
            continue
        iou = box_iou(p.dets.xyxy[keep], t.boxes)
        for row, j in enumerate(keep):
            if iou.shape[1] and iou[row].max() >= match_iou:
                hits.append((float(p.dets.scores[j]), t.camera_ids[int(np.argmax(iou[row]))]))
            else:
                false_alarms += 1
    new = 0
    for _, cid in sorted(hits, key=lambda h: -h[0]):
        if cid not in seen:
            seen.add(cid)
            new += 1
    return {"new_camera": new, "repeat": len(hits) - new, "false_alarm": false_alarms}


def saved_at_target(cams: np.ndarray, preds: np.ndarray, n_int: int, model: EffortModel,
                    target: float) -> float | None:
    """Effort saved at the highest threshold reaching ``target`` recall (None when none does).

    Closed form of the curve's choice: the threshold is the k-th best camera score, k = ceil(target x
    cameras). ``preds`` must be sorted ascending.
    """
    if not len(cams):
        return None
    k = int(np.ceil(target * len(cams) - 1e-9))
    if k == 0:
        return float(model.saved(n_int, 0))
    thr = np.sort(cams)[::-1][k - 1]
    if thr <= 0:
        return None
    return float(model.saved(n_int, len(preds) - np.searchsorted(preds, thr, side="left")))


def bootstrap_targets(es: EvalSet, model: EffortModel, n_boot: int = 200, seed: int = 0) -> list[dict]:
    """90% interval of effort saved at each target, resampling intersections with replacement.

    Held-out sets are small (tens of intersections, tens of cameras), so the point estimate alone
    overstates what is known. ``reached_share`` is the share of resamples that reach the target.
    """
    cam_inter = {cid: t.intersection for t in es.truth for cid in t.camera_ids}
    by_int: dict[str, tuple[list[float], list[np.ndarray]]] = {t.intersection: ([], []) for t in es.truth}
    for cid, score in camera_scores(es, model.match_iou).items():
        by_int[cam_inter[cid]][0].append(score)
    for t, p in zip(es.truth, es.preds):
        by_int[t.intersection][1].append(p.dets.scores.astype(np.float64))
    inters = sorted(by_int)
    cams_i = [np.array(by_int[k][0], np.float64) for k in inters]
    preds_i = [np.concatenate(by_int[k][1] + [np.zeros(0)]) for k in inters]
    rng = np.random.default_rng(seed)
    draws: dict[float, list[float | None]] = {t: [] for t in model.targets}
    n = len(inters)
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        cams = np.concatenate([cams_i[i] for i in idx] + [np.zeros(0)])
        preds = np.sort(np.concatenate([preds_i[i] for i in idx] + [np.zeros(0)]))
        for t in model.targets:
            draws[t].append(saved_at_target(cams, preds, n, model, t))
    out = []
    for t in model.targets:
        vals = np.array([v for v in draws[t] if v is not None])
        out.append({"target_recall": t, "n_boot": n_boot, "reached_share": len(vals) / n_boot if n_boot else 0.0,
                    "saved_ci90": [float(np.quantile(vals, 0.05)), float(np.quantile(vals, 0.95))]
                    if len(vals) else None})
    return out


def effort_curve(es: EvalSet, model: EffortModel | None = None, max_thresholds: int = 2000,
                 n_boot: int = 200) -> EffortCurve:
    """Recall, suggestions per intersection and effort saved at every useful score threshold."""
    model = model or EffortModel()
    intersections = {t.intersection for t in es.truth}
    n_int = len(intersections)
    if not n_int:
        raise ValueError("no intersections to evaluate effort on")
    cams = np.array(sorted(camera_scores(es, model.match_iou).values()), np.float64)
    preds = np.sort(np.concatenate([p.dets.scores.astype(np.float64) for p in es.preds] + [np.zeros(0)]))
    cand = np.unique(np.concatenate([cams[cams > 0], preds]))
    if len(cand) > max_thresholds:  # keep every recall step, thin the rest
        grid = np.quantile(preds, np.linspace(0, 1, max_thresholds // 2))
        cand = np.unique(np.concatenate([cams[cams > 0], grid]))
    thresholds = np.r_[np.inf, cand[::-1]]  # inf: no suggestions at all
    n_sugg = len(preds) - np.searchsorted(preds, thresholds, side="left")
    found = len(cams) - np.searchsorted(cams, thresholds, side="left")
    recall = found / len(cams) if len(cams) else np.full(len(thresholds), np.nan)
    spot = recall + model.spot_check_share * (1 - recall)
    saved = model.saved(n_int, n_sugg)
    curve = EffortCurve(model, n_int, len(cams), thresholds, recall, spot, n_sugg / n_int, saved,
                        float(np.nanmax(recall)) if len(cams) else float("nan"))
    for target in model.targets:
        ok = np.flatnonzero(recall >= target - 1e-12) if len(cams) else np.zeros(0, int)
        if not len(ok):
            curve.at_targets.append({"target_recall": target, "reached": False, "threshold": None,
                                     "recall": None, "suggestions_per_intersection": None, "saved": None,
                                     "note": (f"never reached: the model finds at most {curve.max_recall:.1%} of cameras"
                                              if len(cams) else "no cameras in the truth set")})
            continue
        i = int(ok[np.argmax(saved[ok])])
        curve.at_targets.append({
            "target_recall": target, "reached": True,
            "threshold": None if np.isinf(thresholds[i]) else float(thresholds[i]),
            "recall": float(recall[i]), "suggestions_per_intersection": float(n_sugg[i] / n_int),
            "saved": float(saved[i]),
            "volunteer_hours_per_1000_intersections": float(model.assisted_cost(1000, n_sugg[i] / n_int * 1000) / 3600),
            "full_search_hours_per_1000_intersections": 1000 * model.full_cost_per_intersection / 3600})
    for entry in curve.at_targets:
        if entry["reached"]:
            thr = entry["threshold"] if entry["threshold"] is not None else np.inf
            entry["suggestions"] = suggestion_breakdown(es, thr, model.match_iou)
    if n_boot:
        for entry, boot in zip(curve.at_targets, bootstrap_targets(es, model, n_boot)):
            entry["bootstrap"] = boot
    return curve
