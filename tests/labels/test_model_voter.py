"""The model as one more voter: a confident model plus one volunteer settles a camera; never alone."""

from __future__ import annotations

import math

import pytest

from camdetect.labels.consensus import ConsensusConfig
from camdetect.labels.model_voter import MODEL, ModelVote, adaptive_answers, consensus_with_model, model_tags
from camdetect.records import Suggestion, Tag

VOLS = ("a", "b", "c")


def _seen(image: str) -> list[Tag]:
    return [Tag("decoders", image, v, kind="seen") for v in VOLS]


def _tag(image: str, who: str, heading: float) -> Tag:
    return Tag("decoders", image, who, tag_id=f"{image}-{who}-{heading}", heading=heading, pitch=10.0,
               type="dome", mount="building")


def _sugg(image: str, heading: float, score: float) -> Suggestion:
    return Suggestion(key=f"{image}@{heading}", intersection=image, pano_id=image, image_path="v.jpg",
                      view_heading=heading, view_pitch=0.0, view_fov=90.0, image_width=640, image_height=640,
                      x1=1, y1=1, x2=9, y2=9, score=score, type="dome", heading=heading, pitch=10.0)


def _table() -> tuple[list[Tag], list[Suggestion]]:
    tags = (_seen("p") + [_tag("p", v, 100.0) for v in VOLS]      # everyone: kept either way
            + [_tag("p", "a", 200.0)]                              # 1 of 3 + the model: kept with the model
            + [_tag("p", "b", 300.0)]                              # 1 of 3, model silent: dropped
            + _seen("q"))                                          # nobody; the model alone at 50: dropped
    sugg = [_sugg("p", 100.5, 0.9), _sugg("p", 200.5, 0.8), _sugg("q", 50.0, 0.95),
            _sugg("p", 300.0, 0.1)]                                # below the threshold: not a vote
    return tags, sugg


def test_model_tags_are_one_more_annotator() -> None:
    _, sugg = _table()
    tags = model_tags(sugg, ["p", "q"], threshold=0.25)
    assert {t.image for t in tags if t.kind == "seen"} == {"p", "q"}
    assert sorted(round(t.heading) for t in tags if t.kind == "tag") == [50, 100, 200]  # heading 300 at 0.1: out
    assert all(t.annotator == MODEL for t in tags)


def test_model_plus_one_volunteer_keeps_model_alone_never() -> None:
    tags, sugg = _table()
    result = consensus_with_model(tags, sugg, ConsensusConfig(), ModelVote(model_threshold=0.25))
    kept = sorted((c.image, round(c.heading)) for c in result.cameras)
    assert kept == [("p", 100), ("p", 200)]
    assert any(MODEL in c.annotators for c in result.cameras)
    # a stricter model threshold: the 200 camera's 0.8 no longer counts
    strict = consensus_with_model(tags, sugg, ConsensusConfig(), ModelVote(model_threshold=0.85))
    assert sorted((c.image, round(c.heading)) for c in strict.cameras) == [("p", 100)]


def test_adaptive_answers_stop_when_nothing_is_in_dispute() -> None:
    tags, sugg = _table()
    res = adaptive_answers(tags, sugg, ConsensusConfig(), ModelVote(model_threshold=0.25), seed=0)
    assert res.answers["q"] == 3          # the model sees a camera nobody tags: all three are asked
    assert 1 <= res.answers["p"] <= 3
    assert math.isclose(res.answers_per_image, (res.answers["p"] + res.answers["q"]) / 2)
    kept = {(c.image, round(sum(t.heading for t in c.tags) / len(c.tags))) for c in res.kept}
    assert ("q", 50) not in kept          # never on the model's word alone
    # an image where neither the model nor the first volunteer sees anything ends after one answer
    quiet = adaptive_answers(_seen("r"), [], ConsensusConfig(), seed=0)
    assert quiet.answers == {"r": 1} and quiet.kept == []
    # ... unless a campaign asks for at least two answers per image
    assert adaptive_answers(_seen("r"), [], ConsensusConfig(), min_answers=2).answers == {"r": 2}


def test_bad_vote_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        ModelVote(model_threshold=1.5)
    with pytest.raises(ValueError):
        ModelVote(min_volunteers=0)


def test_consensus_cli_with_model_suggestions(tmp_path) -> None:
    import json
    import subprocess
    import sys

    from camdetect.records import Camera, read_table, write_table

    tags, sugg = _table()
    write_table(tmp_path / "tags.csv", tags, Tag)
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(s.to_json_dict()) + "\n" for s in sugg))

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "camdetect.cli", "labels", "consensus", str(tmp_path / "tags.csv"),
                               "--out", str(tmp_path / "c.csv"), *extra], capture_output=True, text=True, check=False)

    assert run().returncode == 0 and len(read_table(tmp_path / "c.csv", Camera)) == 1   # majority alone
    proc = run("--model-suggestions", str(tmp_path / "s.jsonl"))
    assert proc.returncode == 0 and "model as a voter" in proc.stdout
    assert len(read_table(tmp_path / "c.csv", Camera)) == 2
    bad = run("--model-suggestions", str(tmp_path / "missing.jsonl"))
    assert bad.returncode == 2 and "missing.jsonl" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_lean_consensus_asks_only_about_disputed_candidates_and_keeps_on_a_yes_majority() -> None:
    from camdetect.labels.model_voter import Verification, lean_consensus

    tags, sugg = _table()
    tags += [_tag("p", "c", 104.0)]  # c's second click near the kept camera at 100: "already marked", not asked
    asked: list[tuple[str, int]] = []
    answers = {300: iter(["yes", "unsure", "yes", "yes"]),   # 1 of 3, model below threshold: verified, kept
               50: iter(["no", "yes", "no", "no"])}          # the model alone at 0.95: verified, dropped

    def ask(c) -> str:
        h = round(next(t.heading for t in c.tags)) // 50 * 50
        asked.append((c.image, h))
        return next(answers[h])

    res = lean_consensus(tags, sugg, ask, ConsensusConfig(), ModelVote(model_threshold=0.25),
                         Verification(agree=3, max_answers=5, model_floor=0.25))
    assert sorted((c.image, round(c.heading)) for c in res.result.cameras) == [("p", 100), ("p", 200), ("p", 300)]
    assert sorted(set(asked)) == [("p", 300), ("q", 50)]       # never the vote's own cameras or a near duplicate
    assert res.disputed == 2 and res.verify_answers == 4 + 4  # 3 yes in 4 answers; 3 no in 4
    # the model-only candidate below the floor is not asked about at all
    low = lean_consensus(tags, [s if s.pano_id != "q" else _sugg("q", 50.0, 0.2) for s in sugg],
                         lambda c: "yes", ConsensusConfig(), ModelVote(model_threshold=0.25),
                         Verification(agree=2, model_floor=0.25))
    assert ("q", 50) not in {(c.image, round(c.heading)) for c in low.result.cameras}


def test_verification_rejects_bad_settings() -> None:
    from camdetect.labels.model_voter import Verification

    with pytest.raises(ValueError, match="max_answers >= agree"):
        Verification(agree=3, max_answers=2)


def test_add_verified_skips_cameras_already_kept_and_maps_views_to_panoramas() -> None:
    from camdetect.labels.model_voter import add_verified
    from camdetect.records import Camera

    tags, _ = _table()
    kept = [Camera("k1", "p", "p", 100.0, 10.0)]
    verified = [Camera("v-near", "verify/p_h096.jpg", "p", 103.0, 11.0, confidence=0.9),   # the kept one again
                Camera("v-new", "verify/p_h192.jpg", "p", 200.0, 10.0, confidence=0.8),
                Camera("v-dup", "verify/p_h192.jpg", "p", 202.0, 10.0, confidence=0.7)]    # the new one twice
    merged, added = add_verified(kept, verified, tags)
    assert added == 1 and [c.camera_id for c in merged] == ["k1", "v-new"]
    assert merged[1].image == "p" and merged[1].agreement.startswith("verified")
    with pytest.raises(ValueError, match="intersection 'q2' has no tagged panoramas"):
        add_verified(kept, [Camera("v", "verify/x.jpg", "q2", 10.0, 5.0)], tags)


def test_consensus_cli_adds_verified_cameras(tmp_path) -> None:
    import subprocess
    import sys

    from camdetect.records import Camera, read_table, write_table

    tags, _ = _table()
    write_table(tmp_path / "tags.csv", tags, Tag)
    write_table(tmp_path / "verified.csv", [Camera("v-new", "verify/p_h192.jpg", "p", 300.0, 10.0)], Camera)
    r = subprocess.run([sys.executable, "-m", "camdetect.cli", "labels", "consensus", str(tmp_path / "tags.csv"),
                        "--out", str(tmp_path / "cams.csv"), "--verified", str(tmp_path / "verified.csv")],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "1 cameras added" in r.stdout
    cams = read_table(tmp_path / "cams.csv", Camera)
    assert sorted(round(c.heading) for c in cams) == [100, 300]  # the majority's camera + the verified one
