"""50 simulated volunteers answer at once against a live uvicorn server, on SQLite and PostgreSQL.

The issue asks for 60 s; CI uses CAMDETECT_STRESS_SECONDS (default 10 s) to keep the suite short.
Checks: every confirmed answer is in the database exactly once (none lost, none duplicated), no
suggestion has more than k answers or more than k live slots, nobody answered a suggestion twice,
and the server answered every request (no 5xx, no timeouts).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import func, select

from camdetect.review.app import create_app
from camdetect.review.config import ReviewConfig
from camdetect.review.loadtest import fill_synthetic, make_volunteers, run_volunteers, serve_in_thread
from camdetect.store import Store
from camdetect.store.models import Answer, Assignment, SuggestionRow, ViewRow

SECONDS = float(os.environ.get("CAMDETECT_STRESS_SECONDS", "10"))
N_VOLUNTEERS = 50


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stress_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'stress.db'}"
    return request.getfixturevalue("pg_server").create_database()


@pytest.mark.slow
def test_fifty_volunteers_no_lost_or_duplicated_answers(stress_url):
    k = 3
    store = Store.open(stress_url, pool_size=30, create=True)
    fill_synthetic(store, max(400, int(40 * SECONDS)))  # enough work that the queue outlasts the run
    cfg = ReviewConfig(k=k, retire_agree=2, spot_share=0.05, spot_rate=0.1, spot_k=1)
    vols = make_volunteers(store, N_VOLUNTEERS)
    with serve_in_thread(create_app(store, cfg)) as url:
        logs = run_volunteers(url, vols, SECONDS)
    errors = [e for log in logs for e in log.errors]
    assert errors == []
    confirmed = [aid for log in logs for _, aid in log.confirmed]
    assert len(confirmed) > N_VOLUNTEERS  # everybody got work done
    with store.read() as s:
        answers = s.execute(select(Answer.id, Answer.user_id, Answer.suggestion_id, Answer.assignment_id)).all()
        per_sugg = Counter(a.suggestion_id for a in answers if a.suggestion_id is not None)
        live = dict(s.execute(select(Assignment.suggestion_id, func.count()).where(
            Assignment.status == "claimed", Assignment.kind == "suggestion").group_by(Assignment.suggestion_id)).all())
        slots = s.execute(select(SuggestionRow.id, SuggestionRow.slots, SuggestionRow.n_answers)).all()
        spot = s.execute(select(ViewRow.spot_slots, ViewRow.spot_answers)).all()
    # none lost, none duplicated
    assert sorted(confirmed) == sorted(a.id for a in answers)
    assert len({a.assignment_id for a in answers}) == len(answers)
    # nobody twice on one suggestion; no suggestion over k
    pairs = Counter((a.user_id, a.suggestion_id) for a in answers if a.suggestion_id is not None)
    assert max(pairs.values()) == 1
    assert max(per_sugg.values()) <= k
    for sid, n_slots, n_answers in slots:
        assert n_answers == per_sugg.get(sid, 0)
        assert n_slots == n_answers + live.get(sid, 0) <= k
    assert all(ss <= cfg.spot_k and sa <= ss for ss, sa in spot)
    store.close()
