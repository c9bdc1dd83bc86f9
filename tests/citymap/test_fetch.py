from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camdetect.citymap.fetch import FetchError, HttpClient, HttpConfig, TokenBucket, fetch_all, redact
from camdetect.citymap.providers.mapillary import MapillaryProvider
from camdetect.citymap.providers.streetview import StreetViewProvider
from camdetect.cli import app
from camdetect.geometry import ViewPlan
from camdetect.geometry.earth import M_PER_DEG_LAT
from camdetect.scoring.inputs import read_manifest

from .fake_api import FakeApi

TOKEN = "MLY|SENTINEL-TOKEN-7f3a9c"
KEY = "AIzaSENTINEL-KEY-0b1d2e"
FAST = HttpConfig(rate=1000, burst=1000, retries=3, backoff=0.0, max_backoff=0.0, timeout=10)
KY = M_PER_DEG_LAT
LAT0, LON0 = 40.75, -73.99
KX = KY * math.cos(math.radians(LAT0))


def at(east_m: float, north_m: float) -> tuple[float, float]:
    return LAT0 + north_m / KY, LON0 + east_m / KX


PLAN = [("int-a", *at(0, 0)), ("int-b", *at(500, 0)), ("int-c", *at(0, 500))]


def mly_image(img_id: str, east: float, north: float, pano: bool, angle: float = 90.0) -> dict:
    lat, lon = at(east, north)
    return {"id": img_id, "computed_geometry": {"type": "Point", "coordinates": [lon, lat]},
            "computed_compass_angle": angle, "is_pano": pano, "captured_at": 1700000000000,
            "camera_parameters": [0.5] if not pano else [], "width": 2048, "height": 1536}


@pytest.fixture()
def api():
    with FakeApi(TOKEN, KEY) as fake:
        fake.mly_images = [mly_image("m-pano-a", 4, 3, True, 123.0), mly_image("m-persp-a", 1, 1, False),
                           mly_image("m-far", 300, 0, True),  # outside 20 m of every intersection
                           mly_image("m-c1", 2, 502, False, 10.0), mly_image("m-c2", -3, 498, False, 190.0),
                           mly_image("m-c3", 0, 505, False, 280.0)]
        lat, lon = at(5, 5)
        latc, lonc = at(0, 510)
        fake.sv_panos = [{"pano_id": "sv-a", "lat": lat, "lng": lon}, {"pano_id": "sv-c", "lat": latc, "lng": lonc}]
        yield fake


def small_plan() -> ViewPlan:
    return ViewPlan(n_headings=4, heading_offset=0.0, pitch=10.0, fov=90.0, width=64, height=48)


def all_text(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in out.rglob("*") if p.is_file())


def test_mapillary_fetch_panorama_and_views(api, tmp_path):
    prov = MapillaryProvider(TOKEN, base_url=api.url, config=FAST)
    s = fetch_all(prov, PLAN, tmp_path, progress=False)
    assert (s.fetched, s.no_imagery, s.failed, s.images) == (3, 1, 0, 4)
    jobs = read_manifest(tmp_path / "manifest.csv")  # the scorer can read what we wrote
    by_int = {}
    for j in jobs:
        by_int.setdefault(j.intersection, []).append(j)
    (pano,) = by_int["int-a"]  # a 360 image wins over the nearer perspective one
    assert (pano.kind, pano.pano_id, pano.pano_heading) == ("panorama", "m-pano-a", 123.0)
    assert pano.path.is_file()
    assert [j.kind for j in by_int["int-c"]] == ["view"] * 3
    assert sorted(j.heading for j in by_int["int-c"]) == [10.0, 190.0, 280.0]
    assert all(j.fov == pytest.approx(90.0) and j.pitch == 0.0 for j in by_int["int-c"])
    assert "int-b" not in by_int
    assert all(r["auth"] == f"OAuth {TOKEN}" for r in api.requests if r["path"] == "/images")
    assert not any(r["auth"] for r in api.requests if r["path"].startswith("/thumbs/"))  # no token to the CDN
    assert TOKEN not in all_text(tmp_path)


@pytest.mark.parametrize("failures, retries, expect_failed, expect_retries", [
    ([429], 3, 0, 1),  # 429 then success (Retry-After honoured)
    ([500, 503], 3, 0, 2),  # two 5xx then success
    ([500, 500, 500, 500], 3, 1, 3),  # gives up after retries; resumable later
    ([403], 3, 1, 0),  # not retryable
])
def test_retries(api, tmp_path, failures, retries, expect_failed, expect_retries):
    api.fail_plan["search:*"] = list(failures)
    cfg = HttpConfig(rate=1000, burst=1000, retries=retries, backoff=0.0, max_backoff=0.0)
    s = fetch_all(MapillaryProvider(TOKEN, base_url=api.url, config=cfg), PLAN[:1], tmp_path, progress=False)
    assert (s.failed, s.retries) == (expect_failed, expect_retries)
    log = (tmp_path / "fetch.log").read_text()
    assert TOKEN not in log
    if expect_failed:
        assert "failed" in log and not (tmp_path / "fetch_state.jsonl").exists()


def test_retry_after_is_honoured():
    waits = []
    with FakeApi(TOKEN, KEY) as fake:
        fake.retry_after = "7"
        fake.fail_plan["thumb:x"] = [429]
        http = HttpClient(HttpConfig(rate=1000, burst=1000, retries=2, backoff=0.5, max_backoff=30), sleep=waits.append)
        assert http.get(f"{fake.url}/thumbs/x.jpg").status_code == 200
    assert waits == [7.0]


def test_missing_image_skipped_and_resume(api, tmp_path):
    api.missing.add("m-c2")
    prov = MapillaryProvider(TOKEN, base_url=api.url, config=FAST)
    s1 = fetch_all(prov, PLAN[:1], tmp_path, progress=False)
    assert s1.images == 1
    n_req = len(api.requests)
    s2 = fetch_all(MapillaryProvider(TOKEN, base_url=api.url, config=FAST), PLAN, tmp_path, progress=False)
    assert (s2.skipped, s2.fetched) == (1, 2)
    searched = [r for r in api.requests[n_req:] if r["path"] == "/images"]
    assert len(searched) == 2  # int-a not searched again
    jobs = read_manifest(tmp_path / "manifest.csv")
    assert sorted(j.pano_id for j in jobs) == ["m-c1", "m-c3", "m-pano-a"]
    # a third run with everything on disk makes no requests at all
    n_req = len(api.requests)
    s3 = fetch_all(MapillaryProvider(TOKEN, base_url=api.url, config=FAST), PLAN, tmp_path, progress=False)
    assert (s3.skipped, len(api.requests)) == (3, n_req)


def test_streetview_fetch_views(api, tmp_path):
    api.fail_plan["img:sv-c:180"] = [500]
    api.fail_plan["meta:*"] = [429]
    prov = StreetViewProvider(KEY, base_url=api.url, plan=small_plan(), config=FAST)
    s = fetch_all(prov, PLAN, tmp_path, progress=False)
    assert (s.fetched, s.no_imagery, s.failed, s.images) == (3, 1, 0, 8)
    jobs = read_manifest(tmp_path / "manifest.csv")
    assert {j.pano_id for j in jobs} == {"sv-a", "sv-c"}
    assert sorted({j.heading for j in jobs}) == [0.0, 90.0, 180.0, 270.0]
    assert all(j.kind == "view" and j.pitch == 10.0 and j.fov == 90.0 and j.path.is_file() for j in jobs)
    metas = [r["query"] for r in api.requests if r["path"].endswith("/metadata")]
    assert all(q["radius"] == "13" and q["source"] == "outdoor" for q in metas)
    imgs = [r["query"] for r in api.requests if r["path"] == "/maps/api/streetview"]
    assert all(q["size"] == "64x48" and "pano" in q for q in imgs)
    from PIL import Image

    with Image.open(jobs[0].path) as im:
        assert im.size == (64, 48)
    assert KEY not in all_text(tmp_path)


@pytest.mark.parametrize("bad", [{"width": 1024, "height": 640}, {"fov": 130.0}])
def test_streetview_rejects_plans_the_static_api_cannot_serve(bad):
    plan = ViewPlan(**{**small_plan().__dict__, **bad})
    with pytest.raises(ValueError, match="Static API"):
        StreetViewProvider(KEY, plan=plan)


def test_streetview_bad_key_redacted(api, tmp_path):
    prov = StreetViewProvider("WRONG-" + KEY, base_url=api.url, plan=small_plan(), config=FAST)
    s = fetch_all(prov, PLAN[:1], tmp_path, progress=False)
    assert s.failed == 1
    log = (tmp_path / "fetch.log").read_text()
    assert "REQUEST_DENIED" in log and KEY not in log


@pytest.mark.parametrize("provider", ["mapillary", "streetview"])
def test_cli_fetch_sentinel_key_never_stored(api, tmp_path, monkeypatch, provider):
    monkeypatch.setenv("MAPILLARY_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("GOOGLE_MAPS_API_KEY", KEY)
    plan_csv = tmp_path / "plan.csv"
    with plan_csv.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["intersection_id", "lat", "lon"])
        w.writerows(PLAN)
    views = tmp_path / "views.yaml"
    views.write_text("n_headings: 4\nheading_offset: 0\npitch: 10\nfov: 90\nwidth: 64\nheight: 48\n")
    api.fail_plan["search:*"] = [500]
    api.fail_plan["meta:*"] = [500]
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["fetch", str(plan_csv), "--provider", provider, "--out", str(out),
                                   "--base-url", api.url, "--views", str(views), "--backoff", "0",
                                   "--rate", "1000", "--burst", "100", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert '"fetched": 3' in res.output
    assert TOKEN not in res.output and KEY not in res.output
    text = all_text(out)
    assert TOKEN not in text and KEY not in text
    assert len(read_manifest(out / "manifest.csv")) == (4 if provider == "mapillary" else 8)


def test_cli_fetch_without_key(tmp_path, monkeypatch):
    monkeypatch.delenv("MAPILLARY_ACCESS_TOKEN", raising=False)
    plan_csv = tmp_path / "plan.csv"
    plan_csv.write_text("intersection_id,lat,lon\na,1,2\n")
    res = CliRunner().invoke(app, ["fetch", str(plan_csv), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "MAPILLARY_ACCESS_TOKEN" in str(res.exception)


@pytest.mark.parametrize("text, secrets, expected", [
    ("GET https://x/y?location=1,2&key=ABC123&radius=13", (), "GET https://x/y?location=1,2&key=REDACTED&radius=13"),
    ("token ABC123 leaked", ("ABC123",), "token REDACTED leaked"),
    ("https://g/images?access_token=MLY|1|2&fields=id", (), "https://g/images?access_token=REDACTED&fields=id"),
])
def test_redact(text, secrets, expected):
    assert redact(text, secrets) == expected


def test_token_bucket_waits():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: now[0], sleep=sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.5, 0.5, 0.5])
    assert now[0] == pytest.approx(1.5)  # 5 requests at 2/s with a burst of 2


def test_http_error_message_is_one_redacted_line():
    with FakeApi(TOKEN, KEY) as fake:
        wrong = "WRONG" + KEY
        http = HttpClient(HttpConfig(rate=1000, burst=1000, retries=0), secrets=(wrong,))
        with pytest.raises(FetchError) as exc:
            http.get(f"{fake.url}/maps/api/streetview?key={wrong}&size=1x1&fov=90&pano=p&heading=0")
    msg = str(exc.value)
    assert wrong not in msg and "\n" not in msg and exc.value.status == 403


def test_interrupted_fetch_resumes(api, tmp_path):
    """Ctrl-C during the second intersection: the first is kept (state + manifest), a torn state
    line is ignored, and the next run fetches only what is missing."""
    prov = MapillaryProvider(TOKEN, base_url=api.url, config=FAST)
    real_fetch = prov.fetch
    calls = []

    def flaky(iid, lat, lon, out):
        calls.append(iid)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_fetch(iid, lat, lon, out)

    prov.fetch = flaky
    with pytest.raises(KeyboardInterrupt):
        fetch_all(prov, PLAN, tmp_path, progress=False)
    assert [j.pano_id for j in read_manifest(tmp_path / "manifest.csv")] == ["m-pano-a"]
    with (tmp_path / "fetch_state.jsonl").open("a") as fh:
        fh.write('{"intersection_id": "int-b", "sta')  # torn line from a hard kill
    s = fetch_all(MapillaryProvider(TOKEN, base_url=api.url, config=FAST), PLAN, tmp_path, progress=False)
    assert (s.skipped, s.fetched, s.images) == (1, 2, 3)
    assert len(read_manifest(tmp_path / "manifest.csv")) == 4
    s = fetch_all(MapillaryProvider(TOKEN, base_url=api.url, config=FAST), PLAN, tmp_path, progress=False)
    assert s.skipped == 3  # the line written after the torn one was whole


def test_plan_then_fetch_streetview(api, tmp_path, monkeypatch):
    """`camdetect plan` output feeds `camdetect fetch` directly; intersections without a panorama
    within 13 m get none, and the fetched manifest is what the scorer reads."""
    from . import osm_fixture

    plan_csv = tmp_path / "plan.csv"
    res = CliRunner().invoke(app, ["plan", "--osm", str(osm_fixture.write_overpass(tmp_path / "c.json")),
                                   "--out", str(plan_csv)])
    assert res.exit_code == 0, res.output
    with plan_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 9
    # panoramas 8 m north of the first three intersections, one 30 m away from the fourth (too far)
    api.sv_panos = [{"pano_id": f"sv{i}", "lat": float(r["lat"]) + (8 if i < 3 else 30) / KY, "lng": float(r["lon"])}
                    for i, r in enumerate(rows[:4])]
    monkeypatch.setenv("GOOGLE_MAPS_API_KEY", KEY)
    views = tmp_path / "views.yaml"
    views.write_text("n_headings: 2\npitch: 10\nfov: 90\nwidth: 64\nheight: 48\n")
    res = CliRunner().invoke(app, ["fetch", str(plan_csv), "--provider", "streetview", "--out", str(tmp_path / "sv"),
                                   "--base-url", api.url, "--views", str(views), "--no-progress", "--rate", "500"])
    assert res.exit_code == 0, res.output
    jobs = read_manifest(tmp_path / "sv" / "manifest.csv")
    assert sorted({j.pano_id for j in jobs}) == ["sv0", "sv1", "sv2"] and len(jobs) == 6
    assert {j.intersection for j in jobs} == {r["intersection_id"] for r in rows[:3]}
