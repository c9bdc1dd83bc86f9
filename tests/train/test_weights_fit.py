"""camdetect.train.weights_fit: a checkpoint of another width must not train a random network under its name."""

from __future__ import annotations

import dataclasses
import os

import pytest
import torch
import yaml

from camdetect.train.config import ROOT, TrainConfig
from camdetect.train.weights_fit import MIN_SHARE, checkpoint_scale, fit_weights, loaded_share

RECIPE = ROOT / "configs" / "train" / "default.yaml"  # camdetect-p2, scales t (first) and n


def _net(width: int) -> dict:
    """A toy state dict: a stem and a head whose shapes depend on the width, plus a fixed-size tensor."""
    return {"stem.weight": torch.zeros(width, 3, 3, 3), "head.weight": torch.zeros(width * 2, width),
            "head.bias": torch.zeros(width * 2), "fixed.weight": torch.zeros(64, 64)}


def test_loaded_share_counts_tensors_and_parameters_by_name_and_shape():
    tensors, params, total = loaded_share(_net(8), _net(16))
    assert tensors == pytest.approx(1 / 4) and total == 8 * 27 + 16 * 8 + 16 + 64 * 64
    assert params == pytest.approx(64 * 64 / total)
    assert loaded_share(_net(8), _net(8))[:2] == (1.0, 1.0)
    assert loaded_share(_net(8), {})[:2] == (0.0, 0.0)


def test_checkpoint_scale_is_the_yaml_scale_or_its_first():
    assert checkpoint_scale({"scale": "n", "scales": {"t": [], "n": []}}) == "n"
    assert checkpoint_scale({"scale": "", "scales": {"n": [], "t": []}}) == "n"
    assert checkpoint_scale({}) == ""


def test_fit_adopts_the_checkpoint_scale_only_when_the_recipe_names_none():
    builds = {"t": _net(8), "": _net(8), "n": _net(16)}
    ckpt, ckpt_yaml = _net(16), {"scales": {"n": [], "t": []}}
    fit = fit_weights("w.pt", ckpt, ckpt_yaml, "", ["t", "n"], builds.__getitem__)
    assert (fit.scale, fit.adopted, fit.share) == ("n", True, 1.0)
    assert "scale n (the checkpoint's scale" in fit.line("w.pt")
    with pytest.raises(ValueError, match=r"^w\.pt: supplies only 25% .* at scale t .*pass --model-scale n$"):
        fit_weights("w.pt", ckpt, ckpt_yaml, "t", ["t", "n"], builds.__getitem__)
    with pytest.raises(ValueError, match="recipe whose model is the checkpoint's"):  # a scale the yaml lacks
        fit_weights("w.pt", ckpt, {"scale": "s"}, "", ["t", "n"], builds.__getitem__)
    same = fit_weights("w.pt", _net(8), {"scales": {"t": []}}, "", ["t", "n"], builds.__getitem__)
    assert (same.scale, same.adopted, same.share) == ("", False, 1.0) and MIN_SHARE <= 1.0


@pytest.fixture(scope="module")
def wide_checkpoint(tmp_path_factory):
    """camdetect-p2 built at scale n and saved as an ultralytics checkpoint (untrained: only shapes matter)."""
    from camdetect.train.detector import import_ultralytics

    YOLO = import_ultralytics(1)
    tmp = tmp_path_factory.mktemp("wide")
    cfg = dataclasses.replace(TrainConfig.from_yaml(RECIPE), model_scale="n")
    model = YOLO(cfg.model_yaml(tmp), task="detect")
    model.save(tmp / "wide.pt")
    return YOLO, tmp / "wide.pt"


def test_real_networks_wider_checkpoint_builds_at_its_scale(wide_checkpoint):
    from ultralytics.nn.tasks import load_checkpoint

    from camdetect.train.detector import fit_checkpoint

    YOLO, path = wide_checkpoint
    src, _ = load_checkpoint(str(path))
    fit = fit_checkpoint(TrainConfig.from_yaml(RECIPE), YOLO, str(path), src)
    assert (fit.scale, fit.adopted, fit.share) == ("n", True, 1.0) and fit.n_params > 1_500_000
    with pytest.raises(ValueError, match=r"supplies only \d+% of the tensors .* at scale t .*--model-scale n"):
        fit_checkpoint(dataclasses.replace(TrainConfig.from_yaml(RECIPE), model_scale="t"), YOLO, str(path), src)


def test_train_from_a_wider_checkpoint_trains_that_network(wide_checkpoint, tmp_path, capfd):
    """`camdetect train --weights WIDE.pt` with the default recipe: before, the scale-t network loaded 24 % of the
    tensors and trained from there; now the run is built at scale n, says so, and records it."""
    import json

    from camdetect.dataset.build import BuildOptions, build_dataset
    from camdetect.dataset.toy_city import make_toy_city
    from camdetect.geometry import ViewPlan
    from camdetect.train.cli import run_training

    YOLO, path = wide_checkpoint
    city = make_toy_city(tmp_path / "city", intersections=3, seed=5, cameras_per_pano=(1, 3))
    ds = tmp_path / "ds"
    build_dataset(ds, panoramas=city / "manifest.csv", cameras=city / "truth" / "cameras.csv",
                  opts=BuildOptions(plan=ViewPlan(n_headings=6, heading_offset=0.0, pitch=12.0, fov=40.0,
                                                  width=160, height=160)), progress=False)
    recipe = tmp_path / "ft.yaml"
    recipe.write_text(yaml.safe_dump({
        "model": "configs/models/camdetect-p2.yaml", "weights": str(path), "imgsz": 160, "epochs": 1, "batch": 8,
        "workers": 0, "plots": False, "mosaic": 0.0, "close_mosaic": 0, "fraction": 0.25, "val": False,
        "augment": {"enabled": False}, "mount": {"enabled": False}}))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        run = run_training(recipe, data=str(ds), name="ft", threads=1)
    finally:
        os.chdir(cwd)
    assert f"weights: {path} supply 100% of the tensors" in capfd.readouterr().out
    trained = YOLO(str(run / "weights" / "last.pt")).model
    assert sum(p.numel() for p in trained.parameters()) > 1_500_000
    assert json.loads((run / "camdetect_run.json").read_text())["config"]["model_scale"] == "n"
