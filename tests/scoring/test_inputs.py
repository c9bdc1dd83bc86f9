"""Inputs: robust decoding (every bad file is a counted reason) and manifest / folder discovery."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from camdetect.scoring.inputs import decode_image, discover, read_manifest


def _rgb(h=60, w=80):
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (200, 30, 30)  # top half red (RGB)
    return img


def make(kind: str, path):
    """Write one odd image file of ``kind``; returns the path."""
    if kind == "ok":
        Image.fromarray(_rgb()).save(path, "JPEG", quality=95)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "corrupt":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    elif kind == "truncated":
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(1).integers(0, 256, (400, 400, 3), dtype=np.uint8)).save(buf, "JPEG")
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif kind == "grayscale":
        Image.fromarray(_rgb()[..., 0]).save(path)
    elif kind == "16-bit":
        cv2.imwrite(str(path), (np.arange(60 * 80).reshape(60, 80) * 13).astype(np.uint16))
    elif kind == "cmyk":
        Image.fromarray(_rgb()).convert("CMYK").save(path, "JPEG")
    elif kind == "exif-rotated":
        im = Image.fromarray(_rgb(60, 80))
        exif = im.getexif()
        exif[0x0112] = 6  # rotate 90 CW on display
        im.save(path, "JPEG", exif=exif.tobytes())
    elif kind == "alpha":
        Image.fromarray(np.dstack([_rgb(), np.full((60, 80), 128, np.uint8)])).save(path)
    elif kind == "palette":
        Image.fromarray(_rgb()).convert("P").save(path)
    return path


@pytest.mark.parametrize("kind,suffix,reason,note,shape", [
    ("ok", ".jpg", "", None, (60, 80, 3)),
    ("empty", ".jpg", "empty", None, None),
    ("corrupt", ".jpg", "corrupt", None, None),
    ("truncated", ".jpg", "truncated", None, None),
    ("grayscale", ".png", "", "grayscale", (60, 80, 3)),
    ("16-bit", ".png", "", "16-bit", (60, 80, 3)),
    ("cmyk", ".jpg", "", "cmyk", (60, 80, 3)),
    ("exif-rotated", ".jpg", "", "exif-rotated", (80, 60, 3)),
    ("alpha", ".png", "", "alpha", (60, 80, 3)),
    ("palette", ".png", "", "palette", (60, 80, 3)),
])
def test_decode_odd_files(tmp_path, kind, suffix, reason, note, shape):
    dec = decode_image(make(kind, tmp_path / f"x{suffix}"))
    assert dec.reason == reason
    if note:
        assert note in dec.notes
    if shape:
        assert dec.image.shape == shape and dec.image.dtype == np.uint8 and dec.image.flags.c_contiguous
    else:
        assert dec.image is None


def test_decoded_colours_are_bgr_and_exif_applied(tmp_path):
    dec = decode_image(make("exif-rotated", tmp_path / "r.jpg"))
    # red top half rotated 90 CW ends up on the right; BGR red is (0, 0, 255)-ish
    assert dec.image[:, -5:, 2].mean() > 150 and dec.image[:, :5, 2].mean() < 80
    dec16 = decode_image(make("16-bit", tmp_path / "s.png"))
    assert dec16.image.max() > 100  # scaled down from 16 bits, not clipped to 255 everywhere


def test_missing_file(tmp_path):
    assert decode_image(tmp_path / "nope.jpg").reason == "missing"


@pytest.mark.parametrize("fmt,max_pixels,reason,shape", [
    ("JPEG", 400 * 400, "", (400, 400, 3)),  # under the limit: full size
    ("JPEG", 200 * 200, "", (200, 200, 3)),  # huge JPEG: decoded at 1/2 DCT scale, never at full size
    ("JPEG", 50 * 50, "", (50, 50, 3)),  # 1/8 is the smallest draft scale
    ("JPEG", 10 * 10, "too large", None),
    ("PNG", 200 * 200, "too large", None),  # no reduced decode for PNG: skipped
])
def test_huge_images_are_downscaled_or_skipped(tmp_path, fmt, max_pixels, reason, shape):
    path = tmp_path / f"big.{fmt.lower()}"
    Image.fromarray(np.full((400, 400, 3), 100, np.uint8)).save(path, fmt)
    dec = decode_image(path, max_pixels=max_pixels)
    assert dec.reason == reason
    if shape:
        assert dec.image.shape == shape
        if shape[0] < 400:
            assert "downscaled" in dec.notes


MANIFEST = ("intersection_id,pano_id,lat,lon,image_path,kind,pano_heading,heading,pitch,fov\n"
            "i1,p1,40.7,-73.9,panoramas/p1.jpg,panorama,12.5,,,\n"
            "i2,p2,40.8,-73.8,views/v.jpg,view,0,90,10,60\n")


def test_manifest_csv_and_jsonl_agree(tmp_path):
    (tmp_path / "m.csv").write_text(MANIFEST)
    import csv

    rows = list(csv.DictReader(io.StringIO(MANIFEST)))
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    a, b = read_manifest(tmp_path / "m.csv"), read_manifest(tmp_path / "m.jsonl")
    assert a == b
    assert a[0].kind == "panorama" and a[0].key == "p1" and a[0].pano_heading == 12.5
    assert a[0].path == tmp_path / "panoramas/p1.jpg"
    assert a[1].key == "views/v.jpg" and (a[1].heading, a[1].pitch, a[1].fov) == (90, 10, 60)


@pytest.mark.parametrize("line,message", [
    ("i3,p3,40,-73,x.jpg,photo,0,,,", ":4: kind must be"),
    ("i3,p3,north,-73,x.jpg,panorama,0,,,", ":4: lat is not a number"),
    ("i3,p3,40,-73,,panorama,0,,,", ":4: empty image_path"),
    ("i3,p1,40,-73,y.jpg,panorama,0,,,", ":4: duplicate pano_id"),
    ("i3,p3,40,-73,z.jpg,view,0,90,,", ":4: a view row needs all"),
])
def test_manifest_errors_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "m.csv"
    path.write_text(MANIFEST + line + "\n")
    with pytest.raises(ValueError, match=message) as exc:
        read_manifest(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_manifest_missing_column(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("pano_id,image_path\np,x.jpg\n")
    with pytest.raises(ValueError, match=r"m.csv:1: manifest lacks column\(s\) kind"):
        read_manifest(path)


def test_folder_discovery_tells_panoramas_from_views(tmp_path):
    Image.fromarray(np.zeros((1024, 2048, 3), np.uint8)).save(tmp_path / "pano.jpg")
    (tmp_path / "sub").mkdir()
    Image.fromarray(np.zeros((640, 640, 3), np.uint8)).save(tmp_path / "sub" / "view.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    jobs = {j.key: j for j in discover(tmp_path)}
    assert set(jobs) == {"pano", "sub/view.jpg"}
    assert jobs["pano"].kind == "panorama" and jobs["sub/view.jpg"].kind == "view"
    assert {j.kind for j in discover(tmp_path, kind="view")} == {"view"}


@pytest.mark.parametrize("name,error,message", [("missing", FileNotFoundError, "no such folder"),
                                                 ("x.txt", ValueError, "INPUT must be")])
def test_bad_input_paths(tmp_path, name, error, message):
    if name.endswith(".txt"):
        (tmp_path / name).write_text("")
    with pytest.raises(error, match=message):
        discover(tmp_path / name)
