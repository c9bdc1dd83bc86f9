"""A folder of Photo Spheres scores like a manifest: GPano heading, crop and EXIF GPS read from the files
(camdetect.scoring.photo_meta), through discovery, decoding and the pipeline's bearings."""

from __future__ import annotations

import math
import shutil
import struct

import numpy as np
import pytest
from PIL import Image

from camdetect.scoring.inputs import decode_job, discover
from camdetect.scoring.outputs import read_jsonl
from camdetect.scoring.photo_meta import gps_degrees, parse_gpano, read_photo_meta, uncrop
from camdetect.scoring.pipeline import score

from .test_pipeline import cfg

SYDNEY = {1: "S", 2: (33.0, 52.0, 4.8), 3: "E", 4: (151.0, 12.0, 36.0)}  # 33.8680 S, 151.2100 E


def gpano(**fields) -> bytes:
    attrs = " ".join(f'GPano:{k}="{v}"' for k, v in fields.items())
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            f'xmlns:GPano="http://ns.google.com/photos/1.0/panorama/" {attrs}/></rdf:RDF></x:xmpmeta>').encode()


def exif_gps(gps: dict) -> Image.Exif:
    e = Image.Exif()
    e.get_ifd(0x8825).update(gps)
    return e


def with_segments(jpeg: bytes, xmp: bytes = b"", gps: dict | None = None) -> bytes:
    """The same JPEG (same pixels) with XMP and EXIF APP1 segments added after SOI, as cameras write them."""
    segs = b""
    for payload in ([exif_gps(gps).tobytes()] if gps else []) + ([b"http://ns.adobe.com/xap/1.0/\0" + xmp] if xmp else []):
        segs += b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segs + jpeg[2:]


def test_gpano_both_serialisations_and_bad_values():
    assert parse_gpano(gpano(ProjectionType="equirectangular", PoseHeadingDegrees="12.5")) == {
        "ProjectionType": "equirectangular", "PoseHeadingDegrees": "12.5"}
    elem = b"<x:xmpmeta><GPano:PoseHeadingDegrees> 271 </GPano:PoseHeadingDegrees></x:xmpmeta>"
    assert parse_gpano(elem) == {"PoseHeadingDegrees": "271"}
    assert parse_gpano(b"\xff\xfe not xml at all") == {}


@pytest.mark.parametrize("gps, expected", [
    (SYDNEY, (-33.868, 151.21)),
    ({1: "N", 2: (40.0, 41.0, 24.0), 3: "W", 4: (73.0, 59.0, 24.0)}, (40.69, -73.99)),
    ({1: "N", 2: (40.0, 41.0), 3: "W", 4: (73.0, 59.0, 24.0)}, (math.nan, math.nan)),  # two values, not three
    ({1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (1.0, 0.0, 0.0)}, (math.nan, math.nan)),  # off the globe
    ({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}, (math.nan, math.nan)),  # a receiver with no fix
    ({}, (math.nan, math.nan)),
])
def test_gps_degrees(gps, expected):
    assert gps_degrees(gps) == pytest.approx(expected, abs=1e-3, nan_ok=True)


def save(path, w, h, xmp=b"", gps=None, seed=0):
    yy, xx = np.mgrid[0:h, 0:w]  # smooth ramps (JPEG keeps them): every column and row has its own colour
    img = np.stack([40 + 180 * xx / w, 40 + 180 * yy / h, 130 + 90 * np.sin(xx / w * 6.283 + seed)], -1).astype(np.uint8)
    kw = {"xmp": xmp} if xmp else {}
    Image.fromarray(img).save(path, "JPEG", quality=95, exif=exif_gps(gps) if gps else Image.Exif(), **kw)
    return img


def test_discovery_reads_heading_gps_and_crop(tmp_path):
    save(tmp_path / "sphere.jpg", 1024, 512, gpano(ProjectionType="equirectangular", PoseHeadingDegrees="-90"),
         SYDNEY)  # under 2048 px: a panorama because the file says so
    save(tmp_path / "band.jpg", 1000, 250, gpano(
        ProjectionType="equirectangular", FullPanoWidthPixels=2000, FullPanoHeightPixels=1000,
        CroppedAreaLeftPixels=1800, CroppedAreaTopPixels=200, CroppedAreaImageWidthPixels=2000,
        CroppedAreaImageHeightPixels=500))  # a resized export: half the declared crop's pixels
    save(tmp_path / "photo.jpg", 400, 300, gps=SYDNEY)
    save(tmp_path / "odd.jpg", 1024, 512, gpano(ProjectionType="equirectangular", PoseHeadingDegrees="north"))
    jobs = {j.pano_id: j for j in discover(tmp_path)}
    sphere, band, photo, odd = jobs["sphere"], jobs["band"], jobs["photo"], jobs["odd"]
    assert sphere.kind == "panorama" and sphere.pano_heading == 270.0 and sphere.crop == ()
    assert (sphere.lat, sphere.lon) == pytest.approx((-33.868, 151.21), abs=1e-3)
    assert sphere.notes == ("heading-from-xmp", "position-from-gps")
    assert band.kind == "panorama" and band.crop == (1.0, 0.5, 0.9, 0.1) and band.notes == ("cropped-panorama",)
    assert photo.kind == "view" and photo.lat == pytest.approx(-33.868, abs=1e-3) and photo.notes == ("position-from-gps",)
    assert odd.kind == "panorama" and odd.pano_heading == 0.0 and odd.notes == ()  # unreadable heading: none
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10" + b"junk" * 4)
    assert read_photo_meta(tmp_path / "broken.jpg") == read_photo_meta(tmp_path / "missing.jpg")  # defaults


def test_a_manifests_blank_cells_come_from_the_files(tmp_path):
    """What the manifest says wins; blank cells are filled from the file; a cropped panorama is always placed on
    its sphere (no manifest column holds that)."""
    sphere = gpano(ProjectionType="equirectangular", PoseHeadingDegrees="30")
    save(tmp_path / "a.jpg", 1024, 512, sphere, SYDNEY)
    save(tmp_path / "b.jpg", 1024, 512, sphere, SYDNEY)
    save(tmp_path / "c.jpg", 1000, 250, gpano(
        ProjectionType="equirectangular", FullPanoWidthPixels=1000, FullPanoHeightPixels=500,
        CroppedAreaLeftPixels=0, CroppedAreaTopPixels=100))
    save(tmp_path / "v.jpg", 400, 300, gps=SYDNEY)
    save(tmp_path / "w.jpg", 400, 300, gps=SYDNEY)
    (tmp_path / "m.csv").write_text(
        "pano_id,lat,lon,image_path,kind,pano_heading\n"
        "a,,,a.jpg,panorama,\n"  # all blank: position and heading from the file
        "b,40.7,-74.0,b.jpg,panorama,200\n"  # all given: the manifest wins
        "c,40.7,-74.0,c.jpg,panorama,\n"  # no heading anywhere: 0; the crop from the file
        "v,,,v.jpg,view,\n"
        "w,,,missing.jpg,view,\n", encoding="utf-8")  # no file: nothing filled, decode reports it later
    jobs = {j.pano_id: j for j in discover(tmp_path / "m.csv")}
    a, b, c, v, w = (jobs[k] for k in "abcvw")
    assert (a.lat, a.lon) == pytest.approx((-33.868, 151.21), abs=1e-3) and a.pano_heading == 30.0
    assert a.notes == ("position-from-gps", "heading-from-xmp")
    assert (b.lat, b.lon, b.pano_heading, b.notes) == (40.7, -74.0, 200.0, ())
    assert c.pano_heading == 0.0 and c.crop == (1.0, 0.5, 0.0, 0.1) and c.notes == ("cropped-panorama",)
    assert v.lat == pytest.approx(-33.868, abs=1e-3) and v.notes == ("position-from-gps",)
    assert math.isnan(w.lat) and w.pano_heading == 0.0 and w.notes == ()


def test_a_cropped_panorama_is_decoded_on_its_full_sphere(tmp_path):
    img = save(tmp_path / "band.jpg", 1000, 250, gpano(
        ProjectionType="equirectangular", FullPanoWidthPixels=1000, FullPanoHeightPixels=500,
        CroppedAreaLeftPixels=900, CroppedAreaTopPixels=100))
    job = discover(tmp_path)[0]
    full = decode_job(job).image
    assert full.shape == (500, 1000, 3)
    assert full[:100].max() == 0 and full[350:].max() == 0  # above and below the band: nothing
    bgr = img[..., ::-1].astype(int)
    assert np.abs(full[100:350, 900:].astype(int) - bgr[:, :100]).mean() < 6  # the band's first 100 columns ...
    assert np.abs(full[100:350, :900].astype(int) - bgr[:, 100:]).mean() < 6  # ... and the rest wraps round
    small = uncrop(np.full((250, 1000, 3), 7, np.uint8), job.crop, max_pixels=125_000)
    assert small.shape[0] * small.shape[1] <= 125_000 and small.shape[1] == 2 * small.shape[0]


def test_folder_bearings_follow_the_files_heading(tiny_onnx, city, tmp_path):
    """The same panorama pixels with and without PoseHeadingDegrees = 72 (two steps of the default plan's 36
    degrees, so the plan's views are the same pixels): every suggestion turns by 72 degrees of compass and
    carries the file's GPS position (the review map can place it)."""
    src = min(city.rglob("*.jpg"))
    plain, tagged = tmp_path / "plain", tmp_path / "tagged"
    plain.mkdir()
    tagged.mkdir()
    shutil.copy(src, plain / "p.jpg")
    (tagged / "p.jpg").write_bytes(with_segments(src.read_bytes(), gpano(ProjectionType="equirectangular",
                                                                          PoseHeadingDegrees="72"), SYDNEY))
    found, notes = {}, {}
    for name, folder in (("plain", plain), ("tagged", tagged)):
        summary = score(cfg(tiny_onnx, folder, tmp_path / name, batch=8, conf=0.3))
        assert summary.scored == 1
        notes[name] = dict(summary.notes)
        found[name] = read_jsonl(tmp_path / name / "out" / "suggestions.jsonl")
    assert found["plain"], "the random tiny model should produce some boxes at conf 0.3"

    def where(recs, turn):
        return sorted((round((r["heading"] + turn) % 360, 2), round(r["pitch"], 2), round(r["score"], 4))
                      for r in recs)

    assert where(found["tagged"], 0) == where(found["plain"], 72)
    assert all(r["lat"] is None for r in found["plain"])
    assert {(round(r["lat"], 3), round(r["lon"], 3)) for r in found["tagged"]} == {(-33.868, 151.21)}
    assert notes == {"plain": {}, "tagged": {"heading-from-xmp": 1, "position-from-gps": 1}}
