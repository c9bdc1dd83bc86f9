"""API tests through the real app: sign-up, tasks, answers, retirement, spot checks, exports."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from camdetect.review.scheduler import retirement
from camdetect.store.models import AddedBox, Answer, SuggestionRow, User

from .conftest import login, signup


def answer(client, csrf, task_id, **body):
    body.setdefault("answer", "yes")
    return client.post(f"/api/tasks/{task_id}/answer", json=body, headers={"x-csrf-token": csrf})


def test_first_user_is_coordinator_then_volunteers(make_client, store):
    a, b = make_client(), make_client()
    signup(a, "coord")
    signup(b, "vol1")
    assert a.get("/api/me").json()["role"] == "coordinator"
    assert b.get("/api/me").json()["role"] == "volunteer"
    with store.read() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert all(h.startswith("$argon2id$") for h in hashes)


@pytest.mark.parametrize("path", ["/task", "/tutorial", "/dashboard", "/map"])
def test_pages_need_login(make_client, path):
    r = make_client().get(path, headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


@pytest.mark.parametrize("path", ["/task", "/tutorial"])
def test_pages_render(make_client, path):
    c = make_client()
    signup(c, "vol1")
    r = c.get(path)
    assert r.status_code == 200 and "camdetect review" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_task_flow_and_early_retirement(make_client, store):
    """Two agreeing volunteers retire a suggestion (retire_agree=2); a third never sees it."""
    c1, c2, c3 = make_client(spot_rate=0.0), make_client(spot_rate=0.0), make_client(spot_rate=0.0)
    t1, t2, t3 = signup(c1, "u01"), signup(c2, "u02"), signup(c3, "u03")
    task = c1.get("/api/tasks/next").json()["task"]
    assert task["kind"] == "suggestion" and len(task["box"]) == 4
    assert c1.get("/api/tasks/next").json()["task"]["id"] == task["id"]  # live claim is returned again
    task2 = c2.get("/api/tasks/next").json()["task"]
    with store.read() as s:
        sid = {a: s.scalar(select(SuggestionRow.id).where(SuggestionRow.key == a)) for a in []}
    assert answer(c1, t1, task["id"], type="bullet", mount="building", box=[10, 10, 40, 30]).json()["ok"]
    assert answer(c2, t2, task2["id"], type="dome", mount="building").status_code == 200
    with store.read() as s:
        retired = s.scalar(select(func.count()).select_from(SuggestionRow).where(SuggestionRow.status == "retired"))
        a1 = s.scalar(select(Answer).where(Answer.assignment_id == task["id"]))
    assert retired == 1 and a1.type == "bullet" and (a1.x1, a1.y1, a1.x2, a1.y2) == (10, 10, 40, 30)
    # u3's task is never the retired one
    t = c3.get("/api/tasks/next").json()["task"]
    assert t["id"] not in (task["id"], task2["id"])
    _ = sid, t3


def test_answer_is_stored_once(make_client, store):
    c = make_client(spot_rate=0.0)
    csrf = signup(c, "u01")
    task = c.get("/api/tasks/next").json()["task"]
    ids = {answer(c, csrf, task["id"], answer="no").json()["answer_id"] for _ in range(3)}
    assert len(ids) == 1
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 1


def test_never_twice_to_same_volunteer(make_client, store):
    c = make_client(spot_rate=0.0, spot_share=0.0)
    csrf = signup(c, "u01")
    seen = []
    while (t := c.get("/api/tasks/next").json()["task"]) is not None:
        seen.append(t["box"] + [t["image_path"]])
        assert answer(c, csrf, t["id"], answer="unsure").status_code == 200
    assert len(seen) == 12 and len({json.dumps(x) for x in seen}) == 12


def test_spot_check_and_added_boxes(make_client, store):
    c = make_client(spot_rate=1.0, spot_share=1.0)
    csrf = signup(c, "u01")
    t = c.get("/api/tasks/next").json()["task"]
    assert t["kind"] == "spot" and t["box"] is None
    r = answer(c, csrf, t["id"], answer="whatever", added=[{"x1": 5, "y1": 6, "x2": 25, "y2": 30, "type": "bullet",
                                                           "mount": "building"}])
    assert r.status_code == 200
    with store.read() as s:
        b = s.scalar(select(AddedBox))
        a = s.scalar(select(Answer))
    assert (b.x1, b.y2, b.type) == (5, 30, "bullet") and a.answer == "done"


@pytest.mark.parametrize("body, status", [
    ({"answer": "maybe"}, 422),
    ({"answer": "yes", "type": "fisheye"}, 422),
    ({"answer": "yes", "mount": "balloon"}, 422),
    ({"answer": "yes", "box": [1, 2, 3]}, 422),
    ({"answer": "yes", "box": [50, 50, 50, 50]}, 422),
    ({"answer": "yes", "added": [{"x1": 1, "y1": 1, "x2": 9, "y2": 9, "type": "x"}]}, 422),
    ({"answer": "yes", "comment": "x" * 501}, 422),
    ({"answer": "yes", "box": [-50, -5, 9000, 40]}, 200),  # clipped to the image
])
def test_answer_validation(make_client, body, status):
    c = make_client(spot_rate=0.0)
    csrf = signup(c, "u01")
    t = c.get("/api/tasks/next").json()["task"]
    assert answer(c, csrf, t["id"], **body).status_code == status


@pytest.mark.parametrize("answers, k, agree, expected", [
    (["yes", "yes"], 3, 2, "yes"),
    (["no", "no"], 3, 2, "no"),
    (["yes", "no"], 3, 2, None),
    (["unsure", "unsure"], 3, 2, None),
    (["yes", "no", "yes"], 3, 2, "yes"),
    (["yes", "no", "unsure"], 3, 2, "unsure"),
    (["yes"], 1, 0, "yes"),
    (["yes", "yes"], 3, 0, None),
    (["no", "no", "no"], 3, 3, "no"),
])
def test_retirement_rule(answers, k, agree, expected):
    assert retirement(answers, k, agree) == expected


def test_claims_expire_and_slots_return(store):
    from camdetect.review.auth import create_user
    from camdetect.review.config import ReviewConfig
    from camdetect.review.scheduler import Scheduler

    sched = Scheduler(store, ReviewConfig(k=1, retire_agree=1, spot_rate=0.0, spot_share=0.0, claim_ttl=10))
    users = [create_user(store, f"user{i}", "password1") for i in range(13)]
    now = 1000.0
    tasks = [sched.next_task(u, now=now) for u in users]
    assert sum(t is not None for t in tasks) == 12 and tasks[-1] is None  # k=1: 12 suggestions, 12 claims
    assert sched.expire_claims(now + 11) == 12
    assert sched.next_task(users[-1], now=now + 12) is not None


def test_dashboard_and_exports(make_client, store, tmp_path, media):
    from camdetect.records import Tag, read_table
    from camdetect.review.exports import write_exports

    coord = make_client(spot_rate=0.0)
    ccsrf = signup(coord, "coord")
    vols = [make_client(spot_rate=0.0) for _ in range(2)]
    toks = [signup(v, f"vol{i}") for i, v in enumerate(vols)]
    for _ in range(4):
        for v, t in zip(vols, toks):
            task = v.get("/api/tasks/next").json()["task"]
            answer(v, t, task["id"], answer="yes", type="dome", mount="street_furniture")
    d = coord.get("/api/dashboard").json()
    assert d["totals"]["answers"] == 8 and d["totals"]["retired"] >= 1 and {a["area"] for a in d["areas"]} == {"north", "south"}
    assert d["totals"]["verified_cameras"] >= 1
    assert {u["username"]: u["agreement"] for u in d["volunteers"]}["vol0"] == 1.0
    html = coord.get("/dashboard")
    assert html.status_code == 200 and "vol0" in html.text
    geo = coord.get("/export/cameras.geojson").json()
    f = geo["features"][0]
    assert f["geometry"]["type"] == "Point" and f["properties"]["osm_tags"]["man_made"] == "surveillance"
    located = coord.get("/export/located.geojson")
    assert located.status_code == 200 and located.json()["type"] == "FeatureCollection"
    assert coord.get("/export/tags.csv").text.startswith("source,image")
    done = write_exports(store, tmp_path / "exp", ["tags", "reviews", "cameras", "geojson", "coco", "yolo"], media)
    tags = read_table(done["tags"], Tag)
    assert {t.source for t in tags} == {"review"} and any(t.kind == "tag" for t in tags)
    coco = json.loads((tmp_path / "exp" / "coco.json").read_text())
    assert len(coco["annotations"]) == sum(t.kind == "tag" for t in tags)
    _ = ccsrf


def test_login_logout(make_client):
    c = make_client()
    csrf = signup(c, "u01")
    assert c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert c.get("/api/me").status_code == 401
    assert login(c, "u01", "wrong password").status_code == 401
    assert login(c, "u01").status_code == 303
    assert c.get("/api/me").status_code == 200
