"""Issue 13.6 (hardening): one regression test per finding of the security review.

- a missing / empty / foreign store is refused (exit 2, one line) unless made on purpose;
- a truncated or damaged store is one line, not a traceback;
- log-in throttling slows guessing without locking the owner (or a NAT address) out;
- X-Forwarded-For only from configured proxies;
- out-of-range ids are 404; security headers (Permissions-Policy, HSTS with --secure-cookies) on
  every response, 500s included.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from sqlalchemy import select, text, update

from camdetect.review import auth
from camdetect.review.app import DEVICE_COOKIE, create_app
from camdetect.review.cli import uvicorn_options
from camdetect.review.config import ReviewConfig
from camdetect.review.loadtest import serve_in_thread
from camdetect.store import Store, StoreError
from camdetect.store.models import LoginFailure

from .conftest import csrf_from, login, signup
from .test_cli import run


# -- the store must exist and be ours -------------------------------------------------------------
def _missing(tmp_path):
    return tmp_path / "typo" / "review.db"


def _empty(tmp_path):
    p = tmp_path / "empty.db"
    p.write_bytes(b"")
    return p


def _not_sqlite(tmp_path):
    p = tmp_path / "notes.db"
    p.write_text("hello, not a database\n" * 20)
    return p


def _other_sqlite(tmp_path):
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    return p


def _truncated(tmp_path):
    src = tmp_path / "full.db"
    s = Store.open(src, create=True)
    auth.create_user(s, "alice", "password123")
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    data = src.read_bytes()
    p = tmp_path / "truncated.db"
    p.write_bytes(data[: len(data) // 2])
    return p


def _damaged(tmp_path):
    """Right length, garbage pages (the header check cannot see it; SQLite itself complains)."""
    src = tmp_path / "full.db"
    s = Store.open(src, create=True)
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    data = bytearray(src.read_bytes())
    data[100:len(data)] = b"\xa5" * (len(data) - 100)
    p = tmp_path / "damaged.db"
    p.write_bytes(bytes(data))
    return p


CASES = {"missing": (_missing, "no review store here"), "empty": (_empty, "no review store here"),
         "not_sqlite": (_not_sqlite, "not a SQLite file"), "other_sqlite": (_other_sqlite, "not a camdetect review store"),
         "truncated": (_truncated, "truncated or damaged"), "damaged": (_damaged, "cannot read the store")}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", [["review", "serve"], ["review", "stats"], ["review", "export", "--out", "OUT"],
                                     ["review", "add-user", "bob", "--password", "password123"]])
def test_bad_store_is_one_line_exit_2(tmp_path, case, command):
    """Finding: `serve --db` on a missing path or an empty file silently made a new empty store; a
    truncated store gave a 142-line traceback."""
    make, message = CASES[case]
    db = make(tmp_path)
    before = db.read_bytes() if db.exists() else None
    args = [str(tmp_path / "OUT") if a == "OUT" else a for a in command]
    r = run(*args, "--db", str(db))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("error:") and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (db.read_bytes() if db.exists() else None) == before  # nothing created or changed
    if case == "missing":
        assert not (tmp_path / "typo").exists()  # not even its folder


@pytest.mark.parametrize("case", ["missing", "empty"])
def test_init_creates_on_purpose(tmp_path, case):
    db = CASES[case][0](tmp_path)
    r = run("review", "init", "--db", str(db))
    assert r.returncode == 0 and "review store ready" in r.stdout, r.stderr
    r = run("review", "stats", "--db", str(db))
    assert r.returncode == 0, r.stderr
    Store.open(db).close()  # now an ordinary open works


@pytest.mark.parametrize("case", ["not_sqlite", "other_sqlite", "truncated"])
def test_create_never_overwrites_something_else(tmp_path, case):
    db = CASES[case][0](tmp_path)
    with pytest.raises(StoreError):
        Store.open(db, create=True)
    assert run("review", "init", "--db", str(db)).returncode == 2


def test_demo_feed_and_score_sink_still_create(tmp_path):
    """Places that legitimately make a new queue do so on purpose (create=True)."""
    from camdetect.scoring.outputs import open_sink

    sink = open_sink(str(tmp_path / "new" / "review.db"))
    assert sink.done_images("m") == set()


# -- log-in throttle ------------------------------------------------------------------------------
@pytest.mark.parametrize("n, free, cap, expected", [
    (0, 5, 300, 0), (4, 5, 300, 0), (5, 5, 300, 1), (6, 5, 300, 2), (9, 5, 300, 16), (13, 5, 300, 256),
    (14, 5, 300, 300), (500, 5, 300, 300), (50, 50, 60, 1),
])
def test_backoff_table(n, free, cap, expected):
    assert auth.backoff(n, free, cap) == expected


def _backdate(store, seconds: float) -> None:
    with store.write() as s:
        s.execute(update(LoginFailure).values(at=LoginFailure.at - seconds))


def test_wrong_passwords_slow_the_account_but_do_not_lock_it(make_client, store):
    """Finding: five wrong passwords locked an account for 15 minutes, even for its owner."""
    owner = make_client()
    signup(owner, "victim")
    attacker = make_client()
    attacker.cookies.clear()
    codes = [login(attacker, "victim", "bad password").status_code for _ in range(5)]
    assert codes == [401] * 5
    r = login(attacker, "victim", "bad password")
    assert r.status_code == 429 and int(r.headers["retry-after"]) <= 1  # backoff starts at 1 s, not 15 min
    # the owner on a browser that logged in before is not slowed at all
    owner.post("/logout", data={"csrf_token": owner.get("/api/me").json()["csrf"]})
    assert owner.cookies.get(DEVICE_COOKIE, path="/login")
    assert login(owner, "victim").status_code == 303
    # the owner on a new device waits out the short backoff, then gets in
    new_device = make_client()
    new_device.cookies.clear()
    _backdate(store, 2)
    assert login(new_device, "victim").status_code == 303


def test_backoff_is_capped_for_the_owner(make_client, store):
    owner = make_client(login_max_delay=60)
    signup(owner, "capped")
    attacker = make_client(login_max_delay=60)
    attacker.cookies.clear()
    for _ in range(5):
        login(attacker, "capped", "bad password")
    for _ in range(30):  # an attacker keeps trying: each try waits out the backoff (time moved on)
        _backdate(store, 61)
        assert login(attacker, "capped", "bad password").status_code == 401
    r = login(attacker, "capped")
    assert r.status_code == 429 and int(r.headers["retry-after"]) <= 60  # capped: never a lock-out
    _backdate(store, 61)
    assert login(attacker, "capped").status_code == 303


def test_a_known_device_that_keeps_failing_loses_its_pass(make_client):
    owner = make_client(login_limit=2)
    signup(owner, "forgetful")
    owner.post("/logout", data={"csrf_token": owner.get("/api/me").json()["csrf"]})
    for _ in range(2):
        assert login(owner, "forgetful", "bad password").status_code == 401
    assert login(owner, "forgetful", "bad password").status_code == 429  # now the account backoff applies


def test_failures_from_one_address_do_not_lock_the_accounts_behind_it(make_client, store):
    """Finding: 50 failures from one address locked everyone behind it, coordinator included."""
    coord = make_client()
    signup(coord, "coordinator")  # first user: coordinator; this browser is now a known device
    coord.post("/logout", data={"csrf_token": coord.get("/api/me").json()["csrf"]})
    vol = make_client()
    vol.cookies.clear()
    auth.create_user(store, "volunteer1", "password123")
    sprayer = make_client()
    sprayer.cookies.clear()
    for i in range(60):
        login(sprayer, f"user{i:03d}", "Password1!")
    assert login(sprayer, "user999", "Password1!").status_code == 429  # the sprayer is slowed
    assert login(coord, "coordinator").status_code == 303  # known device: not affected
    r = login(vol, "volunteer1", "password123")  # a new device behind the same NAT: a short wait at most
    assert r.status_code == 429 and int(r.headers["retry-after"]) <= 300
    _backdate(store, 301)
    assert login(vol, "volunteer1", "password123").status_code == 303


def test_failed_logins_store_no_raw_username_or_address(make_client, store):
    """Finding (privacy): the failed-login table kept the typed username and the client IP in plain text."""
    c = make_client()
    c.cookies.clear()
    login(c, "Someone.Typed-This", "bad password")
    with store.read() as s:
        keys = list(s.scalars(select(LoginFailure.key)))
    secret = auth.load_secret(store)
    assert sorted(keys) == sorted([auth.throttle_key(secret, "user", "someone.typed-this"),
                                   auth.throttle_key(secret, "addr", "testclient")])
    assert not any("someone" in k.lower() or "testclient" in k for k in keys)


def test_failed_logins_expire(make_client, store):
    c = make_client(login_window=900, login_max_delay=300)
    c.cookies.clear()
    login(c, "old-typo", "bad password")
    _backdate(store, 901)
    login(c, "new-typo", "bad password")  # any failure deletes the expired ones
    with store.read() as s:
        assert len(list(s.scalars(select(LoginFailure)))) == 2  # only the new user + address rows
    _backdate(store, 901)
    create_app(store, ReviewConfig())  # and so does a (re)start
    with store.read() as s:
        assert list(s.scalars(select(LoginFailure))) == []


def test_secret_from_environment(store, monkeypatch):
    monkeypatch.setenv(auth.SECRET_ENV, "from-the-environment")
    assert auth.load_secret(store) == b"from-the-environment"
    monkeypatch.delenv(auth.SECRET_ENV)
    assert auth.load_secret(store) == auth.load_secret(store) != b"from-the-environment"


# -- proxy headers --------------------------------------------------------------------------------
@pytest.mark.parametrize("proxies, seen", [((), "127.0.0.1"), (("127.0.0.1",), "203.0.113.9")])
def test_forwarded_for_only_from_configured_proxies(store, media, proxies, seen):
    """Finding: X-Forwarded-For was trusted from 127.0.0.1 by default (uvicorn's default), so anyone
    on the host -- or a proxy that passes the header on -- could pick their address for the throttle."""
    cfg = ReviewConfig(media=media, trusted_proxies=proxies)
    with serve_in_thread(create_app(store, cfg), **uvicorn_options(cfg)) as base, httpx.Client(base_url=base) as c:
        page = c.get("/login")
        r = c.post("/login", data={"username": "nobody", "password": "bad password", "csrf_token": csrf_from(page.text)},
                   headers={"x-forwarded-for": "203.0.113.9"})
        assert r.status_code == 401
    secret = auth.load_secret(store)
    with store.read() as s:
        keys = set(s.scalars(select(LoginFailure.key)))
    assert auth.throttle_key(secret, "addr", seen) in keys


def test_uvicorn_options_default_ignore_proxy_headers():
    assert uvicorn_options(ReviewConfig())["proxy_headers"] is False
    opts = uvicorn_options(ReviewConfig(trusted_proxies=("10.0.0.2", " ")))
    assert opts["proxy_headers"] is True and opts["forwarded_allow_ips"] == "10.0.0.2"


# -- ids, headers, errors -------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", [
    ("GET", "/api/tasks/99999999999999999999999"), ("GET", "/api/tasks/9223372036854775808"),
    ("GET", "/api/tasks/2147483648"), ("GET", "/api/tasks/0"), ("GET", "/api/tasks/-1"),
    ("POST", "/api/tasks/99999999999999999999999/answer"), ("GET", "/api/users/99999999999999999999999/answers"),
])
def test_out_of_range_ids_are_404(make_client, method, path):
    """Finding: GET /api/tasks/99999999999999999999999 gave a 500 (and no security headers on it)."""
    c = make_client()
    tok = signup(c, "coordinator")
    r = c.request(method, path, json={"answer": "no"} if method == "POST" else None, headers={"x-csrf-token": tok})
    assert r.status_code == 404
    assert r.headers["permissions-policy"] and r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("path", ["/login", "/privacy", "/static/app.css", "/api/me", "/no/such/page", "/api/tasks/x"])
def test_security_headers_on_every_response(make_client, path, secure):
    """Finding: no HSTS or Permissions-Policy header."""
    r = make_client(secure_cookies=secure).get(path)
    assert "camera=()" in r.headers["permissions-policy"]
    assert r.headers["x-frame-options"] == "DENY" and "default-src 'self'" in r.headers["content-security-policy"]
    assert ("strict-transport-security" in r.headers) is secure
    if secure:
        assert r.headers["strict-transport-security"].startswith("max-age=")


def test_a_crash_is_a_plain_500_with_headers(store, media):
    """A real failure (a table gone under the app): 500, security headers, no traceback in the body."""
    from fastapi.testclient import TestClient

    c = TestClient(create_app(store, ReviewConfig(media=media, secure_cookies=True)), base_url="https://testserver")
    signup(c, "coordinator")
    with store.write() as s:
        s.execute(text("DROP TABLE added_boxes"))
        s.execute(text("ALTER TABLE answers RENAME TO answers_gone"))
    r = c.get("/api/me")
    assert r.status_code == 500 and r.text == "internal server error"
    assert r.headers["permissions-policy"] and r.headers["strict-transport-security"]
    assert r.headers["content-security-policy"]


def test_request_too_large_has_new_headers(make_client):
    c = make_client(secure_cookies=True)
    r = c.post("/login", content=b"x" * 70_000, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.headers["permissions-policy"] and r.headers["strict-transport-security"]
