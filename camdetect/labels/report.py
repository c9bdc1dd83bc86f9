"""``camdetect labels report``: agreement tables, per-volunteer reliability and PNG plots.

Files written to DIR (each atomically, so a re-run never leaves half a report):

- ``cameras.csv``: the consensus camera table (or the one given with --cameras), with agreement and
  confidence per camera; ``candidates.csv``: every cluster, kept or not, with its posterior.
- ``agreement.csv``: cameras per agreement level (Unanimous / 2 vs 1 / All disagree ...).
- ``intersections.csv`` + ``intersection_agreement.csv``: Amnesty's per-intersection view (each
  volunteer's count, the median count, agreement of the counts).
- ``volunteers.csv``: per-volunteer activity and Dawid-Skene reliability.
- ``measured.md`` / ``measured.json`` when truth cameras are given (synthetic city).
- ``agreement.png``, ``volunteers.png``, ``confidence.png``; ``report.md`` ties it together.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from camdetect.durable import atomic_write_text, save_figure
from camdetect.records import Camera, Tag, write_table

from .agreement import agreement_order, intersection_counts
from .consensus import Candidate, ConsensusConfig, ConsensusResult, Reliability, run_consensus


@dataclass
class CandidateRow:
    image: str
    heading: float
    pitch: float
    n_tags: int
    n_seen: int
    posterior: float
    kept: bool
    annotators: str


@dataclass
class LevelRow:
    scope: str  # cameras | intersections
    level: str
    n: int
    share: float


@dataclass
class IntersectionRow:
    intersection: str
    n_annotators: int
    counts: str
    median: float
    agreement: str
    n_cameras: int  # consensus cameras there


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    save_figure(fig, path, dpi=110, bbox_inches="tight")


def level_rows(scope: str, levels: Sequence[str]) -> list[LevelRow]:
    counts = Counter(levels)
    total = sum(counts.values())
    return [LevelRow(scope, lv, counts[lv], counts[lv] / total) for lv in agreement_order(counts)]


def plot_agreement(cam_levels: list[LevelRow], inter_levels: list[LevelRow], path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, rows, title in ((axes[0], cam_levels, "cameras (consensus)"),
                            (axes[1], inter_levels, "intersections (volunteers' counts)")):
        if rows:
            ax.bar([r.level for r in rows], [100 * r.share for r in rows], color="#4c72b0")
            for i, r in enumerate(rows):
                ax.text(i, 100 * r.share + 1, f"{100 * r.share:.0f}%\n(n={r.n})", ha="center", fontsize=8)
            ax.set_ylim(0, 115)
        else:
            ax.text(0.5, 0.5, "nothing to show", ha="center", transform=ax.transAxes)
        ax.set_title(f"Agreement: {title}")
        ax.set_ylabel("share (%)")
        ax.tick_params(axis="x", labelrotation=20)
    _save(fig, path)


def plot_volunteers(rel: Sequence[Reliability], path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    rows = [r for r in rel if not math.isnan(r.sensitivity)]
    ax = axes[0]
    if rows:
        top = max(max(r.n_images, 1) for r in rows)
        size = lambda rs: [15 + 185 * max(r.n_images, 1) / top for r in rs]
        known = [r for r in rows if not math.isnan(r.type_accuracy)]
        unknown = [r for r in rows if math.isnan(r.type_accuracy)]
        if unknown:  # no type answers on kept cameras: grey, not "accuracy 0"
            ax.scatter([r.false_positive_rate for r in unknown], [r.sensitivity for r in unknown], s=size(unknown),
                       c="lightgrey", edgecolors="k", linewidths=0.4, label="no type estimate")
            ax.legend(loc="lower right", fontsize=8)
        sc = ax.scatter([r.false_positive_rate for r in known], [r.sensitivity for r in known], s=size(known),
                        c=[r.type_accuracy for r in known], cmap="viridis", vmin=0, vmax=1,
                        alpha=0.75, edgecolors="k", linewidths=0.4)
        fig.colorbar(sc, ax=ax, label="type accuracy (Dawid-Skene)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("false-positive rate  P(tags | spurious candidate)")
    ax.set_ylabel("sensitivity  P(tags | real camera)")
    ax.set_title("Volunteer reliability (marker size = images seen)")
    ax = axes[1]
    ta = [r.type_accuracy for r in rel if not math.isnan(r.type_accuracy)]
    ma = [r.mount_accuracy for r in rel if not math.isnan(r.mount_accuracy)]
    bins = np.linspace(0, 1, 21)
    if ta or ma:
        ax.hist([ta, ma], bins=bins, label=["type", "mount"], color=["#4c72b0", "#dd8452"])
        ax.legend()
    ax.set_xlabel("estimated accuracy (Dawid-Skene)")
    ax.set_ylabel("volunteers")
    ax.set_title("Type and mount accuracy per volunteer")
    _save(fig, path)


def plot_confidence(candidates: Sequence[Candidate], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    bins = np.linspace(0, 1, 21)
    kept = [c.posterior for c in candidates if c.kept and not math.isnan(c.posterior)]
    dropped = [c.posterior for c in candidates if not c.kept and not math.isnan(c.posterior)]
    ax.hist([kept, dropped], bins=bins, stacked=True, label=[f"kept ({len(kept)})", f"dropped ({len(dropped)})"],
            color=["#55a868", "#c44e52"])
    ax.set_xlabel("P(real camera) (reliability-weighted)")
    ax.set_ylabel("candidate cameras")
    ax.set_title("Confidence of candidate cameras")
    ax.legend()
    _save(fig, path)


def _md_table(rows: Sequence, cols: Sequence[str]) -> str:
    def f(v):
        return f"{v:.3f}" if isinstance(v, float) and not math.isnan(v) else ("n/a" if isinstance(v, float) else str(v))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(f(getattr(r, c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def write_report(tags: Sequence[Tag], out: str | os.PathLike, cameras: Sequence[Camera] | None = None,
                 truth: Sequence[Camera] | None = None, config: ConsensusConfig | None = None,
                 match_deg: float = 3.0) -> dict:
    """Write the report folder; returns a summary dict (also saved as summary.json)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = config or ConsensusConfig()
    result: ConsensusResult = run_consensus(tags, config)
    cams = list(cameras) if cameras is not None else result.cameras
    write_table(out / "cameras.csv", cams, Camera)
    write_table(out / "candidates.csv", [_candidate_row(c) for c in result.candidates], CandidateRow)
    cam_levels = level_rows("cameras", [c.agreement for c in cams if c.agreement])
    counts = intersection_counts(tags)
    n_cams = Counter(c.intersection or c.image for c in cams)
    inter_rows = [IntersectionRow(k, ic.n_annotators, ";".join(str(v) for _, v in sorted(ic.counts.items())),
                                  ic.median, ic.agreement, n_cams.get(k, 0)) for k, ic in sorted(counts.items())]
    inter_levels = level_rows("intersections", [r.agreement for r in inter_rows if r.n_annotators > 1])
    write_table(out / "agreement.csv", cam_levels, LevelRow)
    write_table(out / "intersection_agreement.csv", inter_levels, LevelRow)
    write_table(out / "intersections.csv", inter_rows, IntersectionRow)
    write_table(out / "volunteers.csv", result.reliability, Reliability)
    plot_agreement(cam_levels, inter_levels, out / "agreement.png")
    plot_volunteers(result.reliability, out / "volunteers.png")
    plot_confidence(result.candidates, out / "confidence.png")

    summary = {
        "tags": sum(1 for t in tags if t.kind == "tag"), "images": len({t.image for t in tags}),
        "volunteers": len(result.reliability), "candidates": len(result.candidates), "cameras": len(cams),
        "keep": str(config.keep), "labels": config.labels, "max_angle": config.max_angle, "min_iou": config.min_iou,
        "camera_agreement": {r.level: r.n for r in cam_levels},
        "intersection_agreement": {r.level: r.n for r in inter_levels},
        "types": dict(Counter(c.type for c in cams)), "mounts": dict(Counter(c.mount for c in cams)),
    }
    md = ["# Volunteer labels report\n",
          f"{summary['tags']} tags on {summary['images']} images by {summary['volunteers']} volunteers -> "
          f"{summary['candidates']} candidate cameras -> {summary['cameras']} cameras "
          f"(keep rule `{summary['keep']}`, type/mount by `{summary['labels']}`).\n",
          "## Agreement per camera\n", _md_table(cam_levels, ["level", "n", "share"]), "",
          "## Agreement of the volunteers' counts per intersection (Amnesty's measure)\n",
          _md_table(inter_levels, ["level", "n", "share"]), "",
          "![agreement](agreement.png)\n",
          "## Volunteers (reliability; least reliable first: sensitivity minus false-positive rate)\n",
          _md_table(sorted(result.reliability, key=_unreliable_first)[:30],
                    ["annotator", "n_images", "n_tags", "sensitivity", "false_positive_rate", "type_accuracy",
                     "mount_accuracy", "agree_with_majority"]),
          "\n![volunteers](volunteers.png)\n", "![confidence](confidence.png)\n"]
    if truth is not None:
        from .evaluate_consensus import format_table, measure

        rows = measure(tags, truth, match_deg=match_deg, config=config)
        table = format_table(rows)
        atomic_write_text(out / "measured.md", table + "\n")
        atomic_write_text(out / "measured.json", json.dumps(clean_json([r.as_dict() for r in rows]), indent=2))
        md += ["## Measured against truth\n", table, ""]
        summary["measured"] = [r.as_dict() for r in rows]
        from .losses import LostCamera, format_loss_tables, loss_table
        from .voting import KeepRule

        base = config
        losses = [loss_table(tags, truth, base, match_deg, name=f"this consensus (keep {base.keep})")]
        if str(base.keep) != "any":
            losses.append(loss_table(tags, truth, replace(base, keep=KeepRule.parse("any")), match_deg,
                                     name="union of volunteers (keep any)"))
        loss_md = format_loss_tables(losses)
        write_table(out / "lost_cameras.csv", losses[0].rows, LostCamera)
        atomic_write_text(out / "losses.md", loss_md + "\n")
        md += ["## Where truth cameras are lost (docs/labels_consensus.md)\n", loss_md, ""]
        summary["losses"] = {t.name: t.counts for t in losses}
    atomic_write_text(out / "report.md", "\n".join(md) + "\n")
    atomic_write_text(out / "summary.json", json.dumps(clean_json(summary), indent=2))
    return summary


def _unreliable_first(r: Reliability) -> tuple:
    """Sort key: volunteers with estimates first, lowest sensitivity minus false-positive rate first."""
    gap = r.sensitivity - r.false_positive_rate
    return (math.isnan(gap), gap if not math.isnan(gap) else 0.0, -r.n_tags)


def clean_json(obj):
    """NaN -> None recursively, so the JSON is valid (json.dumps writes bare NaN otherwise)."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    return obj


def _candidate_row(c: Candidate) -> CandidateRow:
    from .fusion import fuse_points

    pts = [(t.heading, t.pitch) for t in c.tags if not math.isnan(t.heading)]
    h, p = fuse_points(*zip(*pts)) if pts else (math.nan, math.nan)
    return CandidateRow(c.image, h, p, len(c.tags), len(c.seen), c.posterior, c.kept,
                        ";".join(sorted(c.annotators)))
