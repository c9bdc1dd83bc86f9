"""Scheduler rules on SQLite and PostgreSQL: uncertainty first, finishing intersections, spot checks,
k and never-twice at the database level."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from camdetect.records import Suggestion
from camdetect.review.auth import create_user
from camdetect.review.config import ReviewConfig
from camdetect.review.scheduler import Scheduler, Submission
from camdetect.store.models import SuggestionRow


@pytest.fixture
def store(empty_store):
    return empty_store


def sug(key: str, inter: str, score: float, view: str = "v0") -> Suggestion:
    return Suggestion(key=key, intersection=inter, pano_id=inter, image_path=f"m/{inter}_{view}.jpg",
                      view_heading=0.0, view_pitch=15.0, view_fov=48.0, image_width=640, image_height=640,
                      x1=10, y1=10, x2=30, y2=30, score=score, type="dome", model="m")


def users(store, n):
    return [create_user(store, f"user{i:02d}", "password1", "volunteer") for i in range(n)]


def key_of(store, task) -> str:
    with store.read() as s:
        return s.scalar(select(SuggestionRow.key).where(SuggestionRow.image_path == task.image_path,
                                                        SuggestionRow.x1 == task.box[0]))


@pytest.mark.parametrize("scores, first", [
    ({"a": 0.95, "b": 0.5, "c": 0.3}, "b"),
    ({"a": 0.6, "b": 0.9, "c": 0.99}, "a"),
])
def test_most_uncertain_first(store, scores, first):
    store.record_image("i1", "m", [sug(k, "i1", v, view=k) for k, v in scores.items()], {})
    sched = Scheduler(store, ReviewConfig(spot_share=0.0, w_finish=0.0))
    (u,) = users(store, 1)
    assert key_of(store, sched.next_task(u)) == first


def test_finishing_intersections_come_first(store):
    """Same uncertainty everywhere: once A has a retired suggestion, A's last one outranks B's."""
    store.record_image("A", "m", [sug("a1", "A", 0.7, "x"), sug("a2", "A", 0.7, "y")], {})
    store.record_image("B", "m", [sug("b1", "B", 0.7, "x"), sug("b2", "B", 0.7, "y")], {})
    sched = Scheduler(store, ReviewConfig(spot_share=0.0, k=3, retire_agree=2))
    u = users(store, 3)
    t0 = sched.next_task(u[0])
    first = key_of(store, t0)
    sched.submit(u[0], t0.id, Submission("no"))
    t1 = sched.next_task(u[1])
    assert key_of(store, t1) == first  # the same suggestion gets its second answer next
    sched.submit(u[1], t1.id, Submission("no"))  # two agree -> retired
    t2 = sched.next_task(u[2])
    inter = first[0]
    assert key_of(store, t2)[0] == inter and key_of(store, t2) != first


@pytest.mark.parametrize("share, rate, kind", [(0.0, 1.0, "suggestion"), (1.0, 1.0, "spot"), (1.0, 0.0, "suggestion")])
def test_spot_check_share(store, share, rate, kind):
    store.record_image("i1", "m", [sug("a", "i1", 0.5)], {})
    sched = Scheduler(store, ReviewConfig(spot_share=share, spot_rate=rate))
    (u,) = users(store, 1)
    assert sched.next_task(u).kind == kind


def test_k_volunteers_then_nothing(store):
    store.record_image("i1", "m", [sug("a", "i1", 0.5)], {})
    sched = Scheduler(store, ReviewConfig(spot_share=0.0, k=2, retire_agree=0))
    u = users(store, 3)
    t = [sched.next_task(x) for x in u]
    assert t[0] is not None and t[1] is not None and t[2] is None
    sched.submit(u[0], t[0].id, Submission("yes"))
    assert sched.next_task(u[0]) is None  # never twice
