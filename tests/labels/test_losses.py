"""Where the consensus loses cameras: each bucket built on purpose from hand-made tags."""

from __future__ import annotations

from camdetect.labels.consensus import ConsensusConfig
from camdetect.labels.losses import BUCKETS, format_loss_tables, loss_table
from camdetect.records import Camera, Tag

VOLS = ("a", "b", "c")


def _seen(image: str) -> list[Tag]:
    return [Tag("decoders", image, v, kind="seen") for v in VOLS]


def _tag(image: str, who: str, heading: float, pitch: float = 10.0) -> Tag:
    return Tag("decoders", image, who, tag_id=f"{image}-{who}-{heading}", heading=heading, pitch=pitch,
               type="dome", mount="building")


def _truth(image: str, heading: float, pitch: float = 10.0) -> Camera:
    return Camera(f"{image}@{heading}", image, heading=heading, pitch=pitch, type="dome", mount="building")


def _bucket(table, image: str) -> str:
    (row,) = [r for r in table.rows if r.image == image]
    return row.bucket


def test_every_bucket_from_hand_made_tags() -> None:
    tags, truth = [], []
    # found: all three volunteers on the camera
    tags += _seen("found") + [_tag("found", v, 100.0) for v in VOLS]
    truth.append(_truth("found", 100.0))
    # untagged: everybody looked, nobody tagged it
    tags += _seen("untagged")
    truth.append(_truth("untagged", 50.0))
    # dropped: one of three volunteers (majority keep rule rejects it)
    tags += _seen("dropped") + [_tag("dropped", "a", 200.0)]
    truth.append(_truth("dropped", 200.0))
    # split: two volunteers 2.5 degrees either side (within match_deg of the camera, 5 apart: two clusters)
    tags += _seen("split") + [_tag("split", "a", 297.5), _tag("split", "b", 302.5)]
    truth.append(_truth("split", 300.0))
    # merged: two cameras 2 degrees apart, everybody tags between them once: one kept camera, matched to one
    tags += _seen("merged") + [_tag("merged", v, 31.0) for v in VOLS]
    truth += [_truth("merged", 30.0), _truth("merged", 32.0)]

    table = loss_table(tags, truth, ConsensusConfig(max_angle=4.0), match_deg=3.0)
    assert _bucket(table, "found") == "found"
    assert _bucket(table, "untagged") == "untagged"
    assert _bucket(table, "dropped") == "dropped"
    assert _bucket(table, "split") == "split"
    merged = sorted(r.bucket for r in table.rows if r.image == "merged")
    assert merged == ["found", "merged"]
    assert table.n_truth == 6 and sum(table.counts.values()) == 6
    assert table.counts["found"] == 2 and table.counts["merged"] == 1
    md = format_loss_tables([table])
    assert all(b in md.splitlines()[0] for b in BUCKETS) and "| consensus | 6 |" in md


def test_images_nobody_looked_at_are_not_counted() -> None:
    tags = _seen("x") + [_tag("x", v, 10.0) for v in VOLS]
    truth = [_truth("x", 10.0), _truth("never-shown", 10.0)]
    table = loss_table(tags, truth)
    assert table.n_truth == 1 and table.counts["found"] == 1


def test_doubtful_cameras_are_the_rejected_candidates(tmp_path) -> None:
    """labels consensus --doubtful: the candidates the keep rule rejected, as a camera table."""
    import subprocess
    import sys

    from camdetect.labels.consensus import doubtful_cameras, run_consensus
    from camdetect.records import read_table, write_table

    tags = (_seen("p") + [_tag("p", v, 100.0) for v in VOLS] + [_tag("p", "a", 200.0)]
            + _seen("q") + [_tag("q", "b", 50.0)])
    doubt = doubtful_cameras(run_consensus(tags, ConsensusConfig()))
    assert sorted((c.image, round(c.heading)) for c in doubt) == [("p", 200), ("q", 50)]
    assert all("#doubt" in c.camera_id and c.n_tags == 1 for c in doubt)

    write_table(tmp_path / "tags.csv", tags, Tag)
    proc = subprocess.run([sys.executable, "-m", "camdetect.cli", "labels", "consensus", str(tmp_path / "tags.csv"),
                           "--out", str(tmp_path / "cams.csv"), "--doubtful", str(tmp_path / "doubt.csv")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert len(read_table(tmp_path / "cams.csv", Camera)) == 1
    assert len(read_table(tmp_path / "doubt.csv", Camera)) == 2 and "2 candidates in doubt" in proc.stdout
