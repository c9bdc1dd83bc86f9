"""Real browser end to end (Playwright + Debian chromium): log in, review by keyboard and by clicks,
adjust a box by dragging its handle, add a missed camera, on a laptop and a 375-px phone; then check
the database. Screenshots go to $CAMDETECT_SCREENSHOTS (docs/img for the docs) or a tmp dir.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from camdetect.review.app import create_app
from camdetect.review.auth import create_user
from camdetect.review.config import ReviewConfig
from camdetect.review.loadtest import serve_in_thread
from camdetect.store.models import AddedBox, Answer, SuggestionRow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium; scripts/setup_system.sh does it in CI)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def log_in(page, base: str, user: str, password: str = "password123") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/task")


def wait_task(page, previous: int | None = None) -> dict:
    page.wait_for_function("prev => { const s = window.camdetectTask && window.camdetectTask.state();"
                           " return s && s.task && s.task.id !== prev; }", arg=previous)
    page.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
    return page.evaluate("window.camdetectTask.state()")


def last_answer(store, task_id: int) -> Answer:
    with store.read() as s:
        return s.scalar(select(Answer).where(Answer.assignment_id == task_id))


def test_review_in_a_real_browser(browser, store, media, tmp_path):
    shots = Path(os.environ.get("CAMDETECT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    create_user(store, "coord", "password123", "coordinator")
    create_user(store, "alice", "password123", "volunteer")
    create_user(store, "bob", "password123", "volunteer")
    cfg = ReviewConfig(media=media, spot_rate=0.0, spot_share=0.0)
    problems: list[str] = []
    with serve_in_thread(create_app(store, cfg)) as base:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)
        log_in(page, base, "alice")
        st = wait_task(page)
        page.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
        page.screenshot(path=str(shots / "review_task_laptop.png"), full_page=True)

        # 1. keyboard only: yes, bullet, building, Enter
        for key in ("y", "b", "w", "Enter"):
            page.keyboard.press(key)
        a = last_answer_wait(page, store, st["task"]["id"])
        assert (a.answer, a.type, a.mount) == ("yes", "bullet", "building")

        # 2. clicks only: No camera, Submit
        st = wait_task(page, st["task"]["id"])
        page.click("button[data-answer=no]")
        page.click("#submit")
        assert last_answer_wait(page, store, st["task"]["id"]).answer == "no"

        # 3. adjust the box: drag the bottom-right handle 20 px right and down, then Camera + Submit
        st = wait_task(page, st["task"]["id"])
        x2, y2 = st["box"][2], st["box"][3]
        cx, cy = page.evaluate("([x, y]) => window.camdetectTask.toCanvas(x, y)", [x2, y2])
        bb = page.locator("#canvas").bounding_box()
        page.mouse.move(bb["x"] + cx, bb["y"] + cy)
        page.mouse.down()
        page.mouse.move(bb["x"] + cx + 10, bb["y"] + cy + 10, steps=4)
        page.mouse.move(bb["x"] + cx + 20, bb["y"] + cy + 20, steps=4)
        page.mouse.up()
        moved = page.evaluate("window.camdetectTask.state()")
        assert moved["box"][2] > x2 + 1 and moved["answer"] == "yes"
        page.screenshot(path=str(shots / "review_adjusted_laptop.png"))
        page.click("#submit")
        a = last_answer_wait(page, store, st["task"]["id"])
        assert a.answer == "yes" and a.x2 == pytest.approx(moved["box"][2], abs=0.05) and a.x2 > x2 + 1

        # 4. add a missed camera: A, drag a box on an empty corner, set its type, Not sure, Submit
        st = wait_task(page, st["task"]["id"])
        page.keyboard.press("v")  # whole view
        page.keyboard.press("a")
        bb = page.locator("#canvas").bounding_box()
        h = st["task"]["height"]  # a corner of the image (the whole view may be letterboxed in the canvas)
        (ax, ay), (bx, by) = (page.evaluate("([x, y]) => window.camdetectTask.toCanvas(x, y)", p)
                              for p in ([6, h - 36], [24, h - 8]))
        page.mouse.move(bb["x"] + ax, bb["y"] + ay)
        page.mouse.down()
        page.mouse.move(bb["x"] + bx, bb["y"] + by, steps=5)
        page.mouse.up()
        page.select_option("#added li select >> nth=0", "bullet")
        page.click("button[data-answer=unsure]")
        page.fill("#comment", "camera under the awning")
        page.screenshot(path=str(shots / "review_added_laptop.png"))
        page.click("#submit")
        a = last_answer_wait(page, store, st["task"]["id"])
        with store.read() as s:
            boxes = list(s.scalars(select(AddedBox).where(AddedBox.answer_id == a.id)))
        assert a.answer == "unsure" and a.comment == "camera under the awning"
        assert len(boxes) == 1 and boxes[0].type == "bullet" and boxes[0].x2 > boxes[0].x1

        # phone: 375 px wide, touch; no horizontal scrolling, big buttons, tap to answer
        phone = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2,
                                    is_mobile=True, has_touch=True)
        pp = phone.new_page()
        pp.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        log_in(pp, base, "bob")
        st = wait_task(pp)
        pp.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
        assert pp.evaluate("document.documentElement.scrollWidth") <= 375
        heights = pp.eval_on_selector_all("button[data-answer]", "els => els.map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 44
        pp.screenshot(path=str(shots / "review_task_phone.png"), full_page=True)
        pp.tap("button[data-answer=yes]")
        pp.tap("#submit")
        assert last_answer_wait(pp, store, st["task"]["id"]).answer == "yes"
        pp.goto(f"{base}/tutorial")
        pp.screenshot(path=str(shots / "review_tutorial_phone.png"), full_page=True)
        assert pp.evaluate("document.documentElement.scrollWidth") <= 375

        # coordinator: dashboard and map
        cp = ctx.new_page()
        cp.context.clear_cookies()
        log_in(cp, base, "coord")
        cp.goto(f"{base}/dashboard")
        assert "alice" in cp.content()
        cp.screenshot(path=str(shots / "review_dashboard.png"), full_page=True)
        cp.goto(f"{base}/map")
        cp.wait_for_function("() => document.getElementById('mapinfo').textContent.includes('verified')")
        cp.screenshot(path=str(shots / "review_map.png"))
        ctx.close()
        phone.close()
    with store.read() as s:
        n_answers = len(list(s.scalars(select(Answer))))
        n_open = len(list(s.scalars(select(SuggestionRow).where(SuggestionRow.n_answers > 0))))
    assert n_answers == 5 and n_open >= 4
    assert [p for p in problems if "favicon" not in p] == []


def last_answer_wait(page, store, task_id: int) -> Answer:
    """Wait until the page moved on (the answer committed), then read it from the database."""
    page.wait_for_function("prev => { const s = window.camdetectTask.state(); return !s.task || s.task.id !== prev; }",
                           arg=task_id)
    a = last_answer(store, task_id)
    assert a is not None, f"answer for task {task_id} not in the database"
    return a


def test_synthetic_city_screenshots(browser, tmp_path):
    """The app on real cut views of a synthetic city (demo-feed): task on laptop (English) and phone (a
    French browser: French pages), whole view, a spot check; answers go through. Screenshots: review_synth_*.png."""
    from camdetect.review.demo_feed import feed_from_synth
    from camdetect.store import Store
    from camdetect.synth.city import generate_city

    shots = Path(os.environ.get("CAMDETECT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    city = tmp_path / "city"
    generate_city(city, 4, seed=1, width=4096)
    store = Store.open(tmp_path / "r.db", create=True)
    feed_from_synth(city, store, tmp_path / "media", progress=False)
    create_user(store, "alice", "password123", "volunteer")
    problems: list[str] = []
    cfg = ReviewConfig(media=tmp_path / "media", spot_rate=0.0, spot_share=1.0)
    with serve_in_thread(create_app(store, cfg)) as base:
        for name, kw in (("laptop", {"viewport": {"width": 1280, "height": 800}}),
                         ("phone", {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2,
                                    "is_mobile": True, "has_touch": True, "locale": "fr-FR"})):  # phone in French
            ctx = browser.new_context(**kw)
            page = ctx.new_page()
            page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
            log_in(page, base, "alice")
            st = wait_task(page)
            page.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
            page.wait_for_timeout(300)
            assert st["task"]["kind"] == "suggestion" and 0.0 < st["task"]["score"] <= 1.0
            assert page.evaluate("document.documentElement.lang") == ("fr" if name == "phone" else "en")
            page.screenshot(path=str(shots / f"review_synth_{name}.png"))
            if name == "laptop":
                page.keyboard.press("v")
                page.wait_for_timeout(200)
                page.screenshot(path=str(shots / "review_synth_whole_view.png"))
                page.keyboard.press("y")
                page.keyboard.press("Enter")
                last_answer_wait(page, store, st["task"]["id"])
            ctx.close()
    # spot checks: only spot tasks once spot_rate = 1
    cfg2 = ReviewConfig(media=tmp_path / "media", spot_rate=1.0, spot_share=1.0)
    with serve_in_thread(create_app(store, cfg2)) as base:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        log_in(page, base, "alice")
        st = wait_task(page)
        if st["task"]["kind"] == "suggestion":  # the live claim from before comes first
            page.keyboard.press("n")
            page.keyboard.press("Enter")
            st = wait_task(page, st["task"]["id"])
        assert st["task"]["kind"] == "spot"
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / "review_synth_spot_check.png"))
        ctx.close()
    assert problems == []


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}])
def test_privacy_and_account_pages_accessible(browser, store, media, viewport):
    """The issue-13 pages (privacy, account, log-in with its notice): axe-core finds no violations
    (axe-playwright-python, a dev dependency), no horizontal scroll at 375 px, >= 44 px buttons;
    changing the password and deleting the account work through the real forms."""
    create_user(store, "carol", "password123", "volunteer")
    cfg = ReviewConfig(media=media, spot_rate=0.0)
    problems: list[str] = []
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    with serve_in_thread(create_app(store, cfg)) as base:
        ctx = browser.new_context(viewport=viewport, is_mobile=viewport["width"] < 500,
                                  has_touch=viewport["width"] < 500)
        page = ctx.new_page()
        page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)

        def check(path: str) -> None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
            heights = page.eval_on_selector_all("main button", "els => els.map(e => e.getBoundingClientRect().height)")
            assert not heights or min(heights) >= 44, path
            found = axe.run(page)
            assert found.violations_count == 0, (path, found.generate_report())

        page.goto(f"{base}/privacy")
        check("/privacy")
        log_in(page, base, "carol")
        page.goto(f"{base}/account")
        check("/account")
        page.fill("input[name=current_password]", "password123")
        page.fill("input[name=new_password]", "a better password")
        page.click("form[action='/account/password'] button[type=submit]")
        page.wait_for_url(f"{base}/account?done=password")
        check("/account?done=password")
        page.fill("form[action='/account/delete'] input[name=password]", "a better password")
        page.check("input[name=confirm]")
        page.click("form[action='/account/delete'] button[type=submit]")
        page.wait_for_url(f"{base}/login?deleted=1")
        assert "Your account was deleted." in page.content()
        check("/login?deleted=1")
        ctx.close()
    assert [p for p in problems if "favicon" not in p] == []


LAPTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("locale, device", [("en-US", LAPTOP), ("fr-FR", PHONE), ("fr-FR", LAPTOP), ("es-ES", PHONE)],
                         ids=["en-laptop", "fr-phone", "fr-laptop", "es-phone"])
def test_every_page_in_each_language_accessible(browser, store, media, locale, device):
    """Issue 13, languages: the browser's language (Accept-Language from the context locale) picks the
    page language; every page -- log-in, task (with its script's messages), tutorial, field guide,
    practice, privacy, account, dashboard, map -- has 0 axe-core violations in it, no horizontal scroll on a phone; the switcher
    changes the language and it stays after logging in again."""
    from axe_playwright_python.sync_playwright import Axe

    from camdetect.review import i18n

    code = locale[:2]
    lang = i18n.languages()[code]
    create_user(store, "dana", "password123", "coordinator")
    axe = Axe()
    problems: list[str] = []
    width = device["viewport"]["width"]
    with serve_in_thread(create_app(store, ReviewConfig(media=media, spot_rate=0.0))) as base:
        ctx = browser.new_context(locale=locale, **device)
        page = ctx.new_page()
        page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)

        def check(path: str) -> None:
            assert page.evaluate("document.documentElement.lang") == code, path
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            found = axe.run(page)
            assert found.violations_count == 0, (locale, path, found.generate_report())

        page.goto(f"{base}/login")
        assert page.inner_text("h1") == lang.gettext("Log in")
        check("/login")
        log_in(page, base, "dana")
        wait_task(page)
        page.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
        assert page.inner_text("#prompt") == lang.gettext("Is there a surveillance camera in the yellow box?")
        check("/task")
        for path in ("/tutorial", "/guide", "/privacy", "/account", "/dashboard"):
            page.goto(f"{base}{path}")
            check(path)
        page.goto(f"{base}/practice")  # issue 13 item 2: practice tasks, same task view
        page.wait_for_function("() => { const s = window.camdetectTask && window.camdetectTask.state();"
                               " return s && s.task && s.task.practice; }")
        page.wait_for_function("() => document.getElementById('canvas').style.width !== ''")
        check("/practice")
        page.goto(f"{base}/map")
        page.wait_for_function("() => !document.getElementById('mapinfo').textContent.endsWith('...')"
                               " && !document.getElementById('mapinfo').textContent.endsWith('…')")
        check("/map")
        # switch with the buttons; the choice follows the volunteer into a fresh browser
        other = "es" if code != "es" else "fr"
        page.click(f"form.langs button[value={other}]")
        page.wait_for_url(f"{base}/map")
        assert page.evaluate("document.documentElement.lang") == other
        ctx.close()
        ctx = browser.new_context(locale="en-US", **device)
        page = ctx.new_page()
        log_in(page, base, "dana")
        assert page.evaluate("document.documentElement.lang") == other
        ctx.close()
    assert [p for p in problems if "favicon" not in p] == []


@pytest.mark.parametrize("device", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_task_view_zoom_skip_undo_keyboard_box(browser, store, media, tmp_path, device):
    """Issue 13, item 3: zoom by keys changes the view transform, a context thumbnail, nothing
    pre-selected, Submit within the first screen on a phone, after Submit the page is at the top with
    the confirmation visible, skip and undo work, a box drawn with the keyboard alone is submitted;
    axe finds 0 violations on the task page."""
    from axe_playwright_python.sync_playwright import Axe

    shots = Path(os.environ.get("CAMDETECT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    create_user(store, "fay", "password123", "volunteer")
    phone = device is PHONE
    problems: list[str] = []
    with serve_in_thread(create_app(store, ReviewConfig(media=media, spot_rate=0.0, spot_share=0.0))) as base:
        ctx = browser.new_context(**device)
        page = ctx.new_page()
        page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)
        log_in(page, base, "fay")
        st = wait_task(page)
        page.wait_for_timeout(200)
        # nothing pre-selected: no answer, type or mount; the model's guess is not shown before answering
        assert (st["answer"], st["type"], st["mount"]) == (None, None, None)
        assert page.eval_on_selector_all("[aria-pressed=true]", "els => els.length") == 0
        assert page.locator("#thumb").is_visible()
        found = Axe().run(page)
        assert found.violations_count == 0, found.generate_report()
        if phone:  # image and answer buttons on the first screen, no scrolling
            bottom = page.evaluate("document.getElementById('submit').getBoundingClientRect().bottom")
            assert bottom <= device["viewport"]["height"] and page.evaluate("window.scrollY") == 0
        name = "phone" if phone else "laptop"
        page.screenshot(path=str(shots / f"review_task_view_{name}.png"))

        # zoom and pan by keys change the transform
        t0, z0 = page.evaluate("document.getElementById('canvas').dataset.transform"), st["view"]["z"]
        page.keyboard.press("+")
        page.keyboard.press("+")
        z1 = page.evaluate("window.camdetectTask.state().view.z")
        assert z1 == pytest.approx(z0 * 2.25, rel=0.01)
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.getElementById('canvas').dataset.transform") != t0
        page.keyboard.press("-")
        assert page.evaluate("window.camdetectTask.state().view.z") < z1
        if phone:  # a two-finger pinch (pointer events, as a touch screen sends them) doubles the zoom
            z2 = page.evaluate("window.camdetectTask.state().view.z")
            page.evaluate("""() => { const c = document.getElementById('canvas'), r = c.getBoundingClientRect();
                const ev = (type, id, x) => c.dispatchEvent(new PointerEvent(type, { pointerId: id, bubbles: true,
                    pointerType: 'touch', clientX: r.left + x, clientY: r.top + 60 }));
                ev('pointerdown', 11, 100); ev('pointerdown', 12, 140); ev('pointermove', 12, 180);
                ev('pointerup', 11, 100); ev('pointerup', 12, 180); }""")
            assert page.evaluate("window.camdetectTask.state().view.z") == pytest.approx(min(2 * z2, 16), rel=0.01)
        if not phone:  # the wheel zooms about the pointer
            bb = page.locator("#canvas").bounding_box()
            page.mouse.move(bb["x"] + bb["width"] / 3, bb["y"] + bb["height"] / 2)
            z2 = page.evaluate("window.camdetectTask.state().view.z")
            page.mouse.wheel(0, -200)
            page.wait_for_function("z => window.camdetectTask.state().view.z > z", arg=z2)

        # skip: the task goes back, another comes
        page.click("#skip")
        st2 = wait_task(page, st["task"]["id"])
        page.wait_for_function("() => document.getElementById('status').textContent.length > 0")

        # a missed camera drawn by keyboard alone: A, move, grow, Enter; then No camera, Enter
        page.keyboard.press("a")
        for key in ("ArrowRight", "ArrowRight", "Shift+ArrowRight", "Shift+ArrowDown"):
            page.keyboard.press(key)
        pend = page.evaluate("window.camdetectTask.state().pending")
        page.keyboard.press("Enter")
        assert len(page.evaluate("window.camdetectTask.state().added")) == 1
        page.screenshot(path=str(shots / f"review_task_keyboard_box_{name}.png"))
        if phone:
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.keyboard.press("n")
        page.keyboard.press("Enter")
        a = last_answer_wait(page, store, st2["task"]["id"])
        with store.read() as s:
            boxes = list(s.scalars(select(AddedBox).where(AddedBox.answer_id == a.id)))
        assert a.answer == "no" and len(boxes) == 1
        assert boxes[0].x1 == pytest.approx(min(pend[0], pend[2]), abs=0.1) and boxes[0].x2 > boxes[0].x1
        # after Submit: at the top, the confirmation visible (it stays until the next action), counter
        st3 = wait_task(page, st2["task"]["id"])
        assert page.evaluate("window.scrollY") == 0
        page.wait_for_timeout(300)
        status = page.locator("#status")
        assert status.is_visible() and status.inner_text().startswith("Saved.")
        assert "No camera" in status.inner_text() and "model guessed" in status.inner_text()
        assert page.evaluate("(() => { const r = document.getElementById('status').getBoundingClientRect();"
                             " return r.bottom <= window.innerHeight; })()") or not phone
        page.wait_for_function("() => document.getElementById('counter').textContent.includes('1')")
        page.screenshot(path=str(shots / f"review_task_saved_{name}.png"))
        found = Axe().run(page)
        assert found.violations_count == 0, found.generate_report()

        # undo: the answer is gone and its task is shown again; answer it anew
        page.wait_for_function("() => !document.getElementById('undo').disabled")
        page.keyboard.press("z")
        page.wait_for_function("id => window.camdetectTask.state().task && window.camdetectTask.state().task.id === id",
                               arg=st2["task"]["id"])
        assert last_answer(store, st2["task"]["id"]) is None
        assert "taken back" in page.inner_text("#status")
        page.keyboard.press("u")
        page.keyboard.press("Enter")
        assert last_answer_wait(page, store, st2["task"]["id"]).answer == "unsure"
        assert st3["task"]["id"] != st2["task"]["id"]
        page.click("details.history summary")
        page.wait_for_function("() => document.querySelectorAll('#history-list li a').length >= 1")
        ctx.close()
    assert [p for p in problems if "favicon" not in p] == []


@pytest.mark.parametrize("locale, device", [("en-US", LAPTOP), ("fr-FR", PHONE)], ids=["en-laptop", "fr-phone"])
def test_coordinator_tools_accessible(browser, store, media, tmp_path, locale, device):
    """Issue 13, coordinator tools: the dashboard with a volunteer's note, the volunteer's page (after a
    generated password is shown), and the map drawing the offline plan (no tiles): 0 axe-core
    violations, no horizontal scroll on a phone; disabling the volunteer works by clicks."""
    import json

    from axe_playwright_python.sync_playwright import Axe

    from camdetect.review.scheduler import Scheduler, Submission

    create_user(store, "dana", "password123", "coordinator")
    vid = create_user(store, "vic", "password123", "volunteer")
    cfg = ReviewConfig(media=media, spot_rate=0.0, plan=tmp_path / "streets.geojson")
    cfg.plan.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[-73.991, 40.70], [-73.989, 40.703]]},
         "properties": {"name": "Main St"}}]}))
    sched = Scheduler(store, cfg)
    task = sched.next_task(vid)
    sched.submit(vid, task.id, Submission("no", None, None, None, [], "looks like a bird house", None))
    axe = Axe()
    problems: list[str] = []
    width = device["viewport"]["width"]
    with serve_in_thread(create_app(store, cfg)) as base:
        ctx = browser.new_context(locale=locale, **device)
        page = ctx.new_page()
        page.on("pageerror", lambda e: problems.append(f"pageerror {e}"))
        page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)

        def check(path: str) -> None:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            found = axe.run(page)
            assert found.violations_count == 0, (locale, path, found.generate_report())

        log_in(page, base, "dana")
        page.goto(f"{base}/dashboard")
        assert "looks like a bird house" in page.inner_text("main")
        check("/dashboard")
        page.click(f"main a[href='/users/{vid}']")
        page.wait_for_url(f"{base}/users/{vid}")
        assert "looks like a bird house" in page.inner_text("main")
        check("/users/vic")
        page.click(f"form[action='/users/{vid}/password'] button")
        page.wait_for_selector("#temp-password")
        check("/users/vic (temporary password)")
        page.click(f"form[action='/users/{vid}/disable'] button")
        page.wait_for_url(f"{base}/users/{vid}?done=disabled")
        assert page.locator(f"form[action='/users/{vid}/enable']").count() == 1
        check("/users/vic (disabled)")
        assert page.locator("table.audit tbody tr").count() == 2  # the account history: temporary password, disable
        page.goto(f"{base}/audit")
        assert page.locator("table.audit tbody tr").count() == 2  # temporary password, disable
        check("/audit")
        page.goto(f"{base}/map")
        page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length >= 2")
        check("/map (plan)")
        ctx.close()
    assert [p for p in problems if "favicon" not in p] == []
