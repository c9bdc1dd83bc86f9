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
    (["--max-upscale", "0.5"], "--max-upscale 0 or >= 1"),
    (["--lookalike-size", "huge"], "lookalike_size must be one of frame, true, not 'huge'"),
    (["--match-light", "1.5"], "match_light must be in [0, 1], not 1.5"),
    (["--camera-pipeline", "-0.1"], "camera_pipeline must be in [0, 1], not -0.1"),
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


def _fake(box_side: float | None, frame: int = 160):
    from types import SimpleNamespace

    box = (0.0, 0.0, box_side, box_side / 2) if box_side else None
    return SimpleNamespace(meta=SimpleNamespace(box=box, size=frame))


def test_pick_sprite_draws_renders_large_enough_and_falls_back_to_the_largest():
    from camdetect.render.composite import pick_sprite, rendered_size

    rng = np.random.default_rng(0)
    cams = [_fake(20), _fake(50), _fake(100)]
    sizes = np.array([rendered_size(s, True) for s in cams])
    drawn = {pick_sprite(cams, sizes, 60, 1.25, rng).meta.box[2] for _ in range(200)}
    assert drawn == {50, 100}  # 20 px would be blown up 3x; 50 px x 1.25 >= 60 may be used
    assert {pick_sprite(cams, sizes, 500, 1.25, rng).meta.box[2] for _ in range(50)} == {100}
    decoys = [_fake(None, 160), _fake(None, 320)]  # a look-alike's frame is what a paste scales
    dsizes = np.array([rendered_size(s, False) for s in decoys])
    assert {pick_sprite(decoys, dsizes, 300, 1.25, rng).meta.size for _ in range(50)} == {320}


@pytest.fixture(scope="module")
def large_sprite_dir(tmp_path_factory, hdri_dir):
    from camdetect.render.library import LibraryOptions, render_library

    d = tmp_path_factory.mktemp("sprites_large")
    render_library(d, hdri_dir, LibraryOptions(count=4, seed=4, size=128, large_share=0.0, spp=4, decoy_share=0.25),
                   progress=False)
    return d


def test_max_upscale_takes_close_ups_from_large_renders(backgrounds, sprite_dir, large_sprite_dir, tmp_path):
    bgs = list_backgrounds([backgrounds])
    dirs = [sprite_dir, large_sprite_dir]  # --sprites is repeatable: one library
    base = dict(tiles=8, tile=96, seed=3, empty_share=0.0, small_share=0.0)  # every camera 24-220 px

    def upscales(**kw) -> list[float]:
        return [u for i in range(8) for u in compose_tile(i, bgs, dirs, CompositeOptions(**base, **kw))[1].upscales]

    any_size, sized = upscales(), upscales(max_upscale=1.25)
    assert any_size and sized
    assert np.median(sized) < np.median(any_size)  # close-ups from the 128-px renders, not blown-up 48-px ones
    s = build_composites(tmp_path / "ds", bgs, dirs, CompositeOptions(**base, max_upscale=1.25), NAMES,
                         progress=False)
    assert s["sprites"] == f"{sprite_dir}, {large_sprite_dir}" and s["upscale"]["p50_p90_max"]
    assert "enlarged when pasted" in (tmp_path / "ds" / "card.md").read_text()


def test_continue_mounts_changes_only_the_pixels_beyond_the_sprites(backgrounds, sprite_dir, tmp_path):
    bgs = list_backgrounds([backgrounds])
    base = dict(tiles=6, tile=96, seed=7, empty_share=0.0, cameras_per_tile=(1, 1), decoys_per_tile=(0, 0),
                occlusion=0.0, small_share=0.0)
    plain = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base)) for i in range(6)]
    cont = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base, continue_mounts=True)) for i in range(6)]
    # one paste per tile, so the draw is the same: the same labels, and some tiles gain a pole or an arm
    assert [r.boxes for _, r in plain] == [r.boxes for _, r in cont]
    assert any(np.abs(a.astype(int) - b.astype(int)).max() > 30 for (a, _), (b, _) in zip(plain, cont))
    build_composites(tmp_path / "ds", bgs, sprite_dir, CompositeOptions(**base, continue_mounts=True), NAMES,
                     progress=False)
    assert "carried on to the tile edge" in (tmp_path / "ds" / "card.md").read_text()


def test_true_size_look_alikes_scale_with_their_metres():
    from types import SimpleNamespace

    from camdetect.render.composite import true_frame

    opts = CompositeOptions(tile=320, lookalike_size="true")
    lamp = SimpleNamespace(meta=SimpleNamespace(frame_m=2.0))
    plaque = SimpleNamespace(meta=SimpleNamespace(frame_m=0.5))
    for seed in range(20):  # the same draw of the camera's px and metres: 4x the metres, 4x the pixels (or the cap)
        big, small = true_frame(np.random.default_rng(seed), lamp, opts), true_frame(np.random.default_rng(seed), plaque, opts)
        assert big == pytest.approx(min(4 * small, 480)) and small <= 480


def test_true_size_tiles_record_their_look_alikes(backgrounds, sprite_dir):
    bgs = list_backgrounds([backgrounds])
    opts = CompositeOptions(tiles=8, tile=96, seed=4, empty_share=1.0, lookalike_size="true")  # look-alikes only
    recs = [compose_tile(i, bgs, sprite_dir, opts)[1] for i in range(8)]
    frames = [f for r in recs for f in r.decoy_frames]
    assert frames and len(frames) == sum(len(r.decoys) for r in recs)
    assert all(0 < f <= 1.5 * 96 for f in frames)
    assert all(r.boxes == [] for r in recs)  # look-alikes are never labelled


def test_true_size_needs_sprites_that_store_their_metres(backgrounds, sprite_dir, tmp_path):
    old = tmp_path / "old_library"
    old.mkdir()
    for png in sprite_dir.glob("*.png"):  # the same sprites as an older version wrote them: no frame_m
        (old / png.name).write_bytes(png.read_bytes())
        meta = json.loads(png.with_suffix(".json").read_text())
        meta.pop("frame_m", None)
        (old / png.with_suffix(".json").name).write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="no look-alike sprite stores its size in metres"):
        build_composites(tmp_path / "o", list_backgrounds([backgrounds]), old,
                         CompositeOptions(tiles=1, tile=64, lookalike_size="true"), NAMES, progress=False)


def test_the_real_evaluation_set_is_never_a_background(tmp_path, backgrounds):
    """A root inside it is refused; a root that holds it (the whole shared data folder) skips it."""
    import shutil

    from camdetect.evaluate.real_images import REAL_SET

    shared = tmp_path / "shared"
    shutil.copytree(backgrounds, shared / "street")
    shutil.copytree(backgrounds, shared / REAL_SET)
    with pytest.raises(ValueError, match=f"{REAL_SET} is for evaluation only"):
        list_backgrounds([shared / REAL_SET])
    with pytest.raises(ValueError, match=f"{REAL_SET} is for evaluation only"):
        list_backgrounds([f"{shared / REAL_SET}=2"])
    files = list_backgrounds([shared])[0].files
    assert files and not any(REAL_SET in p.parts for p in files)
    assert len(files) == len(list_backgrounds([shared / "street"])[0].files)


def test_native_crops_take_one_tile_of_pixels_and_keep_the_stream():
    from camdetect.render.composite import high_square

    img = np.arange(240 * 360 * 3, dtype=np.uint32).reshape(240, 360, 3)
    for seed in range(10):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        shrunk, native = high_square(img, 96, 240, a), high_square(img, 96, 240, b, native=True)
        assert native.shape[:2] == (96, 96) and 96 <= shrunk.shape[0] <= 240
        assert a.random() == b.random()  # the same draws were taken: later draws do not shift
    assert high_square(img[:50], 96, 240, np.random.default_rng(0), native=True).shape[:2] == (50, 50)  # capped


@pytest.mark.parametrize("share, lo, hi", [(0.0, 0, 0), (1.0, 200, 200), (0.5, 70, 130)])
def test_native_share_decides_per_tile_on_its_own_stream(share, lo, hi):
    from camdetect.render.composite import native_crop

    opts = CompositeOptions(seed=3, native_share=share)
    picks = [native_crop(opts, i) for i in range(200)]
    assert lo <= sum(picks) <= hi and picks == [native_crop(opts, i) for i in range(200)]


def test_native_share_changes_the_crop_not_the_draw(backgrounds, sprite_dir, tmp_path):
    bgs = list_backgrounds([backgrounds])
    base = dict(tiles=6, tile=96, seed=9, empty_share=1.0, decoys_per_tile=(1, 2))  # look-alikes only: never dropped
    plain = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base)) for i in range(6)]
    native = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base, native_share=1.0)) for i in range(6)]
    assert [(r.background, r.decoys, r.decoy_frames) for _, r in plain] == \
        [(r.background, r.decoys, r.decoy_frames) for _, r in native]
    assert any(not np.array_equal(a, b) for (a, _), (b, _) in zip(plain, native))
    with pytest.raises(ValueError, match="native_share"):
        CompositeOptions(native_share=1.5)
    build_composites(tmp_path / "ds", bgs, sprite_dir, CompositeOptions(**base, native_share=0.5), NAMES,
                     progress=False)
    assert "scorer's scale: share 0.5" in (tmp_path / "ds" / "card.md").read_text()


def test_the_camera_pipeline_changes_pixels_not_the_draw(backgrounds, sprite_dir, tmp_path):
    """Share 0 is the old dataset byte for byte; share 1 runs every tile through the simulated camera, with the
    same backgrounds, pastes and boxes; the card counts those tiles."""
    bgs = list_backgrounds([backgrounds])
    base = dict(tiles=4, tile=96, seed=5)
    plain = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base)) for i in range(4)]
    off = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base, camera_pipeline=0.0)) for i in range(4)]
    on = [compose_tile(i, bgs, sprite_dir, CompositeOptions(**base, camera_pipeline=1.0)) for i in range(4)]
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(plain, off))
    assert [(r.background, r.boxes, r.decoys) for _, r in plain] == [(r.background, r.boxes, r.decoys) for _, r in on]
    assert all(r.camera_pipeline for _, r in on) and not any(r.camera_pipeline for _, r in plain)
    assert any(not np.array_equal(a, b) for (a, _), (b, _) in zip(plain, on))
    build_composites(tmp_path / "ds", bgs, sprite_dir, CompositeOptions(**base, camera_pipeline=1.0), NAMES,
                     progress=False)
    assert "simulated street camera (Bayer noise, demosaicing, unsharp mask): 4 of 4" in \
        (tmp_path / "ds" / "card.md").read_text()
