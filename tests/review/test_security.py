"""Security: roles, other volunteers' data, CSRF, XSS, path traversal, log-in rate limit, body limits.
(The issue-13 hardening findings have their own tests in test_hardening.py.)"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import update

from camdetect.records import Suggestion
from camdetect.store.models import Answer

from .conftest import csrf_from, login, signup

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def coord_and_vols(make_client):
    coord = make_client(spot_rate=0.0)
    ctok = signup(coord, "coord")
    v1, v2 = make_client(spot_rate=0.0), make_client(spot_rate=0.0)
    return (coord, ctok), (v1, signup(v1, "vol1")), (v2, signup(v2, "vol2"))


@pytest.mark.parametrize("path", ["/dashboard", "/api/dashboard", "/map", "/export/cameras.geojson", "/export/located.geojson",
                                  "/export/tags.csv", "/api/users/1/answers"])
def test_volunteer_cannot_reach_coordinator_endpoints(coord_and_vols, path):
    (coord, _), (vol, _), _ = coord_and_vols
    assert vol.get(path).status_code == 403
    assert coord.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/me", "/api/tasks/next", "/api/me/answers", "/media/m/pano0_v0.jpg",
                                  "/api/dashboard"])
def test_anonymous_gets_401(make_client, path):
    assert make_client().get(path).status_code == 401


def test_volunteer_cannot_see_or_answer_others_tasks(coord_and_vols):
    _, (v1, t1), (v2, t2) = coord_and_vols
    task = v1.get("/api/tasks/next").json()["task"]
    assert v2.get(f"/api/tasks/{task['id']}").status_code == 404
    r = v2.post(f"/api/tasks/{task['id']}/answer", json={"answer": "no"}, headers={"x-csrf-token": t2})
    assert r.status_code == 404
    assert v1.post(f"/api/tasks/{task['id']}/answer", json={"answer": "yes", "comment": "mine"},
                   headers={"x-csrf-token": t1}).status_code == 200
    assert v2.get("/api/me/answers").json()["answers"] == []
    assert [a["comment"] for a in v1.get("/api/me/answers").json()["answers"]] == ["mine"]


@pytest.mark.parametrize("headers", [{}, {"x-csrf-token": "wrong"}, {"x-csrf-token": ""}])
def test_csrf_required_on_answers(coord_and_vols, headers):
    _, (v1, _), _ = coord_and_vols
    task = v1.get("/api/tasks/next").json()["task"]
    assert v1.post(f"/api/tasks/{task['id']}/answer", json={"answer": "no"}, headers=headers).status_code == 403


def test_csrf_token_of_another_session_is_refused(coord_and_vols):
    _, (v1, _), (_, t2) = coord_and_vols
    task = v1.get("/api/tasks/next").json()["task"]
    assert v1.post(f"/api/tasks/{task['id']}/answer", json={"answer": "no"},
                   headers={"x-csrf-token": t2}).status_code == 403


@pytest.mark.parametrize("form", ["login", "signup"])
def test_csrf_on_login_and_signup_forms(make_client, form):
    c = make_client()
    c.get(f"/{form}")
    data = {"username": "someone", "password": "password123"}
    assert c.post(f"/{form}", data={**data, "csrf_token": "forged"}, follow_redirects=False).status_code == 403
    assert c.post(f"/{form}", data=data, follow_redirects=False).status_code == 403


def test_logout_needs_csrf(coord_and_vols):
    _, (v1, _), _ = coord_and_vols
    assert v1.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert v1.get("/api/me").status_code == 200


def test_xss_in_user_text_is_escaped(coord_and_vols, store, media):
    """Comments, intersection names and areas (from the scorer's input) and signup errors are escaped."""
    (coord, _), (v1, t1), _ = coord_and_vols
    s = Suggestion(key="xss", intersection=XSS, pano_id="px", image_path="m/pano0_v0.jpg", view_heading=0.0,
                   view_pitch=15.0, view_fov=48.0, image_width=320, image_height=320, x1=1, y1=1, x2=9, y2=9,
                   score=0.5, type="dome", model="m")
    store.record_image("xss", "m", [s], {"area": XSS})
    task = v1.get("/api/tasks/next").json()["task"]
    v1.post(f"/api/tasks/{task['id']}/answer", json={"answer": "yes", "comment": XSS}, headers={"x-csrf-token": t1})
    page = coord.get("/dashboard").text
    assert XSS not in page and html.escape(XSS, quote=True) in page or "&lt;script&gt;" in page
    assert "<script>alert" not in page
    signup_page = coord.get("/signup")
    r = coord.post("/signup", data={"username": XSS, "password": "password123",
                                    "csrf_token": csrf_from(signup_page.text)})
    assert r.status_code == 400 and "<script>alert" not in r.text
    for path in ("/task", "/tutorial", "/dashboard", "/map"):
        assert "script-src 'self'" in coord.get(path).headers["content-security-policy"]  # no inline script runs


@pytest.mark.parametrize("path", [
    "/media/../review.db", "/media/..%2freview.db", "/media/%2e%2e/%2e%2e/etc/passwd", "/media//etc/passwd",
    "/media/m/../../review.db", "/media/m/pano0_v0.jpg%00.png", "/media/m%5c..%5creview.db",
    "/media/m/not_in_store.jpg", "/media/etc/passwd",
])
def test_media_path_traversal(coord_and_vols, media, path):
    (coord, _), _, _ = coord_and_vols
    (media / "m" / "not_in_store.jpg").write_bytes(b"\xff\xd8\xff")
    r = coord.get(path)
    assert r.status_code == 404 and b"\xff\xd8" not in r.content and b"SQLite" not in r.content


def test_media_serves_known_views(coord_and_vols):
    _, (v1, _), _ = coord_and_vols
    r = v1.get("/media/m/pano0_v0.jpg")
    assert r.status_code == 200 and r.content[:2] == b"\xff\xd8" and r.headers["x-content-type-options"] == "nosniff"


def test_symlink_out_of_media_is_refused(coord_and_vols, store, media, tmp_path):
    (coord, _), _, _ = coord_and_vols
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8secret")
    (media / "m" / "link.jpg").symlink_to(secret)
    s = Suggestion(key="ln", intersection="i", pano_id="p", image_path="m/link.jpg", view_heading=0.0,
                   view_pitch=0.0, view_fov=48.0, image_width=10, image_height=10, x1=1, y1=1, x2=5, y2=5,
                   score=0.5, type="dome")
    store.record_image("ln", "m", [s], {})
    assert coord.get("/media/m/link.jpg").status_code == 404


def test_login_rate_limit(make_client):
    c = make_client(login_limit=3)
    signup(c, "victim")
    other = make_client(login_limit=3)
    codes = [login(other, "victim", "bad password").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    assert login(other, "victim").status_code == 429  # even the right password waits
    assert login(other, "victim", "bad password").status_code == 429


@pytest.mark.parametrize("size, status", [(1000, 200), (70_000, 413)])
def test_request_size_limit(coord_and_vols, size, status):
    _, (v1, t1), _ = coord_and_vols
    task = v1.get("/api/tasks/next").json()["task"]
    body = '{"answer": "no", "comment": "' + "x" * 10 + '", "pad": "' + "y" * size + '"}'
    r = v1.post(f"/api/tasks/{task['id']}/answer", content=body,
                headers={"x-csrf-token": t1, "content-type": "application/json"})
    assert r.status_code == status


def test_chunked_body_without_length_is_limited(coord_and_vols):
    _, (v1, t1), _ = coord_and_vols
    task = v1.get("/api/tasks/next").json()["task"]

    def chunks():
        for _ in range(100):
            yield b"x" * 1000

    r = v1.post(f"/api/tasks/{task['id']}/answer", content=chunks(),
                headers={"x-csrf-token": t1, "content-type": "application/json"})
    assert r.status_code == 413


def test_answers_cannot_be_rewritten_by_resubmitting(coord_and_vols, store):
    _, (v1, t1), _ = coord_and_vols
    task = v1.get("/api/tasks/next").json()["task"]
    v1.post(f"/api/tasks/{task['id']}/answer", json={"answer": "no"}, headers={"x-csrf-token": t1})
    v1.post(f"/api/tasks/{task['id']}/answer", json={"answer": "yes"}, headers={"x-csrf-token": t1})
    with store.read() as s:
        assert [a.answer for a in s.query(Answer)] == ["no"]
    _ = update


def test_login_rate_limit_per_address(make_client):
    """Per account the backoff starts after login_limit failures; per client address after
    address_limit (shared NAT). A browser that logged in to an account before is not slowed by
    either (issue 13: the old per-address limit locked everyone behind a NAT out)."""
    c = make_client(login_limit=1, address_limit=10)
    signup(c, "okuser")
    other = make_client(login_limit=1, address_limit=10)
    assert login(other, "nobody00", "bad password").status_code == 401
    assert login(other, "okuser").status_code == 303  # another account from the same address still works
    for i in range(1, 10):
        login(other, f"nobody{i:02d}", "bad password")
    assert login(other, "okuser").status_code == 303  # this browser is a known device for okuser
    fresh = make_client(login_limit=1, address_limit=10)
    r = login(fresh, "okuser")
    assert r.status_code == 429 and int(r.headers["retry-after"]) <= 1  # a new device waits a moment
