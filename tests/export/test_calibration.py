"""int8 calibration sources: several folders, held-out sub-folders left out, scorer-shaped inputs, seeded."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from camdetect.export.calibration import CalibSource, sample_calibration


def _img(path, w, h, value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(value)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)


@pytest.fixture()
def folders(tmp_path):
    streets = tmp_path / "street-backgrounds"
    for sub in ("a", "b", "held"):
        for i in range(3):
            _img(streets / sub / f"{sub}{i}.jpg", 900, 600, value=i)
    tiles = tmp_path / "composites"
    for i in range(5):
        _img(tiles / f"t{i}.png", 320, 320, value=10 + i)
    return streets, tiles


@pytest.mark.parametrize("spec,path,n", [("runs/x", "runs/x", None), ("runs/x:12", "runs/x", 12),
                                         ("C:/x", "C:/x", None)])
def test_parse_spec(spec, path, n):
    src = CalibSource.parse(spec, ["opensfm"])
    assert (str(src.path), src.n, src.exclude) == (path, n, ("opensfm",))


def test_parse_spec_zero_count():
    with pytest.raises(ValueError, match="count must be >= 1"):
        CalibSource.parse("runs/x:0")


def test_excluded_subfolders_are_left_out(folders):
    streets, _ = folders
    files = CalibSource(streets, exclude=("held",)).files()
    assert len(files) == 6 and not any("held" in p.parts for p in files)


def test_evaluation_set_never_calibrates(tmp_path):
    _img(tmp_path / "real-cameras-dev" / "x.jpg", 64, 64)
    with pytest.raises(ValueError, match="evaluation only"):
        CalibSource(tmp_path / "real-cameras-dev").files()
    _img(tmp_path / "streets" / "s.jpg", 64, 64)
    assert CalibSource(tmp_path).files() == [tmp_path / "streets" / "s.jpg"]  # a parent folder skips it


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        CalibSource(tmp_path / "nope").files()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        sample_calibration([CalibSource(tmp_path / "empty")], 4, tile=320, imgsz=320)


def test_sample_is_scorer_shaped_per_source_and_reproducible(folders):
    streets, tiles = folders
    srcs = [CalibSource(streets, exclude=("held",)), CalibSource(tiles, n=3)]
    a = sample_calibration(srcs, 11, tile=320, imgsz=320, seed=3)
    b = sample_calibration(srcs, 11, tile=320, imgsz=320, seed=3)
    c = sample_calibration(srcs, 11, tile=320, imgsz=320, seed=4)
    assert a.origins == b.origins and all(np.array_equal(x, y) for x, y in zip(a.images, b.images))
    assert a.origins != c.origins
    assert list(a.per_source.values()) == [8, 3]  # the free source takes the rest, the fixed one its N
    street = [im for im, o in zip(a.images, a.origins) if "street-backgrounds" in o]
    # big photos: native-resolution tiles of the model's tile side, plus some whole (shrunk) photos
    assert any(im.shape[:2] == (320, 320) for im in street)
    assert all(max(im.shape[:2]) == 320 for im in street)
    assert any("#" not in o for o in a.origins if "street-backgrounds" in o)  # a whole-view input
    assert all("held" not in o for o in a.origins)


def test_split_holds_out_from_every_part(folders):
    streets, tiles = folders
    s = sample_calibration([CalibSource(streets), CalibSource(tiles)], 12, tile=320, imgsz=320)
    cal, held = s.split(4)
    assert len(cal.images) + len(held.images) == len(s.images) and len(held.images) == 4
    assert any("composites" in o for o in held.origins) and any("street" in o for o in held.origins)


def test_real_street_backgrounds_minus_held_out(shared_data):
    from camdetect.export.calibration import CalibSource

    root = shared_data / "street-backgrounds"
    if not (root / "opensfm").is_dir():
        pytest.skip("street-backgrounds/opensfm not present")
    s = sample_calibration([CalibSource(root, exclude=("opensfm", "geovisio_pypi"))], 6, tile=320, imgsz=320)
    assert len(s.images) == 6
    assert not any("/opensfm/" in o or "/geovisio_pypi/" in o for o in s.origins)
