"""`camdetect labels consensus | report | score-consensus | simulate` end to end, through the real CLI."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camdetect.cli import app, main
from camdetect.labels.report import write_report
from camdetect.records import Camera, Tag, read_table, write_table

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    result = runner.invoke(app, ["labels", "simulate", "--out", str(out), "-n", "120", "--volunteers", "20",
                                 "--seed", "3"])
    assert result.exit_code == 0, result.output
    return out


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_simulate_writes_tags_truth_and_volunteers(sim):
    tags = read_table(sim / "tags.csv", Tag)
    assert {t.kind for t in tags} == {"tag", "seen"}
    assert len({t.image for t in tags if t.kind == "seen"}) == 120
    assert read_table(sim / "truth" / "cameras.csv", Camera)
    assert (sim / "volunteers.csv").read_text().startswith("annotator,kind,recall")


def test_consensus_command(sim, tmp_path):
    out = _run("labels", "consensus", str(sim / "tags.csv"), "--out", str(tmp_path / "cams.csv"),
               "--volunteers", str(tmp_path / "vols.csv"))
    cams = read_table(tmp_path / "cams.csv", Camera)
    assert cams and f"-> {len(cams)} cameras" in out
    assert all(c.weak and c.n_tags * 2 > c.n_annotators for c in cams)  # majority of who saw it
    with (tmp_path / "vols.csv").open() as fh:
        vols = list(csv.DictReader(fh))
    assert {"sensitivity", "false_positive_rate", "type_accuracy"} <= set(vols[0])


@pytest.mark.parametrize("keep, labels", [("any", "majority"), ("reliability:0.3", "dawid-skene-full")])
def test_consensus_options(sim, tmp_path, keep, labels):
    _run("labels", "consensus", str(sim / "tags.csv"), "--out", str(tmp_path / "c.csv"), "--keep", keep,
         "--labels", labels)
    assert read_table(tmp_path / "c.csv", Camera)


def test_report_command_writes_tables_and_pngs(sim, tmp_path):
    out = _run("labels", "report", str(sim / "tags.csv"), "--truth", str(sim / "truth" / "cameras.csv"),
               "--out", str(tmp_path / "rep"))
    rep = tmp_path / "rep"
    for name in ("agreement.png", "volunteers.png", "confidence.png"):
        assert (rep / name).read_bytes()[:8] == PNG and (rep / name).stat().st_size > 5000
    for name in ("cameras.csv", "candidates.csv", "agreement.csv", "intersections.csv",
                 "intersection_agreement.csv", "volunteers.csv", "measured.md", "report.md"):
        assert (rep / name).stat().st_size > 0, name
    summary = json.loads((rep / "summary.json").read_text())
    assert summary["cameras"] == sum(summary["camera_agreement"].values())
    assert {r["method"].split(" (")[0] for r in json.loads((rep / "measured.json").read_text())} >= {
        "majority vote", "Amnesty median counts", "best single volunteer"}
    assert "| majority vote |" in out
    losses = summary["losses"]  # every truth camera of the tagged images lands in exactly one bucket
    assert len(losses) == 2 and len({sum(c.values()) for c in losses.values()}) == 1
    assert sum(1 for _ in csv.DictReader((rep / "lost_cameras.csv").open())) == sum(next(iter(losses.values())).values())
    assert "Where truth cameras are lost" in (rep / "report.md").read_text()
    levels = {r["level"] for r in csv.DictReader((rep / "intersection_agreement.csv").open())}
    assert levels <= {"Unanimous", "2 vs 1", "All disagree"}


def test_report_on_given_cameras_and_decoders_fixture(tmp_path):
    from camdetect.labels.importers import import_labels

    tags = import_labels("decoders", FIXTURES / "decoders").tags
    cams = [Camera("x#1", "AXjK_-0aLVwDtjXR1esO", agreement="Unanimous", type="dome")]
    summary = write_report(tags, tmp_path, cameras=cams)
    assert summary["cameras"] == 1 and summary["camera_agreement"] == {"Unanimous": 1}
    assert summary["volunteers"] == 5


def test_score_consensus_command(sim, tmp_path):
    out = _run("labels", "score-consensus", str(sim / "tags.csv"), "--truth", str(sim / "truth" / "cameras.csv"),
               "--out", str(tmp_path / "m"), "--min-images", "5")
    assert "Dawid-Skene labels" in out
    rows = json.loads((tmp_path / "m.json").read_text())
    assert all(r["precision"] is None or 0 <= r["precision"] <= 1 for r in rows)


@pytest.mark.parametrize("make, args, message", [
    (None, ["labels", "consensus", "{d}/missing.csv", "--out", "{d}/c.csv"], "tag table not found"),
    ("badkind", ["labels", "consensus", "{d}/t.csv", "--out", "{d}/c.csv"], "t.csv:2: kind 'maybe'"),
    ("badfloat", ["labels", "consensus", "{d}/t.csv", "--out", "{d}/c.csv"], "t.csv:2: bad Tag row"),
    ("ok", ["labels", "consensus", "{d}/t.csv", "--out", "{d}/c.csv", "--keep", "most"], "bad keep rule"),
    ("ok", ["labels", "consensus", "{d}/t.csv", "--out", "{d}/c.csv", "--labels", "vote"], "bad label method"),
    ("ok", ["labels", "report", "{d}/t.csv", "--out", "{d}/r", "--truth", "{d}/none.csv"], "truth camera table"),
    (None, ["labels", "simulate", "--out", "{d}/s", "-n", "0"], "intersections >= 1"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, monkeypatch, capsys, make, args, message):
    t = tmp_path / "t.csv"
    if make == "ok":
        write_table(t, [Tag("x", "i", "a", heading=1.0, pitch=2.0)], Tag)
    elif make == "badkind":
        write_table(t, [Tag("x", "i", "a", kind="maybe")], Tag)
    elif make == "badfloat":
        write_table(t, [Tag("x", "i", "a")], Tag)
        t.write_text(t.read_text().replace(",tag,", ",tag,").splitlines()[0] + "\n" +
                     "x,i,a,,tag,dome,other,,north" + "," * 20 + "\n")
    monkeypatch.setattr(sys, "argv", ["camdetect", *[a.format(d=tmp_path) for a in args]])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
