"""Simulated volunteers against a live server: the concurrency test and the benchmark share this.

Each volunteer is a thread with its own HTTP client and session; it loops "next task" -> "submit
answer" (random yes/no/unsure, sometimes an adjusted box) until the deadline or an empty queue, and
records what the server confirmed, so the caller can check nothing was lost or duplicated.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class VolunteerLog:
    user_id: int
    confirmed: list[tuple[int, int]] = field(default_factory=list)  # (task id, answer id)
    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    empty: bool = False


@contextmanager
def serve_in_thread(app, port: int | None = None, **uvicorn_kw) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yields the base URL. ``uvicorn_kw``: more
    ``uvicorn.Config`` options (e.g. ``camdetect.review.cli.uvicorn_options(cfg)``)."""
    import uvicorn

    from camdetect.store.pg_server import free_port

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           limit_concurrency=1000, backlog=2048, **uvicorn_kw))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def make_volunteers(store, n: int, prefix: str = "sim") -> list[tuple[int, str, str]]:
    """Create ``n`` volunteers with live sessions: [(user id, session token, csrf)]."""
    import time as _time

    from camdetect.store.models import User

    from .auth import _hasher, create_session, session_user

    pw_hash = _hasher.hash("simulated-password")  # one argon2 hash shared by all: setup stays fast
    out = []
    for i in range(n):
        with store.write() as s:
            user = User(username=f"{prefix}{i:03d}", password_hash=pw_hash, role="volunteer", created_at=_time.time())
            s.add(user)
            s.flush()
            uid = user.id
        token = create_session(store, uid, 3600)
        out.append((uid, token, session_user(store, token).csrf))
    return out


def random_answer(rng: random.Random, task: dict) -> dict:
    """A load-test volunteer's answer: mostly yes, sometimes a nudged box (spot checks: "done")."""
    ans = rng.choice(["yes", "yes", "no", "unsure"]) if task["kind"] == "suggestion" else "done"
    body = {"answer": ans, "type": "dome", "mount": "building"}
    if ans == "yes" and task["box"] and rng.random() < 0.3:
        x1, y1, x2, y2 = task["box"]
        body["box"] = [x1 - 1, y1 - 1, x2 + 1, y2 + 1]
    return body


def run_volunteers(base_url: str, volunteers: list[tuple[int, str, str]], seconds: float,
                   seed: int = 0, think: float = 0.0) -> list[VolunteerLog]:
    """All volunteers at once for ``seconds`` (or until every one sees an empty queue)."""
    import httpx

    logs = [VolunteerLog(uid) for uid, _, _ in volunteers]
    barrier = threading.Barrier(len(volunteers))
    stop_at = [0.0]

    def one(i: int) -> None:
        uid, token, csrf = volunteers[i]
        log = logs[i]
        rng = random.Random(seed * 1000 + i)
        with httpx.Client(base_url=base_url, cookies={"camdetect_session": token}, timeout=60,
                          headers={"x-csrf-token": csrf}) as c:
            barrier.wait()
            if i == 0:
                stop_at[0] = time.perf_counter() + seconds
            while stop_at[0] == 0.0:
                time.sleep(0.001)
            while time.perf_counter() < stop_at[0]:
                try:
                    t0 = time.perf_counter()
                    r = c.get("/api/tasks/next")
                    log.next_ms.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        log.errors.append(f"next {r.status_code} {r.text[:100]}")
                        continue
                    task = r.json()["task"]
                    if task is None:
                        log.empty = True
                        break
                    body = random_answer(rng, task)
                    if think:
                        time.sleep(rng.uniform(0, think))
                    t0 = time.perf_counter()
                    r = c.post(f"/api/tasks/{task['id']}/answer", json=body)
                    log.submit_ms.append((time.perf_counter() - t0) * 1000)
                    if r.status_code == 200:
                        log.confirmed.append((task["id"], r.json()["answer_id"]))
                    else:
                        log.errors.append(f"answer {r.status_code} {r.text[:100]}")
                except httpx.HTTPError as exc:
                    log.errors.append(f"http {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(volunteers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return logs


def run_volunteers_async(base_url: str, volunteers: list[tuple[int, str, str]], seconds: float,
                         seed: int = 0, think: float = 0.0) -> list[VolunteerLog]:
    """Like :func:`run_volunteers`, on one asyncio loop (one shared connection pool, each request with
    its volunteer's session cookie and CSRF header): a thousand volunteers without a thousand threads.
    The benchmark runs it in its own process, so the client never holds the server's GIL."""
    import asyncio

    import httpx

    logs = [VolunteerLog(uid) for uid, _, _ in volunteers]

    async def one(c: httpx.AsyncClient, i: int, stop_at: float) -> None:
        _, token, csrf = volunteers[i]
        log, rng = logs[i], random.Random(seed * 1000 + i)
        headers = {"cookie": f"camdetect_session={token}", "x-csrf-token": csrf}
        await asyncio.sleep(rng.uniform(0, think))  # volunteers arrive spread out, as in life
        while time.perf_counter() < stop_at:
            try:
                t0 = time.perf_counter()
                r = await c.get("/api/tasks/next", headers=headers)
                log.next_ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    log.errors.append(f"next {r.status_code} {r.text[:100]}")
                    continue
                task = r.json()["task"]
                if task is None:
                    log.empty = True
                    break
                body = random_answer(rng, task)
                if think:
                    await asyncio.sleep(rng.uniform(0, think))
                t0 = time.perf_counter()
                r = await c.post(f"/api/tasks/{task['id']}/answer", json=body, headers=headers)
                log.submit_ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code == 200:
                    log.confirmed.append((task["id"], r.json()["answer_id"]))
                else:
                    log.errors.append(f"answer {r.status_code} {r.text[:100]}")
            except httpx.HTTPError as exc:
                log.errors.append(f"http {type(exc).__name__}: {exc}")

    async def main() -> None:
        n = len(volunteers) + 8
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as c:
            stop_at = time.perf_counter() + seconds
            await asyncio.gather(*(one(c, i, stop_at) for i in range(len(volunteers))))

    asyncio.run(main())
    return logs


def check_answers(store, logs: list[VolunteerLog], k: int) -> dict:
    """What the server confirmed against what the store holds: answers lost (confirmed, not stored),
    duplicated (stored twice for one assignment, or confirmed ids not stored once), suggestions over
    ``k`` answers, and volunteers who answered one suggestion twice. All zero when the scheduler holds."""
    from collections import Counter

    from sqlalchemy import select

    from camdetect.store.models import Answer

    confirmed = Counter(aid for log in logs for _, aid in log.confirmed)
    with store.read() as s:
        rows = s.execute(select(Answer.id, Answer.user_id, Answer.suggestion_id, Answer.assignment_id)).all()
    stored = {r.id for r in rows}
    per_sugg = Counter(r.suggestion_id for r in rows if r.suggestion_id is not None)
    pairs = Counter((r.user_id, r.suggestion_id) for r in rows if r.suggestion_id is not None)
    per_assignment = Counter(r.assignment_id for r in rows)
    return {"confirmed": sum(confirmed.values()), "stored": len(rows),
            "lost": sum(1 for aid in confirmed if aid not in stored),
            "duplicated": sum(n - 1 for n in per_assignment.values() if n > 1)
            + sum(n - 1 for n in confirmed.values() if n > 1),
            "over_k": sum(1 for n in per_sugg.values() if n > k),
            "twice": sum(1 for n in pairs.values() if n > 1)}


def fill_synthetic(store, n_suggestions: int, per_view: int = 4, seed: int = 0) -> int:
    """Scorer-like suggestions (no images needed for load tests)."""
    from camdetect.records import Suggestion

    rng = random.Random(seed)
    n = 0
    for img in range(0, n_suggestions, per_view * 2):
        sugg = []
        for j in range(min(per_view * 2, n_suggestions - img)):
            v, x = j // per_view, 40 + 60 * (j % per_view)
            sugg.append(Suggestion(key=f"load|{img}|{j}", intersection=f"int{img // 40}", pano_id=f"p{img}",
                                   image_path=f"load/p{img}_v{v}.jpg", view_heading=90.0 * v, view_pitch=15.0,
                                   view_fov=48.0, image_width=640, image_height=640, x1=x, y1=100, x2=x + 20,
                                   y2=116, score=rng.uniform(0.25, 0.95), type="dome", mount="building",
                                   lat=40.7, lon=-73.9, model="load"))
        n += store.record_image(f"p{img}", "load", sugg, {"area": f"a{img // 200}"})
    return n


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]
