"""camdetect dataset build on a tiny drawn city: layout, no leaks, geometry, negatives, tiles, resume, photos."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from camdetect.dataset.build import BuildOptions, build_dataset
from camdetect.dataset.splits import SplitPlan
from camdetect.geometry import angular_distance, view_box_to_sphere
from camdetect.records import Camera, Tag, View, read_table, write_table

from .conftest import PLAN


def _views(ds: Path) -> list[dict]:
    with (ds / "views.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_layout_matches_the_contract(toy_dataset):
    data = yaml.safe_load((toy_dataset / "data.yaml").read_text())
    assert data["names"] == {0: "dome", 1: "bullet", 2: "alpr"} and "path" not in data  # taxonomy's classes
    for name in ("views.csv", "boxes.csv", "crops.csv", "card.md", "box_sizes.png", "dataset.json"):
        assert (toy_dataset / name).is_file(), name
    for row in _views(toy_dataset):
        img = toy_dataset / row["image"]
        label = toy_dataset / row["image"].replace("images/", "labels/", 1).replace(".jpg", ".txt")
        assert img.is_file() and label.is_file()
        assert row["image"].startswith(f"images/{row['split']}/")
        assert cv2.imread(str(img)).shape == (int(row["height"]), int(row["width"]), 3)


def test_no_panorama_or_intersection_in_two_splits(toy_dataset):
    splits_of = defaultdict(set)
    for row in _views(toy_dataset):
        splits_of[row["pano_id"]].add(row["split"])
        splits_of["int:" + row["intersection"]].add(row["split"])
    assert splits_of and all(len(s) == 1 for s in splits_of.values()), splits_of
    assert {r["split"] for r in _views(toy_dataset)} == {"train", "val", "test"}


def test_spatial_blocks_keep_neighbours_together(toy_city, tmp_path):
    # toy intersections are 300 m apart on a 4-wide grid; 700 m blocks hold 2x3 of them
    out = tmp_path / "ds"
    build_dataset(out, panoramas=toy_city / "manifest.csv", cameras=toy_city / "truth" / "cameras.csv",
                  opts=BuildOptions(plan=PLAN, split=SplitPlan(block_m=700, seed=0), crops=False), progress=False)
    manifest = {r["pano_id"]: r for r in csv.DictReader((toy_city / "manifest.csv").open())}
    from camdetect.dataset.splits import spatial_block

    block_splits = defaultdict(set)
    for row in _views(out):
        m = manifest[row["pano_id"]]
        block_splits[spatial_block(float(m["lat"]), float(m["lon"]), 700)].add(row["split"])
    assert all(len(s) == 1 for s in block_splits.values())
    assert len(block_splits) < len({r["pano_id"] for r in _views(out)})  # blocks really group several


def test_labels_match_boxes_csv_and_point_back_at_the_camera(toy_dataset, toy_city):
    truth = {c.camera_id: c for c in read_table(toy_city / "truth" / "cameras.csv", Camera)}
    tags = read_table(toy_dataset / "boxes.csv", Tag)
    per_image = defaultdict(list)
    for t in tags:
        per_image[t.image].append(t)
    assert tags
    for image, ts in per_image.items():
        lines = (toy_dataset / image.replace("images/", "labels/", 1).replace(".jpg", ".txt")).read_text().split()
        assert len(lines) == 5 * len(ts)
        for t in ts:
            assert 0 <= t.x1 < t.x2 <= t.image_width and 0 <= t.y1 < t.y2 <= t.image_height
            view = View("", t.view_heading, t.view_pitch, t.view_fov, t.image_width, t.image_height)
            h, p, _, _ = view_box_to_sphere(view, t.box)
            cam = truth[t.tag_id]
            px_per_deg = PLAN.width / PLAN.fov
            # the drawn box centre is the camera centre, up to half a box when a border clips it
            assert float(angular_distance(h, p, cam.heading, cam.pitch)) < 0.3 + 0.5 * (t.x2 - t.x1) / px_per_deg


def test_weak_boxes_and_card(toy_dataset):
    info = json.loads((toy_dataset / "dataset.json").read_text())
    weak = sum(v["weak_boxes"] for v in info["splits"].values())
    assert weak > 0  # point-only cameras got a size-prior box
    card = (toy_dataset / "card.md").read_text()
    for needle in ("boxes: dome", "boxes: bullet", "Share of weak boxes", "Agreement levels", "box_sizes.png"):
        assert needle in card


@pytest.mark.parametrize("ratio", [0.0, 0.5, -1.0])
def test_negatives_ratio(toy_city, tmp_path, ratio):
    out = tmp_path / "ds"
    info = build_dataset(out, panoramas=toy_city / "manifest.csv", cameras=toy_city / "truth" / "cameras.csv",
                         opts=BuildOptions(plan=PLAN, negatives_ratio=ratio, crops=False), progress=False)
    pos = sum(v["positive_images"] for v in info["splits"].values())
    neg = sum(v["negative_images"] for v in info["splits"].values())
    if ratio == 0:
        assert neg == 0
    elif ratio > 0:
        assert 0 < neg <= sum(round(ratio * v["positive_images"]) for v in info["splits"].values())
    else:
        assert pos + neg == 8 * PLAN.n_headings  # all views kept


def test_resume_skips_written_files_and_refuses_other_options(toy_dataset, toy_city):
    info = build_dataset(toy_dataset, panoramas=toy_city / "manifest.csv", cameras=toy_city / "truth" / "cameras.csv",
                         opts=BuildOptions(plan=PLAN, split=SplitPlan(block_m=0, seed=0)), progress=False)
    assert info["write"]["written"] == 0 and info["write"]["skipped"] > 0
    with pytest.raises(ValueError, match="other options"):
        build_dataset(toy_dataset, panoramas=toy_city / "manifest.csv", cameras=toy_city / "truth" / "cameras.csv",
                      opts=BuildOptions(plan=PLAN, split=SplitPlan(block_m=0, seed=9)), progress=False)


def test_tiles_keep_boxes_whole_and_inside(toy_city, tmp_path):
    out = tmp_path / "tiles"
    build_dataset(out, panoramas=toy_city / "manifest.csv", cameras=toy_city / "truth" / "cameras.csv",
                  opts=BuildOptions(plan=PLAN, tile=128, crops=False), progress=False)
    rows = _views(out)
    assert rows and all(int(r["width"]) == 128 and r["tile_x0"] != "" for r in rows)
    for t in read_table(out / "boxes.csv", Tag):
        assert 0 <= t.x1 < t.x2 <= 128 and 0 <= t.y1 < t.y2 <= 128
        assert math.isnan(t.view_fov)  # a tile is not a centred pinhole view


def _photo_fixture(root: Path) -> Path:
    """Roboflow-like photos: two augmented copies of one source, one other source; a box past the border."""
    rng = np.random.default_rng(0)
    names = ["a_jpg.rf.111.jpg", "a_jpg.rf.222.jpg", "b_jpg.rf.333.jpg", "c.jpg", "d.jpg", "e.jpg"]
    tags = []
    for i, n in enumerate(names):
        img = rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)
        (root / "imgs").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / "imgs" / n), img)
        tags.append(Tag("voc", n, "voc", kind="seen", image_width=96, image_height=96))
        if i != 4:
            tags.append(Tag("voc", n, "voc", tag_id=f"{n}#0", type="unknown", x1=60, y1=60, x2=97, y2=97,
                            image_width=96, image_height=96))
    write_table(root / "tags.csv", tags, Tag)
    return root


def test_photo_mode_groups_augmented_copies_and_clips(tmp_path):
    root = _photo_fixture(tmp_path)
    out = tmp_path / "ds"
    build_dataset(out, images=root / "imgs", tags=root / "tags.csv",
                  opts=BuildOptions(negatives_ratio=-1, classes="camera"), progress=False)
    split_of = {r["pano_id"]: r["split"] for r in _views(out)}
    assert split_of["a_jpg.rf.111.jpg"] == split_of["a_jpg.rf.222.jpg"]
    assert len(split_of) == 6
    for t in read_table(out / "boxes.csv", Tag):
        assert t.x2 <= 96 and t.y2 <= 96


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "camdetect.cli", *args], check=False, capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("args, message", [
    (["--cameras", "nope.csv"], "panoramas"),
    (["--panoramas", "missing_dir", "--cameras", "c.csv"], "missing_dir"),
    (["--panoramas", "CITY", "--cameras", "bad.csv"], "bad.csv:1"),
    (["--panoramas", "CITY", "--cameras", "CITY/truth/cameras.csv", "--classes", "colour"], "classes"),
])
def test_bad_input_is_one_line_and_exit_2(toy_city, tmp_path, args, message):
    (tmp_path / "bad.csv").write_text("foo,bar\n1,2\n")
    args = [a.replace("CITY", str(toy_city)) for a in args]
    r = _cli("dataset", "build", "--out", str(tmp_path / "o"), *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last


def test_alpr_cameras_become_class_2(toy_city, tmp_path):
    """Licence-plate readers in the camera table are detector class 2 (dome 0 and bullet 1 unchanged)."""
    cams = read_table(toy_city / "truth" / "cameras.csv", Camera)
    renamed = {c.camera_id for c in cams if c.type == "bullet"}
    assert renamed
    for c in cams:
        if c.camera_id in renamed:
            c.type = "alpr"
    write_table(tmp_path / "cameras.csv", cams, Camera)
    out = tmp_path / "ds"
    build_dataset(out, panoramas=toy_city / "manifest.csv", cameras=tmp_path / "cameras.csv",
                  opts=BuildOptions(plan=PLAN, split=SplitPlan(block_m=0, seed=0), crops=False), progress=False)
    classes = {int(line.split()[0]) for lbl in out.glob("labels/*/*.txt") for line in lbl.read_text().splitlines()}
    assert classes == {0, 2}
    boxes = read_table(out / "boxes.csv", Tag)
    assert {b.type for b in boxes} == {"dome", "alpr"}
    from camdetect.dataset.check import check_dataset

    assert [p for p in check_dataset(out) if p.severity == "error"] == []


def test_ignored_cameras_are_greyed_out_never_over_a_label(toy_city, tmp_path):
    """--ignore: cameras in doubt are masked wherever they show; the labels stay those of --cameras."""
    cams = read_table(toy_city / "truth" / "cameras.csv", Camera)
    kept, doubt = cams[::2], cams[1::2]
    write_table(tmp_path / "kept.csv", kept, Camera)
    write_table(tmp_path / "doubt.csv", doubt, Camera)
    opts = BuildOptions(plan=PLAN, negatives_ratio=-1, crops=False, split=SplitPlan(block_m=0, seed=0))

    def build(name: str, ignore: Path | None) -> tuple[dict, dict]:
        build_dataset(tmp_path / name, panoramas=toy_city / "manifest.csv", cameras=tmp_path / "kept.csv",
                      opts=opts, progress=False, ignore=ignore)
        rows = {r["image"]: r for r in _views(tmp_path / name)}
        labels = {p.name: p.read_text() for p in (tmp_path / name / "labels").rglob("*.txt")}
        return rows, labels

    plain_rows, plain_labels = build("plain", None)
    rows, labels = build("ignore", tmp_path / "doubt.csv")
    assert labels == plain_labels  # same labels, same images
    masked = sum(int(r["n_masked"]) for r in rows.values())
    assert masked > sum(int(r["n_masked"]) for r in plain_rows.values())
    # a view that shows a doubtful camera is no longer a clean negative: its pixels there are grey
    changed = [k for k in rows if rows[k]["n_masked"] != plain_rows[k]["n_masked"]]
    img = next(p for p in (tmp_path / "ignore" / "images").rglob("*.jpg") if p.stem == Path(changed[0]).stem)
    ref = next(p for p in (tmp_path / "plain" / "images").rglob("*.jpg") if p.stem == img.stem)
    assert np.abs(cv2.imread(str(img)).astype(int) - cv2.imread(str(ref)).astype(int)).max() > 20

    # ignoring the labelled cameras themselves masks nothing more: a label is never greyed out
    same_rows, same_labels = build("same", tmp_path / "kept.csv")
    assert same_labels == plain_labels
    assert {k: r["n_masked"] for k, r in same_rows.items()} == {k: r["n_masked"] for k, r in plain_rows.items()}

    with pytest.raises(ValueError, match="--ignore"):  # resuming with another ignore list would mix pixels
        build_dataset(tmp_path / "ignore", panoramas=toy_city / "manifest.csv", cameras=tmp_path / "kept.csv",
                      opts=opts, progress=False)


def test_splits_from_keeps_every_intersection_in_the_other_datasets_split(toy_dataset, toy_city, tmp_path):
    """Other labels (here: a third of the cameras) would balance the split otherwise; --splits-from pins it."""
    cams = read_table(toy_city / "truth" / "cameras.csv", Camera)
    fewer = tmp_path / "fewer.csv"
    write_table(fewer, cams[::3], Camera)
    with (toy_dataset / "splits.csv").open(newline="") as fh:
        splits = {r["intersection"]: r["split"] for r in csv.DictReader(fh)}
    assert len(splits) == 8  # every intersection, also those none of whose views were kept
    assert {r["intersection"]: r["split"] for r in _views(toy_dataset)}.items() <= splits.items()
    out = tmp_path / "pinned"
    build_dataset(out, panoramas=toy_city / "manifest.csv", cameras=fewer, progress=False,
                  opts=BuildOptions(plan=PLAN, negatives_ratio=-1, split=SplitPlan(block_m=0, seed=5), crops=False,
                                    splits_from=str(toy_dataset)))
    assert {r["intersection"]: r["split"] for r in _views(out)} == splits


def test_splits_from_a_dataset_of_other_panoramas_is_one_line(toy_city, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "views.csv").write_text("image,split,pano_id,intersection\nimages/train/a.jpg,train,a,nowhere\n")
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "dataset", "build", "--panoramas",
                        str(toy_city / "manifest.csv"), "--cameras", str(toy_city / "truth" / "cameras.csv"),
                        "--out", str(tmp_path / "ds"), "--splits-from", str(other)],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 2
    assert "views.csv: intersection" in r.stderr.strip().splitlines()[-1] and "is not in it" in r.stderr
