"""Issue 13, task view tools through the real app: skip (the task goes back to the pool), undo of the
last answer (while its suggestion is open), the short history with today's count. CSRF on each."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from camdetect.review import scheduler
from camdetect.store.models import AddedBox, Answer, Assignment, SuggestionRow

from .conftest import signup


def answer(client, csrf, task_id, **body):
    body.setdefault("answer", "yes")
    return client.post(f"/api/tasks/{task_id}/answer", json=body, headers={"x-csrf-token": csrf})


def post(client, path, csrf):
    return client.post(path, headers={"x-csrf-token": csrf})


def slots(store, sid):
    with store.read() as s:
        return s.scalar(select(SuggestionRow.slots).where(SuggestionRow.id == sid))


def suggestion_of(store, task_id):
    with store.read() as s:
        return s.scalar(select(Assignment.suggestion_id).where(Assignment.id == task_id))


def test_skip_gives_the_task_to_others_and_back_to_you_last(make_client, store):
    c1, c2 = make_client(spot_rate=0.0, spot_share=0.0), make_client(spot_rate=0.0, spot_share=0.0)
    t1, _ = signup(c1, "u01"), signup(c2, "u02")
    first = c1.get("/api/tasks/next").json()["task"]
    sid = suggestion_of(store, first["id"])
    assert slots(store, sid) == 1
    assert post(c1, f"/api/tasks/{first['id']}/skip", t1).json() == {"ok": True}
    assert slots(store, sid) == 0
    nxt = c1.get("/api/tasks/next").json()["task"]
    assert nxt["id"] != first["id"]
    # another volunteer gets the skipped suggestion (it has the top priority again)
    other = c2.get("/api/tasks/next").json()["task"]
    assert suggestion_of(store, other["id"]) == sid
    # answer everything else: the skipped task comes back to u01 at the end
    seen = set()
    t = nxt
    while t is not None and t["id"] != first["id"]:
        assert t["id"] not in seen
        seen.add(t["id"])
        assert answer(c1, t1, t["id"], answer="unsure").status_code == 200
        t = c1.get("/api/tasks/next").json()["task"]
    assert t is not None and t["id"] == first["id"] and slots(store, sid) == 2
    assert answer(c1, t1, first["id"], answer="no").status_code == 200


@pytest.mark.parametrize("headers, code", [({}, 403), ({"x-csrf-token": "nope"}, 403)])
def test_skip_and_undo_need_csrf(make_client, headers, code):
    c = make_client(spot_rate=0.0)
    signup(c, "u01")
    task = c.get("/api/tasks/next").json()["task"]
    assert c.post(f"/api/tasks/{task['id']}/skip", headers=headers).status_code == code
    assert c.post("/api/me/undo", headers=headers).status_code == code


def test_skip_of_someone_elses_or_answered_task(make_client):
    c1, c2 = make_client(spot_rate=0.0), make_client(spot_rate=0.0)
    t1, t2 = signup(c1, "u01"), signup(c2, "u02")
    task = c1.get("/api/tasks/next").json()["task"]
    assert post(c2, f"/api/tasks/{task['id']}/skip", t2).status_code == 404
    assert answer(c1, t1, task["id"], answer="no").status_code == 200
    assert post(c1, f"/api/tasks/{task['id']}/skip", t1).status_code == 409
    assert post(c1, "/api/tasks/0/skip", t1).status_code == 404


def test_undo_last_answer_then_answer_again(make_client, store):
    c = make_client(spot_rate=0.0, spot_share=0.0)
    csrf = signup(c, "u01")
    task = c.get("/api/tasks/next").json()["task"]
    sid = suggestion_of(store, task["id"])
    added = [{"x1": 1, "y1": 1, "x2": 20, "y2": 20, "type": "bullet", "mount": "building"}]
    assert answer(c, csrf, task["id"], answer="no", added=added).status_code == 200
    c.get("/api/tasks/next")  # the next task is claimed, as the page does
    r = post(c, "/api/me/undo", csrf)
    assert r.status_code == 200 and r.json()["task"]["id"] == task["id"]
    with store.read() as s:
        assert s.scalar(select(Answer).where(Answer.assignment_id == task["id"])) is None
        assert list(s.scalars(select(AddedBox))) == []
        sug = s.get(SuggestionRow, sid)
        assert (sug.n_answers, sug.slots) == (0, 1)
    # the undone task is the live one again; answered anew, it counts once
    assert c.get("/api/tasks/next").json()["task"]["id"] == task["id"]
    assert answer(c, csrf, task["id"], answer="yes", type="dome", mount="building").status_code == 200
    with store.read() as s:
        assert s.scalar(select(Answer.answer).where(Answer.assignment_id == task["id"])) == "yes"
        assert s.get(SuggestionRow, sid).n_answers == 1


def test_undo_refused_once_decided_or_too_old(make_client, store, monkeypatch):
    c1, c2 = make_client(spot_rate=0.0, spot_share=0.0), make_client(spot_rate=0.0, spot_share=0.0)
    t1, t2 = signup(c1, "u01"), signup(c2, "u02")
    assert post(c1, "/api/me/undo", t1).status_code == 409  # nothing to undo yet
    a = c1.get("/api/tasks/next").json()["task"]
    b = c2.get("/api/tasks/next").json()["task"]
    assert suggestion_of(store, a["id"]) == suggestion_of(store, b["id"])
    assert answer(c1, t1, a["id"], answer="no").status_code == 200
    assert answer(c2, t2, b["id"], answer="no").status_code == 200  # two agree: retired
    r = post(c1, "/api/me/undo", t1)
    assert r.status_code == 409 and "no longer be undone" in r.json()["detail"]
    h = c1.get("/api/me/history").json()
    assert h["answers"][0]["undoable"] is False
    # too old: an answer older than UNDO_SECONDS
    nxt = c2.get("/api/tasks/next").json()["task"]
    assert answer(c2, t2, nxt["id"], answer="unsure").status_code == 200
    assert c2.get("/api/me/history").json()["answers"][0]["undoable"] is True
    monkeypatch.setattr(scheduler, "UNDO_SECONDS", -1.0)
    r = post(c2, "/api/me/undo", t2)
    assert r.status_code == 409 and "too old" in r.json()["detail"]


def test_history_lists_last_answers_and_today(make_client):
    c = make_client(spot_rate=0.0, spot_share=0.0)
    csrf = signup(c, "u01")
    ids = []
    for ans in ("yes", "no", "unsure"):
        t = c.get("/api/tasks/next").json()["task"]
        body = {"type": "bullet", "mount": "building"} if ans == "yes" else {}
        assert answer(c, csrf, t["id"], answer=ans, **body).status_code == 200
        ids.append(t["id"])
    h = c.get("/api/me/history", params={"limit": 2}).json()
    assert [a["task_id"] for a in h["answers"]] == ids[::-1][:2]
    assert [a["answer"] for a in h["answers"]] == ["unsure", "no"]
    assert h["answers"][0]["undoable"] and not h["answers"][1]["undoable"]
    assert h["answers"][0]["image_path"].endswith(".jpg")
    assert h["today"] == 3
    assert c.get("/api/me/history", params={"since": time.time() + 60}).json()["today"] == 0
    assert c.get("/api/me/history", params={"limit": 10_000}).status_code == 200
    # another volunteer sees only their own (empty) history
    c2 = make_client(spot_rate=0.0, spot_share=0.0)
    signup(c2, "u02")
    assert c2.get("/api/me/history").json() == {"answers": [], "today": 0}


@pytest.fixture
def any_store(empty_store, tmp_path):
    from .conftest import fill_store

    (tmp_path / "media").mkdir()
    fill_store(empty_store, tmp_path / "media", n_images=1, per_view=1)
    return empty_store


def test_skip_and_undo_keep_the_slot_counts_on_both_backends(any_store):
    """Slots = live claims + answers after skip, re-claim and undo (SQLite and PostgreSQL)."""
    from sqlalchemy import func

    from camdetect.review.auth import create_user
    from camdetect.review.config import ReviewConfig
    from camdetect.review.scheduler import Scheduler, Submission

    store = any_store
    sched = Scheduler(store, ReviewConfig(spot_rate=0.0, spot_share=0.0, k=3, retire_agree=0))
    uid = create_user(store, "zed", "password123", "volunteer")
    a = sched.next_task(uid)
    sched.skip(uid, a.id)
    b = sched.next_task(uid)
    assert b.id != a.id
    sched.submit(uid, b.id, Submission("no"))
    again = sched.next_task(uid)  # nothing new left: the skipped one comes back
    assert again.id == a.id
    sched.submit(uid, a.id, Submission("unsure"))
    assert sched.undo(uid) == a.id
    with store.read() as s:
        for sug in s.scalars(select(SuggestionRow)):
            live = s.scalar(select(func.count()).select_from(Assignment).where(
                Assignment.suggestion_id == sug.id, Assignment.status.in_(["claimed", "answered"])))
            answers = s.scalar(select(func.count()).select_from(Answer).where(Answer.suggestion_id == sug.id))
            assert sug.slots == live and sug.n_answers == answers
    assert sched.next_task(uid).id == a.id
