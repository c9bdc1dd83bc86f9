"""Train the verifier (an ultralytics classify network on the crops of ``verifier/data.py``) and export it."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from camdetect.verifier.crop import CropSpec
from camdetect.verifier.data import CLASSES
from camdetect.verifier.model import DEFAULT_WEIGHT


@dataclass
class VerifierTrainOptions:
    model: str = "yolo11n-cls.yaml"  # from scratch (no downloads); a .pt path fine-tunes
    imgsz: int = 64
    epochs: int = 20
    batch: int = 128
    threads: int = 0  # 0: the idle cores
    seed: int = 0
    weight: float = DEFAULT_WEIGHT  # stored for the scorer: fused = score^(1-w) * p^w
    optimizer: str = "auto"  # ultralytics: auto | SGD | AdamW | ...
    lr0: float = 0.01  # used unless optimizer is auto (which picks its own)

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.imgsz < 16 or self.batch < 1 or not 0 < self.weight <= 1:
            raise ValueError(f"verifier train: epochs >= 1, imgsz >= 16, batch >= 1, 0 < weight <= 1 (got {self})")


def check_crops(data: Path) -> dict:
    """The data folder's card (verifier_data.json); a one-line error when a split or class has no crops."""
    card = data / "verifier_data.json"
    if not card.is_file():
        raise FileNotFoundError(f"{card}: not a verifier crop folder (run `camdetect verifier data` first)")
    for split in ("train", "val"):
        for cls in CLASSES:
            folder = data / split / cls
            if not folder.is_dir() or not any(folder.iterdir()):
                raise ValueError(f"{folder}: no crops (a verifier needs both classes in train and val)")
    return json.loads(card.read_text(encoding="utf-8"))


def export_verifier(weights: Path, out: Path, imgsz: int, crop: CropSpec, weight: float, run: dict) -> Path:
    """``weights`` (an ultralytics classify checkpoint) as ONNX at ``out``, its metadata carrying what the scorer
    needs: the crop to cut (``verifier_crop``) and the fusion weight (``verifier_weight``), plus ``run``."""
    import camdetect
    from camdetect.export.metadata import ModelMetadata
    from camdetect.export.onnx_export import export_pt, sha256, stamp_metadata

    out.parent.mkdir(parents=True, exist_ok=True)
    path, info = export_pt(weights, out, imgsz)
    try:
        meta = ModelMetadata(
            class_names=info["names"], imgsz=(info["imgsz"], info["imgsz"]), task="classify",
            camdetect_version=camdetect.__version__, source_weights_sha256=sha256(weights), name=out.stem,
            training_run={**run, "verifier_crop": crop.to_dict(), "verifier_weight": weight})
        stamp_metadata(path, out, meta)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return out


def train_verifier(data: Path, out: Path, opts: VerifierTrainOptions, run_dir: Path, log=print) -> dict:
    """Train on DATA/{train,val}/{camera,not_camera}, export OUT (.onnx with the crop and fusion in its
    metadata); returns the summary also written to RUN/verifier.json."""
    from camdetect.train.detector import auto_threads, import_ultralytics, thread_callbacks

    card = check_crops(data)
    crop = CropSpec.from_dict(card["options"]["crop"])
    YOLO = import_ultralytics(opts.threads)
    model = YOLO(opts.model, task="classify")
    thread_callbacks(model, opts.threads)
    run_dir = Path(run_dir)
    t0 = time.perf_counter()
    model.train(data=str(Path(data).resolve()), imgsz=opts.imgsz, epochs=opts.epochs, batch=opts.batch,
                seed=opts.seed, deterministic=True, workers=0, device="cpu", project=str(run_dir.parent.resolve()),
                name=run_dir.name, exist_ok=True, pretrained=False, amp=False, plots=False, verbose=False,
                optimizer=opts.optimizer, lr0=opts.lr0, fliplr=0.5, hsv_h=0.015, hsv_s=0.5, hsv_v=0.4, erasing=0.0, auto_augment=None)
    seconds = time.perf_counter() - t0
    import torch

    torch.set_num_threads(auto_threads(opts.threads))
    weights = run_dir / "weights" / "best.pt"
    if not weights.is_file():
        raise FileNotFoundError(f"{weights}: training wrote no weights")
    top1 = None
    results = run_dir / "results.csv"
    if results.is_file():
        from camdetect.train.run_dir import read_results_csv

        rows = read_results_csv(results)
        top1 = round(max((r.get("metrics/accuracy_top1", 0.0) for r in rows), default=0.0), 4)
    out = export_verifier(weights, Path(out), opts.imgsz, crop, opts.weight,
                          {"run_dir": str(run_dir), "detector": card.get("detector"), "counts": card["counts"],
                           "top1": top1})
    summary = {"data": str(data), "counts": card["counts"], "options": asdict(opts), "top1": top1,
               "train_seconds": round(seconds, 1), "weights": str(weights), "onnx": str(out)}
    (run_dir / "verifier.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    log(f"verifier: top-1 {top1} on val crops, {seconds:.0f} s; wrote {out}")
    return summary
