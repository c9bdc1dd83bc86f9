"""Store fixtures: every store test runs on SQLite and on a throwaway local PostgreSQL."""

from __future__ import annotations

import math

import pytest

from camdetect.records import Suggestion
from camdetect.store.pg_server import PostgresUnavailable, TempPostgres


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL cluster per test process (xdist workers each get their own port and dir)."""
    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'review.db'}"
    return request.getfixturevalue("pg_server").create_database()


def make_suggestion(i: int, image: str = "p1", view: int = 0, score: float = 0.6, inter: str | None = None,
                    **kw) -> Suggestion:
    d = dict(key=f"m|{image}|{view}|{i}", intersection=inter or f"int-{image}", pano_id=image,
             image_path=f"m/{image}_v{view}.jpg", view_heading=30.0 * view, view_pitch=15.0, view_fov=48.0,
             image_width=640, image_height=640, x1=10.0 + i, y1=20.0, x2=30.0 + i, y2=44.0, score=score,
             type="dome", mount="street_furniture", type_score=0.8, mount_score=math.nan,
             heading=30.0 * view + 1, pitch=15.0, lat=40.7, lon=-73.9, model="m")
    d.update(kw)
    return Suggestion(**d)
