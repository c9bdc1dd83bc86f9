import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import yaml

pytest.importorskip("mitsuba")

from camdetect.dataset.check import check_dataset
from camdetect.render.composite import CompositeOptions, build_composites, compose_tile, list_backgrounds

NAMES = ["dome", "bullet", "alpr"]


@pytest.fixture(scope="module")
def backgrounds(tmp_path_factory):
    d = tmp_path_factory.mktemp("bgs")
    rng = np.random.default_rng(0)
    for i in range(3):  # a street-ish photo: sky on top, facade texture, road
        img = np.zeros((240, 360, 3), np.uint8)
        img[:80] = (210, 170, 120)
        img[80:180] = rng.integers(60, 160, size=(100, 360, 3), dtype=np.uint8)
        img[180:] = (70, 70, 72)
        cv2.line(img, (100 + 40 * i, 0), (100 + 40 * i, 240), (40, 40, 40), 6)  # a pole
        cv2.imwrite(str(d / f"street_{i}.jpg"), img)
    return d


def test_tile_is_deterministic_and_boxes_inside(backgrounds, sprite_dir):
    bgs = list_backgrounds([backgrounds])
    opts = CompositeOptions(tiles=4, tile=96, seed=1, empty_share=0.0)
    a, ra = compose_tile(2, bgs, sprite_dir, opts)
    b, rb = compose_tile(2, bgs, sprite_dir, opts)
    np.testing.assert_array_equal(a, b)
    assert ra == rb and a.shape == (96, 96, 3)
    for x1, y1, x2, y2 in ra.boxes:
        assert 0 <= x1 < x2 <= 96 and 0 <= y1 < y2 <= 96
    assert set(ra.classes) <= set(NAMES)


def test_dataset_passes_check_and_resumes(backgrounds, sprite_dir, tmp_path):
    out = tmp_path / "ds"
    bgs = list_backgrounds([backgrounds])
    opts = CompositeOptions(tiles=6, tile=96, seed=2, val_share=0.34)
    s = build_composites(out, bgs, sprite_dir, opts, NAMES, progress=False)
    assert sum(s["tiles"].values()) == 6
    assert yaml.safe_load((out / "data.yaml").read_text())["names"] == NAMES
    assert [p for p in check_dataset(out) if p.severity == "error"] == []
    assert (out / "contact_sheet.png").is_file() and "Composite dataset" in (out / "card.md").read_text()
    info = json.loads((out / "dataset.json").read_text())  # training reads the tile side the scorer must cut
    assert info["options"]["tile"] == 96 and info["class_names"] == NAMES
    assert sum(v["images"] for v in info["splits"].values()) == 6
    first = sorted((out / "images").rglob("*.jpg"))
    stamp = {p: p.stat().st_mtime_ns for p in first}
    build_composites(out, bgs, sprite_dir, opts, NAMES, progress=False)
    assert {p: p.stat().st_mtime_ns for p in first} == stamp  # finished tiles are kept, not redone


def test_include_remaps_classes_by_name(backgrounds, sprite_dir, tmp_path):
    src = tmp_path / "city"
    (src / "images" / "train").mkdir(parents=True)
    (src / "labels" / "train").mkdir(parents=True)
    cv2.imwrite(str(src / "images" / "train" / "t0.jpg"), np.zeros((32, 32, 3), np.uint8))
    (src / "labels" / "train" / "t0.txt").write_text("1 0.5 0.5 0.1 0.1\n")  # bullet in a 2-class set
    (src / "data.yaml").write_text(yaml.safe_dump({"train": "images/train", "val": "images/val",
                                                   "names": ["bullet", "dome"]}))
    out = tmp_path / "ds"
    build_composites(out, list_backgrounds([backgrounds]), sprite_dir, CompositeOptions(tiles=1, tile=64), NAMES,
                     include=[src], progress=False)
    assert (out / "labels" / "train" / "inc_city_t0.txt").read_text().split()[0] == "0"  # dome is 0 here


@pytest.mark.parametrize("args, message", [
    (["--backgrounds", "/nonexistent/bgs"], "/nonexistent/bgs: background folder does not exist"),
    (["--tiles", "0"], "--tiles must be positive"),
])
def test_cli_bad_input_is_one_line(args, message, tmp_path, sprite_dir, backgrounds):
    base = ["--out", str(tmp_path / "o"), "--sprites", str(sprite_dir)]
    if "--backgrounds" not in args:
        base += ["--backgrounds", str(backgrounds)]
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "render", "composite", *base, *args],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"error: {message}"] or message in r.stderr.strip().splitlines()[-1]


def test_empty_sprite_folder_is_a_clear_error(backgrounds, tmp_path):
    with pytest.raises(ValueError, match="no camera sprites"):
        build_composites(tmp_path / "o", list_backgrounds([backgrounds]), tmp_path, CompositeOptions(tiles=1), NAMES,
                         progress=False)


@pytest.mark.parametrize("text, root, weight", [
    ("bgs", "bgs", 1.0), ("bgs=2.5", "bgs", 2.5), ("a=b/c", "a=b/c", 1.0),
])
def test_background_root_weights(text, root, weight):
    from pathlib import Path

    from camdetect.render.composite import parse_root

    assert parse_root(text) == (Path(root), weight)


def test_zero_weight_is_refused():
    from camdetect.render.composite import parse_root

    with pytest.raises(ValueError, match="weight must be positive"):
        parse_root("bgs=0")
