"""The review web app (FastAPI). Pages are server-rendered Jinja2 (autoescaped); the task page is
plain JavaScript (no build step) talking to a small JSON API. All assets ship in the package.

    app = create_app(Store.open("review.db"), ReviewConfig(media=Path("media")))
"""


import math
import random
import re
import secrets
import time
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import Depends, FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select

from camdetect.store import Store
from camdetect.store.models import User, ViewRow
from camdetect.taxonomy import load_taxonomy

from . import audit, auth, i18n, practice
from .config import ReviewConfig
from .mapcontext import context_geojson, read_plan, tile_origin
from .scheduler import Box, Scheduler, Submission, TaskError
from .security import LimitsMiddleware

HERE = Path(__file__).parent
SESSION_COOKIE = "camdetect_session"
PRE_CSRF_COOKIE = "camdetect_csrf"  # double-submit token for the log-in and sign-up forms
DEVICE_COOKIE = "camdetect_device"  # this browser logged in to this account before (log-in throttle)
MAX_ID = 2**31 - 1  # ids are 32-bit integers; anything outside 1..MAX_ID is simply "not found"
MEDIA_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
ROLE_NAMES = {"volunteer": i18n.N_("volunteer"), "coordinator": i18n.N_("coordinator")}
ANSWER_NAMES = {"yes": i18n.N_("Yes"), "no": i18n.N_("No"), "unsure": i18n.N_("Not sure"),
                "done": i18n.N_("Spot check")}
# pages answered by a POST form; the language switcher on them goes back to the page with the form
FORM_PAGES = {"/account/password": "/account", "/account/delete": "/account"}
USER_FORM = re.compile(r"^/users/(\d+)/(disable|enable|role|password)$")
# what a user whose password a coordinator set may still reach: the account page (to choose their own), leaving,
# the language switch and their own data (GDPR access must not wait on a password)
PASSWORD_CHANGE_PATHS = frozenset({"/account", "/account/password", "/account/delete", "/logout", "/language",
                                   "/api/me/export"})


class PasswordChangeRequired(HTTPException):
    """403 for scripts; a page request goes to /account (the error handler redirects)."""


def safe_next(target: str) -> str:
    """A local path to go back to after switching language (never another site: no //, no scheme)."""
    if (not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 500
            or any(c in target for c in "\\\r\n\t\x00")):
        return "/"
    return target


def here(request: Request) -> str:
    """This page's address, for the language switcher to come back to."""
    if request.method != "GET":
        m = USER_FORM.match(request.url.path)
        return f"/users/{m.group(1)}" if m else FORM_PAGES.get(request.url.path, request.url.path)
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def make_templates(lang: i18n.Language, languages: dict, **globals_) -> Jinja2Templates:
    """One Jinja environment per language: gettext bound once, so rendering is thread-safe."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                             extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True  # whitespace in {% trans %} blocks collapses, as when extracted
    env.install_gettext_translations(lang.translations, newstyle=True)
    env.globals.update(lang=lang, languages=languages, lang_days=i18n.LANG_COOKIE_DAYS,
                       role_names={k: lang.gettext(v) for k, v in ROLE_NAMES.items()},
                       answer_names={k: lang.gettext(v) for k, v in ANSWER_NAMES.items()},
                       audit_names={k: lang.gettext(v) for k, v in audit.ACTIONS.items()},
                       audit_cli=lang.gettext(audit.COMMAND_LINE), audit_deleted=lang.gettext(audit.DELETED),
                       **globals_)
    return Jinja2Templates(env=env)


class BoxIn(BaseModel):
    x1: float
    y1: float
    x2: float
    y2: float
    type: str = "unknown"
    mount: str = "other"


class AnswerIn(BaseModel):
    answer: str = Field(max_length=8)
    type: str | None = Field(default=None, max_length=40)
    mount: str | None = Field(default=None, max_length=40)
    box: list[float] | None = Field(default=None, min_length=4, max_length=4)
    added: list[BoxIn] = Field(default_factory=list, max_length=20)
    comment: str = Field(default="", max_length=500)
    seconds: float | None = Field(default=None, ge=0, le=86400)


class PracticeAnswerIn(BaseModel):
    answer: str = Field(max_length=8)
    type: str | None = Field(default=None, max_length=40)
    mount: str | None = Field(default=None, max_length=40)
    round: int = Field(ge=1, le=MAX_ID)


def _clip_box(b: list[float], w: int, h: int) -> tuple[float, float, float, float]:
    if any(not math.isfinite(v) for v in b):
        raise HTTPException(422, i18n.N_("box coordinates must be finite numbers"))
    x1, y1, x2, y2 = b
    x1, x2 = sorted((min(max(x1, 0.0), w), min(max(x2, 0.0), w)))
    y1, y2 = sorted((min(max(y1, 0.0), h), min(max(y2, 0.0), h)))
    if x2 - x1 < 1 or y2 - y1 < 1:
        raise HTTPException(422, i18n.N_("box must be at least 1 pixel wide and high inside the image"))
    return (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))


SERVE_ENV = "CAMDETECT_REVIEW_SERVE"  # `review serve --workers N`: store URL and config for each worker


def serve_env(db: str, cfg: ReviewConfig) -> str:
    """What ``review serve --workers N`` hands its worker processes (JSON: the store URL and the config)."""
    import dataclasses
    import json

    doc = {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(cfg).items()}
    return json.dumps({"db": str(db), "cfg": doc})


def app_from_env() -> FastAPI:
    """One worker of ``review serve --workers N`` (uvicorn imports this factory in each process): the
    store and config from ``$CAMDETECT_REVIEW_SERVE``, each worker with its own connection pool."""
    import json
    import os

    doc = json.loads(os.environ[SERVE_ENV])
    return create_app(Store.open(doc["db"]), ReviewConfig(**doc["cfg"]))


def create_app(store: Store, cfg: ReviewConfig | None = None, rng: random.Random | None = None) -> FastAPI:
    """The review app on ``store``; ``rng`` seeds the scheduler's spot-check draws (a simulated round
    passes one so the same seed gives the same round)."""
    cfg = cfg or ReviewConfig()
    tax = load_taxonomy()
    types, mounts = list(tax.types), list(tax.mounts)
    sched = Scheduler(store, cfg, rng)
    sched.reprioritize()
    langs = i18n.languages()
    templates = {code: make_templates(lang, langs, types=types, mounts=mounts) for code, lang in langs.items()}
    media_root = cfg.media.resolve() if cfg.media else None
    secret = auth.load_secret(store)
    auth.purge_failures(store, cfg.login_window)  # retention also holds across restarts
    practice.seed_builtin(store)  # a store without practice items gets the built-in set
    prac = practice.Practice(store)

    app = FastAPI(title="camdetect review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.cfg, app.state.scheduler = store, cfg, sched
    tile_hosts = (tile_origin(cfg.tiles),) if cfg.tiles else ()
    app.add_middleware(LimitsMiddleware, max_body=cfg.max_body, hsts=cfg.secure_cookies, img_hosts=tile_hosts)
    plan_features = read_plan(cfg.plan) if cfg.plan else []
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # -- helpers ----------------------------------------------------------------------------------
    def current(request: Request) -> auth.CurrentUser | None:
        return auth.session_user(store, request.cookies.get(SESSION_COOKIE))

    def need_user(request: Request) -> auth.CurrentUser:
        user = current(request)
        if user is None:
            raise HTTPException(401, i18n.N_("log in first"))
        if user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
            raise PasswordChangeRequired(403, i18n.N_("Choose your own password first (on your account page)."))
        return user

    def need_coordinator(user: Annotated[auth.CurrentUser, Depends(need_user)]) -> auth.CurrentUser:
        if not user.is_coordinator:
            raise HTTPException(403, i18n.N_("coordinators only"))
        return user

    def check_csrf(user: auth.CurrentUser, token: str | None) -> None:
        if not auth.csrf_ok(user.csrf, token):
            raise HTTPException(403, i18n.N_("missing or wrong CSRF token"))

    def language(request: Request, user: auth.CurrentUser | None) -> i18n.Language:
        """The volunteer's saved choice, else the language cookie, else Accept-Language, else English."""
        code = i18n.pick(user.language if user else None, request.cookies.get(i18n.LANG_COOKIE),
                         request.headers.get("accept-language"), langs)
        return langs[code]

    def say(lang: i18n.Language, message: str | Exception) -> str:
        """A marked message (N_) or a UserMessage in the page's language."""
        if isinstance(message, Exception):
            return lang.message(message)
        return lang.gettext(message) if message else ""

    def render(request: Request, name: str, lang: i18n.Language, ctx: dict, status: int = 200,
               headers: dict | None = None) -> HTMLResponse:
        resp = templates[lang.code].TemplateResponse(request, name, {"here": here(request), **ctx},
                                                     status_code=status, headers=headers)
        resp.headers["content-language"] = lang.code
        return resp

    def page(request: Request, name: str, user: auth.CurrentUser | None, status: int = 200, **ctx) -> HTMLResponse:
        lang = language(request, user)
        for key in ("notice", "error"):
            if key in ctx:
                ctx[key] = say(lang, ctx[key])
        return render(request, name, lang, {"user": user, **ctx}, status)

    def anon_form(request: Request, name: str, error: str | Exception = "", status: int = 200, notice: str = "",
                  headers: dict | None = None) -> HTMLResponse:
        token = request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)
        lang = language(request, None)
        resp = render(request, name, lang, {"user": None, "csrf": token, "error": say(lang, error),
                                            "notice": say(lang, notice), "open_signup": cfg.open_signup},
                      status, headers)
        resp.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=cfg.secure_cookies)
        return resp

    def login_response(request: Request, user_id: int, username: str, target: str = "/task") -> RedirectResponse:
        resp = RedirectResponse(target, status_code=303)
        # the language follows the volunteer: a saved choice wins (and sets this browser's cookie); a
        # choice made on the log-in page before there was one is saved
        saved, chosen = auth.user_language(store, user_id), request.cookies.get(i18n.LANG_COOKIE)
        if saved in langs:
            set_lang_cookie(resp, saved)
        elif chosen in langs:
            auth.set_language(store, user_id, chosen)
        resp.set_cookie(SESSION_COOKIE, auth.create_session(store, user_id, cfg.session_ttl), httponly=True,
                        samesite="lax", secure=cfg.secure_cookies, max_age=int(cfg.session_ttl))
        resp.set_cookie(DEVICE_COOKIE, auth.device_cookie(secret, username), httponly=True, samesite="strict",
                        secure=cfg.secure_cookies, max_age=int(cfg.device_ttl), path="/login")
        resp.delete_cookie(PRE_CSRF_COOKIE)
        return resp

    def set_lang_cookie(resp: Response, code: str) -> None:
        resp.set_cookie(i18n.LANG_COOKIE, code, max_age=i18n.LANG_COOKIE_DAYS * 86400, httponly=True,
                        samesite="lax", secure=cfg.secure_cookies)

    def check_id(value: int) -> int:
        if not 1 <= value <= MAX_ID:
            raise HTTPException(404, i18n.N_("not found"))
        return value

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        wants_html = "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/api/")
        if exc.status_code == 401 and wants_html:
            return RedirectResponse("/login", status_code=303)
        if isinstance(exc, PasswordChangeRequired) and wants_html:
            return RedirectResponse("/account", status_code=303)
        detail = exc.detail
        if isinstance(detail, str) and detail:  # messages marked N_() read in the volunteer's language
            detail = language(request, current(request) if exc.status_code != 401 else None).gettext(detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    # -- pages ------------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True}

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request):
        return RedirectResponse("/task" if current(request) else "/login", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, deleted: str = ""):
        return anon_form(request, "login.html", notice=i18n.N_("Your account was deleted.") if deleted == "1" else "")

    @app.post("/login")
    def login(request: Request, username: Annotated[str, Form(max_length=64)],
              password: Annotated[str, Form(max_length=256)], csrf_token: Annotated[str, Form(max_length=100)] = ""):
        if not auth.csrf_ok(request.cookies.get(PRE_CSRF_COOKIE), csrf_token):
            raise HTTPException(403, i18n.N_("missing or wrong CSRF token"))
        client = request.client.host if request.client else "?"
        account = auth.throttle_key(secret, "user", username.lower())
        address = auth.throttle_key(secret, "addr", client)
        nonce = auth.device_nonce(secret, username, request.cookies.get(DEVICE_COOKIE))
        device = auth.throttle_key(secret, "device", nonce) if nonce else None
        # a known device skips the account and address backoff until it fails login_limit times itself
        trusted = device is not None and auth.failures(store, device, cfg.login_window) < cfg.login_limit
        if not trusted:
            wait = auth.throttle_wait(store, {account: cfg.login_limit, address: cfg.address_limit},
                                      cfg.login_window, cfg.login_max_delay)
            if wait > 0:
                secs = auth.retry_after(wait)
                msg = i18n.UserMessage(i18n.N_("Too many failed log-ins; try again in %(secs)s seconds."), secs=secs)
                return anon_form(request, "login.html", msg, 429, headers={"retry-after": str(secs)})
        uid = auth.check_password(store, username, password)
        if uid is None:
            auth.record_failure(store, [account, address] + ([device] if device else []), cfg.login_window)
            return anon_form(request, "login.html", i18n.N_("Wrong username or password."), 401)
        if device:
            auth.clear_failures(store, [device])
        return login_response(request, uid, username)

    @app.get("/signup", response_class=HTMLResponse)
    def signup_page(request: Request):
        if not cfg.open_signup:
            raise HTTPException(404, i18n.N_("sign-up is closed; ask a coordinator"))
        return anon_form(request, "signup.html")

    @app.post("/signup")
    def signup(request: Request, username: Annotated[str, Form(max_length=64)],
               password: Annotated[str, Form(max_length=256)], csrf_token: Annotated[str, Form(max_length=100)] = ""):
        if not cfg.open_signup:
            raise HTTPException(404, i18n.N_("sign-up is closed; ask a coordinator"))
        if not auth.csrf_ok(request.cookies.get(PRE_CSRF_COOKIE), csrf_token):
            raise HTTPException(403, i18n.N_("missing or wrong CSRF token"))
        try:
            uid = auth.create_user(store, username, password)
        except ValueError as exc:
            return anon_form(request, "signup.html", exc, 400)
        return login_response(request, uid, username, "/tutorial?welcome=1")  # onboarding: tutorial, practice

    @app.post("/logout")
    def logout(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)],
               csrf_token: Annotated[str, Form(max_length=100)] = ""):
        check_csrf(user, csrf_token)
        auth.delete_session(store, request.cookies.get(SESSION_COOKIE))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    @app.post("/language")
    def set_language(request: Request, lang: Annotated[str, Form(max_length=16)],
                     next: Annotated[str, Form(max_length=500)] = "/",
                     csrf_token: Annotated[str, Form(max_length=100)] = ""):
        """The language switcher: a cookie for this browser, and the volunteer's saved choice when logged in
        (that one needs the session's CSRF token; a cookie alone changes nothing on the server)."""
        if lang not in langs:
            raise HTTPException(422, i18n.N_("unknown language"))
        user = current(request)
        if user is not None:
            check_csrf(user, csrf_token)
            auth.set_language(store, user.id, lang)
        resp = RedirectResponse(safe_next(next), status_code=303)
        set_lang_cookie(resp, lang)
        return resp

    @app.get("/privacy", response_class=HTMLResponse)
    def privacy(request: Request):
        return page(request, "privacy.html", current(request), cfg=cfg,
                    session_days=round(cfg.session_ttl / 86400, 1), device_days=round(cfg.device_ttl / 86400),
                    window_min=round(cfg.login_window / 60))

    @app.get("/account", response_class=HTMLResponse)
    def account_page(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)], done: str = ""):
        notice = {"password": i18n.N_("Password changed; your other sessions were logged out.")}.get(done, "")
        if user.must_change_password:
            notice = i18n.N_("A coordinator set your password: choose your own below to go on.")
        return page(request, "account.html", user, notice=notice, error="", on_delete=cfg.on_delete,
                    **account_facts(user))

    def account_facts(user: auth.CurrentUser) -> dict:
        from .dashboard import my_summary

        with store.read() as s:
            created = s.scalar(select(User.created_at).where(User.id == user.id))
        return {"created_at": created or 0.0, "answers": my_summary(store, user.id)["answers"],
                "progress": practice.progress(store, user.id)}

    def account_error(request: Request, user: auth.CurrentUser, error: str | Exception, status: int,
                      headers: dict | None = None) -> HTMLResponse:
        resp = page(request, "account.html", user, status=status, notice="", error=error, on_delete=cfg.on_delete,
                    **account_facts(user))
        resp.headers.update(headers or {})
        return resp

    def recheck_password(request: Request, user: auth.CurrentUser, password: str) -> HTMLResponse | None:
        """The current password again (a stolen session must not change or delete the account); the
        same account backoff as the log-in form, so it cannot be used to guess the password either."""
        account = auth.throttle_key(secret, "user", user.username.lower())
        wait = auth.throttle_wait(store, {account: cfg.login_limit}, cfg.login_window, cfg.login_max_delay)
        if wait > 0:
            secs = auth.retry_after(wait)
            msg = i18n.UserMessage(i18n.N_("Too many wrong passwords; try again in %(secs)s seconds."), secs=secs)
            return account_error(request, user, msg, 429, {"retry-after": str(secs)})
        if auth.check_password(store, user.username, password) != user.id:
            auth.record_failure(store, [account], cfg.login_window)
            return account_error(request, user, i18n.N_("Your current password is not right."), 401)
        return None

    @app.post("/account/password")
    def change_password(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)],
                        current_password: Annotated[str, Form(max_length=256)],
                        new_password: Annotated[str, Form(max_length=256)],
                        csrf_token: Annotated[str, Form(max_length=100)] = ""):
        check_csrf(user, csrf_token)
        refused = recheck_password(request, user, current_password)
        if refused is not None:
            return refused
        try:
            auth.set_password(store, user.id, new_password, keep_session=request.cookies.get(SESSION_COOKIE), by=user)
        except ValueError as exc:
            return account_error(request, user, exc, 400)
        return RedirectResponse("/account?done=password", status_code=303)

    @app.post("/account/delete")
    def delete_account(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)],
                       password: Annotated[str, Form(max_length=256)], confirm: Annotated[str, Form(max_length=10)] = "",
                       csrf_token: Annotated[str, Form(max_length=100)] = ""):
        from .account import delete_account as _delete

        check_csrf(user, csrf_token)
        if confirm != "yes":
            return account_error(request, user, i18n.N_("Tick the box to confirm that you want to delete your account."),
                                 400)
        refused = recheck_password(request, user, password)
        if refused is not None:
            return refused
        _delete(store, user.id, cfg, by=user)
        resp = RedirectResponse("/login?deleted=1", status_code=303)
        resp.delete_cookie(SESSION_COOKIE)
        resp.delete_cookie(DEVICE_COOKIE, path="/login")
        return resp

    @app.get("/api/me/export")
    def my_data(user: Annotated[auth.CurrentUser, Depends(need_user)]):
        from .account import export_data

        return JSONResponse(export_data(store, user.id), headers={
            "content-disposition": f"attachment; filename=camdetect-review-{user.username}.json"})

    @app.get("/tutorial", response_class=HTMLResponse)
    def tutorial(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)], welcome: str = ""):
        return page(request, "tutorial.html", user, welcome=welcome == "1", round_size=practice.ROUND_SIZE)

    # -- onboarding: field guide, practice with known answers, personal progress --------------------
    @app.get("/guide", response_class=HTMLResponse)
    def guide(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)]):
        return page(request, "guide.html", user, explanations=practice.EXPLANATIONS)

    @app.get("/practice", response_class=HTMLResponse)
    def practice_page(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)]):
        return page(request, "task.html", user, practice=True)

    @app.get("/practice/image/{item_id}")
    def practice_image(item_id: int, user: Annotated[auth.CurrentUser, Depends(need_user)]):
        data = prac.image(check_id(item_id))
        if data is None:
            raise HTTPException(404, i18n.N_("not found"))
        return Response(data, media_type="image/jpeg")

    @app.get("/api/practice/next")
    def practice_next(user: Annotated[auth.CurrentUser, Depends(need_user)]) -> dict:
        """The next practice task of your round (a new round once the last one is finished)."""
        return {"task": prac.next(user.id)}

    @app.post("/api/practice/{item_id}/answer")
    def practice_answer(request: Request, item_id: int, body: PracticeAnswerIn,
                        user: Annotated[auth.CurrentUser, Depends(need_user)],
                        x_csrf_token: Annotated[str | None, Header()] = None) -> dict:
        """Grade a practice answer at once: right or wrong, the right answer and why. Never a real answer."""
        check_csrf(user, x_csrf_token)
        check_id(item_id)
        if body.type is not None and body.type not in types:
            raise HTTPException(422, f"type must be one of {', '.join(types)}")
        if body.mount is not None and body.mount not in mounts:
            raise HTTPException(422, f"mount must be one of {', '.join(mounts)}")
        try:
            fb = prac.answer(user.id, item_id, body.round, body.answer, body.type, body.mount)
        except TaskError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        fb["explanation"] = language(request, user).gettext(fb["explanation"])
        return fb

    @app.get("/api/me/progress")
    def my_progress(user: Annotated[auth.CurrentUser, Depends(need_user)], since: float | None = None) -> dict:
        """Your answers today (since ``since``, your local midnight; default UTC midnight) and in all,
        agreement with the settled outcomes, practice scores."""
        if since is not None and not math.isfinite(since):
            since = None
        return practice.progress(store, user.id, since)

    @app.get("/task", response_class=HTMLResponse)
    def task_page(request: Request, user: Annotated[auth.CurrentUser, Depends(need_user)]):
        return page(request, "task.html", user)

    # -- volunteer API ----------------------------------------------------------------------------
    @app.get("/api/me")
    def me(user: Annotated[auth.CurrentUser, Depends(need_user)]) -> dict:
        from .dashboard import my_summary

        return {"username": user.username, "role": user.role, "csrf": user.csrf, **my_summary(store, user.id)}

    @app.get("/api/tasks/next")
    def next_task(user: Annotated[auth.CurrentUser, Depends(need_user)]) -> dict:
        task = sched.next_task(user.id)
        return {"task": task.to_json() if task else None}

    @app.get("/api/tasks/{task_id}")
    def get_task(task_id: int, user: Annotated[auth.CurrentUser, Depends(need_user)]) -> dict:
        check_id(task_id)
        try:
            return {"task": sched.get_task(user.id, task_id).to_json()}
        except TaskError as exc:
            raise HTTPException(exc.status, str(exc)) from None

    @app.post("/api/tasks/{task_id}/answer")
    def answer(task_id: int, body: AnswerIn, user: Annotated[auth.CurrentUser, Depends(need_user)],
               x_csrf_token: Annotated[str | None, Header()] = None) -> dict:
        check_csrf(user, x_csrf_token)
        check_id(task_id)
        # the task's image size clips boxes; a plain answer needs no extra read (submit checks ownership)
        task = None
        if body.box is not None or body.added:
            try:
                task = sched.get_task(user.id, task_id)
            except TaskError as exc:
                raise HTTPException(exc.status, str(exc)) from None
        if body.type is not None and body.type not in types:
            raise HTTPException(422, f"type must be one of {', '.join(types)}")
        if body.mount is not None and body.mount not in mounts:
            raise HTTPException(422, f"mount must be one of {', '.join(mounts)}")
        added = []
        for b in body.added:
            if b.type not in types or b.mount not in mounts:
                raise HTTPException(422, i18n.N_("added box: unknown type or mount"))
            added.append(Box(*_clip_box([b.x1, b.y1, b.x2, b.y2], task.width, task.height), b.type, b.mount))
        box = _clip_box(body.box, task.width, task.height) if body.box is not None else None
        sub = Submission(body.answer, body.type, body.mount, box, added, body.comment, body.seconds)
        try:
            answer_id = sched.submit(user.id, task_id, sub)
        except TaskError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        return {"ok": True, "answer_id": answer_id}

    @app.post("/api/tasks/{task_id}/skip")
    def skip(task_id: int, user: Annotated[auth.CurrentUser, Depends(need_user)],
             x_csrf_token: Annotated[str | None, Header()] = None) -> dict:
        """Give the task back to the pool unanswered (it comes back to you only when nothing new is left)."""
        check_csrf(user, x_csrf_token)
        check_id(task_id)
        try:
            sched.skip(user.id, task_id)
        except TaskError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        return {"ok": True}

    @app.post("/api/me/undo")
    def undo(user: Annotated[auth.CurrentUser, Depends(need_user)],
             x_csrf_token: Annotated[str | None, Header()] = None) -> dict:
        """Take back your last answer while its suggestion is still open; its task is yours again."""
        check_csrf(user, x_csrf_token)
        try:
            task_id = sched.undo(user.id)
            return {"ok": True, "task": sched.get_task(user.id, task_id).to_json()}
        except TaskError as exc:
            raise HTTPException(exc.status, str(exc)) from None

    @app.get("/api/me/history")
    def history(user: Annotated[auth.CurrentUser, Depends(need_user)], limit: int = 10,
                since: float | None = None) -> dict:
        """Your last answers (newest first) and how many you gave since ``since`` (your day's start)."""
        if since is not None and not math.isfinite(since):
            since = None
        return sched.history(user.id, min(max(limit, 1), 50), since)

    @app.get("/api/me/answers")
    def my_answers(user: Annotated[auth.CurrentUser, Depends(need_user)]) -> dict:
        from .dashboard import answers_of

        return {"answers": answers_of(store, user.id)}

    @app.get("/media/{path:path}")
    def media(path: str, user: Annotated[auth.CurrentUser, Depends(need_user)]):
        """Only view images the store knows, only inside the media folder (no traversal)."""
        if media_root is None:
            raise HTTPException(404, "no media folder configured")
        if "\x00" in path or "\\" in path or Path(path).suffix.lower() not in MEDIA_SUFFIXES:
            raise HTTPException(404, i18n.N_("not found"))
        with store.read() as s:
            known = s.scalar(select(ViewRow.id).where(ViewRow.image_path == path))
        target = (media_root / path).resolve()
        if known is None or not target.is_relative_to(media_root) or not target.is_file():
            raise HTTPException(404, i18n.N_("not found"))
        return FileResponse(target, headers={"cache-control": "private, max-age=3600"})

    # -- coordinator ------------------------------------------------------------------------------
    @app.get("/dashboard", response_class=HTMLResponse)
    def dashboard(request: Request, user: Annotated[auth.CurrentUser, Depends(need_coordinator)]):
        from .dashboard import dashboard_data

        return page(request, "dashboard.html", user, d=dashboard_data(store, cfg), now=time.time())

    @app.get("/api/dashboard")
    def dashboard_json(user: Annotated[auth.CurrentUser, Depends(need_coordinator)]) -> dict:
        from .dashboard import dashboard_data

        return dashboard_data(store, cfg)

    @app.get("/api/users/{user_id}/answers")
    def user_answers(user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)]) -> dict:
        from .dashboard import answers_of

        return {"answers": answers_of(store, check_id(user_id))}

    # -- coordinator: one volunteer's page and account actions -------------------------------------
    USER_DONE = {"disabled": i18n.N_("Account disabled; its sessions were logged out."),
                 "enabled": i18n.N_("Account enabled."),
                 "role": i18n.N_("Role changed."),
                 "password": i18n.N_("Password set; the volunteer's sessions were logged out.")}

    def volunteer_page(request: Request, user: auth.CurrentUser, user_id: int, status: int = 200,
                       notice: str = "", error: str | Exception = "", temp_password: str = "") -> HTMLResponse:
        from .dashboard import volunteer_data

        v = volunteer_data(store, cfg, check_id(user_id))
        if v is None:
            raise HTTPException(404, i18n.N_("not found"))
        return page(request, "volunteer.html", user, status=status, v=v, notice=notice, error=error,
                    temp_password=temp_password, roles=list(auth.ROLES), min_password=auth.MIN_PASSWORD,
                    history=audit.entries(store, user_id, limit=20))

    @app.get("/users/{user_id}", response_class=HTMLResponse)
    def volunteer(request: Request, user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)],
                  done: str = ""):
        return volunteer_page(request, user, user_id, notice=USER_DONE.get(done, ""))

    @app.get("/api/users/{user_id}")
    def volunteer_json(user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)]) -> dict:
        from .dashboard import volunteer_data

        v = volunteer_data(store, cfg, check_id(user_id))
        if v is None:
            raise HTTPException(404, i18n.N_("not found"))
        return v

    def user_action(request: Request, user: auth.CurrentUser, user_id: int, token: str, action, done: str):
        check_csrf(user, token)
        check_id(user_id)
        try:
            action()
        except ValueError as exc:  # the last-coordinator guard, an unknown role (no such user: 404 below)
            return volunteer_page(request, user, user_id, status=409, error=exc)
        return RedirectResponse(f"/users/{user_id}?done={done}", status_code=303)

    @app.post("/users/{user_id}/disable")
    def disable_user(request: Request, user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)],
                     csrf_token: Annotated[str, Form(max_length=100)] = ""):
        if user_id == user.id:
            check_csrf(user, csrf_token)
            return volunteer_page(request, user, user_id, status=409,
                                  error=i18n.N_("You cannot disable your own account."))
        return user_action(request, user, user_id, csrf_token, lambda: auth.set_disabled(store, user_id, True, user),
                           "disabled")

    @app.post("/users/{user_id}/enable")
    def enable_user(request: Request, user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)],
                    csrf_token: Annotated[str, Form(max_length=100)] = ""):
        return user_action(request, user, user_id, csrf_token, lambda: auth.set_disabled(store, user_id, False, user),
                           "enabled")

    @app.post("/users/{user_id}/role")
    def role_user(request: Request, user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)],
                  role: Annotated[str, Form(max_length=16)], csrf_token: Annotated[str, Form(max_length=100)] = ""):
        return user_action(request, user, user_id, csrf_token, lambda: auth.change_role(store, user_id, role, user),
                           "role")

    @app.post("/users/{user_id}/password")
    def reset_password(request: Request, user_id: int, user: Annotated[auth.CurrentUser, Depends(need_coordinator)],
                       new_password: Annotated[str, Form(max_length=256)] = "",
                       csrf_token: Annotated[str, Form(max_length=100)] = ""):
        """Set the given password, or (empty) a generated one shown once on the answer page; every
        session of the volunteer ends (the coordinator's own session stays when it is their account)."""
        check_csrf(user, csrf_token)
        check_id(user_id)
        generated = not new_password
        password = new_password or auth.temporary_password()
        keep = request.cookies.get(SESSION_COOKIE) if user_id == user.id else None
        try:
            auth.set_password(store, user_id, password, keep_session=keep, by=user)
        except ValueError as exc:  # too short or long (no such user: 404 below)
            return volunteer_page(request, user, user_id, status=400, error=exc)
        if generated:
            return volunteer_page(request, user, user_id, notice=USER_DONE["password"], temp_password=password)
        return RedirectResponse(f"/users/{user_id}?done=password", status_code=303)

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, user: Annotated[auth.CurrentUser, Depends(need_coordinator)],
                   before: int | None = None):
        """Every account action, newest first, 100 per page."""
        rows = audit.entries(store, limit=100, before=check_id(before) if before is not None else None)
        older = rows[-1]["id"] if len(rows) == 100 else None
        return page(request, "audit.html", user, rows=rows, older=older)

    @app.get("/api/audit")
    def audit_json(user: Annotated[auth.CurrentUser, Depends(need_coordinator)], user_id: int | None = None,
                   limit: int = 100, before: int | None = None) -> dict:
        return {"entries": audit.entries(store, check_id(user_id) if user_id is not None else None, limit,
                                         check_id(before) if before is not None else None)}

    @app.get("/map", response_class=HTMLResponse)
    def map_page(request: Request, user: Annotated[auth.CurrentUser, Depends(need_coordinator)]):
        return page(request, "map.html", user, tiles=cfg.tiles or "", attribution=cfg.tiles_attribution)

    @app.get("/api/map/context")
    def map_context(user: Annotated[auth.CurrentUser, Depends(need_coordinator)]):
        """Offline context for the map: the store's intersections and the --plan file's streets."""
        return JSONResponse(context_geojson(store, plan_features), media_type="application/geo+json")

    @app.get("/export/{name}")
    def export(name: str, user: Annotated[auth.CurrentUser, Depends(need_coordinator)]):
        from . import exports

        if name == "cameras.geojson":
            resp = JSONResponse(exports.geojson(exports.verified(store, cfg)), media_type="application/geo+json")
        elif name == "located.geojson":
            resp = JSONResponse(exports.located_geojson(exports.verified(store, cfg)),
                                media_type="application/geo+json")
        elif name == "tags.csv":
            resp = Response(exports.tags_csv_text(exports.verified(store, cfg)), media_type="text/csv",
                            headers={"content-disposition": "attachment; filename=tags.csv"})
        else:
            raise HTTPException(404, "unknown export; use the CLI `camdetect review export` for COCO / YOLO")
        audit.record_export(store, user, name)
        return resp

    return app
