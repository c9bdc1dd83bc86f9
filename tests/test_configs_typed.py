"""Typed config files (camdetect.configs): every shipped config loads; a wrong type or value anywhere in one is
refused with one line naming the file and the key, and the command that reads it exits 2.

The property: take each shipped config, replace each scalar (and each section, and the first item of each list)
in turn by values of the wrong type, and load it again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from camdetect.configs import ConfigError, StrictModel, load_model, validate_mapping
from camdetect.demo.pipeline import DemoSettings
from camdetect.evaluate.effort import EffortModel
from camdetect.evaluate.real_images import load_street_truth
from camdetect.geometry.planner import ViewPlan
from camdetect.taxonomy import Taxonomy
from camdetect.train.config import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"

# A street-truth file with one camera, so that its camera keys are exercised too (the shipped one is empty).
STREET_TRUTH = {"comment": "one camera", "cameras": [{"file": "street/a.jpg", "bbox": [10, 20, 8, 9], "note": "dome"}]}


def _load_demo(path: Path) -> None:
    DemoSettings.load(path)
    DemoSettings.load(path, quick=True)


# kind -> (loader, the command line that reads the file, with {path} and {tmp} to fill in; None: no command reads
# a file of one's choosing, the loader is the entry point)
LOADERS: dict[str, tuple[Callable[[Path], object], list[str] | None]] = {
    "train": (TrainConfig.from_yaml, ["train", "--config", "{path}"]),
    "views": (ViewPlan.from_yaml, ["geometry", "plan", "--config", "{path}"]),
    "effort": (EffortModel.from_yaml, ["eval", "--predictions", "{tmp}/p.jsonl", "--data", "{tmp}/ds",
                                       "--out", "{tmp}/out", "--effort", "{path}"]),
    "demo": (_load_demo, ["demo", "--config", "{path}", "--out", "{tmp}/demo"]),
    "taxonomy": (Taxonomy.load, None),
    "street_truth": (load_street_truth, None),
}

SHIPPED = sorted([
    *[("train", p) for p in (CONFIGS / "train").glob("*.yaml")],
    *[("views", p) for p in (CONFIGS / "views").glob("*.yaml")],
    *[("effort", p) for p in (CONFIGS / "effort").glob("*.yaml")],
    ("demo", CONFIGS / "demo.yaml"),
    ("taxonomy", CONFIGS / "taxonomy.yaml"),
    *[("street_truth", p) for p in (CONFIGS / "eval").glob("*.json")],
], key=lambda kp: str(kp[1]))


def test_every_config_file_in_configs_is_covered():
    """A new config folder needs a file model and a row here (configs/models/ are ultralytics model yamls)."""
    covered = {p for _, p in SHIPPED}
    files = {p for p in CONFIGS.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and "models" not in p.parts}
    assert files == covered


@pytest.mark.parametrize("kind, path", SHIPPED, ids=[str(p.relative_to(CONFIGS)) for _, p in SHIPPED])
def test_shipped_configs_load(kind, path):
    LOADERS[kind][0](path)


def _wrong_values(value: object) -> list[object]:
    """Values of another type than ``value`` (a YAML scalar, list or mapping)."""
    if isinstance(value, bool):
        return ["yes", 1]
    if isinstance(value, int):
        return ["ten", [1], True]  # (not 2.5: a number field may hold an int)
    if isinstance(value, float):
        return ["x", [0.5], True]
    if isinstance(value, str):
        return [7, ["a"]]
    if value is None:
        return [7]
    if isinstance(value, list):
        return ["x", 3]
    return ["x", [1]]  # a mapping


def _leaves(doc: object, key: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """(key path, value) of every scalar, list and mapping below the top level; lists: their first item only."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc[:1]) if isinstance(doc, list) else ()
    for k, v in items:
        yield (*key, k), v
        yield from _leaves(v, (*key, k))


def _replace(doc: object, key: tuple, value: object) -> object:
    if not key:
        return value
    out = dict(doc) if isinstance(doc, dict) else list(doc)
    out[key[0]] = _replace(out[key[0]], key[1:], value)
    return out


def _base(kind: str, path: Path) -> dict:
    if kind == "street_truth":
        return STREET_TRUTH
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _cases() -> Iterator[tuple[str, Path, tuple, object]]:
    seen: set[tuple[str, tuple, str]] = set()
    for kind, path in SHIPPED:
        for key, value in _leaves(_base(kind, path)):
            for wrong in _wrong_values(value):
                if (kind, key, repr(wrong)) not in seen:  # the same key in two recipes: once is enough
                    seen.add((kind, key, repr(wrong)))
                    yield kind, path, key, wrong


CASES = list(_cases())


def _write(tmp_path: Path, path: Path, doc: object) -> Path:
    out = tmp_path / path.name
    out.write_text(json.dumps(doc) if path.suffix == ".json" else yaml.safe_dump(doc, sort_keys=False), "utf-8")
    return out


@pytest.mark.parametrize("kind, path, key, wrong", CASES,
                         ids=[f"{p.stem}:{'.'.join(map(str, k))}={w!r}" for _, p, k, w in CASES])
def test_a_wrong_type_anywhere_is_one_line_naming_file_and_key(tmp_path, kind, path, key, wrong):
    bad = _write(tmp_path, path, _replace(_base(kind, path), key, wrong))
    with pytest.raises(ValueError) as err:
        LOADERS[kind][0](bad)
    message = str(err.value)
    dotted = ".".join(map(str, key))
    assert "\n" not in message
    assert message.startswith(f"{bad}: ")
    assert dotted in message, message


def test_the_property_covers_every_file_model():
    """Each config kind has wrong-type cases for many keys (not only the top-level sections)."""
    per_kind = {kind: {k for kd, _, k, _ in CASES if kd == kind} for kind in LOADERS}
    assert all(len(keys) >= 3 for keys in per_kind.values()), {k: len(v) for k, v in per_kind.items()}


def _cli(argv: list[str], monkeypatch, capsys) -> tuple[int, str]:
    from camdetect.cli import main

    monkeypatch.setattr(sys, "argv", ["camdetect", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    return exit_.value.code, capsys.readouterr().err


CLI_CASES = [(kind, path, key, wrong) for kind, path, key, wrong in CASES if LOADERS[kind][1] is not None]


@pytest.mark.parametrize("kind, path, key, wrong", CLI_CASES,
                         ids=[f"{p.stem}:{'.'.join(map(str, k))}={w!r}" for _, p, k, w in CLI_CASES])
def test_the_command_exits_2_with_one_line(tmp_path, monkeypatch, capsys, kind, path, key, wrong):
    bad = _write(tmp_path, path, _replace(_base(kind, path), key, wrong))
    argv = [a.format(path=bad, tmp=tmp_path) for a in LOADERS[kind][1]]
    code, err = _cli(argv, monkeypatch, capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}: ") and ".".join(map(str, key)) in err, err


def test_the_issues_examples(tmp_path, monkeypatch, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text((CONFIGS / "train" / "ci.yaml").read_text().replace("epochs: 2", "epochs: ten"))
    code, err = _cli(["train", "--config", str(recipe)], monkeypatch, capsys)
    assert (code, err) == (2, f"error: {recipe}: epochs: expected an integer, got 'ten'\n")

    demo = tmp_path / "demo.yaml"
    demo.write_text((CONFIGS / "demo.yaml").read_text().replace("intersections: 120", "intersections: many"))
    code, err = _cli(["demo", "--config", str(demo), "--out", str(tmp_path / "out")], monkeypatch, capsys)
    assert (code, err) == (2, f"error: {demo}: full.intersections: expected an integer, got 'many'\n")
    assert not (tmp_path / "out").exists()


# Values of the right type but out of range, and other problems of a whole file.
@pytest.mark.parametrize("kind, text, message", [
    ("train", "data: x\nepochs: 0\n", "epochs: must be >= 1, got 0"),
    ("train", "data: x\nepochs: 3.0\n", "epochs: expected an integer, got 3.0"),
    ("train", "data: x\nimgsz: 330\n", "imgsz: must be a multiple of 32, got 330"),
    ("train", "data: x\nbatch: '16'\n", "batch: expected an integer, got '16'"),
    ("train", "data: x\nmosaic: 1.5\n", "mosaic: must be <= 1, got 1.5"),
    ("train", "data: x\nlr0: .nan\n", "lr0: expected a finite number, got nan"),
    ("train", "data: x\nplots: 1\n", "plots: expected true or false, got 1"),
    ("train", "data: x\nweights: last.onnx\n", "weights: expected a .pt file or an empty string, got 'last.onnx'"),
    ("train", "data: x\naugment: {blur: 2}\n", "augment.blur: must be <= 1, got 2"),
    ("train", "data: x\naugment: {jpeg_quality: [95, 40]}\n", "augment.jpeg_quality: expected [low, high]"),
    ("train", "data: x\naugment: {jpeg_quality: [40]}\n", "augment.jpeg_quality: expected 2 or more items"),
    ("train", "data: x\naugment: [blur]\n", "augment: expected a mapping, got ['blur']"),
    ("train", "data: x\nmount: {imgsz: 50}\n", "mount.imgsz: must be a multiple of 32, got 50"),
    ("train", "data: x\nmount: {colour: red}\n", "mount.colour: unknown key (expected one of: enabled, model,"),
    ("train", "data: x\nepochs: [1\n", "c.yaml:3: not valid YAML (expected ',' or ']'"),
    ("train", "- data\n", "expected a mapping of training config keys, got list"),
    ("views", "fov: 0\n", "fov: must be > 0, got 0"),
    ("views", "n_headings: 10.0\n", "n_headings: expected an integer, got 10.0"),
    ("views", "width: -640\n", "width: must be >= 1, got -640"),
    ("effort", "spot_check_share: -0.1\n", "spot_check_share: must be >= 0, got -0.1"),
    ("effort", "targets: []\n", "targets: expected 1 or more items"),
    ("effort", "targets: [0.9, 1.5]\n", "targets.1: must be <= 1, got 1.5"),
    ("effort", "verify_reviewers: 0\n", "verify_reviewers: must be >= 1, got 0"),
    ("demo", "full: {conf: 2}\nquick: {}\n", "full.conf: must be <= 1, got 2"),
    ("demo", "full: {test: 0.6, val: 0.5}\nquick: {}\n", "full: test + val must be < 1"),
    ("demo", "full: {imgsz: 100}\nquick: {}\n", "full.imgsz: must be a multiple of 32, got 100"),
    ("demo", "full: {negatives: -2}\nquick: {}\n", "full.negatives: must be >= -1, got -2"),
    ("demo", "full: {}\nquick: {mount_fallback: m.pt}\n", "quick.mount_fallback: expected a .onnx file"),
    ("demo", "full: {}\nslow: {}\n", "slow: unknown key (expected one of: full, quick)"),
    ("taxonomy", "types: {dome: {}}\nmounts: {other: {}}\ndetector_classes: [dome, bullet]\n"
                 "osm: {base: {}, camera_type: {}, camera_mount: {}, camera_mount_detail: {}}\n",
     "detector_classes: 'bullet' not among the types (dome)"),
    ("taxonomy", "types: {dome: {}}\nmounts: {other: {}}\ndetector_classes: [dome]\n", "osm: required"),
    ("street_truth", '{"cameras": [{"file": "a.jpg", "bbox": [0, 0, 0, 5]}]}',
     "cameras.0.bbox: expected [x, y, width, height] with width and height > 0"),
    ("street_truth", '[{"file": "a.jpg", "bbox": [0, 0, 5]}]', "cameras.0.bbox: expected 4 or more items"),
    ("street_truth", '{"cameras": [{"file": "a.jpg"}]}', "cameras.0.bbox: required"),
])
def test_bad_values_are_one_line(tmp_path, kind, text, message):
    path = tmp_path / ("c.json" if kind == "street_truth" else "c.yaml")
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        LOADERS[kind][0](path)
    assert str(err.value).startswith(str(path)) and message in str(err.value) and "\n" not in str(err.value)


def test_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="training config not found"):
        TrainConfig.from_yaml(tmp_path / "absent.yaml")


class _Nested(StrictModel):
    size: int = None


class _Top(StrictModel):
    unknown_hint = "see the docs"
    inner: _Nested = None
    items: list[_Nested] = None


@pytest.mark.parametrize("raw, message", [
    ({"inner": {"size": "big"}}, "inner.size: expected an integer, got 'big'"),
    ({"items": [{"size": 1}, {"sise": 2}]}, "items.1.sise: unknown key (expected one of: size)"),
    ({"other": 1}, "other: unknown key (expected one of: inner, items); see the docs"),
    ({"inner": {"size": "x" * 100}}, "got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."),
    ("text", "expected a mapping of keys, got str"),
])
def test_base_model_messages(raw, message):
    with pytest.raises(ConfigError) as err:
        validate_mapping(raw, _Top, "f.yaml")
    assert str(err.value).startswith("f.yaml: ") and message in str(err.value)


def test_base_model_keeps_absent_keys_absent_and_ints_ints(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("")
    assert load_model(path, _Top).present() == {}
    path.write_text("fov: 48\n")
    assert ViewPlan.from_yaml(path) == ViewPlan()  # 48 -> 48.0 as before the file models
    demo = tmp_path / "demo.yaml"
    demo.write_text("full: {negatives: 1}\n")
    assert DemoSettings.load(demo).negatives == 1 and isinstance(DemoSettings.load(demo).negatives, int)
