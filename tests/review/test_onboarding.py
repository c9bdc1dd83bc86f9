"""Issue 13 item 2, onboarding that teaches: sign-up -> tutorial -> practice with immediate feedback ->
real tasks; the field guide; personal progress; practice kept out of answers, consensus and exports;
the 0005 migration both ways."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, inspect, select, text

from camdetect.review import practice
from camdetect.review.auth import create_user
from camdetect.review.config import ReviewConfig
from camdetect.review.scheduler import Scheduler, Submission
from camdetect.store import Store
from camdetect.store.models import Answer, PracticeAnswer, PracticeItem, SuggestionRow

from .conftest import signup
from .test_browser import browser  # noqa: F401 (the fixture)

GUIDE = Path(practice.__file__).parent / "static" / "guide"


def items(store) -> dict[int, PracticeItem]:
    with store.read() as s:
        return {it.id: it for it in s.scalars(select(PracticeItem))}


def right_answer(item: PracticeItem) -> dict:
    return {"answer": item.answer, "type": item.type, "mount": item.mount}


def n_answers(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Answer))


def test_signup_tutorial_practice_feedback_then_real_tasks(make_client, store):
    client = make_client(spot_rate=0.0)
    page = client.get("/signup")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/signup", data={"username": "newbie", "password": "correct horse", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/tutorial?welcome=1"
    tut = client.get(r.headers["location"])
    assert "Welcome, newbie!" in tut.text and 'href="/practice"' in tut.text and 'href="/guide"' in tut.text
    csrf = client.get("/api/me").json()["csrf"]
    page = client.get("/practice")
    assert page.status_code == 200 and 'data-mode="practice"' in page.text

    by_id = items(store)
    assert len(by_id) == len(practice.load_builtin())  # a fresh store got the built-in set
    seen, feedback = [], []
    while True:
        task = client.get("/api/practice/next").json()["task"]
        assert task["practice"] and task["kind"] == "suggestion" and task["number"] == len(seen) + 1
        img = client.get(task["image_url"])
        assert img.status_code == 200 and img.content[:3] == b"\xff\xd8\xff"
        item = by_id[task["id"]]
        body = right_answer(item) if len(seen) % 2 else {"answer": "no" if item.answer == "yes" else "yes",
                                                         "type": "dome", "mount": "building"}
        fb = client.post(f"/api/practice/{task['id']}/answer", json={**body, "round": task["round"]},
                         headers={"x-csrf-token": csrf}).json()
        assert fb["correct"] == (len(seen) % 2 == 1)
        assert fb["expected"]["answer"] == item.answer and fb["explanation"]
        seen.append(task["id"])
        feedback.append(fb)
        if fb["round_done"]:
            break
    assert len(seen) == len(set(seen)) == practice.ROUND_SIZE
    assert feedback[-1]["right"] == practice.ROUND_SIZE // 2 and feedback[-1]["total"] == practice.ROUND_SIZE
    # the round mixes cameras and look-alikes; a look-alike's feedback says what it is
    answers = {by_id[i].answer for i in seen}
    assert answers == {"yes", "no"}
    lamp = [f for i, f in zip(seen, feedback, strict=True) if by_id[i].kind == "lamp_cobra"]
    assert not lamp or "street lamp" in lamp[0]["explanation"]
    assert n_answers(store) == 0  # practice is not a real answer

    # then real tasks, as before
    real = client.get("/api/tasks/next").json()["task"]
    assert real and not real.get("practice")
    r = client.post(f"/api/tasks/{real['id']}/answer", json={"answer": "no"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 200 and n_answers(store) == 1


def test_feedback_explains_a_look_alike_in_french(make_client, store):
    client = make_client()
    csrf = signup(client, "lea")
    client.post("/language", data={"lang": "fr", "next": "/practice", "csrf_token": csrf})
    by_id = items(store)
    for _ in range(practice.ROUND_SIZE):
        task = client.get("/api/practice/next").json()["task"]
        if by_id[task["id"]].answer == "no":
            break
        client.post(f"/api/practice/{task['id']}/answer", json={"answer": "yes", "round": task["round"]},
                    headers={"x-csrf-token": csrf})
    item = by_id[task["id"]]
    fb = client.post(f"/api/practice/{task['id']}/answer", json={"answer": "yes", "type": "dome", "mount": "other",
                                                                 "round": task["round"]},
                     headers={"x-csrf-token": csrf}).json()
    assert not fb["correct"] and not fb["answer_ok"] and fb["expected"]["answer"] == "no"
    assert "pas une caméra" in fb["explanation"], (item.kind, fb["explanation"])
    # a repeated submit returns the stored answer's feedback, not a second answer
    again = client.post(f"/api/practice/{task['id']}/answer", json={"answer": "no", "round": task["round"]},
                        headers={"x-csrf-token": csrf}).json()
    assert again["correct"] is False
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(PracticeAnswer).where(PracticeAnswer.item_id == item.id)) == 1


@pytest.mark.parametrize("expected,given,correct,type_ok,mount_ok", [
    (("yes", "dome", "building"), ("yes", "dome", "building"), True, True, True),
    (("yes", "dome", "building"), ("yes", "bullet", "building"), False, False, True),
    (("yes", "dome", "building"), ("yes", "dome", "street_furniture"), False, True, False),
    (("yes", "dome", "building"), ("no", None, None), False, None, None),
    (("yes", "dome", "building"), ("unsure", None, None), False, None, None),
    (("yes", None, None), ("yes", "bullet", "other"), True, True, True),  # an item that does not say
    (("no", None, None), ("no", None, None), True, None, None),
    (("no", None, None), ("yes", "dome", "building"), False, None, None),
])
def test_grading(expected, given, correct, type_ok, mount_ok):
    item = PracticeItem(answer=expected[0], type=expected[1], mount=expected[2])
    g = practice.grade(item, *given)
    assert (g["correct"], g["type_ok"], g["mount_ok"]) == (correct, type_ok, mount_ok)


def test_redo_practice_starts_a_new_round_and_progress_counts_it(make_client, store):
    client = make_client()
    csrf = signup(client, "redo")
    uid = client.get("/api/me").json()
    by_id = items(store)
    for round_ in (1, 2):
        ids = []
        while True:
            task = client.get("/api/practice/next").json()["task"]
            assert task["round"] == round_
            fb = client.post(f"/api/practice/{task['id']}/answer",
                             json={**right_answer(by_id[task["id"]]), "round": round_},
                             headers={"x-csrf-token": csrf}).json()
            ids.append(task["id"])
            if fb["round_done"]:
                break
        if round_ == 1:
            first = ids
    assert first != ids  # another mix the second time
    # an answer for the finished round is refused, not stored in the new one
    nxt = client.get("/api/practice/next").json()["task"]
    r = client.post(f"/api/practice/{nxt['id']}/answer", json={"answer": "no", "round": 1},
                    headers={"x-csrf-token": csrf})
    assert r.status_code in (200, 409)  # 200 only when this item was in round 1 (stored feedback)
    p = client.get("/api/me/progress").json()["practice"]
    assert p["rounds_finished"] == 2 and p["last"] == {"round": 2, "right": 8, "of": 8}
    assert p["best"] == {"right": 8, "of": 8} and p["answers"] == 16
    assert uid["answers"] == 0


def test_practice_never_reaches_answers_consensus_or_exports(make_client, store, tmp_path):
    from camdetect.review.exports import review_tags, verified, write_exports

    cfg = ReviewConfig(k=2, retire_agree=2, spot_share=0.0)
    sched = Scheduler(store, cfg)
    a, b = create_user(store, "ann", "password123"), create_user(store, "bob", "password123")
    for uid in (a, b):  # two real answers settle one suggestion
        t = sched.next_task(uid)
        sched.submit(uid, t.id, Submission("yes", "dome", "building"))
    before_tags = [t.tag_id for t in review_tags(store)]
    before_cams = len(verified(store, cfg).cameras)
    write_exports(store, tmp_path / "before", ["tags", "reviews", "cameras"])

    client = make_client(k=2, retire_agree=2, spot_share=0.0)
    csrf = signup(client, "trainee")
    for _ in range(practice.ROUND_SIZE):
        task = client.get("/api/practice/next").json()["task"]
        client.post(f"/api/practice/{task['id']}/answer", json={"answer": "yes", "type": "dome", "mount": "building",
                                                                "round": task["round"]},
                    headers={"x-csrf-token": csrf})
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(PracticeAnswer)) == practice.ROUND_SIZE
        assert s.scalar(select(func.count()).select_from(Answer)) == 2
        assert s.scalar(select(func.sum(SuggestionRow.n_answers))) == 2
    assert [t.tag_id for t in review_tags(store)] == before_tags
    assert len(verified(store, cfg).cameras) == before_cams
    write_exports(store, tmp_path / "after", ["tags", "reviews", "cameras"])
    for name in ("tags.csv", "reviews.csv", "cameras.csv"):
        assert (tmp_path / "after" / name).read_bytes() == (tmp_path / "before" / name).read_bytes()
    assert client.get("/api/me/history").json()["today"] == 0


def test_progress_numbers_on_a_known_store(store):
    """Three volunteers, k=3 with no early retirement: 4 suggestions settle (yes, yes, no, tie) and one
    stays open; 'me' answered yes, no, no, yes on the settled ones (unsure on a fifth), so on settled
    tasks with a yes/no outcome 2 of 3 yes/no answers match; the tie does not count."""
    cfg = ReviewConfig(k=3, retire_agree=0, spot_share=0.0)
    sched = Scheduler(store, cfg)
    me, o1, o2 = (create_user(store, n, "password123") for n in ("myself", "other1", "other2"))
    with store.read() as s:
        sids = list(s.scalars(select(SuggestionRow.id).order_by(SuggestionRow.id)))[:5]
    plan = {  # suggestion -> answers of me, o1, o2
        sids[0]: ("yes", "yes", "yes"),  # outcome yes, me agrees
        sids[1]: ("no", "yes", "yes"),  # outcome yes, me disagrees
        sids[2]: ("no", "no", "yes"),  # outcome no, me agrees
        sids[3]: ("yes", "no", "unsure"),  # tie -> outcome unsure: not counted
        sids[4]: ("unsure", "no", None),  # open (2 answers), me unsure
    }
    now = time.time()
    with store.write() as s:  # give everyone the planned suggestions (bypassing the queue order)
        from camdetect.store.models import Assignment
        for sid, answers in plan.items():
            for uid, ans in zip((me, o1, o2), answers, strict=True):
                if ans is None:
                    continue
                s.add(Assignment(user_id=uid, kind="suggestion", target_id=sid, suggestion_id=sid,
                                 view_id=s.get(SuggestionRow, sid).view_id, status="claimed", claimed_at=now,
                                 expires_at=now + 600))
                s.execute(text("UPDATE suggestions SET slots = slots + 1 WHERE id = :i"), {"i": sid})
    with store.read() as s:
        from camdetect.store.models import Assignment
        mine = {(a.user_id, a.target_id): a.id for a in s.scalars(select(Assignment))}
    yesterday = now - 2 * 86400
    for sid, answers in plan.items():
        for uid, ans in zip((me, o1, o2), answers, strict=True):
            if ans is not None:
                when = yesterday if (uid == me and sid == sids[0]) else now
                sched.submit(uid, mine[(uid, sid)], Submission(ans, "dome" if ans == "yes" else None,
                                                               "building" if ans == "yes" else None), now=when)
    with store.read() as s:
        outcomes = dict(s.execute(select(SuggestionRow.id, SuggestionRow.outcome).where(SuggestionRow.id.in_(sids))).all())
    assert [outcomes[i] for i in sids] == ["yes", "yes", "no", "unsure", None]
    p = practice.progress(store, me, since=now - 3600, now=now)
    assert (p["answers_total"], p["answers_today"]) == (5, 4)
    assert (p["settled"], p["agree"], p["agreement"]) == (3, 2, pytest.approx(2 / 3, abs=1e-4))
    assert p["practice"]["rounds_finished"] == 0 and p["practice"]["last"] is None
    assert practice.progress(store, o2, now=now)["settled"] == 3  # o2's unsure on the tie does not count


def test_account_page_shows_progress_and_guide_shows_every_kind(make_client, store):
    client = make_client()
    signup(client, "pat")
    acc = client.get("/account")
    assert 'id="progress"' in acc.text and "Answers today" in acc.text and "no practice round finished yet" in acc.text
    guide = client.get("/guide")
    assert guide.status_code == 200
    imgs = re.findall(r'src="/static/guide/([a-z_]+)\.png"', guide.text)
    assert {"dome", "ptz", "bullet", "alpr", "lamp_cobra", "lamp_globe", "signal_head", "dish", "sign_edge"} <= set(imgs)
    for name in imgs:
        r = client.get(f"/static/guide/{name}.png")
        assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    fr = client.get("/guide", headers={"accept-language": "fr"})
    assert "Guide de terrain" in fr.text or "Field guide" in fr.text


def test_onboarding_images_are_small_and_ours():
    pngs = sorted(GUIDE.glob("*.png"))
    assert len(pngs) >= 14
    assert all(p.stat().st_size < 8_000 for p in pngs)
    builtin = practice.BUILTIN
    assert sum(p.stat().st_size for p in pngs) + builtin.stat().st_size < 1_000_000
    doc = json.loads(builtin.read_text())
    assert "synthetic city" in doc["source"]
    for it in doc["items"]:
        x1, y1, x2, y2 = it["box"]
        assert 0 <= x1 < x2 <= it["width"] and 0 <= y1 < y2 <= it["height"]
        assert it["answer"] in ("yes", "no") and (it["type"] is None) == (it["answer"] == "no")


def test_practice_needs_log_in_and_csrf(make_client, store):
    client = make_client()
    assert client.get("/api/practice/next").status_code == 401
    assert client.get("/practice/image/1").status_code == 401
    csrf = signup(client, "sam")
    task = client.get("/api/practice/next").json()["task"]
    r = client.post(f"/api/practice/{task['id']}/answer", json={"answer": "no", "round": task["round"]})
    assert r.status_code == 403
    r = client.post(f"/api/practice/{task['id']}/answer", json={"answer": "maybe", "round": task["round"]},
                    headers={"x-csrf-token": csrf})
    assert r.status_code == 422
    assert client.get("/practice/image/999999").status_code == 404


def test_account_export_and_delete_cover_practice(make_client, store):
    client = make_client()
    csrf = signup(client, "gone")
    task = client.get("/api/practice/next").json()["task"]
    client.post(f"/api/practice/{task['id']}/answer", json={"answer": "no", "round": task["round"]},
                headers={"x-csrf-token": csrf})
    data = client.get("/api/me/export").json()
    assert len(data["practice_answers"]) == 1 and data["practice_answers"][0]["answer"] == "no"
    r = client.post("/account/delete", data={"password": "correct horse", "confirm": "yes", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


def test_practice_cli_add_list_import_remove(store, media, tmp_path):
    from typer.testing import CliRunner

    from camdetect.cli import app

    url = str(store.engine.url.database)
    img = np.full((120, 160, 3), 200, np.uint8)
    cv2.rectangle(img, (70, 50), (86, 62), (30, 30, 30), -1)
    path = tmp_path / "mine.jpg"
    cv2.imwrite(str(path), img)
    run = CliRunner().invoke
    r = run(app, ["review", "practice", "builtin", "--db", url])
    assert r.exit_code == 0 and f"{len(practice.load_builtin())} built-in practice items added" in r.output
    r = run(app, ["review", "practice", "add", str(path), "--box", "70,50,86,62", "--answer", "yes", "--type",
                  "dome", "--mount", "building", "--note", "under the awning", "--db", url])
    assert r.exit_code == 0, r.output
    r = run(app, ["review", "practice", "add", str(path), "--box", "70,50,200,62", "--answer", "yes", "--db", url])
    assert r.exit_code != 0  # box outside the image
    # settle a suggestion unanimously, then import it from the verified answers
    cfg = ReviewConfig(k=2, retire_agree=2, spot_share=0.0)
    sched = Scheduler(store, cfg)
    for name in ("ver1", "ver2"):
        uid = create_user(store, name, "password123")
        t = sched.next_task(uid)
        sched.submit(uid, t.id, Submission("no"))
    r = run(app, ["review", "practice", "import-verified", "--media", str(media), "--db", url])
    assert r.exit_code == 0 and "1 practice items added" in r.output, r.output
    r = run(app, ["review", "practice", "list", "--db", url])
    assert "\tfile\tyes\tdome\tdome\tbuilding\t" in r.output and "\tverified\tno\t" in r.output
    with store.read() as s:
        v = s.scalar(select(PracticeItem).where(PracticeItem.source == "verified"))
    assert v.answer == "no" and 0 <= v.x1 < v.x2 <= v.width
    r = run(app, ["review", "practice", "remove", "--source", "builtin", "--db", url])
    assert r.exit_code == 0 and f"{len(practice.load_builtin())} practice items removed" in r.output
    assert {it["source"] for it in practice.list_items(store)} == {"file", "verified"}


def test_import_city_cuts_views_around_truth(store, tmp_path):
    from camdetect.synth.city import generate_city

    city = tmp_path / "city"
    generate_city(city, 3, seed=2, width=2048)
    n = practice.import_city(store, city, limit=0, seed=0)
    added = [it for it in practice.list_items(store) if it["source"] == "city"]
    assert n == len(added) > 0
    assert {it["answer"] for it in added} <= {"yes", "no"}
    assert practice.import_city(store, city, limit=0, seed=0) == 0  # same keys: nothing twice


def test_migration_0005_upgrade_and_downgrade(tmp_path):
    from importlib.resources import files

    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = Store.open(url, create=True, migrate=False)
    store.migrate("0004")
    with store.write() as s:
        s.execute(text("INSERT INTO users (username, password_hash, role, created_at) VALUES ('ana', 'x', 'volunteer', 1.0)"))
    store.close()
    store = Store.open(url)  # upgrades to head
    assert {"practice_items", "practice_answers"} <= set(inspect(store.engine).get_table_names())
    assert practice.seed_builtin(store) == len(practice.load_builtin())
    assert practice.seed_builtin(store) == 0  # only into a store without items
    cfg = Config()
    cfg.set_main_option("script_location", str(files("camdetect.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    tables = set(inspect(store.engine).get_table_names())
    assert "practice_items" not in tables and "practice_answers" not in tables
    with store.read() as s:
        assert s.execute(text("SELECT username FROM users")).scalar() == "ana"
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
    store.close()
    store = Store.open(url)
    assert "practice_items" in set(inspect(store.engine).get_table_names())
    store.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("viewport", [{"width": 375, "height": 812}, {"width": 1366, "height": 768}],
                         ids=["phone", "laptop"])
def test_onboarding_in_a_real_browser(browser, store, media, tmp_path, viewport):  # noqa: F811
    """Sign up -> tutorial -> practice (taps / clicks, feedback on screen at once) -> real task, on a phone
    and a laptop; axe-core finds 0 violations on the tutorial, the practice page with its feedback, the
    field guide and the account page with the progress; no horizontal scroll. Screenshots to
    $CAMDETECT_SCREENSHOTS (docs/img for the docs)."""
    import os

    from axe_playwright_python.sync_playwright import Axe

    from camdetect.review.app import create_app
    from camdetect.review.loadtest import serve_in_thread

    shots = Path(os.environ.get("CAMDETECT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    tag = "phone" if viewport["width"] < 500 else "laptop"
    phone = tag == "phone"
    problems: list[str] = []
    axe = Axe()
    create_user(store, "coord", "password123", "coordinator")
    by_id = items_after_seed(store)
    with serve_in_thread(create_app(store, ReviewConfig(media=media, spot_rate=0.0))) as base:
        ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone,
                                  device_scale_factor=2 if phone else 1)
        page = ctx.new_page()
        page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)

        def check(name: str) -> None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
            found = axe.run(page)
            assert found.violations_count == 0, (name, found.generate_report())

        page.goto(f"{base}/signup")
        page.fill("input[name=username]", "newbie")
        page.fill("input[name=password]", "password123")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/tutorial?welcome=1")
        check("tutorial")
        page.screenshot(path=str(shots / f"onboarding_tutorial_{tag}.png"))
        page.click("a[href='/practice'].primary")
        page.wait_for_url(f"{base}/practice")
        n = 0
        while True:
            page.wait_for_function("() => { const s = window.camdetectTask && window.camdetectTask.state();"
                                   " return s && s.task && s.task.practice && !s.graded; }")
            st = page.evaluate("window.camdetectTask.state()")
            item = by_id[st["task"]["id"]]
            if n == 0:
                page.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
                page.screenshot(path=str(shots / f"onboarding_practice_{tag}.png"))
            # the first answer is wrong on purpose, the others right
            wrong = n == 0
            ans = ("no" if item.answer == "yes" else "yes") if wrong else item.answer
            tap = page.tap if phone else page.click
            if ans == "yes" and not wrong:
                tap(f"button[data-type={item.type}]")
                tap(f"button[data-mount={item.mount}]")
            else:
                tap(f"button[data-answer={ans}]")
            tap("#submit")
            page.wait_for_selector("#feedback:not([hidden])")
            verdict = page.inner_text("#fb-verdict")
            assert verdict == ("Not quite." if wrong else "Right!")
            assert page.inner_text("#fb-expected").startswith("The right answer:")
            assert page.inner_text("#fb-why")
            box = page.locator("#feedback").bounding_box()
            assert box["y"] < viewport["height"], "the feedback is on the first screen"
            if n == 0:
                page.screenshot(path=str(shots / f"onboarding_feedback_{tag}.png"))
                check("practice feedback")
            n += 1
            if page.is_visible("#fb-done"):
                break
            page.keyboard.press("Enter") if not phone else page.tap("#fb-next")
        assert n == practice.ROUND_SIZE
        assert page.inner_text("#fb-score") == f"Practice finished: {n - 1} of {n} right."
        page.screenshot(path=str(shots / f"onboarding_done_{tag}.png"))
        page.click("#fb-done a[href='/task']")
        page.wait_for_url(f"{base}/task")
        page.wait_for_function("() => { const s = window.camdetectTask && window.camdetectTask.state();"
                               " return s && s.task && !s.task.practice; }")
        page.goto(f"{base}/guide")
        check("guide")
        page.screenshot(path=str(shots / f"onboarding_guide_{tag}.png"), full_page=True)
        page.goto(f"{base}/account")
        check("account")
        assert "last round: 7 of 8 right" in page.inner_text("#progress + dl")
        page.screenshot(path=str(shots / f"onboarding_progress_{tag}.png"))
        ctx.close()
    assert n_answers(store) == 0
    assert [p for p in problems if "favicon" not in p] == []


def items_after_seed(store) -> dict[int, PracticeItem]:
    practice.seed_builtin(store)  # what the app does at start-up (it then finds them there)
    return items(store)
