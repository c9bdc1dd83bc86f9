"""Coordinator accountability: every account action leaves one audit entry (in the action's own transaction), a
password set by a coordinator must be replaced by its owner before anything else, and a deleted account's name
leaves the log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from camdetect.review import audit, auth
from camdetect.review.account import delete_account
from camdetect.review.config import ReviewConfig
from camdetect.store.models import AuditEntry, User

from .conftest import csrf_from, login, uid
from .test_cli import run


def actions(client, **params) -> list[tuple]:
    rows = client.get("/api/audit", params=params).json()["entries"]
    return [(r["actor"], r["action"], r["target"], r["detail"]) for r in rows]


def test_reset_password_must_be_replaced_before_anything_else(team, store, make_client):
    coord, ct, _, _ = team
    vid = uid(store, "vol1")
    temp = coord.post(f"/users/{vid}/password", data={"csrf_token": ct}).text.split('id="temp-password">')[1].split("<")[0]
    vol = make_client(spot_rate=0.0)
    assert login(vol, "vol1", temp).status_code == 303
    page = vol.get("/task", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account"
    api = vol.get("/api/tasks/next")
    assert api.status_code == 403 and "Choose your own password first" in api.json()["detail"]
    assert vol.get("/api/tasks/next", headers={"accept-language": "fr"}).json()["detail"].startswith("Choisissez")
    account = vol.get("/account")
    assert account.status_code == 200 and "A coordinator set your password" in account.text
    mine = vol.get("/api/me/export")  # their own data never waits on the password, and includes the log about them
    assert mine.status_code == 200 and [e["action"] for e in mine.json()["account_actions"]] == ["password"]
    r = vol.post("/account/password", data={"current_password": temp, "new_password": "my own words",
                                            "csrf_token": csrf_from(account.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert vol.get("/api/tasks/next").status_code == 200
    with store.read() as s:
        assert not s.scalar(select(User.must_change_password).where(User.id == vid))
    # a coordinator resetting their own password chooses it: nothing is forced on them
    cid = uid(store, "coord")
    coord.post(f"/users/{cid}/password", data={"new_password": "coordinator pw", "csrf_token": ct})
    assert coord.get("/dashboard").status_code == 200


def test_every_account_action_is_audited_with_who_and_when(team, store):
    coord, ct, vol, vt = team
    vid = uid(store, "vol1")
    for path, data in [("disable", {}), ("enable", {}), ("role", {"role": "coordinator"}),
                       ("role", {"role": "coordinator"}),  # no change: no entry
                       ("password", {"new_password": "a given one"})]:
        coord.post(f"/users/{vid}/{path}", data={**data, "csrf_token": ct}, follow_redirects=False)
    assert coord.get("/export/cameras.geojson").status_code == 200
    assert actions(coord) == [("coord", "export", "", "cameras.geojson"),
                              ("coord", "password", "vol1", ""),
                              ("coord", "role", "vol1", "volunteer -> coordinator"),
                              ("coord", "enable", "vol1", ""), ("coord", "disable", "vol1", "")]
    assert len(actions(coord, user_id=vid)) == 4
    page = coord.get(f"/users/{vid}").text
    assert "Account history" in page and "set a temporary password" in page and "volunteer \u2192 coordinator" in page
    listing = coord.get("/audit").text
    assert listing.count("<tr>") == 1 + 5 and f'href="/users/{vid}">vol1</a>' in listing
    assert "downloaded an export" in listing and 'href="/audit"' in coord.get("/dashboard").text
    fr = coord.get(f"/users/{vid}", headers={"accept-language": "fr"}).text
    assert "Historique du compte" in fr and "bénévole \u2192 coordinateur" in fr
    rows = store.read().__enter__().scalars(select(AuditEntry)).all()
    assert all("a given one" not in (r.detail + r.actor_name + r.target_name) for r in rows)  # never a password


def test_volunteers_cannot_read_the_log(team):
    _, _, vol, _ = team
    assert vol.get("/api/audit").status_code == 403
    assert vol.get("/audit", headers={"accept": "application/json"}).status_code == 403


def test_a_refused_action_leaves_no_entry(store):
    a = auth.create_user(store, "alpha", "password123", "coordinator")
    with pytest.raises(ValueError, match="last coordinator"):
        auth.set_disabled(store, a, True)
    with pytest.raises(ValueError, match="last coordinator"):
        auth.change_role(store, a, "volunteer")
    assert audit.entries(store) == []


def test_unknown_action_is_refused(store):
    with store.write() as s, pytest.raises(ValueError, match="unknown audit action"):
        audit.record(s, None, "promote")


def test_paging_back_through_the_log(team, store):
    coord, ct, _, _ = team
    vid = uid(store, "vol1")
    for i in range(103):
        coord.post(f"/users/{vid}/{'disable' if i % 2 == 0 else 'enable'}", data={"csrf_token": ct},
                   follow_redirects=False)
    first = coord.get("/audit").text
    older = first.split('href="/audit?before=')[1].split('"')[0]
    second = coord.get(f"/audit?before={older}").text
    assert first.count("<tr>") == 101 and second.count("<tr>") == 4 and "Older actions" not in second
    assert coord.get("/audit?before=0", headers={"accept": "application/json"}).status_code == 404


def test_deleting_an_account_removes_its_name_and_keeps_the_event(team, store):
    coord, ct, vol, vt = team
    vid = uid(store, "vol1")
    coord.post(f"/users/{vid}/disable", data={"csrf_token": ct}, follow_redirects=False)
    coord.post(f"/users/{vid}/enable", data={"csrf_token": ct}, follow_redirects=False)
    delete_account(store, vid, ReviewConfig(on_delete="remove"))  # e.g. `camdetect review delete-user`
    rows = audit.entries(store)
    assert [r["action"] for r in rows] == ["delete", "enable", "disable"]
    assert all(r["target_id"] == vid and r["target"] == "" for r in rows) and rows[0]["actor_id"] is None
    listing = coord.get("/audit").text
    assert "vol1" not in listing and f"deleted account #{vid}" in listing and "command line" in listing


def test_cli_actions_are_audited_and_listed(tmp_path):
    db = str(tmp_path / "r.db")
    env = {"CAMDETECT_REVIEW_PASSWORD": "password123"}
    assert run("review", "init", "--db", db).returncode == 0
    assert run("review", "add-user", "boss", "--role", "coordinator", "--db", db, env=env).returncode == 0
    assert run("review", "add-user", "ana", "--db", db, env=env).returncode == 0
    assert run("review", "add-user", "ana", "--role", "coordinator", "--db", db, env=env).returncode == 0
    assert run("review", "export", "--db", db, "--out", str(tmp_path / "exp"), "--formats", "tags").returncode == 0
    r = run("review", "audit", "--db", db, "--user", "ana")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 2
    assert "command line" in r.stdout and "volunteer -> coordinator" in r.stdout
    lines = [json.loads(x) for x in run("review", "audit", "--db", db, "--json").stdout.splitlines()]
    assert [x["action"] for x in lines] == ["export", "role", "create", "create"] and lines[0]["detail"] == "tags"
    bad = run("review", "audit", "--db", db, "--user", "nobody")
    assert bad.returncode == 2 and "no user 'nobody'" in bad.stderr


def test_pruning_deletes_old_entries_and_records_itself(tmp_path):
    """A retention period applied from the command line: entries before the day go, the rest and one entry saying
    who pruned how many stay; a bad or future date is one line and deletes nothing."""
    from camdetect.store import Store

    db = str(tmp_path / "r.db")
    env = {"CAMDETECT_REVIEW_PASSWORD": "password123"}
    assert run("review", "init", "--db", db).returncode == 0
    for name in ("ana", "ben", "cyd"):
        assert run("review", "add-user", name, "--db", db, env=env).returncode == 0
    store = Store.open(db)
    with store.write() as s:  # two of the three entries are from 2020
        for e in s.scalars(select(AuditEntry).where(AuditEntry.target_name.in_(["ana", "ben"]))):
            e.at = 1_590_000_000.0
    for bad, message in (("2020-13-01", "not a date (YYYY-MM-DD)"), ("2999-01-01", "in the future")):
        r = run("review", "audit", "--db", db, "--prune-before", bad)
        assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("review", "audit", "--db", db, "--prune-before", "2021-01-01")
    assert r.returncode == 0 and "deleted 2 audit entries before 2021-01-01" in r.stdout
    rows = audit.entries(store)
    assert [(x["action"], x["target"], x["actor_id"]) for x in rows] == [("prune", "", None), ("create", "cyd", None)]
    assert rows[0]["detail"] == "2 entries before 2021-01-01"
