#!/usr/bin/env python
"""Measured choice of how the model reports camera type and mount (docs/training.md, "Type and mount").

Three designs, same views, splits, detector yaml, epochs and seed:

  A  detector classes = type (dome, bullet)       + mount classifier on context crops
  B  detector classes = type x mount (6 classes)  (no second model)
  C  detector classes = one "camera" class        + type classifier and mount classifier on crops

On the test split of a synthetic city: class-agnostic AP50 (does splitting classes cost detection?),
recall at conf 0.25, and type / mount accuracy on the ground-truth cameras the detector found (IoU >= 0.3).
Writes runs/compare/NAME/compare.json and compare.md.

    python training/compare_type_mount.py --name toy --intersections 30 --epochs 20
    python training/compare_type_mount.py --name synth --city runs/city/s40 --epochs 20
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camdetect.dataset.build import BuildOptions, build_dataset
from camdetect.dataset.crops import context_crop
from camdetect.dataset.splits import SplitPlan
from camdetect.dataset.toy_city import make_toy_city
from camdetect.geometry import ViewPlan
from camdetect.geometry.overlap import box_iou
from camdetect.records import Tag, read_table
from camdetect.train.config import TrainConfig
from camdetect.train.detector import import_ultralytics, thread_callbacks, train_detector


def classify_tree(ds: Path, attr: str, out: Path) -> Path:
    """crops/{split}/{attr value}/ tree (hard links) from crops.csv, for an ultralytics classifier."""
    if out.exists():
        shutil.rmtree(out)
    with (ds / "crops.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            dst = out / r["split"] / r[attr] / Path(r["path"]).name
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(ds / r["path"], dst)
    return out


def train_classifier(data: Path, run: Path, epochs: int, threads: int, seed: int):
    YOLO = import_ultralytics(threads)
    model = YOLO("yolo11n-cls.yaml", task="classify")
    thread_callbacks(model, threads)
    model.train(data=str(data), imgsz=64, epochs=epochs, batch=32, seed=seed, deterministic=True, workers=0,
                device="cpu", project=str(run.parent), name=run.name, exist_ok=True, pretrained=False, amp=False,
                plots=False, verbose=False)
    return YOLO(str(run / "weights" / "best.pt"))


def evaluate(ds: Path, det, scheme: str, classifiers: dict, conf_report: float = 0.25) -> dict:
    """Agnostic AP50 (all-point interpolation), recall at conf_report, type/mount accuracy on found cameras."""
    import cv2

    tags = [t for t in read_table(ds / "boxes.csv", Tag) if t.image.startswith("images/test/")]
    gt = defaultdict(list)
    for t in tags:
        gt[t.image].append(t)
    images = sorted(p.relative_to(ds).as_posix() for p in (ds / "images" / "test").glob("*.jpg"))
    names = det.names
    scored: list[tuple[float, bool]] = []
    n_gt = sum(len(v) for v in gt.values())
    found, type_ok, mount_ok = 0, 0, 0
    for key in images:
        img = cv2.imread(str(ds / key))
        r = det.predict(img, imgsz=img.shape[1], conf=0.01, verbose=False, device="cpu")[0]
        boxes = r.boxes.xyxy.numpy().reshape(-1, 4)
        scores = r.boxes.conf.numpy()
        cls = r.boxes.cls.numpy().astype(int)
        order = np.argsort(-scores)
        boxes, scores, cls = boxes[order], scores[order], cls[order]
        g = gt.get(key, [])
        gb = np.array([t.box for t in g], np.float64).reshape(-1, 4)
        used = np.zeros(len(g), bool)
        m = box_iou(boxes, gb) if len(g) and len(boxes) else np.zeros((len(boxes), len(g)))
        for i in range(len(boxes)):
            j = int(np.argmax(m[i])) if len(g) else -1
            hit = j >= 0 and m[i, j] >= 0.3 and not used[j]
            if hit:
                used[j] = True
            scored.append((float(scores[i]), bool(hit)))
            if hit and scores[i] >= conf_report:
                found += 1
                name = names[int(cls[i])]
                if scheme == "type_mount":
                    t_pred, m_pred = name.split("_", 1)
                else:
                    t_pred = name if scheme == "type" else None
                    crop = context_crop(img, boxes[i])
                    m_pred = _top1(classifiers["mount"], crop)
                    if t_pred is None:
                        t_pred = _top1(classifiers["type"], crop)
                type_ok += t_pred == g[j].type
                mount_ok += m_pred == g[j].mount
    scored.sort(key=lambda s: -s[0])
    tp = np.cumsum([h for _, h in scored]) if scored else np.zeros(0)
    prec = tp / np.arange(1, len(scored) + 1) if scored else np.zeros(0)
    rec = tp / max(n_gt, 1)
    ap = 0.0
    if len(scored):
        mrec = np.concatenate([[0], rec, [1]])
        mpre = np.concatenate([[1], prec, [0]])
        mpre = np.flip(np.maximum.accumulate(np.flip(mpre)))
        idx = np.where(mrec[1:] != mrec[:-1])[0]
        ap = float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))
    return {"test_cameras": n_gt, "ap50_agnostic": round(ap, 4), f"recall@{conf_report}": round(found / max(n_gt, 1), 4),
            "type_acc_found": round(type_ok / found, 4) if found else None,
            "mount_acc_found": round(mount_ok / found, 4) if found else None, "found": found}


def _top1(model, crop) -> str:
    r = model.predict(crop, imgsz=64, verbose=False, device="cpu")[0]
    return model.names[int(r.probs.top1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", default="toy")
    ap.add_argument("--city", help="synthetic city folder (camdetect synth); default: draw a toy city")
    ap.add_argument("--intersections", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--cls-epochs", type=int, default=15)
    ap.add_argument("--imgsz", type=int, default=256)
    ap.add_argument("--fov", type=float, default=45.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default="configs/models/camdetect-n.yaml")
    ap.add_argument("--out", default="runs/compare")
    ap.add_argument("--designs", default="type,type_mount,camera", help="comma list of type, type_mount, camera")
    ap.add_argument("--cameras", type=int, nargs=2, default=(3, 8), help="toy city: min, max cameras per panorama")
    ap.add_argument("--negatives-ratio", type=float, default=0.3)
    args = ap.parse_args()
    out = Path(args.out) / args.name
    out.mkdir(parents=True, exist_ok=True)
    city = Path(args.city) if args.city else make_toy_city(out / "city", intersections=args.intersections,
                                                          seed=args.seed, cameras_per_pano=tuple(args.cameras))
    plan = ViewPlan(n_headings=int(round(360 / (args.fov * 0.85))), pitch=12.0, fov=args.fov,
                    width=args.imgsz, height=args.imgsz)
    results: dict = {"args": vars(args), "plan": plan.to_dict(), "designs": {}}
    for scheme in args.designs.split(","):
        ds = out / f"ds_{scheme}"
        if not (ds / "dataset.json").is_file():
            build_dataset(ds, panoramas=city / "manifest.csv", cameras=city / "truth" / "cameras.csv",
                          opts=BuildOptions(plan=plan, classes=scheme, negatives_ratio=args.negatives_ratio,
                                            split=SplitPlan(block_m=0, seed=args.seed)),
                          progress=False)
        cfg = TrainConfig.from_dict({"name": scheme, "data": str(ds.resolve()), "model": args.model,
                                     "imgsz": args.imgsz, "epochs": args.epochs, "batch": 16, "seed": args.seed,
                                     "threads": args.threads, "plots": False, "close_mosaic": 3, "val": False})
        run = (out / "runs" / scheme).resolve()
        t0 = time.perf_counter()
        if not (run / "weights" / "best.pt").is_file():
            train_detector(cfg, run)
        det_s = time.perf_counter() - t0
        rows = list(csv.DictReader((run / "results.csv").open()))
        det_s = float(rows[-1]["time"]) if rows else det_s  # also right when the run was cached
        YOLO = import_ultralytics(args.threads)
        det = YOLO(str(run / "weights" / "best.pt"))
        classifiers = {}
        t1 = time.perf_counter()
        attrs = {"type": ["mount"], "camera": ["type", "mount"]}.get(scheme, [])
        for attr in attrs:
            crun = (out / "runs" / f"cls_{scheme}_{attr}").resolve()
            tree = classify_tree(ds, attr, out / f"crops_{scheme}_{attr}")
            classifiers[attr] = (train_classifier(tree, crun, args.cls_epochs, args.threads, args.seed)
                                 if not (crun / "weights" / "best.pt").is_file()
                                 else YOLO(str(crun / "weights" / "best.pt")))
        cls_s = time.perf_counter() - t1
        res = evaluate(ds, det, scheme, classifiers)
        res.update({"detector_train_s": round(det_s, 1), "classifier_train_s": round(cls_s, 1),
                    "classes": list(det.names.values())})
        results["designs"][scheme] = res
        print(scheme, res, flush=True)
        (out / "compare.json").write_text(json.dumps(results, indent=2))
    label = {"type": "A: classes = type + mount classifier", "type_mount": "B: classes = type x mount",
             "camera": "C: one class + type & mount classifiers"}
    lines = [f"# Type and mount: measured comparison ({args.name})", "",
             f"City: {city}; views {plan.n_headings} x {plan.fov:g} deg, {plan.width} px; detector {args.model}, "
             f"{args.epochs} epochs, imgsz {args.imgsz}, seed {args.seed}; classifiers yolo11n-cls 64 px, "
             f"{args.cls_epochs} epochs.", "",
             "| design | AP50 (agnostic) | recall@0.25 | type acc (found) | mount acc (found) | train s |",
             "|---|---|---|---|---|---|"]
    for scheme, r in results["designs"].items():
        lines.append(f"| {label[scheme]} | {r['ap50_agnostic']} | {r['recall@0.25']} | {r['type_acc_found']} | "
                     f"{r['mount_acc_found']} | {r['detector_train_s'] + r['classifier_train_s']:.0f} |")
    (out / "compare.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
