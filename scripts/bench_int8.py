#!/usr/bin/env python
"""int8 vs fp32 per model (issue 14, item 3): speed, AP50 on real and synthetic images, box agreement;
the verdict whether int8 becomes the scoring default (camdetect.export.int8_choice).

For each ``--model NAME=FP32.onnx``, in one run:

* calibration: one reproducible sample (``--seed``) of scorer-shaped inputs from every ``--calib`` folder
  minus the ``--calib-exclude`` sub-folders (camdetect.export.calibration), shared by every
  ``--methods`` entry (minmax, entropy, percentile), each quantised to ``OUT/NAME/NAME-int8-METHOD.onnx``;
* speed: images/s of the bare network (``OnnxDetector.predict``: letterbox + ORT + decode + NMS) on the
  same scorer-shaped inputs cut from the *held-out* street folders, fp32 and int8 interleaved,
  median of ``--rounds`` (quantize.speed_pair);
* real: ../shared/data/real-cameras-dev through the real-image evaluator (camdetect.evaluate.real_images:
  tiles + whole image + middle scale, hit rule, AP50), evaluation only, never calibration;
* street: false suggestions per view at the model's stored threshold on held-out street views
  (the ``--calib-exclude`` folders of street-backgrounds, street-scenes, the Street View panoramas' views);
* synthetic: the held-out panoramas of ``--city`` (manifest_test.csv) through ``camdetect score --conf 0.01``
  + ``camdetect eval`` (mAP@0.5), as scripts/bench_score.py's held-out column does;
* agreement: fp32 vs int8 boxes on every real and street image at the stored threshold (matched share,
  IoU, score drift: quantize.agreement).

The method with the smallest worst-set AP50 loss (then the best real matched share) is the model's int8;
it is written as ``OUT/NAME/NAME-int8.onnx`` with the verdict stamped in its metadata and .quant.json
(``--install``: also beside FP32.onnx, where ``camdetect score --precision auto`` finds it).
The box is shared: read ratios measured in the same run, not absolute speeds.

    .venv/bin/python scripts/bench_int8.py --model v3=runs/int8/v3/camdetect-v3-candidate.onnx \\
        --calib ../shared/data/street-backgrounds --calib runs/ds/v3/images/train \\
        --calib-exclude opensfm --calib-exclude geovisio_pypi --out runs/int8/bench --install v3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from camdetect.cli_args import named_path

SHARED = Path(os.environ.get("CAMDETECT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _bench_score():
    """scripts/bench_score.py's held-out panorama evaluation (score + eval), reused as is."""
    spec = importlib.util.spec_from_file_location("bench_score", ROOT / "scripts" / "bench_score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def held_out_street_root(data: Path, work: Path, held_out: list[str]) -> Path:
    """A folder the street evaluator reads: street-backgrounds' held-out sub-folders only, street-scenes and
    panoramas (symlinks; none of them calibrates)."""
    from camdetect.evaluate.real_images import STREET_SETS

    root = work / "street-held-out"
    shutil.rmtree(root, ignore_errors=True)
    (root / "street-backgrounds").mkdir(parents=True)
    for sub in held_out:  # file links: the evaluator's listing (rglob) does not enter linked folders
        src = data / "street-backgrounds" / sub
        for f in sorted(src.rglob("*")) if src.is_dir() else []:
            if f.is_file():
                (root / "street-backgrounds" / f.relative_to(data / "street-backgrounds")).parent.mkdir(
                    parents=True, exist_ok=True)
                (root / "street-backgrounds" / f.relative_to(data / "street-backgrounds")).symlink_to(f.resolve())
    for name in STREET_SETS[1:]:
        if (data / name).is_dir():
            (root / name).symlink_to((data / name).resolve())
    return root


class Recorder:
    """Wraps a MultiScale: records every image's detections, in call order."""

    def __init__(self, infer):
        self.infer, self.dets = infer, []
        for k in ("detector", "stored_conf", "class_names", "imgsz", "tile"):
            setattr(self, k, getattr(infer, k))

    def __call__(self, image):
        det = self.infer(image)
        self.dets.append(det)
        return det


def real_and_street(model: Path, data: Path, street_root: Path | None, stored: float | None = None) -> dict:
    """AP50 on real-cameras-dev, false/view on the held-out street views, and every image's detections."""
    from camdetect.evaluate.real_images import (
        DEFAULT_STREET_TRUTH,
        REAL_SET,
        MultiScale,
        evaluate_real,
        evaluate_street,
        load_coco_boxes,
        load_street_truth,
    )

    infer = Recorder(MultiScale(model))
    conf = infer.stored_conf if stored is None else stored
    out: dict = {"stored_conf": conf}
    t0 = time.perf_counter()
    if (data / REAL_SET).is_dir():
        metrics, rows = evaluate_real(infer, load_coco_boxes(data / REAL_SET / "boxes.json"))
        del rows
        out["real"] = {"ap50": metrics["ap50"], "ap50_iou_only": metrics["iou_only"]["ap50"],
                       "recall_at_1fp": metrics["at_1fp"]["recall"], "recall_at_stored": metrics["at_stored"]["recall"],
                       "images": metrics["images"], "cameras": metrics["truth"]}
    n_real = len(infer.dets)
    if street_root is not None:
        truth = ROOT / DEFAULT_STREET_TRUTH
        per_set, _ = evaluate_street(infer, street_root, {"stored": conf},
                                     load_street_truth(truth if truth.is_file() else None))
        views = sum(r["views"] for r in per_set.values())
        false = sum(r["stored"]["false"] for r in per_set.values())
        out["street"] = {"views": views, "false": false, "false_per_view": round(false / max(views, 1), 4),
                         "per_set": {k: {"views": r["views"], "false_per_view": r["stored"]["false_per_view"]}
                                     for k, r in per_set.items()}}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["_dets"] = (infer.dets[:n_real], infer.dets[n_real:])
    return out


def raw_speed_pair(first, second, images: list[np.ndarray], rounds: int) -> tuple[float, float]:
    """Network only: the same pre-made letterboxed batches through both sessions, interleaved, median."""
    from camdetect.export.quantize import interleaved_rates
    from camdetect.scoring.letterbox import to_blob

    blobs = [to_blob(images[i:i + 8], first.imgsz)[0] for i in range(0, len(images), 8)]
    for det in (first, second):
        det.run_blob(blobs[0])  # warm-up
    return interleaved_rates(tuple((lambda d=det: [d.run_blob(b) for b in blobs]) for det in (first, second)),
                             len(images), rounds)


def at_conf(dets: list, conf: float) -> list:
    return [d[d.scores >= conf] if len(d) else d for d in dets]


def synthetic(bs, model: Path, city: Path, work: Path) -> dict | None:
    if not (city / "manifest_test.csv").is_file():
        return None
    r = bs.held_out(model, "geometry+texture", city, work, batch=8, threads=None)
    return {"map50": r["mAP50"], "highest_recall": r["highest_recall"], "cameras": r["cameras"],
            "panoramas": r["panoramas"], "seconds_per_panorama": r["seconds_per_panorama"]}


def bench_model(name: str, fp32: Path, args, bs, street_root: Path | None) -> dict:
    from camdetect.export.calibration import CalibSource, sample_calibration
    from camdetect.export.int8_choice import decide
    from camdetect.export.quantize import agreement, quantize_model, speed_pair, stamp_verdict
    from camdetect.scoring.detector import OnnxDetector

    out_dir = args.out / name
    out_dir.mkdir(parents=True, exist_ok=True)
    det32 = OnnxDetector(fp32, batch=8)
    tile = int(det32.metadata.training_run.get("tile") or 0)
    imgsz = max(det32.imgsz)
    sources = [CalibSource.parse(c, args.calib_exclude) for c in args.calib]
    calib = sample_calibration(sources, args.n_calib + args.n_eval, tile, imgsz, seed=args.seed)
    speed_src = [CalibSource(SHARED / "street-backgrounds" / s) for s in args.calib_exclude
                 if (SHARED / "street-backgrounds" / s).is_dir()]
    speed_set = sample_calibration(speed_src, args.n_speed, tile, imgsz, seed=args.seed + 1).images if speed_src \
        else calib.images[: args.n_speed]
    print(f"[{name}] calibration {calib.summary()}; speed set {len(speed_set)} inputs", flush=True)

    base = real_and_street(fp32, args.data, street_root)
    conf = base["stored_conf"]
    base_syn = synthetic(bs, fp32, args.city, args.work / name / "fp32") if args.synthetic else None
    res: dict = {"model": str(fp32), "params_note": args.note.get(name, ""), "imgsz": imgsz, "tile": tile,
                 "stored_conf": conf, "calibration": calib.summary(),
                 "fp32": {k: v for k, v in base.items() if not k.startswith("_")}, "methods": {}}
    if base_syn:
        res["fp32"]["synthetic"] = base_syn
    print(f"[{name}] fp32 {json.dumps(res['fp32'])}", flush=True)
    for method in args.methods:
        path = out_dir / f"{fp32.stem}-int8-{method}.onnx"
        q = quantize_model(fp32, None, path, n_calib=args.n_calib, n_eval=args.n_eval, method=method,
                           calib_set=calib, speed_rounds=1)
        det8 = OnnxDetector(path, batch=8)
        s32, s8 = speed_pair(det32, det8, speed_set, rounds=args.rounds)
        r32, r8 = raw_speed_pair(det32, det8, speed_set, rounds=args.rounds)
        m = real_and_street(path, args.data, street_root, stored=conf)
        row = {"path": str(path), "fp32_images_per_s": round(s32, 2), "int8_images_per_s": round(s8, 2),
               "speedup": round(s8 / s32, 3), "raw_ort": {"fp32_images_per_s": round(r32, 2),
                                                           "int8_images_per_s": round(r8, 2),
                                                           "speedup": round(r8 / r32, 3)}, **{k: v for k, v in m.items() if not k.startswith("_")}}
        row["agreement"] = {
            "real": agreement(at_conf(base["_dets"][0], conf), at_conf(m["_dets"][0], conf)),
            "street": agreement(at_conf(base["_dets"][1], conf), at_conf(m["_dets"][1], conf))}
        if args.synthetic:
            row["synthetic"] = synthetic(bs, path, args.city, args.work / name / method)
        ap = {}
        if "real" in base:
            ap["real"] = (base["real"]["ap50"], (row.get("real") or {}).get("ap50"))
        if args.synthetic:
            ap["synthetic"] = ((base_syn or {}).get("map50"), (row.get("synthetic") or {}).get("map50"))
        row["verdict"] = decide(row["speedup"], ap)
        row["quant_report"] = q.report_path
        res["methods"][method] = row
        print(f"[{name}] {method} {json.dumps({k: v for k, v in row.items() if k != 'agreement'})}", flush=True)

    def worst_drop(r):
        d = r["verdict"]["ap50_drop"]
        return (max(d.values()) if d else 1.0, -r["agreement"]["real"]["matched_share"])

    best = min(res["methods"], key=lambda k: worst_drop(res["methods"][k]))
    chosen = res["methods"][best]
    res["chosen_method"] = best
    res["verdict"] = {**chosen["verdict"], "method": best}
    final = out_dir / f"{fp32.stem}-int8.onnx"
    shutil.copyfile(chosen["path"], final)
    shutil.copyfile(Path(chosen["path"]).with_suffix(".quant.json"), final.with_suffix(".quant.json"))
    bench = {k: res[k] for k in ("stored_conf", "calibration")} | {"fp32": res["fp32"], "int8": {
        k: v for k, v in chosen.items() if k not in ("verdict", "quant_report")}, "command": args.command}
    stamp_verdict(final, res["verdict"], bench)
    res["int8_model"] = str(final)
    if name in args.install:
        sib = fp32.with_name(fp32.stem + "-int8.onnx")
        shutil.copyfile(final, sib)
        shutil.copyfile(final.with_suffix(".quant.json"), sib.with_suffix(".quant.json"))
        mount = fp32.with_name(fp32.stem + "-mount.onnx")
        if mount.is_file():
            shutil.copyfile(mount, sib.with_name(sib.stem + "-mount.onnx"))
        res["installed"] = str(sib)
    return res


def table(results: dict) -> str:
    """Markdown table: one row per model and method (the chosen one marked)."""
    head = ("| model | method | fp32 img/s | int8 img/s | speedup | network-only speedup | real AP50 fp32 / int8 | synthetic mAP50 fp32 / "
            "int8 | false/view held-out streets fp32 / int8 | matched share real / street | mean IoU | "
            "mean score drift | verdict |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def f(x, fmt="{:.3f}"):
        return "n/a" if x is None else fmt.format(x)

    for name, r in results["models"].items():
        b = r["fp32"]
        for method, m in r["methods"].items():
            a_r, a_s = m["agreement"]["real"], m["agreement"]["street"]
            ious = [a["mean_iou"] for a in (a_r, a_s) if a["mean_iou"] is not None]
            drift = [a["mean_score_diff"] for a in (a_r, a_s) if a["matched"]]
            v = m["verdict"]
            mark = " **(chosen)**" if method == r["chosen_method"] else ""
            lines.append(
                f"| {name} | {method}{mark} | {m['fp32_images_per_s']:.1f} | {m['int8_images_per_s']:.1f} | "
                f"{m['speedup']:.2f}x | {m['raw_ort']['speedup']:.2f}x | {f((b.get('real') or {}).get('ap50'))} / {f((m.get('real') or {}).get('ap50'))} | "
                f"{f((b.get('synthetic') or {}).get('map50'))} / {f((m.get('synthetic') or {}).get('map50'))} | "
                f"{f((b.get('street') or {}).get('false_per_view'), '{:.2f}')} / "
                f"{f((m.get('street') or {}).get('false_per_view'), '{:.2f}')} | "
                f"{a_r['matched_share']:.2f} ({a_r['matched']}/{max(a_r['fp32_boxes'], a_r['int8_boxes'])}) / "
                f"{a_s['matched_share']:.2f} ({a_s['matched']}/{max(a_s['fp32_boxes'], a_s['int8_boxes'])}) | "
                f"{f(float(np.mean(ious)) if ious else None)} | {f(float(np.mean(drift)) if drift else None, '{:.4f}')} | "
                f"{v['precision']}: {v['reason']} |")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--model", action="append", required=True, type=named_path, help="NAME=FP32.onnx (repeatable)")
    p.add_argument("--calib", action="append", default=None,
                   help="calibration folder, DIR or DIR:N (repeatable; default: street-backgrounds + "
                        "runs/ds/v3/images/train)")
    p.add_argument("--calib-exclude", action="append", default=None,
                   help="held-out sub-folder of the calibration folders (default: opensfm, geovisio_pypi)")
    p.add_argument("--methods", default="minmax,entropy,percentile")
    p.add_argument("--n-calib", type=int, default=64)
    p.add_argument("--n-eval", type=int, default=16, help="calibration-sample inputs held out of calibration")
    p.add_argument("--n-speed", type=int, default=64, help="inputs of the speed set")
    p.add_argument("--rounds", type=int, default=5, help="interleaved speed rounds (median)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", type=Path, default=SHARED)
    p.add_argument("--city", type=Path, default=ROOT / "runs" / "city" / "c11")
    p.add_argument("--no-synthetic", dest="synthetic", action="store_false")
    p.add_argument("--no-street", dest="street", action="store_false")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "int8" / "bench")
    p.add_argument("--install", action="append", default=[], metavar="NAME",
                   help="for model NAME, also put NAME-int8.onnx (+ verdict) beside its FP32.onnx, where "
                        "camdetect score --precision auto reads it (repeatable)")
    p.add_argument("--note", action="append", default=[], help="NAME=TEXT shown in the JSON (e.g. parameters)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.command = "python scripts/bench_int8.py " + " ".join(argv)
    args.calib = args.calib or [str(SHARED / "street-backgrounds"), str(ROOT / "runs/ds/v3/images/train")]
    args.calib_exclude = args.calib_exclude or ["opensfm", "geovisio_pypi"]
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    args.note = dict(n.split("=", 1) for n in args.note)
    args.work = args.out / "work"
    models = {}
    for name, path in args.model:
        if not path.is_file():
            print(f"error: --model {name}={path}: no such ONNX file", file=sys.stderr)
            return 2
        models[name] = path
    if not args.data.is_dir():
        print(f"skip: {args.data} not found (the real-image sets live there)")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    street_root = held_out_street_root(args.data, args.work, args.calib_exclude) if args.street else None
    bs = _bench_score() if args.synthetic else None
    t0 = time.perf_counter()
    results = {"command": args.command, "machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()},
               "rule": None, "models": {}}
    from camdetect.durable import atomic_write_json
    from camdetect.export.int8_choice import RULE

    results["rule"] = RULE
    for name, path in models.items():
        results["models"][name] = bench_model(name, path, args, bs, street_root)
        atomic_write_json(args.out / "bench_int8.json", results, indent=2)
    results["machine"]["load_avg_end"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - t0, 1)
    results["table"] = table(results)
    atomic_write_json(args.out / "bench_int8.json", results, indent=2)
    print(results["table"])
    print(f"wrote {args.out / 'bench_int8.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
