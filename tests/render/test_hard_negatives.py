"""Hard negatives (render/hard_negatives.py): mining a real tiny ONNX model's false alarms on backgrounds, the
CSV it writes, and the composite crops built around them."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from camdetect.render.hard_negatives import (
    HardNegative,
    crop_around_negative,
    negatives_sheets,
    read_negatives,
    write_negatives,
)


def _street(w: int, h: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 170, np.uint8)
    img[: h // 2] = (220, 190, 150)
    for _ in range(12):  # dark blobs and boxes: things a detector may take for cameras
        x, y = int(rng.integers(0, w - 30)), int(rng.integers(0, h - 30))
        cv2.circle(img, (x + 12, y + 12), int(rng.integers(4, 14)), tuple(int(v) for v in rng.integers(0, 90, 3)), -1)
    return img


@pytest.fixture(scope="module")
def street_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data") / "street-backgrounds"
    for folder, n in (("train_a", 2), ("held_out", 1)):
        (root / folder).mkdir(parents=True)
        for i in range(n):
            cv2.imwrite(str(root / folder / f"v{i}.jpg"), _street(480, 360, 10 * len(folder) + i))
    return root


def _mine(root: Path, model: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "camdetect.cli", "render", "mine-negatives", "--model", str(model),
                           "--backgrounds", str(root), "--exclude", "held_out/", "--conf", "0.001", "--out", str(out),
                           "--no-progress", *extra], capture_output=True, text=True, check=False)


def test_mining_skips_held_out_photos_and_known_cameras(street_root, tiny_onnx, tmp_path):
    r = _mine(street_root, tiny_onnx, tmp_path / "neg.csv")
    assert r.returncode == 0, r.stderr
    negs = read_negatives(tmp_path / "neg.csv")
    assert negs and all("/train_a/" in n.path and n.score >= 0.001 for n in negs)
    assert (tmp_path / "neg-p01.png").is_file() and "look at every one" in r.stdout
    top = max(negs, key=lambda n: n.score)  # call the top box a real camera: it is never mined again
    rel = Path(top.path).relative_to(street_root).as_posix()
    truth = tmp_path / "street_cameras.json"
    truth.write_text(json.dumps({"cameras": [{"file": f"street-backgrounds/{rel}", "bbox": [
        top.x1, top.y1, top.x2 - top.x1, top.y2 - top.y1]}]}))
    r2 = _mine(street_root, tiny_onnx, tmp_path / "neg2.csv", "--street-truth", str(truth))
    assert r2.returncode == 0, r2.stderr
    assert top.box not in [n.box for n in read_negatives(tmp_path / "neg2.csv") if n.path == top.path]


def test_a_bad_negatives_file_is_one_line_naming_the_row(tmp_path):
    good = HardNegative("a.jpg", 1, 2, 30, 40, 0.5, "m")
    write_negatives(tmp_path / "n.csv", [good])
    assert read_negatives(tmp_path / "n.csv") == [good]
    (tmp_path / "bad.csv").write_text("path,x1,y1,x2,y2,score,model\na.jpg,1,2,x,40,0.5,m\n")
    with pytest.raises(ValueError, match=r"bad.csv:2: not a hard-negative row"):
        read_negatives(tmp_path / "bad.csv")
    (tmp_path / "empty.csv").write_text("path,x1,y1,x2,y2,score,model\n")
    with pytest.raises(ValueError, match="no hard negatives"):
        read_negatives(tmp_path / "empty.csv")


@pytest.mark.parametrize("box", [(10, 10, 30, 30), (560, 360, 599, 399), (300, 50, 420, 170)])
def test_the_crop_holds_the_negative_whole(box):
    bg = np.full((400, 600, 3), 128, np.uint8)
    x1, y1, x2, y2 = box
    bg[y1:y2, x1:x2] = (0, 0, 255)  # the negative, in pure red
    neg = HardNegative("bg.jpg", x1, y1, x2, y2, 0.4, "m")
    area = (x2 - x1) * (y2 - y1)
    for seed in range(10):
        tile = crop_around_negative(bg, neg, 96, np.random.default_rng(seed))
        red = (tile[..., 2] > 200) & (tile[..., 1] < 60)
        assert tile.shape == (96, 96, 3) and red.any()
        # whole: the red area scaled by the crop's zoom is the box's (the side is at least 3x the box)
        assert red.sum() > 0.5 * area * (96 / 400) ** 2


def test_composites_crop_around_negatives_only_among_their_backgrounds(tmp_path, sprite_dir):
    from camdetect.render.composite import CompositeOptions, build_composites, compose_tile, list_backgrounds

    bgs_dir = tmp_path / "bgs"
    bgs_dir.mkdir()
    for i in range(2):
        cv2.imwrite(str(bgs_dir / f"b{i}.jpg"), _street(320, 240, i))
    bgs = list_backgrounds([bgs_dir])
    write_negatives(tmp_path / "n.csv", [HardNegative(str(bgs_dir / "b1.jpg"), 100, 100, 120, 118, 0.3, "m")])
    opts = CompositeOptions(tiles=12, tile=64, seed=3, hard_negatives=str(tmp_path / "n.csv"), hard_share=0.5)
    recs = [compose_tile(i, bgs, sprite_dir, opts)[1] for i in range(12)]
    hard = [r for r in recs if r.hard_negative is not None]
    assert 0 < len(hard) < 12 and all(r.background.endswith("b1.jpg") and r.hard_negative == 0.3 for r in hard)
    write_negatives(tmp_path / "far.csv", [HardNegative(str(tmp_path / "held_out.jpg"), 1, 1, 9, 9, 0.3, "m")])
    far = CompositeOptions(tiles=1, tile=64, hard_negatives=str(tmp_path / "far.csv"), hard_share=0.5)
    with pytest.raises(ValueError, match="not among the backgrounds"):
        build_composites(tmp_path / "o", bgs, sprite_dir, far, ["dome", "bullet", "alpr"], progress=False)
    with pytest.raises(ValueError, match="hard_share must be in"):
        CompositeOptions(hard_share=0.3)  # a share without a file


def test_every_negative_is_on_a_sheet_page(tmp_path):
    """Pages of ``per_page`` crops, all of them shown: 7 boxes at 3 a page are 3 pages, named after the CSV."""
    img = tmp_path / "bg.jpg"
    cv2.imwrite(str(img), _street(320, 240, 1))
    negs = [HardNegative(str(img), 10 + 20 * i, 20, 30 + 20 * i, 40, 0.9 - 0.1 * i, "m") for i in range(7)]
    pages = negatives_sheets(negs, tmp_path / "mined.csv", per_page=3)
    assert [p.name for p in pages] == ["mined-p01.png", "mined-p02.png", "mined-p03.png"]
    full, last = cv2.imread(str(pages[0])), cv2.imread(str(pages[2]))
    assert full.shape[1] == last.shape[1] == 10 * 128  # ten crops a row
    assert negatives_sheets([], tmp_path / "none.csv") == []
    (tmp_path / "gone.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="gone.jpg: not a readable image"):
        negatives_sheets([HardNegative(str(tmp_path / "gone.jpg"), 1, 1, 9, 9, 0.5, "m")], tmp_path / "x.csv")
