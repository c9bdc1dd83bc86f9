from __future__ import annotations

from pathlib import Path

import pytest

from camdetect.train.config import ROOT, TrainConfig

RECIPES = sorted((ROOT / "configs" / "train").glob("*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_shipped_recipes_load_and_name_an_existing_model_yaml(path):
    cfg = TrainConfig.from_yaml(path)
    assert cfg.model.endswith(".yaml")
    assert Path(cfg.model_yaml()).is_file(), cfg.model
    if cfg.weights:  # a fine-tuning recipe starts from a checkpoint committed in models/, never a download
        assert cfg.weights.startswith("models/") and (ROOT / cfg.weights).is_file(), cfg.weights


@pytest.mark.parametrize("text, message", [
    ("data: x\nepochs: 3\nlearning_rate: 0.1\n", "learning_rate: unknown key"),
    ("data: x\naugment: {snow: 0.1}\n", "augment.snow: unknown key (expected one of: blur,"),
    ("data: x\nimgsz: 300\n", "imgsz: must be a multiple of 32, got 300"),
    ("data: x\nmodel: yolo11n.pt\n", "model: expected a .yaml or .yml file, got 'yolo11n.pt'"),
    ("epochs: 3\n", "'data'"),
    ("data: x\nepochs: [1\n", "not valid YAML"),
    ("data: x\ndevice: gpu\n", "device: "),
    ("data: x\ncache: memory\n", "cache: "),
    ("data: x\nkeep_start: maybe\n", "keep_start: "),
])
def test_bad_recipes_name_the_file(tmp_path, text, message):
    p = tmp_path / "r.yaml"
    p.write_text(text)
    with pytest.raises(ValueError) as err:
        TrainConfig.from_yaml(p)
    assert str(p) in str(err.value) and message in str(err.value)


def test_cli_overrides_win_and_none_is_ignored(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("data: x\nepochs: 3\nimgsz: 320\n")
    cfg = TrainConfig.from_yaml(p, epochs=7, imgsz=None)
    assert (cfg.epochs, cfg.imgsz) == (7, 320)


@pytest.mark.parametrize("device", ["cpu", "0", "0,1", "cuda:1", "mps"])
def test_device_takes_what_ultralytics_takes(tmp_path, device):
    p = tmp_path / "r.yaml"
    p.write_text(f"data: x\ndevice: '{device}'\n")
    assert TrainConfig.from_yaml(p).device == device
    assert TrainConfig.from_yaml(p, device="cpu").device == "cpu"  # --device wins


def test_a_bad_device_flag_names_the_recipe(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("data: x\n")
    with pytest.raises(ValueError, match=f"{p}: device must be cpu, mps or CUDA indices like 0 or 0,1, got 'gpu'"):
        TrainConfig.from_yaml(p, device="gpu")


def test_model_scale_builds_that_scale(tmp_path):
    """Ultralytics ignores a yaml's `scale:` line and builds the first of `scales` unless the file is named like
    yolo11n.yaml: model_scale writes a copy that lists the asked scale first."""
    from camdetect.train.detector import import_ultralytics

    YOLO = import_ultralytics(1)
    base = TrainConfig(data="x", model="configs/models/camdetect-p2.yaml")
    wide = TrainConfig(data="x", model="configs/models/camdetect-p2.yaml", model_scale="n")
    path = wide.model_yaml(tmp_path)
    assert Path(path).parent == tmp_path and "scale n" in Path(path).read_text().splitlines()[0]

    def params(p: str) -> int:
        return sum(t.numel() for t in YOLO(p, task="detect").model.parameters())

    t, n = params(base.model_yaml()), params(path)
    assert 200_000 < t < 400_000 and n > 3 * t  # width 0.125 -> 0.25


def test_model_scale_must_be_one_of_the_yaml_scales(tmp_path):
    cfg = TrainConfig(data="x", model="configs/models/camdetect-p2.yaml", model_scale="x", source="r.yaml")
    with pytest.raises(ValueError, match=r"camdetect-p2.yaml: no scale 'x' \(scales: t, n\)"):
        cfg.model_yaml(tmp_path)
    p = tmp_path / "r.yaml"
    p.write_text("data: x\nmodel_scale: nano\n")
    with pytest.raises(ValueError, match="model_scale"):
        TrainConfig.from_yaml(p)
