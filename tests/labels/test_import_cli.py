"""``camdetect labels import`` / ``export`` end to end: files written, report printed, bad input exits 2
with one ``error: file:line: problem`` line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camdetect.cli import app
from camdetect.records import Tag, read_table

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from camdetect.cli import main; main()", *args],
                          check=False, capture_output=True, text=True, timeout=120)


def test_import_then_export_every_format(tmp_path):
    tags = tmp_path / "tags.csv"
    result = runner.invoke(app, ["labels", "import", "--format", "cvat", str(FIXTURES / "cvat" / "annotations.xml"),
                                 "--out", str(tags), "--strict"])
    assert result.exit_code == 0, result.output
    assert "cvat: 3 tags and 3 seen rows" in result.output and "clipped boxes 1" in result.output
    rows = read_table(tags, Tag)
    assert sum(r.kind == "tag" for r in rows) == 3
    for fmt, out in (("coco", "c.json"), ("yolo", "y"), ("labelstudio", "ls.json")):
        result = runner.invoke(app, ["labels", "export", "--format", fmt, str(tags), "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
        assert f"{fmt}: wrote 3 boxes on 3 images" in result.output
    tasks = json.loads((tmp_path / "ls.json").read_text())
    assert tasks[0]["data"]["image"].startswith("/data/local-files/?d=")
    assert (tmp_path / "ls_config.xml").is_file() and (tmp_path / "y" / "data.yaml").is_file()


def test_lenient_import_prints_counted_warnings(tmp_path):
    bad = tmp_path / "cameras.csv"
    text = (FIXTURES / "decoders" / "cameras.csv").read_text(encoding="utf-8")
    bad.write_bytes(text.replace(",bullet,", ",fisheye,").encode("utf-8"))
    result = runner.invoke(app, ["labels", "import", "--format", "decoders", str(bad), "--out", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert "unknown type: 1" in result.output and "missing file: 1" in result.output


@pytest.mark.parametrize("args,expected", [
    (["--format", "decoders", "{bad}", "--strict"], "cameras.csv:5: unknown type label 'fisheye'"),
    (["--format", "voc", "{missing}"], "no such file or folder"),
    (["--format", "pascal", "{bad}"], "not one of"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, expected):
    bad = tmp_path / "cameras.csv"
    text = (FIXTURES / "decoders" / "cameras.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace(",bullet,", ",fisheye,"), encoding="utf-8")
    (tmp_path / "counts.csv").write_bytes((FIXTURES / "decoders" / "counts.csv").read_bytes())
    args = [a.format(bad=bad, missing=tmp_path / "missing") for a in args]
    proc = _cli("labels", "import", *args, "--out", str(tmp_path / "t.csv"))
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert expected in proc.stderr
    if "not one of" not in expected:  # typer's own usage box for a bad option value is several lines
        assert len(lines) == 1 and lines[0].startswith("error: ")
    assert not (tmp_path / "t.csv").exists()


def test_export_bad_table_exits_2(tmp_path):
    table = tmp_path / "tags.csv"
    table.write_text("source,image,annotator,x1\nvoc,a.jpg,x,notanumber\n", encoding="utf-8")
    proc = _cli("labels", "export", "--format", "coco", str(table), "--out", str(tmp_path / "c.json"))
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: ") and "tags.csv:2" in proc.stderr


def _all_malformed(tmp_path: Path) -> Path:
    folder = tmp_path / "voc"
    folder.mkdir()
    (folder / "a.xml").write_text("<annotation><object>", encoding="utf-8")
    (folder / "b.xml").write_text("not xml at all", encoding="utf-8")
    return folder


def _malformed_coco(tmp_path: Path) -> Path:
    path = tmp_path / "c.json"
    path.write_text("{not json", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt, make", [("voc", _all_malformed), ("coco", _malformed_coco)])
def test_import_of_only_malformed_files_exits_2(tmp_path, fmt, make):
    """Lenient mode still refuses when nothing at all could be read: a 0-row table is never a silent success."""
    src = make(tmp_path)
    proc = _cli("labels", "import", "--format", fmt, str(src), "--out", str(tmp_path / "t.csv"))
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {src}: every input file or row was malformed, 0 rows")
    assert "malformed" in lines[0] and "--allow-empty" in lines[0]
    assert not (tmp_path / "t.csv").exists()


def test_allow_empty_writes_the_empty_table(tmp_path):
    src = _all_malformed(tmp_path)
    proc = _cli("labels", "import", "--format", "voc", str(src), "--out", str(tmp_path / "t.csv"), "--allow-empty")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 0 rows" in proc.stdout and "malformed file: 2" in proc.stdout
    assert read_table(tmp_path / "t.csv", Tag) == []


def test_partly_malformed_import_still_succeeds(tmp_path):
    """One good VOC file next to a malformed one: the good rows are written, the bad one is a warning."""
    src = _all_malformed(tmp_path)
    (src / "corner_a.xml").write_bytes((FIXTURES / "voc" / "corner_a.xml").read_bytes())
    proc = _cli("labels", "import", "--format", "voc", str(src), "--out", str(tmp_path / "t.csv"))
    assert proc.returncode == 0, proc.stderr
    assert "malformed file: 2" in proc.stdout and any(r.kind == "tag" for r in read_table(tmp_path / "t.csv", Tag))
