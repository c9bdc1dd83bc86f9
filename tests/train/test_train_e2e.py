"""CI smoke: tiny drawn city -> dataset -> a few iterations of the detector and mount classifier -> run dir."""

from __future__ import annotations

import json

import pytest

from camdetect.dataset.build import BuildOptions, build_dataset
from camdetect.dataset.toy_city import make_toy_city
from camdetect.geometry import ViewPlan
from camdetect.train.config import ROOT

PLAN = ViewPlan(n_headings=9, heading_offset=0.0, pitch=12.0, fov=40.0, width=192, height=192)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    import os

    root = tmp_path_factory.mktemp("e2e")
    city = make_toy_city(root / "city", intersections=6, seed=5, cameras_per_pano=(1, 4))
    ds = root / "ds"
    build_dataset(ds, panoramas=city / "manifest.csv", cameras=city / "truth" / "cameras.csv",
                  opts=BuildOptions(plan=PLAN), progress=False)
    from camdetect.train.cli import run_training

    cwd = os.getcwd()
    os.chdir(root)  # runs/train/NAME is relative to the working directory
    try:
        run = run_training(ROOT / "configs" / "train" / "ci.yaml", data=str(ds), imgsz=192, name="smoke",
                           threads=1, command="pytest e2e", device="cpu")
    finally:
        os.chdir(cwd)
    return run, ds


def test_run_dir_has_weights_metrics_and_card(trained):
    run, ds = trained
    for rel in ("weights/best.pt", "weights/last.pt", "results.csv", "metrics.json", "model_card.md",
                "camdetect_run.json", "mount/mount.json"):
        assert (run / rel).is_file(), rel
    info = json.loads((run / "camdetect_run.json").read_text())
    ds_info = json.loads((ds / "dataset.json").read_text())
    assert info["class_names"] == ["dome", "bullet", "alpr"] and info["imgsz"] == 192  # taxonomy's classes
    assert info["data_hash"] == ds_info["hash"] and info["command"] == "pytest e2e"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["seconds_per_epoch"] > 0
    assert set(metrics["final"]) == {"precision", "recall", "map50", "map50_95"}
    # the toy city's train crops hold building 3, street_furniture 7 and no "other": the mount classifier
    # cannot be trained properly, so it is skipped (no weights) and the run says why (tests/train/test_attributes.py)
    assert metrics["mount"]["status"] == "skipped" and "2 of the taxonomy's 3 mounts" in metrics["mount"]["reason"]
    assert info["mount_model"] == metrics["mount"] and not (run / "mount" / "weights").exists()
    import yaml

    assert yaml.safe_load((run / "args.yaml").read_text())["device"] == "cpu"  # --device reaches ultralytics
    card = (run / "model_card.md").read_text()
    assert ds_info["hash"] in card and "pytest e2e" in card and "Not trained: the train crops hold 2" in card


def test_threads_are_restored_after_ultralytics(trained):
    import torch

    assert torch.get_num_threads() == 1  # the run's threads, after ultralytics' final validation


def test_thread_callbacks_undo_select_device():
    import torch
    from ultralytics.utils.torch_utils import select_device

    from camdetect.train.detector import import_ultralytics, thread_callbacks

    YOLO = import_ultralytics(3)
    assert torch.get_num_threads() == 3
    model = YOLO(str(ROOT / "configs" / "models" / "camdetect-n.yaml"), task="detect")
    thread_callbacks(model, 3)
    torch.set_num_threads(1)
    select_device("cpu", verbose=False)  # what ultralytics' trainer does: cpu_count - 1 threads
    for cb in model.callbacks["on_pretrain_routine_start"]:
        cb(None)
    assert torch.get_num_threads() == 3
    torch.set_num_threads(1)


@pytest.mark.parametrize("asked, expected_min", [(3, 3), (1, 1), (0, 1)])
def test_auto_threads(asked, expected_min):
    import os

    from camdetect.train.detector import auto_threads

    n = auto_threads(asked)
    assert n >= expected_min and (asked > 0 or n <= (os.cpu_count() or 1))


def test_weights_load_and_predict(trained):
    import numpy as np
    from ultralytics import YOLO

    run, _ = trained
    model = YOLO(str(run / "weights" / "best.pt"))
    res = model.predict(np.zeros((192, 192, 3), np.uint8), imgsz=192, verbose=False, device="cpu")
    assert res[0].boxes is not None and list(model.names.values()) == ["dome", "bullet", "alpr"]


def test_existing_run_needs_resume_or_overwrite(trained):
    import os

    from camdetect.train.cli import run_training

    run, ds = trained
    cwd = os.getcwd()
    os.chdir(run.parents[2])
    try:
        with pytest.raises(ValueError, match="--resume"):
            run_training(ROOT / "configs" / "train" / "ci.yaml", data=str(ds), name="smoke")
        with pytest.raises(FileNotFoundError, match="nothing to resume"):
            run_training(ROOT / "configs" / "train" / "ci.yaml", data=str(ds), name="fresh", resume=True)
        with pytest.raises(ValueError, match="finished all its epochs, nothing to resume"):  # not the trainer's assert
            run_training(ROOT / "configs" / "train" / "ci.yaml", data=str(ds), name="smoke", resume=True)
    finally:
        os.chdir(cwd)


def test_two_class_checkpoint_fine_tunes_on_three_classes(trained, tmp_path, capfd):
    """models/camdetect-city.pt (the v1 model: dome, bullet) on a dome/bullet/alpr dataset: the 3-class model starts
    with the checkpoint's dome and bullet head rows (copied by name), alpr fresh. lr0=0 so the rows stay
    as loaded and can be compared."""
    import torch
    from ultralytics import YOLO

    _, ds = trained
    weights = ROOT / "models" / "camdetect-city.pt"
    if not weights.is_file():
        pytest.skip("no shipped checkpoint")
    run = _fine_tune(tmp_path, ds, weights=str(weights), lr0=0.0, optimizer="SGD", extra={"warmup_epochs": 0},
                     keep_start=True)
    out = capfd.readouterr().out
    assert "head rows copied by name: dome, bullet; new: alpr" in out
    # keep_start cannot put a 2-class start in a 3-class run's best.pt: it says so and leaves the fine-tune
    assert "start weights not compared: the start's classes (dome, bullet) differ from the data's" in out
    check = json.loads((run / "camdetect_run.json").read_text())["start_check"]
    assert check["kept"] == "not compared" and not (run / "weights" / "best-finetuned.pt").exists()
    src = YOLO(str(weights)).model
    dst = YOLO(str(run / "weights" / "last.pt")).model
    assert list(dst.names.values()) == ["dome", "bullet", "alpr"]
    for s_branch, d_branch in zip(src.model[-1].cv3, dst.model[-1].cv3):
        s_conv, d_conv = s_branch[-1], d_branch[-1]
        assert d_conv.out_channels == 3 and s_conv.out_channels == 2
        torch.testing.assert_close(d_conv.weight[:2].float(), s_conv.weight.float())
        torch.testing.assert_close(d_conv.bias[:2].float(), s_conv.bias.float())


def test_train_from_a_wider_checkpoint_trains_that_network(trained, wide_checkpoint, tmp_path, capfd):
    """`camdetect train --weights WIDE.pt` with a recipe that names no scale: before, the scale-t network loaded 24 %
    of the tensors and trained from there; now the run is built at the checkpoint's scale n, says so, records it."""
    YOLO, path = wide_checkpoint
    run = _fine_tune(tmp_path, trained[1], weights=str(path), val=False)
    assert f"weights: {path} supply 100% of the tensors" in capfd.readouterr().out
    assert sum(p.numel() for p in YOLO(str(run / "weights" / "last.pt")).model.parameters()) > 1_500_000
    assert json.loads((run / "camdetect_run.json").read_text())["config"]["model_scale"] == "n"


def test_keep_start_puts_the_better_of_start_and_fine_tune_in_best(trained, tmp_path, capfd):
    """keep_start validates the start checkpoint and the fine-tuned best.pt on val; best.pt ends up holding the one
    with the higher mAP@0.5 (the start on a tie), the other stays beside it, and the run files record both figures."""
    import hashlib

    smoke, ds = trained
    start = smoke / "weights" / "best.pt"
    run = _fine_tune(tmp_path, ds, weights=str(start), keep_start=True, lr0=0.05)
    check = json.loads((run / "camdetect_run.json").read_text())["start_check"]
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (start, run / "weights" / "best.pt")}
    assert 0.0 <= check["start_map50"] <= 1.0 and 0.0 <= check["tuned_map50"] <= 1.0
    if check["start_map50"] >= check["tuned_map50"]:
        assert check["kept"] == "start" and len(set(digest.values())) == 1
        assert (run / "weights" / "best-finetuned.pt").is_file()
        assert "Start weights kept" in (run / "model_card.md").read_text()
        assert "kept the start weights: fine-tuning did not beat them" in capfd.readouterr().out
    else:
        assert check["kept"] == "fine-tuned" and len(set(digest.values())) == 2
        assert not (run / "weights" / "best-finetuned.pt").exists()


def _fine_tune(tmp_path, ds, **recipe):
    """One tiny epoch of camdetect-p2 at 160 px on a quarter of ``ds``, no augmentation, recipe keys on top -> RUN."""
    import os

    import yaml

    from camdetect.train.cli import run_training

    path = tmp_path / "ft.yaml"
    path.write_text(yaml.safe_dump({
        "model": "configs/models/camdetect-p2.yaml", "imgsz": 160, "epochs": 1, "batch": 8, "workers": 0,
        "plots": False, "mosaic": 0.0, "close_mosaic": 0, "fraction": 0.25, "augment": {"enabled": False},
        "mount": {"enabled": False}, **recipe}))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return run_training(path, data=str(ds), name="ft", threads=1)
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("weights, names, expected", [
    (["dome", "bullet"], ["dome", "bullet"], "classes: dome, bullet (as in the weights)"),
    (["dome", "bullet"], ["dome", "bullet", "alpr"], "head rows copied by name: dome, bullet; new: alpr"),
    (["camera"], ["dome", "bullet", "alpr"], "no class in common: the class head starts fresh"),
    (["dome", "bullet", "alpr"], ["dome", "bullet"], "dropped: alpr"),
])
def test_class_transfer_line(weights, names, expected):
    from camdetect.train.detector import class_transfer

    line = class_transfer(weights, names)
    assert expected in line and "\n" not in line
