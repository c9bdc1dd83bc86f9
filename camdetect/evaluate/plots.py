"""PNG plots for the evaluation report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from camdetect.durable import save_figure
from camdetect.evaluate.attributes import Confusion
from camdetect.evaluate.calibration import Calibration
from camdetect.evaluate.effort import EffortCurve


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    return save_figure(fig, path, dpi=110, bbox_inches="tight")


def pr_curves(curves: dict[str, dict[str, list[float]]], ap50: dict[str, float | None], path: Path) -> Path:
    """Precision vs recall at IoU 0.5, one line per class (COCO's interpolated 101-point curve)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, c in curves.items():
        ap = ap50.get(name)
        ax.plot(c["recall"], c["precision"], lw=2, label=f"{name} (AP50 {ap:.3f})" if ap is not None else name)
    if not curves:
        ax.text(0.5, 0.5, "no truth boxes", ha="center", va="center", transform=ax.transAxes)
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision", title="Precision-recall, IoU 0.5")
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(loc="lower left")
    return _save(fig, path)


def effort(curve: EffortCurve, path: Path) -> Path:
    """Left: recall vs suggestions per intersection. Right: effort saved vs recall, targets marked."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2))
    r, s, saved = curve.recall, curve.suggestions_per_intersection, curve.saved
    a1.plot(s, r, lw=2, label="model (review queue)")
    a1.plot(s, curve.recall_with_spot_check, lw=1, ls="--",
            label=f"+ {curve.model.spot_check_share:.0%} spot-check (expected)")
    a1.set(xlabel="suggestions per intersection", ylabel="camera recall (physical cameras)",
           ylim=(0, 1.02), title=f"Recall vs suggestions ({curve.n_cameras} cameras, {curve.n_intersections} intersections)")
    if len(s) and float(np.nanmax(s)) > 10:  # a conf=0.001 flood: log scale keeps the useful range visible
        a1.set_xscale("symlog", linthresh=1.0)
    a1.set_xlim(left=0)
    a2.plot(r, 100 * saved, lw=2)
    a2.axhline(0, color="grey", lw=0.8)
    for k, t in enumerate(curve.at_targets):
        a1.axhline(t["target_recall"], color="tab:red", lw=0.8, ls=":")
        a2.axvline(t["target_recall"], color="tab:red", lw=0.8, ls=":")
        if t["reached"]:
            a2.plot([t["recall"]], [100 * t["saved"]], "o", color="tab:red")
            a2.annotate(f"{100 * t['saved']:.0f}% saved\n@ recall {t['target_recall']:.0%}",
                        (t["recall"], 100 * t["saved"]), textcoords="offset points", xytext=(-70, -30 - 24 * k), fontsize=8)
        else:
            a2.text(t["target_recall"], 0.5 - 0.12 * k, f"{t['target_recall']:.0%} not reached ", color="tab:red",
                    fontsize=8, ha="right", transform=a2.get_xaxis_transform())
    m = curve.model
    a2.set(xlabel="camera recall", ylabel="volunteer effort saved vs full search (%)", xlim=(0, 1.02),
           title=f"Effort saved ({m.full_search_s:g}s x{m.full_search_reviewers} search, "
                 f"{m.verify_s:g}s x{m.verify_reviewers} verify)")
    lo = min(-10.0, float(np.nanmin(100 * saved)) if len(saved) else 0.0)
    a2.set_ylim(max(lo, -200), 100)
    for a in (a1, a2):
        a.grid(alpha=0.3)
    a1.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def confusion(conf: Confusion, title: str, path: Path) -> Path:
    """Counts with row-normalised colour (share of each truth label)."""
    plt = _plt()
    m = conf.matrix.astype(np.float64)
    norm = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    n = len(conf.labels)
    fig, ax = plt.subplots(figsize=(1.2 * n + 2, 1.0 * n + 1.6))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, int(m[i, j]), ha="center", va="center", color="white" if norm[i, j] > 0.6 else "black")
    ax.set_xticks(range(n), conf.labels, rotation=30, ha="right")
    ax.set_yticks(range(n), conf.labels)
    acc = conf.accuracy
    ax.set(xlabel="predicted", ylabel="truth",
           title=f"{title} (matched accuracy {acc:.1%})" if acc is not None else title)
    return _save(fig, path)


def reliability(cal: Calibration, path: Path) -> Path:
    """Reliability diagram: accuracy per score bin against the diagonal, with counts below."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(5, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    centres = (cal.edges[:-1] + cal.edges[1:]) / 2
    width = np.diff(cal.edges)
    ok = cal.count > 0
    a1.bar(centres[ok], cal.accuracy[ok], width=width[ok] * 0.9, color="tab:blue", alpha=0.8, label="share correct")
    a1.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
    a1.plot(cal.mean_score[ok], cal.accuracy[ok], "o", color="tab:orange", ms=4, label="mean score")
    ece = f"ECE {cal.ece:.3f}" if cal.ece is not None else "no detections"
    a1.set(ylim=(0, 1), ylabel="share of detections correct", title=f"Score calibration ({ece}, n={cal.n})")
    a1.legend(loc="upper left", fontsize=8)
    a1.grid(alpha=0.3)
    a2.bar(centres, cal.count, width=width * 0.9, color="grey")
    a2.set(xlabel=f"detection score (>= {cal.min_score:g})", ylabel="count", xlim=(0, 1))
    if cal.count.max() > 0:
        a2.set_yscale("log")
    fig.tight_layout()
    return _save(fig, path)
