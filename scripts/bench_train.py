#!/usr/bin/env python
"""Training speed on CPU: seconds per epoch and per image-epoch, on a synthetic city and on real photos.

Each case trains ``--epochs`` (>= 3) epochs with validation off until the last epoch, so the
steady-state epoch time is the time between the ends of epochs 1 and 2 in ultralytics' results.csv
(no start-up, no dataset caching, no validation). Prints a table and writes runs/bench/train.json.

    python scripts/bench_train.py                                     # toy city + VOC (if ../shared/data)
    python scripts/bench_train.py --city runs/city/s40 --cases city   # a `camdetect synth` city
    python scripts/bench_train.py --cases voc --voc-fraction 0.25     # real photos, a quarter of train
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.dataset.build import BuildOptions, build_dataset
from camdetect.geometry import ViewPlan
from camdetect.train.config import TrainConfig
from camdetect.train.detector import train_detector
from camdetect.train.run_dir import read_results_csv

SHARED = Path(os.environ.get("CAMDETECT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def city_dataset(args, work: Path) -> Path:
    ds = work / "ds_city"
    if (ds / "dataset.json").is_file():
        return ds
    if args.city:
        city = Path(args.city)
    else:
        from camdetect.dataset.toy_city import make_toy_city

        city = make_toy_city(work / "toy_city", intersections=args.intersections, seed=0, cameras_per_pano=(0, 5))
    plan = ViewPlan.from_yaml(args.views) if args.views else ViewPlan()
    build_dataset(ds, panoramas=city / "manifest.csv", cameras=city / "truth" / "cameras.csv",
                  opts=BuildOptions(plan=plan), progress=False)
    return ds


def voc_dataset(args, work: Path) -> Path | None:
    src = SHARED / "open-images-cameras-voc"
    if not src.is_dir():
        print(f"skip voc: {src} not found")
        return None
    ds = work / "ds_voc"
    if (ds / "dataset.json").is_file():
        return ds
    tags = work / "voc_tags.csv"
    if not tags.is_file():
        subprocess.run([sys.executable, "-m", "camdetect.cli", "labels", "import", "--format", "voc", str(src),
                        "--out", str(tags)], check=True, stdout=subprocess.DEVNULL)
    build_dataset(ds, images=src, tags=tags, opts=BuildOptions(classes="camera", negatives_ratio=-1), progress=False)
    return ds


def run_case(name: str, ds: Path, imgsz: int, args, fraction: float = 1.0) -> dict:
    cfg = TrainConfig.from_dict({"name": name, "data": str(ds.resolve()), "model": args.model, "imgsz": imgsz,
                                 "epochs": args.epochs, "batch": args.batch, "threads": args.threads,
                                 "plots": False, "val": False, "fraction": fraction, "close_mosaic": 0})
    run = (Path(args.out).parent / "bench_train_runs" / name).resolve()
    if run.exists():
        import shutil

        shutil.rmtree(run)
    t0 = time.perf_counter()
    res = train_detector(cfg, run)
    wall = time.perf_counter() - t0
    rows = read_results_csv(run / "results.csv")
    times = [r["time"] for r in rows]
    steady = times[1] - times[0] if len(times) >= 2 else float("nan")
    n = int(round(res["n_train_images"] * fraction))
    return {"case": name, "imgsz": imgsz, "train_images": n, "epochs": len(rows), "wall_s": round(wall, 1),
            "first_epoch_s": round(times[0], 1) if times else None, "steady_epoch_s": round(steady, 1),
            "s_per_image_epoch": round(steady / max(n, 1), 4), "dataset": str(ds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="city,voc", help="comma list of city, voc")
    ap.add_argument("--city", help="a `camdetect synth` folder (default: draw a toy city)")
    ap.add_argument("--views", help="view plan YAML for the city dataset (default configs/views/default.yaml)")
    ap.add_argument("--intersections", type=int, default=30)
    ap.add_argument("--imgsz", type=int, nargs="+", default=[320])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--voc-fraction", type=float, default=0.25)
    ap.add_argument("--model", default="configs/models/camdetect-n.yaml")
    ap.add_argument("--out", default="runs/bench/train.json")
    args = ap.parse_args()
    if args.epochs < 3:
        ap.error("--epochs must be >= 3 (steady epoch = epoch 2 - epoch 1)")
    work = Path(args.out).parent / "bench_train_data"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for case in args.cases.split(","):
        ds = city_dataset(args, work) if case == "city" else voc_dataset(args, work) if case == "voc" else None
        if ds is None:
            continue
        for imgsz in args.imgsz:
            frac = args.voc_fraction if case == "voc" else 1.0
            r = run_case(f"{case}_{imgsz}", ds, imgsz, args, frac)
            results.append(r)
            print(json.dumps(r), flush=True)
    load = os.getloadavg()
    header = f"{'case':<12}{'imgsz':>6}{'images':>8}{'1st epoch s':>12}{'epoch s':>9}{'s/img/epoch':>13}"
    print(header)
    for r in results:
        print(f"{r['case']:<12}{r['imgsz']:>6}{r['train_images']:>8}{r['first_epoch_s']:>12}{r['steady_epoch_s']:>9}"
              f"{r['s_per_image_epoch']:>13}")
    print(f"model {args.model}, batch {args.batch}, threads {args.threads}, load average {load[0]:.1f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results, "model": args.model, "threads": args.threads, "batch": args.batch,
                               "load_average_1m": round(load[0], 2), "cpu_count": os.cpu_count(),
                               "machine": platform.machine(), "command": " ".join(sys.argv)}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
