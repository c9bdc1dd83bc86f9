"""Keep the start weights when fine-tuning did not beat them (recipe key ``keep_start``).

Ultralytics picks ``best.pt`` among the epochs it trained; the weights it started from are never a candidate, so a
fine-tune on noisy labels (the crowd's, issue 12) can ship a model worse than the one it began with. With
``keep_start: true`` the run validates the start checkpoint and the fine-tuned ``best.pt`` the same way on the
dataset's val split and, when the start scores at least as well on mAP@0.5, puts the start weights in ``best.pt``
(the fine-tuned ones stay as ``best-finetuned.pt``). The decision and both figures go to camdetect_run.json and the
model card. Only the val split decides: the test split stays unseen.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from camdetect.durable import atomic_path
from camdetect.train.checkpoint import load_checkpoint
from camdetect.train.weights_fit import class_names


@dataclass(frozen=True)
class StartCheck:
    """Both checkpoints' val mAP@0.5 and which one ``best.pt`` now holds (``kept``: ``fine-tuned`` | ``start``),
    or ``kept: not compared`` with the reason (e.g. the start's classes differ from the data's)."""

    start: str
    kept: str
    start_map50: float | None = None
    tuned_map50: float | None = None
    reason: str = ""

    def line(self) -> str:
        if self.kept == "not compared":
            return f"start weights not compared: {self.reason}"
        verdict = ("kept the start weights: fine-tuning did not beat them" if self.kept == "start"
                   else "kept the fine-tuned weights")
        return f"{verdict} (val mAP@0.5: start {self.start_map50:.3f}, fine-tuned {self.tuned_map50:.3f})"

    def to_dict(self) -> dict:
        return asdict(self)


def checkpoint_names(path: Path) -> list[str]:
    """The class names a checkpoint was trained on."""
    return class_names(load_checkpoint(path)[1])


def val_map50(YOLO, weights: Path, *, data_yaml: Path, imgsz: int, batch: int, device: str) -> float:
    """Box mAP@0.5 of ``weights`` on the data's val split (ultralytics' val, as each training epoch's)."""
    with tempfile.TemporaryDirectory() as tmp:  # ultralytics writes a run folder per val call
        metrics = YOLO(str(weights), task="detect").val(
            data=str(data_yaml), imgsz=imgsz, batch=batch, device=device, split="val", plots=False, verbose=False,
            save_json=False, project=tmp, name="val", exist_ok=True, workers=0)
    return float(metrics.box.map50)


def keep_better(YOLO, start: Path, run_dir: Path, *, data_yaml: Path, names: list[str], imgsz: int, batch: int,
                device: str = "cpu") -> StartCheck:
    """Compare ``start`` with ``run_dir/weights/best.pt`` on val; a tie keeps the start (fine-tuning bought nothing)."""
    best = run_dir / "weights" / "best.pt"
    start_names = checkpoint_names(start)
    if start_names != list(names):
        return StartCheck(str(start), "not compared", reason=f"the start's classes ({', '.join(start_names)}) differ "
                                                             f"from the data's ({', '.join(names)})")
    kw = dict(data_yaml=data_yaml, imgsz=imgsz, batch=batch, device=device)
    tuned, first = val_map50(YOLO, best, **kw), val_map50(YOLO, start, **kw)
    if first >= tuned:  # each file is replaced whole (camdetect.durable)
        for src, dst in ((best, best.with_name("best-finetuned.pt")), (start, best)):
            with atomic_path(dst, keep_suffix=True) as tmp:
                shutil.copy2(src, tmp)
        return StartCheck(str(start), "start", first, tuned)
    return StartCheck(str(start), "fine-tuned", first, tuned)
