"""dataset merge: train/val of several datasets in one folder, class ids remapped by name, test left out."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from camdetect.dataset.merge import merge_datasets


def _dataset(root: Path, names: list[str], labels: dict[str, dict[str, str]]) -> Path:
    """labels: {split: {stem: yolo text}}; a tiny real JPEG per stem."""
    (root).mkdir(parents=True)
    (root / "data.yaml").write_text(yaml.safe_dump({"train": "images/train", "val": "images/val",
                                                    "test": "images/test", "names": names}))
    for split, items in labels.items():
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for stem, text in items.items():
            cv2.imwrite(str(root / "images" / split / f"{stem}.jpg"), np.full((8, 8, 3), 128, np.uint8))
            (root / "labels" / split / f"{stem}.txt").write_text(text)
    return root


def test_merge_remaps_by_name_and_keeps_test_out(tmp_path: Path) -> None:
    a = _dataset(tmp_path / "city", ["dome", "bullet", "alpr"],
                 {"train": {"t1": "1 0.5 0.5 0.1 0.1\n", "t2": ""}, "val": {"v1": "0 0.5 0.5 0.2 0.2\n"},
                  "test": {"x1": "0 0.5 0.5 0.2 0.2\n"}})
    b = _dataset(tmp_path / "reviewed", ["bullet", "dome"], {"train": {"t1": "0 0.4 0.4 0.1 0.1\n1 0.6 0.6 0.1 0.1\n"}})
    done = merge_datasets([a, b], tmp_path / "out")
    assert done == {str(a): {"train": 2, "val": 1}, str(b): {"train": 1}}
    out = tmp_path / "out"
    assert yaml.safe_load((out / "data.yaml").read_text())["names"] == ["dome", "bullet", "alpr"]
    assert (out / "labels" / "train" / "inc_city_t1.txt").read_text().split()[0] == "1"
    assert [ln.split()[0] for ln in (out / "labels" / "train" / "inc_reviewed_t1.txt").read_text().splitlines()] \
        == ["1", "0"]  # bullet -> 1, dome -> 0 in the target's class list
    assert (out / "labels" / "train" / "inc_city_t2.txt").read_text() == ""  # negatives stay negatives
    assert not (out / "images" / "test").exists()
    assert sorted(p.name for p in (out / "images" / "train").iterdir()) == [
        "inc_city_t1.jpg", "inc_city_t2.jpg", "inc_reviewed_t1.jpg"]


def test_same_folder_name_twice_does_not_collide(tmp_path: Path) -> None:
    a = _dataset(tmp_path / "x" / "ds", ["dome"], {"train": {"t": "0 0.5 0.5 0.1 0.1\n"}})
    b = _dataset(tmp_path / "y" / "ds", ["dome"], {"train": {"t": ""}})
    merge_datasets([a, b], tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out" / "images" / "train").iterdir()) == ["inc_ds2_t.jpg", "inc_ds_t.jpg"]


@pytest.mark.parametrize("case, message", [
    ("missing", "no data.yaml"),
    ("class", "classes ['camera'] are not detector classes"),
    ("label", "t.txt:1: class id '7'"),
])
def test_bad_input_names_the_file(tmp_path: Path, case: str, message: str) -> None:
    good = _dataset(tmp_path / "good", ["dome"], {"train": {"t": "0 0.5 0.5 0.1 0.1\n"}})
    bad = {"missing": tmp_path / "nothing",
           "class": _dataset(tmp_path / "cls", ["camera"], {"train": {"t": ""}}),
           "label": _dataset(tmp_path / "lab", ["dome"], {"train": {"t": "7 0.5 0.5 0.1 0.1\n"}})}[case]
    with pytest.raises((FileNotFoundError, ValueError), match=re.escape(message)):
        merge_datasets([good, bad], tmp_path / "out")
    from camdetect.cli import app

    r = CliRunner().invoke(app, ["dataset", "merge", str(good), str(bad), "--out", str(tmp_path / "out2")])
    assert r.exit_code == 2 and message.split(":")[0].split("'")[0] in r.output


def test_tile_side_travels_and_mixed_sides_are_refused(tmp_path: Path) -> None:
    """The scorer cuts the tile side the training data was cut at (ONNX metadata from dataset.json)."""
    import json

    a = _dataset(tmp_path / "a", ["dome"], {"train": {"t": ""}})
    b = _dataset(tmp_path / "b", ["dome"], {"train": {"t": ""}})
    for d in (a, b):
        (d / "dataset.json").write_text(json.dumps({"options": {"tile": 320}}))
    merge_datasets([a, b], tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert doc["options"]["tile"] == 320 and doc["class_names"] == ["dome"]
    from camdetect.export.onnx_export import dataset_tile

    assert dataset_tile({"data": str(tmp_path / "out" / "data.yaml")}) == 320  # what export reads
    (b / "dataset.json").write_text(json.dumps({"options": {"tile": 0}}))
    with pytest.raises(ValueError, match="different tile sides"):
        merge_datasets([a, b], tmp_path / "out2")
