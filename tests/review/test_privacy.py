"""Issue 13.5 (privacy): privacy page, download all my data, delete my account (answers anonymised
or removed), change password. The failed-log-in findings are in test_hardening.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from camdetect.review.auth import create_user
from camdetect.store.models import AddedBox, Answer, Assignment, Intersection, SessionRow, SuggestionRow, User

from .conftest import login, signup
from .test_cli import run


def answer_some(client, token: str, n: int, comment: str = "under the awning") -> list[int]:
    ids = []
    for _ in range(n):
        task = client.get("/api/tasks/next").json()["task"]
        if task is None:
            break
        body = {"answer": "yes", "type": "dome", "mount": "building", "comment": comment}
        if task["kind"] == "spot":
            body["added"] = [{"x1": 5, "y1": 5, "x2": 25, "y2": 25, "type": "bullet", "mount": "building"}]
        r = client.post(f"/api/tasks/{task['id']}/answer", json=body, headers={"x-csrf-token": token})
        assert r.status_code == 200, r.text
        ids.append(task["id"])
    return ids


def test_privacy_page_is_public_and_states_retention(make_client):
    c = make_client(session_ttl=7 * 86400.0, login_window=600.0, login_max_delay=120.0)
    r = c.get("/privacy")
    assert r.status_code == 200
    for words in ("no longer linked", "7 days", "10 minutes", "keyed hashes", "Download everything"):
        assert words in r.text
    assert 'href="/privacy"' in c.get("/signup").text and 'href="/privacy"' in c.get("/login").text
    assert "deleted too" in make_client(on_delete="remove").get("/privacy").text


def test_export_has_all_my_data_beyond_200_rows(make_client, store):
    """Finding: /api/me/answers stops at 200 rows; the download has every row."""
    c = make_client(spot_rate=0.0)
    tok = signup(c, "prolific")
    with store.write() as s:
        me = s.scalar(select(User.id).where(User.username == "prolific"))
        sug = s.scalar(select(SuggestionRow).limit(1))
        for i in range(250):  # history as if answered over months (one assignment per answer)
            a = Assignment(user_id=me, kind="spot", target_id=10_000 + i, view_id=sug.view_id, status="answered",
                           claimed_at=1.0 + i, expires_at=2.0 + i, answered_at=2.0 + i)
            s.add(a)
            s.flush()
            s.add(Answer(assignment_id=a.id, user_id=me, kind="spot", view_id=sug.view_id, answer="done",
                         comment=f"c{i}", created_at=2.0 + i))
    answer_some(c, tok, 2)
    assert len(c.get("/api/me/answers").json()["answers"]) == 200  # the page's short history
    r = c.get("/api/me/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["account"]["username"] == "prolific" and "argon2" in data["account"]["password"]
    assert len(data["answers"]) == 252 and len(data["tasks"]) == 252 and data["sessions"]
    assert {a["comment"] for a in data["answers"]} >= {"c0", "c249", "under the awning"}
    assert "password_hash" not in r.text and "$argon2" not in r.text


def test_export_needs_login_and_is_only_mine(make_client):
    a, b = make_client(spot_rate=0.0), make_client(spot_rate=0.0)
    answer_some(a, signup(a, "alice"), 2, comment="alice's secret")
    signup(b, "bob")
    assert "alice's secret" not in b.get("/api/me/export").text
    assert make_client().get("/api/me/export").status_code == 401


def _delete(client, token: str, password: str = "correct horse", confirm: str = "yes"):
    return client.post("/account/delete", data={"password": password, "confirm": confirm, "csrf_token": token},
                       follow_redirects=False)


def test_delete_account_anonymises_answers(make_client, store):
    """Finding: a volunteer could not delete their account. Default: answers stay, unlinked."""
    coord = make_client(spot_rate=0.0)
    signup(coord, "coord")
    c = make_client(spot_rate=0.0)
    tok = signup(c, "leaving")
    answer_some(c, tok, 3, comment="my name is Jo")
    live = c.get("/api/tasks/next").json()["task"]  # a claimed, unanswered task goes back to the pool
    assert _delete(c, tok, confirm="").status_code == 400
    assert _delete(c, tok, password="wrong password").status_code == 401
    r = _delete(c, tok)
    assert r.status_code == 303 and r.headers["location"] == "/login?deleted=1"
    assert c.get("/api/me").status_code == 401  # the session is gone
    with store.read() as s:
        assert s.scalar(select(User).where(User.username == "leaving")) is None
        ghost = s.scalar(select(User).where(User.role == "deleted"))
        answers = list(s.scalars(select(Answer).where(Answer.user_id == ghost.id)))
        sessions = s.scalar(select(func.count()).select_from(SessionRow).where(SessionRow.user_id == ghost.id))
        claim = s.scalar(select(Assignment).where(Assignment.id == live["id"]))
        sug = s.get(SuggestionRow, claim.suggestion_id)
    assert len(answers) == 3 and {a.comment for a in answers} == {""} and sessions == 0
    assert ghost.username.startswith("deleted~") and ghost.created_at == 0.0 and "argon2" not in ghost.password_hash
    assert claim.status == "expired" and sug.slots == sug.n_answers  # slot released
    assert "leaving" not in coord.get("/dashboard").text
    assert login(make_client(), "leaving").status_code == 401
    assert login(make_client(), ghost.username, "").status_code in (401, 422)
    # the same name can be taken again by someone new
    signup(make_client(), "leaving")


def test_delete_account_removes_answers_when_configured(make_client, store):
    """on_delete="remove": answers, boxes and claims go; a suggestion retired on the deleted volunteer's
    answer is reopened and its counters recomputed."""
    cfg = dict(spot_rate=0.0, spot_share=0.0, k=3, retire_agree=2)
    a, b = make_client(**cfg), make_client(**cfg)
    ta, tb = signup(a, "stays"), signup(b, "goes")
    first = a.get("/api/tasks/next").json()["task"]
    a.post(f"/api/tasks/{first['id']}/answer", json={"answer": "no"}, headers={"x-csrf-token": ta})
    with store.read() as s:
        sid = s.scalar(select(Assignment.suggestion_id).where(Assignment.id == first["id"]))
    # b answers the same suggestion "no": it retires (first two agree)
    for _ in range(20):
        t = b.get("/api/tasks/next").json()["task"]
        with store.read() as s:
            this = s.scalar(select(Assignment.suggestion_id).where(Assignment.id == t["id"]))
        b.post(f"/api/tasks/{t['id']}/answer", json={"answer": "no"}, headers={"x-csrf-token": tb})
        if this == sid:
            break
    with store.read() as s:
        sug = s.get(SuggestionRow, sid)
        retired_before = s.scalar(select(Intersection.n_retired).where(Intersection.name == sug.intersection))
    assert sug.status == "retired" and sug.outcome == "no"
    remover = make_client(on_delete="remove", **cfg)
    remover.cookies.update(b.cookies)
    assert _delete(remover, tb).status_code == 303
    with store.read() as s:
        gone = s.scalar(select(User.id).where(User.username == "goes"))
        stays = s.scalar(select(User.id).where(User.username == "stays"))
        n_user_rows = [s.scalar(select(func.count()).select_from(m).where(m.user_id != stays))
                       for m in (Answer, Assignment, AddedBox)]
        sug = s.get(SuggestionRow, sid)
        retired_after = s.scalar(select(Intersection.n_retired).where(Intersection.name == sug.intersection))
        users = list(s.scalars(select(User.username)))
    assert gone is None and users == ["stays"]
    assert n_user_rows == [0, 0, 0]
    assert (sug.status, sug.outcome, sug.n_answers, sug.slots) == ("open", None, 1, 1)
    assert retired_after == retired_before - 1


def test_change_password(make_client, store):
    """Finding: a volunteer could not change their password. Needs the current one; other sessions end."""
    c = make_client()
    tok = signup(c, "changer")
    other = make_client()
    assert login(other, "changer").status_code == 303
    data = {"current_password": "wrong password", "new_password": "a new password", "csrf_token": tok}
    assert c.post("/account/password", data=data).status_code == 401
    data["current_password"] = "correct horse"
    assert c.post("/account/password", data={**data, "csrf_token": "forged"}).status_code == 403
    assert c.post("/account/password", data={**data, "new_password": "short"}).status_code == 400
    r = c.post("/account/password", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=password"
    assert "Password changed" in c.get("/account?done=password").text
    assert c.get("/api/me").status_code == 200  # this session stays
    assert other.get("/api/me").status_code == 401  # the other one ended
    assert login(make_client(), "changer", "a new password").status_code == 303
    assert login(make_client(), "changer", "correct horse").status_code == 401


def test_account_form_cannot_be_used_to_guess_the_password(make_client):
    c = make_client(login_limit=3)
    tok = signup(c, "guarded")
    data = {"current_password": "guess", "new_password": "a new password", "csrf_token": tok}
    codes = [c.post("/account/password", data=data).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_account_page_needs_login(make_client):
    c = make_client()
    assert c.get("/account", headers={"accept": "text/html"}, follow_redirects=False).headers["location"] == "/login"
    signup(c, "someone")
    page = c.get("/account").text
    assert "Download all my data" in page and "Delete account" in page and "Change password" in page


@pytest.mark.parametrize("mode", ["anonymise", "remove"])
def test_delete_user_cli(tmp_path, mode):
    from camdetect.store import Store

    db = tmp_path / "r.db"
    store = Store.open(db, create=True)
    create_user(store, "byemail", "password123")
    r = run("review", "delete-user", "byemail", "--db", str(db), "--on-delete", mode)
    assert r.returncode == 0, r.stderr
    with store.read() as s:
        names = list(s.scalars(select(User.username)))
    assert "byemail" not in names and len(names) == (1 if mode == "anonymise" else 0)
    r = run("review", "delete-user", "nobody", "--db", str(db))
    assert r.returncode == 2 and "no user" in r.stderr
