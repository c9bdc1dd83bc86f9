"""Figures for docs/geometry.md: a plan's view footprints drawn on a panorama, plus a few cut views.

:func:`grid_panorama` draws a labelled heading/pitch grid with camera-sized markers (our own pixels,
so the committed figure carries no third-party imagery); any real panorama works too.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from camdetect.durable import save_figure
from camdetect.geometry.cut import cut_view
from camdetect.geometry.planner import ViewPlan, plan_views
from camdetect.geometry.projection import angles_to_pano, view_to_angles
from camdetect.records import View

# Markers the size of Stanford's median camera (1.28 deg) at typical elevations, for the figure.
MARKERS = [(h, p) for h in range(0, 360, 18) for p in (4.0, 12.0, 26.0)]
MARKER_DEG = 1.28


def grid_panorama(W: int = 4096, H: int = 2048, pano_heading: float = 0.0,
                  markers: list[tuple[float, float]] = MARKERS, marker_deg: float = MARKER_DEG) -> np.ndarray:
    """BGR equirectangular test panorama: sky/ground, a 10-degree grid (30 deg bold), heading labels
    on the horizon, the +0..+20 band tinted, and dark discs of ``marker_deg`` at ``markers``."""
    v = (np.arange(H) + 0.5)[:, None]
    pitch = 90.0 - v * 180.0 / H
    sky = np.array([235, 200, 150], np.float32)  # BGR light blue
    ground = np.array([110, 120, 125], np.float32)
    img = np.where(pitch[..., None] > 0, sky, ground) * np.ones((1, W, 1), np.float32)
    band = (pitch >= 0) & (pitch <= 20)
    img[band[:, 0]] = img[band[:, 0]] * 0.75 + np.array([120, 230, 250], np.float32) * 0.25
    img = img.astype(np.uint8)
    px_per_deg = W / 360.0
    for deg in range(0, 360, 10):
        u, _ = angles_to_pano(deg, 0.0, W, H, pano_heading)
        bold = deg % 30 == 0
        cv2.line(img, (int(round(u)), 0), (int(round(u)), H), (60, 60, 60) if bold else (150, 150, 150),
                 max(1, int(px_per_deg * (0.25 if bold else 0.1))))
    for deg in range(-80, 90, 10):
        _, vv = angles_to_pano(0.0, deg, W, H)
        cv2.line(img, (0, int(round(vv))), (W, int(round(vv))), (60, 60, 60) if deg % 30 == 0 else (150, 150, 150),
                 max(1, int(px_per_deg * (0.25 if deg % 30 == 0 else 0.1))))
    names = {0: "N", 90: "E", 180: "S", 270: "W"}
    scale = W / 4096.0
    for deg in range(0, 360, 30):
        u, vv = angles_to_pano(deg, 0.0, W, H, pano_heading)
        text = names.get(deg, str(deg))
        cv2.putText(img, text, (int(u + 6 * scale), int(vv - 8 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 1.2 * scale,
                    (20, 20, 20), max(1, int(3 * scale)), cv2.LINE_AA)
    for h, p in markers:  # discs: round on the sphere, stretched by 1/cos(pitch) on the panorama
        u, vv = angles_to_pano(h, p, W, H, pano_heading)
        axes = (max(1, int(marker_deg / 2 * px_per_deg / np.cos(np.radians(p)))), max(1, int(marker_deg / 2 * px_per_deg)))
        for shift in (-W, 0, W):  # a marker on the seam is drawn on both edges
            cv2.ellipse(img, (int(round(u + shift)), int(round(vv))), axes, 0, 0, 360, (30, 30, 30), -1, cv2.LINE_AA)
    return img


def footprint(view: View, W: int, H: int, pano_heading: float = 0.0, n: int = 64) -> list[np.ndarray]:
    """The view's outline on the panorama as polylines (u, v), split where it crosses the seam."""
    t = np.linspace(0, 1, n)
    xs = np.concatenate([t * view.width, np.full(n, view.width), (1 - t) * view.width, np.zeros(n)])
    ys = np.concatenate([np.zeros(n), t * view.height, np.full(n, view.height), (1 - t) * view.height])
    h, p = view_to_angles(view, xs, ys)
    u, v = angles_to_pano(h, p, W, H, pano_heading)
    breaks = np.where(np.abs(np.diff(u)) > W / 2)[0] + 1
    return [np.stack([a, b], 1) for a, b in zip(np.split(u, breaks), np.split(v, breaks)) if len(a) > 1]


def plan_figure(pano: np.ndarray, plan: ViewPlan, out: str | Path, pano_heading: float = 0.0,
                cuts: list[View] | None = None, title: str = "") -> Path:
    """Save a PNG: the panorama with every view's footprint, and the ``cuts`` views underneath."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    H, W = pano.shape[:2]
    views = plan_views("figure", plan)
    if cuts is None:
        cuts = [views[0], min(views, key=lambda v: abs(((v.heading - pano_heading) % 360) - 180))]
    fig = plt.figure(figsize=(14, 7 + 0.2 * len(cuts)), dpi=110)
    grid = fig.add_gridspec(2, len(cuts), height_ratios=[1.15, 1])
    ax = fig.add_subplot(grid[0, :])
    shown = pano if W <= 2400 else cv2.resize(pano, (2400, int(round(H * 2400 / W))), interpolation=cv2.INTER_AREA)
    ax.imshow(cv2.cvtColor(shown, cv2.COLOR_BGR2RGB), extent=(0, W, H, 0))  # axes stay in panorama pixels
    colours = plt.cm.tab10(np.arange(len(views)) % 10)
    for v, c in zip(views, colours):
        for line in footprint(v, W, H, pano_heading):
            ax.plot(line[:, 0], line[:, 1], color=c, lw=1.6)
        u, vv = angles_to_pano(v.heading, v.pitch, W, H, pano_heading)
        ax.plot([u], [vv], "+", color=c, ms=8)
        ax.text(u, vv - 0.02 * H, f"{v.heading:g}", color=c, ha="center", va="bottom", fontsize=8, weight="bold")
    for pitch in (0.0, 20.0):
        _, vv = angles_to_pano(0.0, pitch, W, H)
        ax.axhline(vv, color="k", ls="--", lw=0.8)
    ax.set_xlim(0, W)
    ax.set_ylim(H, 0)
    ax.set_xlabel(f"u (px): centre column = pano_heading {pano_heading:g} deg; the left/right edge is the seam")
    ax.set_ylabel("v (px): row 0 = pitch +90")
    ax.set_title(title or f"{plan.n_headings} views x {plan.fov:g} deg at pitch {plan.pitch:+g}{plan.upper_text()}, "
                 f"{plan.width}x{plan.height} px "
                 f"(dashed: the +0..+20 deg band where cameras hang)", fontsize=10)
    for i, v in enumerate(cuts):
        a = fig.add_subplot(grid[1, i])
        a.imshow(cv2.cvtColor(cut_view(pano, v, pano_heading), cv2.COLOR_BGR2RGB))
        a.set_title(f"heading {v.heading:g}, pitch {v.pitch:+g}, fov {v.fov:g}, {v.width}x{v.height}", fontsize=9)
        a.set_xticks([])
        a.set_yticks([])
    fig.tight_layout()
    return save_figure(fig, out)
