"""Issue 13, languages: gettext catalogs complete and current for en, fr, es; language from Accept-Language,
the switcher, the saved choice; numbers and dates the locale's way; the page scripts' catalog."""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from camdetect.review import i18n
from camdetect.store.models import User

from .conftest import csrf_from, login, signup

LANGS = ("en", "fr", "es")


@pytest.fixture(scope="module")
def template():
    return i18n.extract()


# -- catalogs ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", LANGS)
def test_catalog_complete_and_current(template, code):
    """Every message of the templates, page scripts and Python is translated (not fuzzy), and the catalog
    holds nothing the sources no longer say. Fix: `camdetect review translations`, translate, re-run."""
    report = i18n.check_catalog(code, template)
    assert report.missing == [], f"{code}: untranslated or missing (run `camdetect review translations`)"
    assert report.fuzzy == [], f"{code}: fuzzy entries (a source string changed; check the translation)"
    assert report.stale == [], f"{code}: stale entries no longer in the sources"
    assert report.errors == [], f"{code}: placeholder errors"
    assert report.coverage == 1.0 and report.total > 150


def test_pot_is_current(template):
    """The committed messages.pot (what translators start from) matches a fresh extraction."""
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        pot = read_po(f)
    assert {m.id if isinstance(m.id, str) else tuple(m.id) for m in pot if m.id} == \
           {m.id if isinstance(m.id, str) else tuple(m.id) for m in template if m.id}


def test_every_page_script_message_is_in_the_catalog(template):
    ids = {m.id for m in template}
    js = i18n.js_msgids()
    assert {"Saved.", "Loading...", "Could not load cameras."} <= set(js) and set(js) <= ids


def test_check_catalog_finds_missing_fuzzy_and_stale(tmp_path, template):
    """The checker the catalog test relies on does flag each kind of problem."""
    root = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, root)
    path = i18n.po_path("fr", root)
    with path.open("rb") as f:
        cat = read_po(f, locale="fr")
    cat.delete("Saved.")
    cat["Log in"].flags.add("fuzzy")
    cat.add("An old message", "Un ancien message")
    cat["Not saved: %(reason)s"].string = "Non enregistré : %(cause)s"
    with path.open("wb") as f:
        write_po(f, cat)
    r = i18n.check_catalog("fr", template, root)
    assert r.missing == ["Saved."] and r.fuzzy == ["Log in"] and r.stale == ["An old message"]
    assert len(r.errors) == 1 and "Not saved" in r.errors[0] and not r.ok and r.coverage < 1


def test_new_language_starts_empty_and_rtl_is_known(tmp_path):
    """Adding a language is one folder: `translations --init ar` makes it, the app lists it, right-to-left."""
    root = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, root)
    i18n.update_catalogs(root, init="ar")
    assert i18n.available(root) == ["en", "ar", "es", "fr"]
    r = i18n.check_catalog("ar", root=root)
    assert r.translated == 0 and len(r.missing) == r.total
    ar = i18n.load_language("ar", root)
    assert ar.dir == "rtl" and ar.name == "العربية" and ar.gettext("Log in") == "Log in"  # English until translated
    assert i18n.load_language("fr", root).dir == "ltr"


# -- choosing the language ---------------------------------------------------------------------------
@pytest.mark.parametrize("header, expected", [
    ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
    ("es-419,es;q=0.9", "es"),
    ("de-DE,de;q=0.9,es;q=0.5,fr;q=0.4", "es"),
    ("en;q=0.2, fr;q=0.8", "fr"),
    ("fr;q=0, es", "es"),
    ("ES", "es"),
    ("de, ja", None),
    ("*", None),
    ("", None),
    ("fr;q=abc, es;q=0.1", "es"),
    ("<script>,fr", "fr"),
])
def test_negotiate(header, expected):
    assert i18n.negotiate(header, LANGS) == expected


def test_pick_order():
    assert i18n.pick("es", "fr", "fr", LANGS) == "es"  # the volunteer's saved choice first
    assert i18n.pick(None, "fr", "es", LANGS) == "fr"  # then this browser's cookie
    assert i18n.pick(None, None, "es-MX", LANGS) == "es"  # then the browser's languages
    assert i18n.pick("xx", "zz", "de", LANGS) == "en"  # unknown values are ignored


@pytest.mark.parametrize("code, title, button", [
    ("en", "Log in", "Log in"), ("fr", "Se connecter", "Se connecter"), ("es", "Iniciar sesión", "Iniciar sesión")])
def test_accept_language_picks_the_page_language(make_client, code, title, button):
    c = make_client()
    r = c.get("/login", headers={"accept-language": f"{code}-XX,{code};q=0.9,en;q=0.1"})
    assert r.status_code == 200 and r.headers["content-language"] == code
    assert f'<html lang="{code}" dir="ltr">' in r.text and f"<h1>{html.escape(title)}</h1>" in r.text
    assert re.search(rf'<button type="submit" class="big primary">{re.escape(html.escape(button))}</button>', r.text)
    assert c.get("/login", headers={"accept-language": "de"}).headers["content-language"] == "en"


def _pages(c) -> dict[str, str]:
    return {p: c.get(p).text for p in ("/task", "/tutorial", "/account", "/privacy", "/dashboard", "/map")}


@pytest.mark.parametrize("code", ["fr", "es"])
def test_no_english_left_on_any_page(make_client, code):
    """Every page in French / Spanish: no English message of the catalog is left on it (messages that read
    the same in both languages, and short ones that are words inside others, are not checked)."""
    c = make_client()
    signup(c, "coord")  # the first user: a coordinator, so the dashboard and map render too
    c.post("/language", data={"lang": code, "csrf_token": c.get("/api/me").json()["csrf"]})
    lang = i18n.languages()[code]
    pages = {**_pages(c), "/login": None, "/signup": None}
    c.cookies.clear()
    c.cookies.set(i18n.LANG_COOKIE, code)
    pages["/login"], pages["/signup"] = c.get("/login").text, c.get("/signup").text
    english = [m.id for m in i18n.extract() if isinstance(m.id, str) and m.id and "%(" not in m.id
               and len(m.id) >= 12 and lang.gettext(m.id) != m.id]
    for path, text in pages.items():
        assert f'<html lang="{code}"' in text, path
        visible = re.sub(r'<script type="application/json" id="i18n">.*?</script>|<code>.*?</code>', "", text, flags=re.DOTALL)
        left = [m for m in english if m in visible or html.escape(m) in visible]
        assert left == [], (path, left)


# -- the switcher and the saved choice -----------------------------------------------------------------
def test_switch_persists_for_a_logged_in_volunteer_across_sessions(make_client, store):
    c = make_client()
    csrf = signup(c, "amina")
    r = c.post("/language", data={"lang": "fr", "next": "/tutorial", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/tutorial"
    assert "<h1>Que chercher</h1>" in c.get("/tutorial").text
    with store.read() as s:
        assert s.scalar(select(User.language).where(User.username == "amina")) == "fr"
    # another browser, English everywhere: after logging in the volunteer gets French back
    other = make_client()
    other.cookies.clear()
    r = login(other, "amina")
    assert r.status_code == 303 and r.cookies.get(i18n.LANG_COOKIE) == "fr"
    page = other.get("/task", headers={"accept-language": "en-US,en"})
    assert '<html lang="fr"' in page.text and "Pas de caméra" in page.text
    # and the log-in page after logging out stays French (the cookie)
    other.post("/logout", data={"csrf_token": other.get("/api/me").json()["csrf"]})
    assert "<h1>Se connecter</h1>" in other.get("/login", headers={"accept-language": "en"}).text


def test_switch_needs_the_csrf_token_when_logged_in(make_client, store):
    c = make_client()
    signup(c, "bea")
    r = c.post("/language", data={"lang": "es"}, follow_redirects=False)
    assert r.status_code == 403
    with store.read() as s:
        assert s.scalar(select(User.language).where(User.username == "bea")) is None


def test_choice_made_before_signing_up_is_kept(make_client, store):
    c = make_client()
    c.cookies.clear()
    r = c.post("/language", data={"lang": "es", "next": "/signup"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signup"
    cookie = r.headers["set-cookie"]
    assert f"{i18n.LANG_COOKIE}=es" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "<h1>Registrarse</h1>" in c.get("/signup").text
    signup(c, "carmen")
    with store.read() as s:
        assert s.scalar(select(User.language).where(User.username == "carmen")) == "es"


@pytest.mark.parametrize("target, expected", [
    ("/privacy", "/privacy"), ("/login?deleted=1", "/login?deleted=1"), ("//evil.example/x", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("", "/")])
def test_switch_goes_back_only_to_a_local_page(make_client, target, expected):
    c = make_client()
    r = c.post("/language", data={"lang": "fr", "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == expected


def test_unknown_language_refused(make_client):
    r = make_client().post("/language", data={"lang": "xx", "next": "/"}, follow_redirects=False)
    assert r.status_code == 422 and i18n.LANG_COOKIE not in r.headers.get("set-cookie", "")


def test_switcher_on_every_page_comes_back_to_it(make_client):
    c = make_client()
    c.cookies.clear()
    for path in ("/login", "/signup", "/privacy", "/login?deleted=1"):
        text = c.get(path).text
        assert 'action="/language"' in text and f'name="next" value="{html.escape(path)}"' in text, path
        for code, name in (("en", "English"), ("fr", "Français"), ("es", "Español")):
            assert f'value="{code}" lang="{code}"' in text and name in text


# -- messages from Python and the page scripts -----------------------------------------------------------
def test_form_errors_in_the_volunteers_language(make_client):
    c = make_client()
    c.cookies.clear()
    c.cookies.set(i18n.LANG_COOKIE, "fr")
    page = c.get("/signup")
    r = c.post("/signup", data={"username": "x!", "password": "correct horse", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 400 and "nom d&#39;utilisateur : 3 à 32 lettres" in r.text
    r = c.post("/login", data={"username": "nobody", "password": "wrong password",
                               "csrf_token": csrf_from(c.get("/login").text)})
    assert r.status_code == 401 and "Nom d&#39;utilisateur ou mot de passe incorrect." in r.text


def test_api_errors_in_the_volunteers_language(make_client):
    c = make_client()
    signup(c, "dora")
    c.post("/language", data={"lang": "es", "csrf_token": c.get("/api/me").json()["csrf"]})
    task = c.get("/api/tasks/next").json()["task"]
    r = c.post(f"/api/tasks/{task['id']}/answer", json={"answer": "yes"})
    assert r.status_code == 403 and r.json()["detail"] == "falta el token CSRF o es incorrecto"
    assert c.get("/api/tasks/999999").json()["detail"] == "la tarea no existe"


@pytest.mark.parametrize("code, saved", [("en", "Saved."), ("fr", "Enregistré."), ("es", "Guardado.")])
def test_page_scripts_get_their_catalog(make_client, code, saved):
    """The task page carries the scripts' messages as JSON data (not code: the CSP forbids inline scripts)."""
    c = make_client()
    signup(c, f"eve{code}")
    c.post("/language", data={"lang": code, "csrf_token": c.get("/api/me").json()["csrf"]})
    text = c.get("/task").text
    m = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', text, re.DOTALL)
    catalog = json.loads(m.group(1))
    assert catalog["Saved."] == saved and set(catalog) == set(i18n.js_msgids())
    assert '<script src="/static/i18n.js"></script><script src="/static/task.js"></script>' in text
    assert "script-src 'self'" in c.get("/task").headers["content-security-policy"]


# -- numbers and dates ---------------------------------------------------------------------------------
TS = datetime(2026, 12, 2, 14, 5, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("code, number, big, percent, date, when", [
    ("en", "1,234.5", "12,345", "42%", "December 2, 2026", "Dec 2, 2026, 2:05:00\u202fPM"),
    ("fr", "1\u202f234,5", "12\u202f345", "42\u00a0%", "2 décembre 2026", "2 déc. 2026, 14:05:00"),
    ("es", "1.234,5", "12.345", "42\u00a0%", "2 de diciembre de 2026", "2 dic 2026, 14:05:00"),
])
def test_numbers_and_dates_the_locales_way(code, number, big, percent, date, when):
    lang = i18n.languages()[code]
    assert lang.number(1234.5) == number and lang.number(12345) == big and lang.percent(0.42) == percent
    assert lang.number(0.5, 2) == ("0.50" if code == "en" else "0,50")
    assert lang.date(TS) == date and lang.datetime(TS) == when


def test_pages_show_localised_numbers_and_dates(make_client):
    c = make_client(session_ttl=1.5 * 86400)
    signup(c, "fatou")
    c.post("/language", data={"lang": "fr", "csrf_token": c.get("/api/me").json()["csrf"]})
    fr = i18n.languages()["fr"]
    assert "1,5 jours" in c.get("/privacy").text  # 1.5 days, French decimal comma
    account = c.get("/account").text
    assert "compte créé le " + fr.date(datetime.now(UTC).timestamp()) in account
    assert "Vous avez donné 0 réponse." in account
    dashboard = c.get("/dashboard").text
    assert re.search(r"\d+ suggestions : \d+ clôturées, \d+ ouvertes\.", dashboard) and "Au " in dashboard


# -- the maintenance command -----------------------------------------------------------------------------
def test_translations_command_checks_and_refuses_unknown_locales():
    from .test_cli import run

    r = run("review", "translations", "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    for code in LANGS:
        assert re.search(rf"^{code}: (\d+)/\1 translated \(100%\), missing 0, fuzzy 0, stale 0", r.stdout, re.MULTILINE)
    before = {p: p.read_bytes() for p in i18n.LOCALE_DIR.rglob("*.po*")}
    r = run("review", "translations", "--init", "xx")
    assert r.returncode == 2 and "not a locale Babel knows" in r.stderr
    assert {p: p.read_bytes() for p in i18n.LOCALE_DIR.rglob("*.po*")} == before


def test_my_data_export_names_the_language(make_client):
    c = make_client()
    signup(c, "gina")
    c.post("/language", data={"lang": "es", "csrf_token": c.get("/api/me").json()["csrf"]})
    assert c.get("/api/me/export").json()["account"]["language"] == "es"
