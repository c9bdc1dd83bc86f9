"""Measure camdetect.citymap: triangulation error and coverage of the stated radius (Monte Carlo),
and `plan` speed on a synthetic street grid. Prints a table, writes runs/bench/citymap.json.

Usage: python scripts/bench_citymap.py [--trials 5000] [--grid 150] [--out runs/bench/citymap.json]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from camdetect.citymap.intersections import find_intersections
from camdetect.citymap.locate import triangulate
from camdetect.geometry.earth import M_PER_DEG_LAT


def triangulation(trials: int, n_rays: int, sigma: float, noise: str, rng: np.random.Generator) -> dict:
    errs, radii, inside = [], [], 0
    for _ in range(trials):
        cam = rng.uniform(-20, 20, 2)
        start, spread = rng.uniform(0, 360), rng.uniform(25, 80)
        angles = np.radians(start + spread * np.arange(n_rays))
        origins = cam + rng.uniform(6, 35, (n_rays, 1)) * np.stack([np.sin(angles), np.cos(angles)], -1)
        true = np.degrees(np.arctan2(cam[0] - origins[:, 0], cam[1] - origins[:, 1]))
        e = rng.normal(0, sigma, n_rays) if noise == "gauss" else rng.uniform(-sigma, sigma, n_rays)
        res = triangulate(origins, true + e, sigma_deg=sigma, k_sigma=3.0)
        err = float(np.linalg.norm(res["point"] - cam))
        errs.append(err)
        radii.append(res["radius"])
        inside += err <= res["radius"]
    return {"rays": n_rays, "sigma_deg": sigma, "noise": noise, "trials": trials,
            "median_err_m": float(np.median(errs)), "p90_err_m": float(np.percentile(errs, 90)),
            "median_radius_m": float(np.median(radii)), "coverage": inside / trials}


def plan_speed(n: int) -> dict:
    nodes, ways = {}, []
    d = 100 / M_PER_DEG_LAT
    for r in range(n):
        for c in range(n):
            nodes[r * n + c] = (40 + r * d, -74 + c * d / 0.766)
    for r in range(n):
        ways.append(({"highway": "residential"}, [r * n + c for c in range(n)]))
    for c in range(n):
        ways.append(({"highway": "tertiary"}, [r * n + c for r in range(n)]))
    t = time.perf_counter()
    found = find_intersections(nodes, ways, merge_m=13)
    return {"grid": f"{n}x{n}", "intersections": len(found), "seconds": time.perf_counter() - t}


def figure(path: Path, rng: np.random.Generator, sigma: float = 2.0) -> None:
    """A synthetic crossing: 4 panoramas, 5 cameras, noisy bearings -> rays, estimates, 3 sigma ellipses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse

    panos = np.array([[0, 0], [30, 0], [0, 30], [30, 30]], float)
    cams = rng.uniform(-5, 35, (5, 2))
    fig, ax = plt.subplots(figsize=(6, 6))
    for cam in cams:
        seen = [o for o in panos if np.linalg.norm(cam - o) <= 40]
        bear = np.array([math.degrees(math.atan2(*(cam - o))) + rng.normal(0, sigma) for o in seen])
        res = triangulate(np.array(seen), bear, sigma_deg=sigma)
        for o, b in zip(seen, bear):
            r = float(np.linalg.norm(res["point"] - o)) + 5
            ax.plot([o[0], o[0] + r * math.sin(math.radians(b))], [o[1], o[1] + r * math.cos(math.radians(b))],
                    color="0.6", lw=0.7)
        ax.add_patch(Ellipse(res["point"], 2 * 3 * res["sigma_major"], 2 * 3 * res["sigma_minor"],
                             angle=90 - res["ellipse_angle"], fill=False, color="tab:red"))
        ax.plot(*cam, "k+", ms=10)
        ax.plot(*res["point"], "r.", ms=6)
    ax.plot(panos[:, 0], panos[:, 1], "bs", label="panoramas")
    ax.plot([], [], "k+", label="true camera")
    ax.plot([], [], "r.", label="estimate + 3 sigma ellipse")
    ax.set_aspect("equal")
    ax.set_xlabel("east (m)")
    ax.set_ylabel("north (m)")
    ax.set_title(f"camdetect locate: bearings with sigma={sigma} deg")
    ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=5000)
    ap.add_argument("--grid", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("runs/bench/citymap.json"))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = [triangulation(args.trials, n, s, noise, rng)
            for noise in ("gauss", "uniform") for n in (2, 3, 4) for s in (1.0, 2.0)]
    print(f"{'noise':8} {'rays':>4} {'sigma':>5} {'med err m':>9} {'p90 err m':>9} {'med radius m':>12} {'coverage':>8}")
    for r in rows:
        print(f"{r['noise']:8} {r['rays']:>4} {r['sigma_deg']:>5.1f} {r['median_err_m']:>9.2f} {r['p90_err_m']:>9.2f} "
              f"{r['median_radius_m']:>12.2f} {r['coverage']:>8.3f}")
    sp = plan_speed(args.grid)
    print(f"plan: {sp['grid']} grid -> {sp['intersections']} intersections in {sp['seconds']:.2f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure(args.out.with_suffix(".png"), rng)
    print(f"-> {args.out.with_suffix('.png')}")
    args.out.write_text(json.dumps({"triangulation": rows, "plan": sp, "args": vars(args) | {"out": str(args.out)}}, indent=1))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
