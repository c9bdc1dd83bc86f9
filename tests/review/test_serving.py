"""Issue 13.7 (speed under real load): `review serve --workers N`, TCP_NODELAY on every connection,
the claim's index walk on PostgreSQL, workers starting together. No timings here (scripts/bench_review.py)."""

from __future__ import annotations

import socket
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from camdetect.records import Suggestion
from camdetect.review.app import SERVE_ENV, app_from_env, serve_env
from camdetect.review.auth import create_user
from camdetect.review.cli import uvicorn_options
from camdetect.review.config import ReviewConfig
from camdetect.review.loadtest import check_answers, fill_synthetic
from camdetect.review.scheduler import Scheduler, Submission
from camdetect.review.serving import HTTP_PROTOCOL, _nodelay
from camdetect.store import Store

from .test_cli import run


@pytest.fixture
def store(empty_store):
    return empty_store


def test_workers_refused_on_sqlite(tmp_path):
    db = str(tmp_path / "r.db")
    Store.open(db, create=True).close()
    r = run("review", "serve", "--db", db, "--workers", "2")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "needs PostgreSQL" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_worker_app_from_env(tmp_path, monkeypatch):
    """What `serve --workers N` hands each worker: the same store and the same config."""
    db = str(tmp_path / "r.db")
    Store.open(db, create=True).close()
    cfg = ReviewConfig(k=4, retire_agree=3, claim_ttl=123.0, media=tmp_path, trusted_proxies=("10.0.0.2",))
    monkeypatch.setenv(SERVE_ENV, serve_env(db, cfg))
    app = app_from_env()
    assert app.state.cfg == cfg
    with TestClient(app) as c:
        assert c.get("/healthz").json() == {"ok": True}
    app.state.store.close()


def test_connections_get_tcp_nodelay():
    """A listening socket made like uvicorn's for --workers (proto 0): asyncio leaves Nagle on for its
    connections; the review server's protocol switches it off."""
    assert issubclass(uvicorn_options(ReviewConfig())["http"], HTTP_PROTOCOL)
    with socket.socket(socket.AF_INET) as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        with socket.create_connection(lsock.getsockname()) as cli:
            conn, _ = lsock.accept()
            with conn:
                assert conn.proto == 0 and conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

                class Transport:  # what asyncio's transport answers for "socket"
                    def get_extra_info(self, name):
                        return conn if name == "socket" else None

                _nodelay(Transport())
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            assert cli is not None


def sug(key: str, score: float) -> Suggestion:
    return Suggestion(key=key, intersection="i1", pano_id="i1", image_path=f"m/{key}.jpg", view_heading=0.0,
                      view_pitch=15.0, view_fov=48.0, image_width=640, image_height=640, x1=10, y1=10, x2=30,
                      y2=30, score=score, type="dome", model="m")


def test_claim_order_priority_then_newest(store):
    """Highest priority first; among equal priorities the newest suggestion (the index walks backwards)."""
    store.record_image("i1", "m", [sug("a", 0.5), sug("b", 0.7), sug("c", 0.7), sug("d", 0.9)], {})
    sched = Scheduler(store, ReviewConfig(spot_share=0.0, k=1, retire_agree=0, w_finish=0.0))
    u = create_user(store, "vol01", "password1", "volunteer")
    order = []
    while (t := sched.next_task(u)) is not None:
        order.append(t.image_path.split("/")[1][0])
        sched.submit(u, t.id, Submission("no"))
        u = create_user(store, f"vol{len(order) + 1:02d}", "password1", "volunteer")
    assert order == ["a", "c", "b", "d"]


def test_workers_reprioritize_together(store):
    """Every worker reprioritizes at start-up; at once they take turns (no deadlock, same result)."""
    fill_synthetic(store, 400)
    errors = []

    def start():
        try:
            Scheduler(store, ReviewConfig(w_finish=0.5)).reprioritize()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.read() as s:
        bad = s.execute(text("SELECT count(*) FROM suggestions WHERE abs(priority - uncertainty) > 1e-9")).scalar()
    assert bad == 0  # nothing retired yet: progress 0, priority = uncertainty


@pytest.mark.postgres
def test_pg_claim_walks_the_queue_index(pg_server):
    """After the start-up reprioritize (which ANALYZEs), the claim reads the queue index backwards and
    stops at the first free row: no sort of every open suggestion (12 ms a claim at 5,000 before)."""
    store = Store.open(pg_server.create_database(), create=True)
    fill_synthetic(store, 2000)
    Scheduler(store, ReviewConfig()).reprioritize()
    uid = create_user(store, "vol01", "password1", "volunteer")
    q = ("EXPLAIN SELECT suggestions.id FROM suggestions WHERE suggestions.status = 'open' AND suggestions.slots < 3 "
         "AND NOT (EXISTS (SELECT * FROM assignments WHERE assignments.user_id = :u AND assignments.kind = "
         "'suggestion' AND assignments.target_id = suggestions.id)) ORDER BY suggestions.priority DESC, "
         "suggestions.id DESC LIMIT 1 FOR UPDATE OF suggestions SKIP LOCKED")
    with store.read() as s:
        plan = "\n".join(r[0] for r in s.execute(text(q), {"u": uid}))
    assert "Index Scan Backward using ix_suggestions_queue" in plan and "Sort" not in plan, plan
    store.close()


def test_check_answers_counts_lost_and_duplicated(store):
    """The benchmark's integrity check: what the server confirmed against what the store holds."""
    from camdetect.review.loadtest import VolunteerLog

    store.record_image("i1", "m", [sug("a", 0.5), sug("b", 0.6)], {})
    sched = Scheduler(store, ReviewConfig(spot_share=0.0))
    u = create_user(store, "vol01", "password1", "volunteer")
    t = sched.next_task(u)
    aid = sched.submit(u, t.id, Submission("yes"))
    ok = check_answers(store, [VolunteerLog(u, confirmed=[(t.id, aid)])], k=3)
    assert ok == {"confirmed": 1, "stored": 1, "lost": 0, "duplicated": 0, "over_k": 0, "twice": 0}
    bad = check_answers(store, [VolunteerLog(u, confirmed=[(t.id, aid), (t.id, aid), (99, 12345)])], k=3)
    assert bad["lost"] == 1 and bad["duplicated"] == 1
