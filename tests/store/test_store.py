"""Scorer API of the review store (CONTRACTS.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from camdetect.store import Store, spot_rank, uncertainty
from camdetect.store.db import normalize_url
from camdetect.store.models import Intersection, ScoredImage, SuggestionRow, ViewRow

from .conftest import make_suggestion


def count(store: Store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_record_image_is_idempotent_on_key(db_url):
    store = Store.open(db_url, create=True)
    sugg = [make_suggestion(i) for i in range(3)]
    assert store.record_image("p1", "m", sugg, {"views": 10}) == 3
    assert store.record_image("p1", "m", sugg, {"views": 10}) == 0
    assert store.record_image("p1", "m", sugg + [make_suggestion(9)], {}) == 1
    assert count(store, SuggestionRow) == 4
    assert count(store, ScoredImage) == 1
    assert store.done_images("m") == {"p1"}
    store.close()


@pytest.mark.parametrize("calls, model, expected", [
    ([("a", "m1"), ("b", "m1"), ("c", "m2")], "m1", {"a", "b"}),
    ([("a", "m1"), ("b", "m1"), ("c", "m2")], "m2", {"c"}),
    ([("a", "m1")], "other", set()),
    ([], "m1", set()),
])
def test_done_images_per_model(db_url, calls, model, expected):
    store = Store.open(db_url, create=True)
    for key, m in calls:
        store.record_image(key, m, [], {"views": 0})  # an image with no suggestions is still done
    assert store.done_images(model) == expected
    store.close()


def test_views_intersections_and_nan_fields(db_url):
    store = Store.open(db_url, create=True)
    sugg = [make_suggestion(0, view=0), make_suggestion(1, view=0), make_suggestion(2, view=1),
            make_suggestion(3, image="p2", lat=float("nan"), lon=float("nan"), type_score=float("nan"))]
    store.record_image("p1", "m", sugg[:3], {"area": "north"})
    store.record_image("p2", "m", sugg[3:], {"area": "south"})
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(ViewRow)) == 3
        inters = {i.name: (i.area, i.n_suggestions) for i in s.scalars(select(Intersection))}
        row = s.scalar(select(SuggestionRow).where(SuggestionRow.key == sugg[3].key))
        ids = set(s.scalars(select(SuggestionRow.view_id).where(SuggestionRow.pano_id == "p1")))
    assert inters == {"int-p1": ("north", 3), "int-p2": ("south", 1)}
    assert row.lat is None and row.type_score is None and row.status == "open"
    assert len(ids) == 2
    store.close()


def test_record_image_is_atomic(db_url):
    """A failure half-way leaves neither suggestions nor the done-mark behind."""
    store = Store.open(db_url, create=True)
    good = make_suggestion(0)
    bad = make_suggestion(1, x1=None)  # NOT NULL column -> the insert fails mid-transaction
    with pytest.raises(IntegrityError):
        store.record_image("p1", "m", [good, bad], {})
    assert count(store, SuggestionRow) == 0
    assert store.done_images("m") == set()
    assert store.record_image("p1", "m", [good], {}) == 1
    store.close()


def test_concurrent_writers_never_duplicate(db_url):
    """Eight threads record overlapping images at once: every key lands exactly once."""
    store = Store.open(db_url, create=True)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for img in range(6):
                sugg = [make_suggestion(i, image=f"p{img}") for i in range(t % 3, 5)]
                store.record_image(f"p{img}", "m", sugg, {"thread": t})
        except BaseException as exc:  # noqa: BLE001 # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert count(store, SuggestionRow) == 30
    with store.read() as s:
        assert sum(s.scalars(select(Intersection.n_suggestions))) == 30
    assert store.done_images("m") == {f"p{i}" for i in range(6)}
    store.close()


def test_reopen_and_second_handle(db_url):
    a = Store.open(db_url, create=True)
    a.record_image("p1", "m", [make_suggestion(0)], {})
    b = Store.open(db_url, create=True)  # migrations already at head: a no-op
    assert b.done_images("m") == {"p1"}
    a.close()
    b.close()


@pytest.mark.parametrize("url, expected_prefix", [
    ("runs/x.db", "sqlite:///runs/x.db"),
    ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
])
def test_normalize_url(url, expected_prefix, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalize_url(url) == expected_prefix


@pytest.mark.parametrize("url", ["", "mysql://u@h/db", "http://example.org"])
def test_normalize_url_rejects(url):
    with pytest.raises(ValueError):
        normalize_url(url)


@pytest.mark.parametrize("score, expected", [(0.5, 1.0), (0.0, 0.0), (1.0, 0.0), (0.75, 0.5), (float("nan"), 0.0)])
def test_uncertainty(score, expected):
    assert uncertainty(score) == pytest.approx(expected)


@given(st.text(min_size=1, max_size=40))
def test_spot_rank_in_unit_interval_and_stable(path):
    r = spot_rank(path)
    assert 0.0 <= r < 1.0 and r == spot_rank(path)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.integers(0, 12), max_size=6), min_size=1, max_size=5))
def test_property_union_of_keys(tmp_path_factory, batches):
    """However suggestions arrive (repeats, overlaps), the store holds each key once."""
    store = Store.open(tmp_path_factory.mktemp("prop") / "r.db", create=True)
    for n, batch in enumerate(batches):
        store.record_image(f"img{n}", "m", [make_suggestion(i) for i in batch], {})
    expected = {make_suggestion(i).key for b in batches for i in b}
    with store.read() as s:
        assert set(s.scalars(select(SuggestionRow.key))) == expected
        assert s.scalar(select(Intersection.n_suggestions)) in (None, len(expected)) or not expected
    store.close()


def test_views_without_suggestions_from_meta(db_url):
    """meta["view_images"] registers empty views (spot-check candidates), idempotently."""
    store = Store.open(db_url, create=True)
    views = [{"image_path": f"m/p9_v{i}.jpg", "pano_id": "p9", "intersection": "i9", "view_heading": 36.0 * i,
              "view_pitch": 15.0, "view_fov": 48.0, "width": 640, "height": 640, "lat": 1.0, "lon": 2.0}
             for i in range(3)]
    store.record_image("p9", "m", [make_suggestion(0, image="p9", inter="i9")], {"view_images": views})
    store.record_image("p9", "m", [], {"view_images": views})
    with store.read() as s:
        paths = set(s.scalars(select(ViewRow.image_path)))
    assert paths == {v["image_path"] for v in views} | {"m/p9_v0.jpg"}
    with pytest.raises(ValueError, match="without image_path"):
        store.record_image("p10", "m", [], {"view_images": [{"width": 3}]})
    store.close()
