"""An untrained (random-weight) run directory for tests and benchmarks of the export/scoring chain.

Export parity and the scorer's plumbing do not need a trained detector, only a real graph of the
right shape. The class-score bias of the detect head is raised so random weights still produce a
spread of boxes above threshold (a fresh head's prior bias gives scores ~1e-4 and no detections).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def build_tiny_run(run_dir: str | Path, imgsz: int = 320, scale: str = "n", seed: int = 0,
                   class_bias: float | list[float] = -2.0, weight_std: float = 0.08,
                   calib: list[np.ndarray] | None = None, names: list[str] | None = None) -> Path:
    """Write ``run_dir/weights/best.pt`` + ``camdetect_run.json`` for a random YOLO11 detector.

    ``names``: class names (default: the taxonomy's ``detector_classes``). ``class_bias``: one value
    for every class, or one per class (e.g. ``[-9, -9, -2]`` so that every box is the third class).

    ``calib``: BGR images to calibrate BatchNorm on (default: synthetic views); benchmarks pass the
    images they will score so the random head emits a realistic handful of boxes on them.
    """
    from camdetect.env import configure_offline_ultralytics

    configure_offline_ultralytics()
    import torch
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    from camdetect.taxonomy import load_taxonomy

    run_dir = Path(run_dir)
    (run_dir / "weights").mkdir(parents=True, exist_ok=True)
    names = list(names or load_taxonomy().detector_classes)
    bias = [float(class_bias)] * len(names) if np.isscalar(class_bias) else [float(b) for b in class_bias]
    if len(bias) != len(names):
        raise ValueError(f"class_bias has {len(bias)} values for {len(names)} classes")
    torch.manual_seed(seed)
    net = DetectionModel(f"yolo11{scale}.yaml", nc=len(names), verbose=False)
    net.names = dict(enumerate(names))
    net.args = {"imgsz": imgsz}
    # Random init with eval-mode BatchNorm (running var 1) shrinks activations to ~0 by the head;
    # recalibrate the BN statistics on noise so the random network has a live, varied output.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    from camdetect.export.parity import synthetic_views
    from camdetect.scoring.letterbox import to_blob

    views = to_blob(calib or synthetic_views(8, imgsz, seed=seed), imgsz)[0]
    net.train()
    with torch.no_grad():
        net(torch.from_numpy(np.ascontiguousarray(views, dtype=np.float32)))
        net(torch.rand(4, 3, imgsz, imgsz))
    net.eval()
    head = net.model[-1]
    with torch.no_grad():
        for seq in head.cv3:
            seq[-1].bias.copy_(torch.tensor(bias, dtype=seq[-1].bias.dtype))
            seq[-1].weight.normal_(0.0, weight_std)
    model = YOLO(f"yolo11{scale}.yaml", task="detect", verbose=False)
    model.model = net
    model.save(run_dir / "weights" / "best.pt")
    info = {"name": run_dir.name, "class_names": names, "imgsz": imgsz,
            "command": f"build_tiny_run({str(run_dir)!r}, imgsz={imgsz}, seed={seed})",
            "note": "untrained random weights for tests/benchmarks"}
    (run_dir / "camdetect_run.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return run_dir


def cached_tiny_onnx(cache_dir: str | Path, imgsz: int = 320) -> tuple[Path, Path]:
    """Build + export the tiny run once per ``cache_dir`` (file-locked: safe under pytest-xdist).

    Returns ``(onnx_path, run_dir)``.
    """
    import fcntl

    from camdetect.export.onnx_export import export_run
    from camdetect.taxonomy import load_taxonomy

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # the class count is part of the key: a cache left by a taxonomy with other classes is not reused
    stem = f"tiny{imgsz}_{len(load_taxonomy().detector_classes)}c"
    run_dir, onnx_path = cache_dir / stem, cache_dir / f"{stem}.onnx"
    with (cache_dir / f"{stem}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not onnx_path.exists():
            build_tiny_run(run_dir, imgsz=imgsz)
            export_run(run_dir, onnx_path)
    return onnx_path, run_dir


def save_random_classifier(path: Path, names: list[str], imgsz: int, seed: int = 0) -> Path:
    """A random-weight YOLO11n-cls over ``names`` saved as an ultralytics checkpoint at ``path``."""
    from camdetect.env import configure_offline_ultralytics

    configure_offline_ultralytics()
    import torch
    from ultralytics import YOLO
    from ultralytics.nn.tasks import ClassificationModel

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    net = ClassificationModel("yolo11n-cls.yaml", nc=len(names), verbose=False)
    net.names = dict(enumerate(names))
    net.args = {"imgsz": imgsz}
    model = YOLO("yolo11n-cls.yaml", task="classify", verbose=False)
    model.model = net
    model.save(path)
    return path


def build_tiny_mount_classifier(run_dir: str | Path, imgsz: int = 64, seed: int = 0) -> Path:
    """Add ``run_dir/mount/weights/best.pt``: a random YOLO11n-cls over the taxonomy's mounts."""
    from camdetect.taxonomy import load_taxonomy

    return save_random_classifier(Path(run_dir) / "mount" / "weights" / "best.pt", list(load_taxonomy().mounts),
                                  imgsz, seed)


def cached_tiny_verifier(cache_dir: str | Path, imgsz: int = 32, seed: int = 0) -> Path:
    """A random-weight verifier (camdetect.verifier: classes camera / not_camera) exported once per ``cache_dir``
    (file-locked), with the verifier's crop and fusion weight in its metadata: the scorer's and evaluator's
    second-look plumbing needs a real classifier graph, not a trained one."""
    import fcntl

    from camdetect.verifier.crop import CropSpec
    from camdetect.verifier.data import CLASSES
    from camdetect.verifier.model import DEFAULT_WEIGHT
    from camdetect.verifier.train import export_verifier

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / f"tiny-verifier{imgsz}.onnx"
    with (cache_dir / f"tiny-verifier{imgsz}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            weights = save_random_classifier(cache_dir / f"tiny-verifier{imgsz}.pt", list(CLASSES), imgsz, seed)
            export_verifier(weights, out, imgsz, CropSpec(size=imgsz), DEFAULT_WEIGHT,
                            {"note": "untrained random weights for tests"})
    return out
