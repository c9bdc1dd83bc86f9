"""The review round's simulated volunteers: truth seen through the crowd model, answered through the
real app's HTTP API into a real store; resumable; numbers computed from the store."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from camdetect.review.demo_feed import feed_from_synth
from camdetect.review.simulate import CityOracle, SimulatedCrowd, _is_camera, simulate_review
from camdetect.store import Store
from camdetect.store.models import Answer, SuggestionRow, ViewRow
from camdetect.synth.volunteers import Volunteer


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from camdetect.synth.city import generate_city

    out = tmp_path_factory.mktemp("simcity")
    generate_city(out, 12, seed=3, width=2048)
    return out


@pytest.fixture(scope="module")
def fed_template(city, tmp_path_factory):
    """A store whose queue is the city's truth cameras and look-alikes on real cut views (made once)."""
    d = tmp_path_factory.mktemp("fed")
    store = Store.open(d / "r.db", create=True)
    assert feed_from_synth(city, store, d / "media", progress=False) > 0
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return d / "r.db"


@pytest.fixture
def fed(fed_template, tmp_path):
    shutil.copyfile(fed_template, tmp_path / "r.db")
    store = Store.open(tmp_path / "r.db")
    yield store
    store.close()


def _truth_ids(city) -> set[str]:
    with open(city / "truth" / "cameras.csv", newline="") as fh:
        return {r["camera_id"] for r in csv.DictReader(fh)}


def test_oracle_sees_the_fed_cameras_and_not_the_lookalikes(city, fed):
    oracle, cams = CityOracle(city), _truth_ids(city)
    with fed.read() as s:
        rows = s.execute(select(SuggestionRow, ViewRow).join(ViewRow, ViewRow.id == SuggestionRow.view_id)).all()
    real = [(sg, v) for sg, v in rows if sg.key.split("|")[-1] in cams]
    fake = [(sg, v) for sg, v in rows if sg.key.split("|")[-1] not in cams]
    assert real and fake
    hit = [_is_camera([sg.x1, sg.y1, sg.x2, sg.y2], oracle.cameras_in(v)) is not None for sg, v in real]
    false = [_is_camera([sg.x1, sg.y1, sg.x2, sg.y2], oracle.cameras_in(v)) is not None for sg, v in fake]
    assert np.mean(hit) >= 0.9  # demo-feed boxes are the truth boxes with a pixel of jitter
    assert np.mean(false) <= 0.2  # a look-alike next to a camera may overlap it


def test_a_perfect_volunteer_answers_from_truth(city, fed):
    perfect = Volunteer("p", 1, "good", recall=1.0, fp_rate=0.0, type_accuracy=1.0, mount_accuracy=1.0,
                        jitter_deg=0.0, spam_tags=0.0, weight=1.0)
    from camdetect.evaluate.effort import EffortModel

    crowd = SimulatedCrowd(fed, CityOracle(city), EffortModel(), views_per_pano=10, seed=0)
    cams = _truth_ids(city)
    with fed.read() as s:
        rows = s.execute(select(SuggestionRow.key, SuggestionRow.image_path, SuggestionRow.x1, SuggestionRow.y1,
                                SuggestionRow.x2, SuggestionRow.y2)).all()
    said = {}
    for key, path, x1, y1, x2, y2 in rows:
        body = crowd.answer(perfect, {"kind": "suggestion", "image_path": path, "box": [x1, y1, x2, y2],
                                      "model_type": "dome", "model_mount": "other"})
        said[key.split("|")[-1] in cams] = said.get(key.split("|")[-1] in cams, []) + [body["answer"]]
        assert body["seconds"] == 3.0  # the effort model's verify_s
    assert set(said[True]) <= {"yes", "unsure"} and "yes" in said[True]  # 5 % "not sure", never "no"
    assert set(said[False]) <= {"no", "unsure"} and "no" in said[False]
    on_camera = next(path for key, path, *_ in rows if key.split("|")[-1] in cams)
    spot = crowd.answer(perfect, {"kind": "spot", "image_path": on_camera, "box": None})
    assert spot["answer"] == "done" and spot["added"] and spot["seconds"] == 9.0  # 90 s / 10 views


def test_simulated_round_through_the_app_then_resume(city, fed, tmp_path):
    rep = simulate_review(fed, city, volunteers=5, seed=1, max_answers=15)
    assert rep.answers == 15 and not rep.errors
    rep = simulate_review(fed, city, volunteers=5, seed=1)  # goes on with the same five volunteers
    assert not rep.errors and rep.volunteers == 5
    with fed.read() as s:
        stored = s.scalar(select(func.count()).select_from(Answer))
        per_assignment = s.execute(select(Answer.assignment_id, func.count()).group_by(Answer.assignment_id)
                                   .having(func.count() > 1)).all()
        open_left = s.scalar(select(func.count()).select_from(SuggestionRow).where(SuggestionRow.status == "open"))
    assert rep.answers == stored > 15 and per_assignment == []  # counted from the store, none twice
    assert rep.suggestion_answers + rep.spot_answers == rep.answers
    # the crowd says yes to real cameras far more often than to look-alikes (rates, not counts: a
    # dozen intersections hold only a handful of camera answers, so counts swing with task order)
    assert rep.on_camera >= rep.yes_on_camera + rep.no_on_camera and rep.on_camera > 0
    assert rep.yes_on_camera / rep.on_camera > 2 * rep.yes_on_other / (rep.suggestion_answers - rep.on_camera)
    assert rep.seconds >= 3.0 * rep.suggestion_answers
    assert rep.hours_per_1000 == pytest.approx(rep.seconds / rep.intersections * 1000 / 3600)
    with fed.read() as s:  # every suggestion was either retired or answered by all volunteers it could have
        assert open_left == 0 or s.scalar(select(func.min(SuggestionRow.slots))
                                          .where(SuggestionRow.status == "open")) >= 3
    from camdetect.review.exports import write_exports

    done = write_exports(fed, tmp_path / "export", ["tags"])  # what the demo's retraining reads
    with open(done["tags"], newline="") as fh:
        kinds = [row["kind"] for row in csv.DictReader(fh)]
    assert kinds.count("tag") > 0 and kinds.count("seen") > 0


def test_the_same_seed_gives_the_same_round(fed_template, city, tmp_path):
    """The scheduler's spot-check draws are seeded too, so a demo's review round can be reproduced."""
    said = []
    for k in range(2):
        shutil.copyfile(fed_template, tmp_path / f"r{k}.db")
        store = Store.open(tmp_path / f"r{k}.db")
        try:
            rep = simulate_review(store, city, volunteers=4, seed=7, max_answers=60)
            with store.read() as s:
                said.append(s.execute(select(Answer.suggestion_id, Answer.view_id, Answer.answer)
                                      .order_by(Answer.id)).all())
        finally:
            store.close()
        assert rep.answers == 60
    assert said[0] == said[1] and len(said[0]) == 60


def test_cli_writes_the_report(city, fed, tmp_path):
    from camdetect.cli import app

    out = tmp_path / "round.json"
    r = CliRunner().invoke(app, ["review", "simulate", str(city), "--db", str(tmp_path / "r.db"), "--out", str(out),
                                 "--volunteers", "4", "--seed", "2", "--max-answers", "12"])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["answers"] == 12 and doc["decoders_hours_per_1000_intersections"] == 75.0
    assert doc["hours_per_1000_intersections"] > 0
    assert "volunteer hours per 1,000 intersections" in r.output


def test_not_a_city(tmp_path, fed):
    with pytest.raises(FileNotFoundError, match="not a synthetic city"):
        simulate_review(fed, tmp_path / "nowhere")


def test_cli_retirement_settings_reach_the_app(city, fed, tmp_path):
    """--k 5 --retire-agree 3 (a verify queue's stricter rule): no suggestion retires on two agreeing answers."""
    from camdetect.cli import app

    r = CliRunner().invoke(app, ["review", "simulate", str(city), "--db", str(tmp_path / "r.db"), "--out",
                                 str(tmp_path / "round.json"), "--volunteers", "6", "--seed", "4", "--k", "5",
                                 "--retire-agree", "3", "--max-answers", "40"])
    assert r.exit_code == 0, r.output
    with fed.read() as s:
        answered = dict(s.execute(select(Answer.suggestion_id, func.count()).where(
            Answer.suggestion_id.is_not(None)).group_by(Answer.suggestion_id)).all())
        retired = {row.id for row in s.scalars(select(SuggestionRow).where(SuggestionRow.status == "retired"))}
    assert retired and all(3 <= answered[i] <= 5 for i in retired)
