"""How big cameras are in a view plan, measured on Stanford's real Street View camera boxes.

Stanford's "Surveilling Surveillance" meta.csv has 2,021 human-drawn camera boxes on 640x640 px,
90-degree, pitch-0 Street View views with known headings. Each box is moved to the sphere
(:func:`view_box_to_sphere`: centre direction + angular size), then into the plan's view that sees it
best (:func:`best_view`), and measured in pixels there. Also reported: how many cameras a plan sees at
all, how many it sees whole in one view, and the share of the +0..+20 degree band (where cameras hang)
that the plan's views cover.
"""

from __future__ import annotations

import ast
import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from camdetect.durable import save_figure
from camdetect.geometry.boxes import sphere_boxes_to_view, view_box_to_sphere
from camdetect.geometry.planner import ViewPlan, best_views, plan_views
from camdetect.records import View

ROOT = Path(__file__).resolve().parents[2]
STANFORD_VIEW = {"fov": 90.0, "width": 640, "height": 640, "pitch": 0.0}

# Plans compared in docs/geometry.md: Stanford's own views first, the default second.
CANDIDATES: dict[str, ViewPlan] = {
    "stanford (4 x 90 deg, pitch 0)": ViewPlan(4, 0.0, 0.0, 90.0, 640, 640),
    "default (configs/views/default.yaml)": ViewPlan(),
    "10 x 48 deg, pitch 0": ViewPlan(10, 0.0, 0.0, 48.0, 640, 640),
    "8 x 56 deg, pitch 12": ViewPlan(8, 0.0, 12.0, 56.0, 640, 640),
    "9 x 50 deg, pitch 15": ViewPlan(9, 0.0, 15.0, 50.0, 640, 640),
    "12 x 44 deg, pitch 15": ViewPlan(12, 0.0, 15.0, 44.0, 640, 640),
    "6 x 90 deg, pitch 15, 1280 px": ViewPlan(6, 0.0, 15.0, 90.0, 1280, 1280),
}


def stanford_path() -> Path:
    """../shared/data/stanford-surveilling-surveillance/meta.csv (or under $CAMDETECT_SHARED_DATA)."""
    base = Path(os.environ.get("CAMDETECT_SHARED_DATA", ROOT.parent / "shared" / "data"))
    return base / "stanford-surveilling-surveillance" / "meta.csv"


@dataclass
class StanfordBoxes:
    """Camera boxes on the sphere: centre (heading, pitch), angular size, and the original pixel size."""

    heading: np.ndarray
    pitch: np.ndarray
    ang_w: np.ndarray
    ang_h: np.ndarray
    px_w: np.ndarray
    px_h: np.ndarray
    category: np.ndarray  # 0 = Directed (bullet), 1 = Dome

    def __len__(self) -> int:
        return int(self.heading.shape[0])


def load_stanford_boxes(path: str | Path | None = None) -> StanfordBoxes:
    """Read meta.csv (``annotations`` is a Python-literal list of dicts with bbox xyxy) onto the sphere."""
    path = Path(path) if path is not None else stanford_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: Stanford meta.csv not found (pass --meta)")
    cols: dict[str, list] = {k: [] for k in ("h", "p", "aw", "ah", "w", "hh", "c")}
    with path.open(newline="", encoding="utf-8") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            try:
                anns = ast.literal_eval(row["annotations"]) if row["annotations"] else []
                heading = float(row["heading"])
            except (KeyError, ValueError, SyntaxError) as exc:
                raise ValueError(f"{path}:{lineno}: bad Stanford row: {exc}") from None
            if not anns:
                continue
            view = View(row.get("panoid", ""), heading % 360.0, **STANFORD_VIEW)
            boxes = np.array([a["bbox"] for a in anns], np.float64).reshape(-1, 4)
            h, p, aw, ah = view_box_to_sphere(view, boxes)
            cols["h"].append(h), cols["p"].append(p), cols["aw"].append(aw), cols["ah"].append(ah)
            cols["w"].append(boxes[:, 2] - boxes[:, 0]), cols["hh"].append(boxes[:, 3] - boxes[:, 1])
            cols["c"].append(np.array([a.get("category_id", -1) for a in anns]))
    if not cols["h"]:
        raise ValueError(f"{path}: no camera boxes found")
    cat = {k: np.concatenate(v) for k, v in cols.items()}
    return StanfordBoxes(cat["h"], cat["p"], cat["aw"], cat["ah"], cat["w"], cat["hh"], cat["c"])


def band_coverage(plan: ViewPlan, pitch_lo: float = 0.0, pitch_hi: float = 20.0, n: int = 20000) -> float:
    """Share of the sphere band pitch_lo..pitch_hi (by area) inside at least one of the plan's views."""
    rng = np.random.default_rng(0)
    s = rng.uniform(np.sin(np.radians(pitch_lo)), np.sin(np.radians(pitch_hi)), n)  # uniform on the sphere
    heading, pitch = rng.uniform(0, 360, n), np.degrees(np.arcsin(s))
    return float((best_views(plan_views("band", plan), heading, pitch) >= 0).mean())


def camera_sizes(plan: ViewPlan, boxes: StanfordBoxes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per camera: (width px, height px, seen, seen whole) in the plan's best view; NaN when unseen."""
    views = plan_views("report", plan)
    best = best_views(views, boxes.heading, boxes.pitch)
    w = np.full(len(boxes), np.nan)
    h = np.full(len(boxes), np.nan)
    whole = np.zeros(len(boxes), bool)
    for i, v in enumerate(views):
        sel = best == i
        if not sel.any():
            continue
        xyxy, _ = sphere_boxes_to_view(v, boxes.heading[sel], boxes.pitch[sel], boxes.ang_w[sel], boxes.ang_h[sel])
        w[sel], h[sel] = xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]
        whole[sel] = (xyxy[:, 0] >= 0) & (xyxy[:, 1] >= 0) & (xyxy[:, 2] <= v.width) & (xyxy[:, 3] <= v.height)
    return w, h, best >= 0, whole


def plan_report(plan: ViewPlan, boxes: StanfordBoxes | str | Path | None = None, name: str = "") -> dict:
    """Camera sizes (px) in the plan's best view for each Stanford box, coverage and cost numbers."""
    if not isinstance(boxes, StanfordBoxes):
        boxes = load_stanford_boxes(boxes)
    w, h, seen, whole = camera_sizes(plan, boxes)
    side = np.sqrt(w * h)[seen]
    return {
        "name": name or (f"{plan.n_headings} x {plan.fov:g} deg, pitch {plan.pitch:g}{plan.upper_text()}, "
                         f"{plan.width}x{plan.height}"),
        "plan": plan.to_dict(),
        "views_per_pano": plan.views_per_pano,
        "megapixels_per_pano": plan.views_per_pano * plan.width * plan.height / 1e6,
        "overlap_deg": plan.overlap,
        "n_cameras": len(boxes),
        "seen": float(seen.mean()),
        "seen_whole": float(whole.mean()),
        "median_w": float(np.median(w[seen])),
        "median_h": float(np.median(h[seen])),
        "median_side": float(np.median(side)),
        "p10_side": float(np.percentile(side, 10)),
        "p90_side": float(np.percentile(side, 90)),
        "under_16px": float((side < 16).mean()),
        "band_0_20": band_coverage(plan, 0.0, 20.0),
        "band_0_40": band_coverage(plan, 0.0, 40.0),
    }


def size_figure(plans: dict[str, ViewPlan], boxes: StanfordBoxes, out: str | Path) -> Path:
    """PNG: histogram of camera size sqrt(w h) in px per plan, and camera elevations vs each plan's
    vertical coverage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from camdetect.geometry.projection import vertical_fov

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), dpi=110, gridspec_kw={"width_ratios": [1.6, 1]})
    bins = np.arange(0, 61, 2)
    for (name, plan), c in zip(plans.items(), plt.cm.tab10.colors):
        w, h, seen, _ = camera_sizes(plan, boxes)
        side = np.sqrt(w * h)[seen]
        ax.hist(side, bins=bins, histtype="step", lw=2, color=c, label=f"{name}: median {np.median(side):.1f} px")
        half = vertical_fov(View("", 0, plan.pitch, plan.fov, plan.width, plan.height)) / 2
        for pitch in sorted({p for _, p in plan.angles}):
            ax2.axhspan(pitch - half, pitch + half, color=c, alpha=0.15)
            ax2.axhline(pitch, color=c, lw=1)
    ax.axvline(16, color="k", ls="--", lw=1)
    ax.set_xlabel("camera box size sqrt(w * h) in the view that sees it best (px)")
    ax.set_ylabel("Stanford cameras")
    ax.legend(fontsize=8)
    ax2.hist(boxes.pitch, bins=np.arange(-10, 61, 2), orientation="horizontal", color="0.4")
    ax2.set_ylabel("camera elevation (deg)")
    ax2.set_title("shaded: each plan's vertical coverage", fontsize=9)
    ax2.set_xlabel("Stanford cameras")
    fig.suptitle(f"{len(boxes)} real camera boxes (Stanford, 640 px / 90 deg views) moved into each view plan", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out)


def stanford_summary(boxes: StanfordBoxes) -> dict:
    """The Stanford boxes themselves: pixel sizes in their own views and angular sizes / elevations."""
    return {
        "n_cameras": len(boxes),
        "median_w_px": float(np.median(boxes.px_w)),
        "median_h_px": float(np.median(boxes.px_h)),
        "median_ang_w": float(np.median(boxes.ang_w)),
        "median_ang_h": float(np.median(boxes.ang_h)),
        "pitch_p10_p50_p90": [float(np.percentile(boxes.pitch, q)) for q in (10, 50, 90)],
    }


def format_report(rows: list[dict], summary: dict | None = None) -> str:
    """Markdown table of :func:`plan_report` rows (what docs/geometry.md shows)."""
    lines = []
    if summary:
        p10, p50, p90 = summary["pitch_p10_p50_p90"]
        lines.append(
            f"Stanford boxes: {summary['n_cameras']}, median {summary['median_w_px']:.0f} x {summary['median_h_px']:.0f} px "
            f"in their 640 px / 90 deg views = {summary['median_ang_w']:.2f} x {summary['median_ang_h']:.2f} deg; "
            f"elevation p10/p50/p90 = {p10:+.1f} / {p50:+.1f} / {p90:+.1f} deg")
        lines.append("")
    lines.append("| plan | views/pano | Mpx/pano | overlap deg | median w x h px | median sqrt(wh) px (p10-p90) "
                 "| < 16 px | cameras seen | seen whole | band +0..+20 covered | band +0..+40 covered |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['views_per_pano']} | {r['megapixels_per_pano']:.1f} | {r['overlap_deg']:g} "
            f"| {r['median_w']:.1f} x {r['median_h']:.1f} | {r['median_side']:.1f} ({r['p10_side']:.1f}-{r['p90_side']:.1f}) "
            f"| {100 * r['under_16px']:.0f}% | {100 * r['seen']:.1f}% | {100 * r['seen_whole']:.1f}% "
            f"| {100 * r['band_0_20']:.1f}% | {100 * r['band_0_40']:.1f}% |")
    return "\n".join(lines)
