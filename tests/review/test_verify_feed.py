"""Candidates in dispute as review tasks (lean crowdsourcing, live): queued on the views that show them,
answered through the app by the simulated crowd, exported, and merged into the consensus."""

from __future__ import annotations

import subprocess
import sys

import pytest

from camdetect.labels.model_voter import add_verified
from camdetect.records import Camera, Tag, read_table, write_table
from camdetect.review.exports import write_exports
from camdetect.review.simulate import simulate_review
from camdetect.review.verify_feed import feed_candidates
from camdetect.store import Store


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from camdetect.synth.city import generate_city

    out = tmp_path_factory.mktemp("vcity")
    generate_city(out, 6, seed=3, width=2048)
    return out


def _candidates(city) -> list[Camera]:
    """Every truth camera as a point (as a 1-of-3 Decoders tag would be) plus two directions with nothing."""
    truth = read_table(city / "truth" / "cameras.csv", Camera)
    cands = [Camera(f"c{i}", t.image, t.intersection, t.heading, t.pitch, type=t.type) for i, t in enumerate(truth)]
    t0 = truth[0]
    return cands + [Camera("empty", t0.image, t0.intersection, (t0.heading + 90) % 360, 8.0)]


def test_candidates_are_queued_answered_and_merged(city, tmp_path):
    store = Store.open(tmp_path / "v.db", create=True)
    cands = _candidates(city)
    n = feed_candidates(cands, city / "manifest.csv", store, tmp_path / "media", progress=False)
    assert n == len(cands)
    assert len(list((tmp_path / "media").rglob("*.jpg"))) >= 1
    assert feed_candidates(cands, city / "manifest.csv", store, tmp_path / "media", progress=False) == 0  # resumes
    rep = simulate_review(store, city, volunteers=8, seed=1)
    assert rep.suggestion_answers >= 2 * n  # retired at 2 agreeing answers at the earliest
    write_exports(store, tmp_path / "exp", ["cameras"])
    verified = read_table(tmp_path / "exp" / "cameras.csv", Camera)
    assert verified and all(v.intersection for v in verified)
    from camdetect.geometry import angular_distance

    empty = cands[-1]
    assert not any(v.intersection == empty.intersection
                   and angular_distance(v.heading, v.pitch, empty.heading, empty.pitch) < 6 for v in verified)
    tags = [Tag("decoders", c.image, "a", kind="seen", intersection=c.intersection) for c in cands]
    merged, added = add_verified([], verified, tags)
    assert added == len(merged) >= 1
    assert {m.image for m in merged} <= {c.image for c in cands}  # panorama ids, not the review store's view paths


def test_a_candidate_on_an_unknown_panorama_is_one_line(city, tmp_path):
    table = tmp_path / "doubtful.csv"
    write_table(table, [Camera("x", "nowhere", "nowhere", 10.0, 5.0)], Camera)
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "review", "verify-feed", str(table), "--panoramas",
                        str(city / "manifest.csv"), "--db", str(tmp_path / "v.db"), "--media", str(tmp_path / "m")],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 2
    assert "no panorama nowhere (candidate x)" in r.stderr.strip().splitlines()[-1]
