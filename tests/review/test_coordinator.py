"""Issue 13, coordinator tools: notes on the dashboard and the volunteer page, account actions
(disable/enable, role, password reset) for coordinators only and with CSRF, the last-coordinator
guard, and the map's tile / plan configuration (CSP allows the tile host only when configured)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from camdetect.review import auth
from camdetect.review.config import ReviewConfig
from camdetect.review.mapcontext import read_plan, tile_origin
from camdetect.store.models import User

from .conftest import csrf_from, login, signup, uid

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_notes_on_dashboard_and_volunteer_page(team, store):
    coord, _, vol, vt = team
    task = vol.get("/api/tasks/next").json()["task"]
    r = vol.post(f"/api/tasks/{task['id']}/answer", json={"answer": "no", "comment": "a <b>bird</b> house"},
                 headers={"x-csrf-token": vt})
    assert r.status_code == 200
    d = coord.get("/api/dashboard").json()
    assert d["notes"][0]["comment"] == "a <b>bird</b> house" and d["notes"][0]["username"] == "vol1"
    html = coord.get("/dashboard").text
    assert "a &lt;b&gt;bird&lt;/b&gt; house" in html and f'href="/users/{uid(store, "vol1")}"' in html
    page = coord.get(f"/users/{uid(store, 'vol1')}")
    assert page.status_code == 200 and "a &lt;b&gt;bird&lt;/b&gt; house" in page.text
    v = coord.get(f"/api/users/{uid(store, 'vol1')}").json()
    assert v["answers"] == 1 and v["no"] == 1 and not v["disabled"] and v["recent"][0]["comment"]


@pytest.mark.parametrize("path, data", [("/users/{id}", None), ("/api/users/{id}", None),
                                        ("/users/{id}/disable", {}), ("/users/{id}/enable", {}),
                                        ("/users/{id}/role", {"role": "coordinator"}),
                                        ("/users/{id}/password", {}), ("/api/map/context", None)])
def test_volunteers_cannot_use_coordinator_tools(team, store, path, data):
    _, _, vol, vt = team
    url = path.format(id=uid(store, "coord"))
    r = vol.get(url) if data is None else vol.post(url, data={**data, "csrf_token": vt})
    assert r.status_code == 403
    with store.read() as s:
        assert s.scalar(select(User.role).where(User.username == "vol1")) == "volunteer"


@pytest.mark.parametrize("action", ["disable", "role", "password"])
def test_actions_need_csrf(team, store, action):
    coord, _, _, _ = team
    r = coord.post(f"/users/{uid(store, 'vol1')}/{action}", data={"role": "coordinator", "csrf_token": "wrong"})
    assert r.status_code == 403
    with store.read() as s:
        u = s.scalar(select(User).where(User.username == "vol1"))
        assert u.role == "volunteer" and not u.disabled


def test_disable_ends_sessions_and_blocks_login_then_enable(team, store, make_client):
    coord, ct, vol, _ = team
    vid = uid(store, "vol1")
    r = coord.post(f"/users/{vid}/disable", data={"csrf_token": ct}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/users/{vid}?done=disabled"
    assert vol.get("/api/me").status_code == 401  # the session ended
    fresh = make_client(spot_rate=0.0)
    assert login(fresh, "vol1").status_code == 401
    assert "(disabled)" in coord.get("/dashboard").text
    assert coord.post(f"/users/{vid}/enable", data={"csrf_token": ct}, follow_redirects=False).status_code == 303
    assert login(fresh, "vol1").status_code == 303


def test_cannot_disable_yourself(team, store):
    coord, ct, _, _ = team
    r = coord.post(f"/users/{uid(store, 'coord')}/disable", data={"csrf_token": ct})
    assert r.status_code == 409 and coord.get("/api/me").status_code == 200


def test_role_change_and_last_coordinator_guard(team, store):
    coord, ct, vol, vt = team
    cid, vid = uid(store, "coord"), uid(store, "vol1")
    r = coord.post(f"/users/{cid}/role", data={"role": "volunteer", "csrf_token": ct})
    assert r.status_code == 409 and "last coordinator" in r.text
    assert coord.post(f"/users/{vid}/role", data={"role": "coordinator", "csrf_token": ct},
                      follow_redirects=False).status_code == 303
    assert vol.get("/dashboard").status_code == 200  # promoted: the session sees it at once
    assert vol.post(f"/users/{cid}/role", data={"role": "volunteer", "csrf_token": vt},
                    follow_redirects=False).status_code == 303
    assert coord.get("/dashboard", headers={"accept": "application/json"}).status_code == 403
    assert vol.post(f"/users/{vid}/role", data={"role": "volunteer", "csrf_token": vt}).status_code == 409
    assert vol.post(f"/users/{cid}/role", data={"role": "admin", "csrf_token": vt}).status_code == 409


def test_last_enabled_coordinator_cannot_be_disabled(store):
    a = auth.create_user(store, "alpha", "password123", "coordinator")
    b = auth.create_user(store, "bravo", "password123", "coordinator")
    auth.set_disabled(store, b, True)  # bravo off: alpha is the only enabled coordinator
    with pytest.raises(ValueError, match="last coordinator"):
        auth.set_disabled(store, a, True)
    with pytest.raises(ValueError, match="last coordinator"):
        auth.change_role(store, a, "volunteer")


def test_password_reset_generated_and_given(team, store, make_client):
    coord, ct, vol, _ = team
    vid = uid(store, "vol1")
    r = coord.post(f"/users/{vid}/password", data={"csrf_token": ct})
    assert r.status_code == 200
    temp = r.text.split('id="temp-password">')[1].split("<")[0]
    assert len(temp) >= 12 and "no-store" in r.headers["cache-control"]
    assert vol.get("/api/me").status_code == 401  # the volunteer's sessions ended
    assert coord.get(f"/users/{vid}").text.count(temp) == 0  # shown once
    fresh = make_client(spot_rate=0.0)
    assert login(fresh, "vol1").status_code == 401
    assert login(fresh, "vol1", temp).status_code == 303
    r = coord.post(f"/users/{vid}/password", data={"new_password": "short", "csrf_token": ct})
    assert r.status_code == 400
    assert coord.post(f"/users/{vid}/password", data={"new_password": "another pass", "csrf_token": ct},
                      follow_redirects=False).status_code == 303
    assert fresh.get("/api/me").status_code == 401
    assert login(make_client(spot_rate=0.0), "vol1", "another pass").status_code == 303


def test_unknown_user_is_404(team):
    coord, ct, _, _ = team
    assert coord.get("/users/99999", headers={"accept": "application/json"}).status_code == 404
    assert coord.post("/users/99999/disable", data={"csrf_token": ct}).status_code == 404


def test_user_page_language_switch_goes_back_to_the_page(team, store):
    coord, ct, _, _ = team
    vid = uid(store, "vol1")
    html = coord.post(f"/users/{vid}/password", data={"csrf_token": ct}).text
    assert f'name="next" value="/users/{vid}"' in html
    assert csrf_from(html) == ct


# -- map --------------------------------------------------------------------------------------------
def test_csp_has_tile_host_only_when_configured(make_client):
    off, on = make_client(), make_client(tiles=OSM)
    signup(off, "coord")
    login(on, "coord")
    csp_off = off.get("/map").headers["content-security-policy"]
    r = on.get("/map")
    assert "openstreetmap" not in csp_off and "img-src 'self' data: blob:;" in csp_off
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org;" in r.headers["content-security-policy"]
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in r.text
    assert "© OpenStreetMap contributors" in r.text
    assert 'data-tiles=""' in off.get("/map").text


@pytest.mark.parametrize("url, origin", [(OSM, "https://tile.openstreetmap.org"),
                                         ("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png",
                                          "https://*.tile.example.org:8443"),
                                         ("http://localhost:8080/t/{z}/{x}/{y}.png", "http://localhost:8080")])
def test_tile_origin(url, origin):
    assert tile_origin(url) == origin


@pytest.mark.parametrize("url", ["javascript:alert(1)//{z}{x}{y}", "https://a.org/tiles.png",
                                 "https://a.org; script-src *//{z}/{x}/{y}", "ftp://a.org/{z}/{x}/{y}"])
def test_bad_tile_urls_refused(url):
    with pytest.raises(ValueError):
        ReviewConfig(tiles=url)


def test_map_context_from_store_and_plan(store, media, tmp_path):
    from fastapi.testclient import TestClient

    from camdetect.review.app import create_app

    plan = tmp_path / "streets.geojson"
    plan.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[-73.99, 40.70], [-73.98, 40.70]]},
         "properties": {"name": "Main St", "highway": "residential"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {}}]}))
    csv_plan = tmp_path / "plan.csv"
    csv_plan.write_text("intersection_id,pano_id,lat,lon\ni1,,40.7,-73.99\ni1,,40.7,-73.99\ni2,,bad,1\n")
    assert [f["properties"]["name"] for f in read_plan(csv_plan)] == ["i1"]
    c = TestClient(create_app(store, ReviewConfig(media=media, plan=plan)))
    signup(c, "coord")
    fc = c.get("/api/map/context").json()
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("street") == 1 and "Polygon" not in json.dumps(fc)
    assert fc["features"][-1]["properties"] == {"name": "Main St", "kind": "street"}
    with pytest.raises(FileNotFoundError):
        read_plan(tmp_path / "missing.geojson")
