"""camdetect.train.weights_fit: a checkpoint of another width must not train a random network under its name."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from camdetect.train.config import TrainConfig
from camdetect.train.weights_fit import checkpoint_scale, fit_weights, loaded_share
from tests.train.conftest import RECIPE


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
    assert (same.scale, same.adopted, same.share) == ("", False, 1.0)


def test_real_networks_wider_checkpoint_builds_at_its_scale(wide_checkpoint):
    from ultralytics.nn.tasks import load_checkpoint

    from camdetect.train.detector import fit_checkpoint

    YOLO, path = wide_checkpoint
    src, _ = load_checkpoint(str(path))
    fit = fit_checkpoint(TrainConfig.from_yaml(RECIPE), YOLO, str(path), src)
    assert (fit.scale, fit.adopted, fit.share) == ("n", True, 1.0) and fit.n_params > 1_500_000
    with pytest.raises(ValueError, match=r"supplies only \d+% of the tensors .* at scale t .*--model-scale n"):
        fit_checkpoint(dataclasses.replace(TrainConfig.from_yaml(RECIPE), model_scale="t"), YOLO, str(path), src)

