"""`camdetect dataset manifest`: the scoring manifest of the intersections held out in one split."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from camdetect.dataset.manifest import split_manifest


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture
def city(tmp_path: Path) -> tuple[Path, Path]:
    ds = tmp_path / "ds"
    ds.mkdir()
    _write(ds / "views.csv", [{"image": f"images/{s}/{i}.jpg", "split": s, "intersection": i}
                              for s, i in [("train", "a"), ("test", "b"), ("test", "b"), ("val", "c"), ("test", "d")]])
    _write(tmp_path / "manifest.csv", [{"intersection_id": i, "pano_id": i, "image_path": f"panoramas/{i}.jpg"}
                                       for i in "abcde"])
    return ds, tmp_path / "manifest.csv"


def test_rows_of_the_split_only(city, tmp_path):
    ds, manifest = city
    out = tmp_path / "manifest_test.csv"
    assert split_manifest(ds, manifest, out) == 2
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["intersection_id"] for r in rows] == ["b", "d"] and rows[0]["image_path"] == "panoramas/b.jpg"
    assert split_manifest(ds, manifest, out, "val") == 1


def test_every_intersection_of_the_split_when_the_dataset_lists_them(city, tmp_path):
    """splits.csv (every intersection) wins over views.csv (kept views only): "e" is held out but none of its
    views was kept, as when negatives are sampled away; it is still a held-out panorama to measure."""
    ds, manifest = city
    _write(ds / "splits.csv", [{"intersection": i, "split": s}
                               for i, s in [("a", "train"), ("b", "test"), ("c", "val"), ("d", "test"), ("e", "test")]])
    out = tmp_path / "manifest_test.csv"
    assert split_manifest(ds, manifest, out) == 3
    with open(out, newline="") as f:
        assert [r["intersection_id"] for r in csv.DictReader(f)] == ["b", "d", "e"]


def test_errors_name_the_file(city, tmp_path):
    ds, manifest = city
    with pytest.raises(ValueError, match="views.csv: no intersections in the 'nope' split"):
        split_manifest(ds, manifest, tmp_path / "m.csv", "nope")
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        split_manifest(ds, tmp_path / "missing.csv", tmp_path / "m.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("pano,image_path\nx,y\n")
    with pytest.raises(ValueError, match="bad.csv: no intersection_id"):
        split_manifest(ds, bad, tmp_path / "m.csv")


def test_cli(city, tmp_path):
    ds, manifest = city
    res = subprocess.run([sys.executable, "-m", "camdetect.cli", "dataset", "manifest", "--data", str(ds),
                          "--manifest", str(manifest), "--out", str(tmp_path / "t.csv")],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0 and "2 panoramas of the test split" in res.stdout
