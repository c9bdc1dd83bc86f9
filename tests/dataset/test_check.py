"""camdetect dataset check finds each defect and names the file (and line)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camdetect.cli import app
from camdetect.dataset.check import check_dataset

runner = CliRunner()


def _first(ds: Path, split: str) -> tuple[Path, Path]:
    img = min((ds / "images" / split).glob("*.jpg"))
    return img, ds / "labels" / split / (img.stem + ".txt")


def _positive(ds: Path, split: str = "train") -> tuple[Path, Path]:
    for lbl in sorted((ds / "labels" / split).glob("*.txt")):
        if lbl.read_text().strip():
            return ds / "images" / split / (lbl.stem + ".jpg"), lbl
    raise AssertionError("no positive label")


def _append(lines: str):
    def edit(ds):
        img, lbl = _positive(ds)
        lbl.write_text(lbl.read_text() + lines)
        return lbl, len(lbl.read_text().splitlines())
    return edit


def _corrupt(ds):
    img, _ = _first(ds, "val")
    img.write_bytes(img.read_bytes()[:200])
    return img, None


def _dup_across(ds):
    src, _ = _first(ds, "train")
    dst, _ = _first(ds, "test")
    shutil.copyfile(src, dst)
    return dst, None


def _orphan_label(ds):
    p = ds / "labels" / "train" / "ghost.txt"
    p.write_text("0 0.5 0.5 0.1 0.1\n")
    return p, None


def _blank_line(ds):
    img, lbl = _positive(ds)
    lbl.write_text("\n" + lbl.read_text())
    return lbl, 1


@pytest.mark.parametrize("defect, edit, message", [
    ("corrupt image", _corrupt, "corrupt image"),
    ("empty line", _blank_line, "empty label line"),
    ("too few fields", _append("0 0.5 0.5 0.1\n"), "expected 5 fields"),
    ("class not int", _append("dome 0.5 0.5 0.1 0.1\n"), "not an integer"),
    ("class out of range", _append("7 0.5 0.5 0.1 0.1\n"), "class 7 outside"),
    ("box out of range", _append("0 0.98 0.5 0.1 0.1\n"), "out of range"),
    ("zero size", _append("0 0.5 0.5 0 0.1\n"), "zero or negative size"),
    ("not numbers", _append("0 a b c d\n"), "not numbers"),
    ("duplicate across splits", _dup_across, "duplicate across splits"),
    ("label without image", _orphan_label, "label file without an image"),
])
def test_check_reports_each_defect_with_file_and_line(toy_dataset, tmp_path, defect, edit, message):
    ds = tmp_path / "ds"
    shutil.copytree(toy_dataset, ds)
    assert [p for p in check_dataset(ds) if p.severity == "error"] == []
    path, line = edit(ds)
    errors = [p for p in check_dataset(ds) if p.severity == "error"]
    hits = [p for p in errors if message in p.message]
    assert hits, (defect, [str(p) for p in errors])
    assert hits[0].path == str(path) and hits[0].line == line
    assert str(hits[0]).startswith(f"{path}:{line}:" if line else f"{path}:")
    result = runner.invoke(app, ["dataset", "check", str(ds)])
    assert result.exit_code == 1 and message in result.output


def test_clean_dataset_exits_zero(toy_dataset):
    result = runner.invoke(app, ["dataset", "check", str(toy_dataset)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_two_class_dataset_from_before_alpr_still_checks(toy_dataset, tmp_path):
    """A dataset built with the 2-class taxonomy (names dome, bullet) checks clean; class 2 is out of range."""
    import yaml

    ds = tmp_path / "ds"
    shutil.copytree(toy_dataset, ds)
    data = yaml.safe_load((ds / "data.yaml").read_text())
    data.update(nc=2, names={0: "dome", 1: "bullet"})
    (ds / "data.yaml").write_text(yaml.safe_dump(data))
    assert [p for p in check_dataset(ds) if p.severity == "error"] == []
    _, lbl = _positive(ds)
    lbl.write_text(lbl.read_text() + "2 0.5 0.5 0.1 0.1\n")
    assert any("class 2 outside 0..1" in p.message for p in check_dataset(ds) if p.severity == "error")
