"""Review app fixtures: a real store (SQLite, or PostgreSQL where asked) filled like the scorer
would, real JPEG views in a media folder, and the real FastAPI app behind TestClient."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from camdetect.records import Suggestion
from camdetect.store import Store
from camdetect.store.pg_server import PostgresUnavailable, TempPostgres


@pytest.fixture(scope="session")
def pg_server():
    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    yield pg
    pg.stop()


def fill_store(store: Store, media: Path, n_images: int = 3, per_view: int = 2, size: int = 320) -> list[Suggestion]:
    """Scorer-like input: per image two views, ``per_view`` suggestions each, JPEGs written to media."""
    out = []
    rng = np.random.default_rng(0)
    for i in range(n_images):
        sugg = []
        for v in range(2):
            rel = f"m/pano{i}_v{v}.jpg"
            (media / rel).parent.mkdir(parents=True, exist_ok=True)
            img = (rng.random((size, size, 3)) * 60 + 100).astype(np.uint8)
            for j in range(per_view):
                x = 40 + 90 * j
                cv2.rectangle(img, (x, 100), (x + 24, 118), (30, 30, 30), -1)
                sugg.append(Suggestion(key=f"m|pano{i}|{v}|{j}", intersection=f"int{i}", pano_id=f"pano{i}",
                                       image_path=rel, view_heading=90.0 * v, view_pitch=15.0, view_fov=48.0,
                                       image_width=size, image_height=size, x1=x, y1=100, x2=x + 24, y2=118,
                                       score=0.3 + 0.1 * j + 0.05 * v, type="dome", mount="street_furniture",
                                       heading=90.0 * v, pitch=15.0, lat=40.70 + 0.001 * i, lon=-73.99, model="m"))
            cv2.imwrite(str(media / rel), img)
        store.record_image(f"pano{i}", "m", sugg, {"area": "north" if i % 2 == 0 else "south"})
        out += sugg
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_store(request, tmp_path) -> Store:
    """A freshly migrated, empty store on SQLite and (where a server can start) PostgreSQL."""
    url = (f"sqlite:///{tmp_path / 'empty.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_server").create_database())
    s = Store.open(url, create=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory) -> Path:
    """Migrate and fill once per test process; each test gets a copy (fast, still a real store)."""
    d = tmp_path_factory.mktemp("template")
    (d / "media").mkdir()
    s = Store.open(d / "review.db", create=True)
    fill_store(s, d / "media")
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return d


@pytest.fixture
def media(tmp_path, template_store) -> Path:
    d = tmp_path / "media"
    shutil.copytree(template_store / "media", d)
    return d


@pytest.fixture
def store(tmp_path, media, template_store) -> Store:
    shutil.copyfile(template_store / "review.db", tmp_path / "review.db")
    s = Store.open(tmp_path / "review.db")
    yield s
    s.close()


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf token in page"
    return m.group(1)


def signup(client, username: str, password: str = "correct horse") -> str:
    """Sign up (log in) through the real form; returns the session's CSRF token."""
    page = client.get("/signup")
    r = client.post("/signup", data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client.get("/api/me").json()["csrf"]


def login(client, username: str, password: str = "correct horse"):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False)


@pytest.fixture
def make_client(store, media):
    from fastapi.testclient import TestClient

    from camdetect.review.app import create_app
    from camdetect.review.config import ReviewConfig

    apps = {}

    def make(**cfg):
        key = tuple(sorted(cfg.items()))
        if key not in apps:
            apps[key] = create_app(store, ReviewConfig(media=media, **cfg))
        return TestClient(apps[key])

    return make


def uid(store: Store, name: str) -> int:
    """A user's id by username."""
    from sqlalchemy import select

    from camdetect.store.models import User

    with store.read() as s:
        return s.scalar(select(User.id).where(User.username == name))


@pytest.fixture
def team(make_client):
    """A coordinator (first sign-up) and a volunteer, each logged in, with their CSRF tokens."""
    coord, vol = make_client(spot_rate=0.0), make_client(spot_rate=0.0)
    return coord, signup(coord, "coord"), vol, signup(vol, "vol1")
