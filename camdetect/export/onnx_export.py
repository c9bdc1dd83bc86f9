"""Export a training run (or a bare ``.pt``) to ONNX with dynamic batch, onnxslim and camdetect metadata.

Ultralytics does the graph export (it knows its own heads); we then stamp ``camdetect.*``
metadata_props (see :mod:`camdetect.export.metadata`) and write the file atomically, so the scorer
needs nothing but the ``.onnx``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import camdetect
from camdetect.durable import atomic_path
from camdetect.export.metadata import DEFAULT_CONF, DEFAULT_IOU, ModelMetadata


@dataclass
class RunSource:
    """Where the weights and the run record of one model are."""

    weights: Path
    run_dir: Path | None
    run_info: dict
    mount_weights: Path | None = None  # optional second model (RUN/mount/weights/best.pt), when usable
    mount_note: str = ""  # why the run has no usable mount classifier (skipped / degenerate / none trained)


def resolve_run(run_or_pt: str | os.PathLike) -> RunSource:
    """``runs/train/NAME`` (weights/best.pt + camdetect_run.json) or a ``.pt`` file."""
    p = Path(run_or_pt)
    if p.is_dir():
        weights = p / "weights" / "best.pt"
        if not weights.is_file():
            raise FileNotFoundError(f"{weights}: no weights in run directory {p}")
        run_dir = p
    elif p.is_file():
        if p.suffix != ".pt":
            raise ValueError(f"{p}: expected a run directory or a .pt file")
        weights = p
        run_dir = p.parent.parent if (p.parent.parent / "camdetect_run.json").is_file() else None
    else:
        raise FileNotFoundError(f"{p}: no such run directory or weights file")
    info: dict = {}
    if run_dir is not None and (run_dir / "camdetect_run.json").is_file():
        path = run_dir / "camdetect_run.json"
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{exc.lineno}: bad JSON: {exc.msg}") from None
    from camdetect.train.attributes import mount_status

    mount = run_dir / "mount" / "weights" / "best.pt" if run_dir else None
    usable, why = mount_status(info)
    if mount is None or not mount.is_file():
        return RunSource(weights, run_dir, info, None, why or "the run has no mount classifier")
    return RunSource(weights, run_dir, info, mount if usable else None, why)


def _mount_fallback(path: Path) -> None:
    """Check that ``path`` is an exported mount classifier (.onnx with task classify)."""
    import onnx

    from camdetect.export.metadata import ModelMetadata

    if path.suffix != ".onnx" or not path.is_file():
        raise FileNotFoundError(f"{path}: --mount-model must be an existing exported classifier (.onnx)")
    try:
        props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one bad input
        raise ValueError(f"{path}: not an ONNX model ({type(exc).__name__})") from None
    meta = ModelMetadata.from_props(props, where=str(path))
    if meta.task != "classify":
        raise ValueError(f"{path}: --mount-model is a {meta.task} model, not a mount classifier")


def find_thresholds(source: RunSource) -> dict:
    """Thresholds chosen at evaluation, when the run has them; defaults otherwise.

    Looks for ``thresholds`` (dict with conf/iou) or ``conf``/``conf_threshold`` in
    camdetect_run.json, RUN/metrics.json and RUN/eval*/metrics.json (first found wins).
    """
    found = {"conf": DEFAULT_CONF, "iou": DEFAULT_IOU, "source": "default"}
    candidates: list[tuple[str, dict]] = [("camdetect_run.json", source.run_info)]
    if source.run_dir is not None:
        for path in [source.run_dir / "metrics.json", *sorted(source.run_dir.glob("eval*/metrics.json"))]:
            if path.is_file():
                try:
                    candidates.append((str(path), json.loads(path.read_text(encoding="utf-8"))))
                except json.JSONDecodeError:
                    continue
    for where, data in candidates:
        if not isinstance(data, dict):
            continue
        th = data.get("thresholds")
        if isinstance(th, dict) and "conf" in th:
            return {"conf": float(th["conf"]), "iou": float(th.get("iou", DEFAULT_IOU)), "source": where}
        for key in ("conf_threshold", "conf"):
            if isinstance(data.get(key), (int, float)):
                return {"conf": float(data[key]), "iou": DEFAULT_IOU, "source": where}
    return found


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _taxonomy_text(info: dict) -> str:
    from camdetect.taxonomy import load_taxonomy

    path = info.get("taxonomy") or info.get("taxonomy_path")
    if path and Path(path).is_file():
        return Path(path).read_text(encoding="utf-8")
    return Path(load_taxonomy().source).read_text(encoding="utf-8")


def dataset_tile(run_info: dict) -> int:
    """Tile side the training views were cut into (0: whole views): from camdetect_run.json, or for runs
    made before it was recorded, from the dataset's dataset.json when that is still on disk."""
    if "dataset_tile" in run_info:
        return int(run_info["dataset_tile"] or 0)
    data = Path(str(run_info.get("data") or ""))
    card = (data.parent if data.suffix in (".yaml", ".yml") else data) / "dataset.json"
    if not run_info.get("data") or not card.is_file():
        return 0
    try:
        return int(json.loads(card.read_text(encoding="utf-8")).get("options", {}).get("tile") or 0)
    except (json.JSONDecodeError, TypeError, ValueError):
        return 0


def export_pt(weights: Path, out: Path, imgsz: int | None, task_hint: str = "detect") -> tuple[Path, dict]:
    """Ultralytics ONNX export (dynamic batch, onnxslim) into a temp dir; returns (onnx path, names/imgsz)."""
    camdetect.env.configure_offline_ultralytics()
    from ultralytics import YOLO
    from ultralytics.nn.tasks import ClassificationModel, guess_model_task

    model = YOLO(str(weights))
    # from the network itself: a saved run's args can say otherwise
    task = "classify" if isinstance(model.model, ClassificationModel) else guess_model_task(model.model)
    args = dict(getattr(model.model, "args", {}) or {})
    size = int(imgsz or args.get("imgsz") or (640 if task == "detect" else 224))
    tmp = Path(tempfile.mkdtemp(prefix="camdetect-export-", dir=out.parent))
    staged = tmp / weights.name
    shutil.copy2(weights, staged)  # ultralytics writes the .onnx beside the .pt
    model = YOLO(str(staged), task=task)
    path = Path(model.export(format="onnx", dynamic=True, simplify=True, imgsz=size, device="cpu", verbose=False))
    names = model.names
    return path, {"names": [names[i] for i in sorted(names)], "imgsz": size, "task": task}


def stamp_props(onnx_path: str | os.PathLike, props: dict[str, str], out: str | os.PathLike | None = None) -> None:
    """Add/replace metadata_props entries (keeping the others, e.g. ultralytics' own keys) and save atomically
    to ``out`` (default: in place)."""
    import onnx

    model = onnx.load(str(onnx_path))
    merged = {p.key: p.value for p in model.metadata_props}
    merged.update(props)
    del model.metadata_props[:]
    for k, v in merged.items():
        model.metadata_props.add(key=k, value=v)
    with atomic_path(Path(out if out is not None else onnx_path)) as tmp:
        onnx.save(model, str(tmp))


def stamp_metadata(onnx_path: Path, out: Path, meta: ModelMetadata) -> None:
    """Write ``meta`` into metadata_props (keeping ultralytics' own keys) and save atomically to ``out``."""
    stamp_props(onnx_path, meta.to_props(), out)


def export_run(run_or_pt: str | os.PathLike, out: str | os.PathLike, imgsz: int | None = None,
               conf: float | None = None, iou: float | None = None, mount_fallback: str | os.PathLike | None = None,
               log=None, tile: int | None = None) -> list[Path]:
    """Export the detector (and the run's mount classifier, if usable) with metadata; returns written files.

    A run whose mount classifier was skipped or is degenerate (camdetect_run.json ``mount_model.status``)
    exports none, unless ``mount_fallback`` (an existing exported classifier, e.g.
    models/camdetect-default-mount.onnx) is given, which is then copied to ``NAME-mount.onnx``. A
    ``NAME-mount.onnx`` already beside ``out`` is never deleted (the scorer will use it: a warning says so). What was done is stamped into the detector's metadata (``training_run.mount_model``: source
    trained / fallback / none, path, reason) and reported through ``log`` (one line). ``tile`` overrides
    the tile side recorded for the scorer (for runs whose dataset did not record one).
    """
    source = resolve_run(run_or_pt)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    mount_target = out.with_name(out.stem + "-mount.onnx")
    if mount_fallback is not None:
        _mount_fallback(Path(mount_fallback))
    if source.mount_weights is not None:
        mount_rec = {"source": "trained", "path": mount_target.name, "reason": ""}
        if mount_fallback is not None:
            mount_rec["reason"] = f"the run's own classifier was exported; --mount-model {mount_fallback} not used"
    elif mount_fallback is not None:
        mount_rec = {"source": "fallback", "path": str(mount_fallback),
                     "reason": f"the run's mount classifier is not usable ({source.mount_note})"}
    else:
        mount_rec = {"source": "none", "path": "", "reason": source.mount_note}
        if mount_target.is_file():
            mount_rec["left_beside"] = f"{mount_target.name} (not from this export)"
    thresholds = find_thresholds(source)
    if conf is not None:
        thresholds.update(conf=float(conf), source="command line")
    if iou is not None:
        thresholds["iou"] = float(iou)
    run_record = {"run_dir": str(source.run_dir) if source.run_dir else "", "weights": str(source.weights),
                  **{k: v for k, v in source.run_info.items() if k in ("name", "command", "data_hash", "config",
                                                                        "class_names", "imgsz", "crop")},
                  "tile": int(tile) if tile is not None else dataset_tile(source.run_info), "mount_model": mount_rec}
    written = []
    jobs = [(source.weights, out, "detect")]
    if source.mount_weights is not None:
        jobs.append((source.mount_weights, mount_target, "classify"))
    for weights, target, task in jobs:
        size = (imgsz or source.run_info.get("imgsz")) if task == "detect" else None  # classifier: its own
        path, info = export_pt(weights, target, size)
        try:
            meta = ModelMetadata(
                class_names=info["names"], imgsz=(info["imgsz"], info["imgsz"]), task=info["task"],
                thresholds=thresholds, camdetect_version=camdetect.__version__, training_run=run_record,
                taxonomy=_taxonomy_text(source.run_info), source_weights_sha256=sha256(weights), name=target.stem)
            stamp_metadata(path, target, meta)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        written.append(target)
    if mount_rec["source"] == "fallback":
        if Path(mount_fallback).resolve() != mount_target.resolve():
            with atomic_path(mount_target) as tmp:
                shutil.copyfile(mount_fallback, tmp)
        written.append(mount_target)
        message = (f"mount model: shipped fallback {mount_fallback} copied to {mount_target} "
                   f"({mount_rec['reason']})")
    elif mount_rec["source"] == "none":
        # never deleted: a recipe may ship an older classifier beside the detector on purpose (configs/train/
        # real.yaml); but the scorer will pair them, so say it loudly
        message = (f"mount model: none exported ({mount_rec['reason']})" + (
            f"; WARNING: {mount_target} (not from this export) stays beside it and the scorer will use it"
            if mount_target.is_file() else "; the scorer will suggest no mounts (--mount-model PATH copies one)"))
    else:
        message = f"mount model: trained, exported to {mount_target}" + (
            f" ({mount_rec['reason']})" if mount_rec["reason"] else "")
    if log is not None:
        log(message)
    return written
