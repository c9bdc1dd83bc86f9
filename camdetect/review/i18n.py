"""Languages of the review app: gettext catalogs (Babel), language choice, locale-aware numbers and dates.

Sources: ``locale/<code>/LC_MESSAGES/messages.po`` (committed, one folder per language; a new folder is a
new language, nothing else to register). They are compiled in memory when the app starts (no ``.mo``
files to go stale). ``messages.pot`` is the template extracted from the templates, the JavaScript and
the Python of this package (``camdetect review translations`` refreshes it and every catalog).

Language of a request, first that applies: the volunteer's saved choice (``users.language``), the
language cookie (logged-out pages, set by the switcher), the browser's Accept-Language, English.

    L = languages()["fr"]
    L.gettext("Log in"), L.number(1234.5), L.date(time.time())
"""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"
DOMAIN = "messages"
SOURCE = "en"  # the language the msgids are written in
LANG_COOKIE = "camdetect_lang"
LANG_COOKIE_DAYS = 365
TEMPLATE_DATE = datetime(2026, 12, 2, tzinfo=UTC)  # fixed POT date: re-extracting does not churn the files

# what `translations` extracts: Jinja templates, the page scripts (not vendored Leaflet), this package's Python
METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("static/*.js", "javascript"), ("*.py", "python")]
OPTIONS_MAP = {"templates/**.html": {"trimmed": "true"}, "static/*.js": {}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
JS_SOURCES = ("static/task.js", "static/map.js", "static/i18n.js")


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown (``Language.gettext``)."""
    return message


class UserMessage(ValueError):
    """An error shown to a volunteer: ``str()`` is English (CLI, logs), ``Language.message`` translates it."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid, self.params = msgid, params


@dataclass
class Language:
    code: str
    name: str  # in its own language: "Français"
    dir: str  # "ltr" or "rtl"
    locale: Locale
    translations: Translations
    js_catalog: dict[str, str] = field(default_factory=dict)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def message(self, exc: Exception) -> str:
        """A UserMessage (or a marked message string) in this language; anything else as it is."""
        if isinstance(exc, UserMessage):
            params = {k: self.number(v) if isinstance(v, int | float) else v for k, v in exc.params.items()}
            return self.gettext(exc.msgid) % params if params else self.gettext(exc.msgid)
        return self.gettext(str(exc))

    # -- numbers and dates (Babel, CLDR data) --------------------------------------------------------
    def number(self, value: float | None, digits: int | None = None) -> str:
        """1234.5 -> "1,234.5" (en), "1 234,5" (fr), "1.234,5" (es); ``digits`` fixes the decimals."""
        if value is None:
            return "-"
        if digits is not None:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            return format_decimal(value, format=pattern, locale=self.locale)
        return format_decimal(value, locale=self.locale)

    def percent(self, share: float | None) -> str:
        """0.42 -> "42%" (en), "42 %" (fr, es)."""
        return "-" if share is None else format_percent(share, locale=self.locale)

    def date(self, ts: float, format: str = "long") -> str:
        """UNIX seconds -> "2 December 2026" (en), "2 décembre 2026" (fr), "2 de diciembre de 2026" (es); UTC."""
        from babel.dates import format_date

        return format_date(datetime.fromtimestamp(ts, UTC).date(), format=format, locale=self.locale)

    def datetime(self, ts: float, format: str = "medium") -> str:
        """UNIX seconds -> date and time in UTC, the locale's way ("2 déc. 2026, 14:05:00")."""
        from babel.dates import format_datetime

        return format_datetime(datetime.fromtimestamp(ts, UTC), format=format, tzinfo=UTC, locale=self.locale)


def po_path(code: str, root: Path = LOCALE_DIR) -> Path:
    return root / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def available(root: Path = LOCALE_DIR) -> list[str]:
    """Language codes with a catalog, the source language first, then alphabetical."""
    codes = sorted(p.name for p in root.iterdir() if po_path(p.name, root).is_file()) if root.is_dir() else []
    return sorted(set(codes) | {SOURCE}, key=lambda c: (c != SOURCE, c))


def compile_catalog(catalog: Catalog) -> Translations:
    """Compile in memory (fuzzy and empty entries left out: they fall back to English)."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def js_msgids(root: Path = HERE) -> list[str]:
    """The messages the page scripts ask for (sent to the browser as a JSON catalog)."""
    from babel.messages.extract import extract_from_file

    ids: list[str] = []
    for rel in JS_SOURCES:
        for _lineno, msg, _comments, _ctx in extract_from_file("javascript", str(root / rel), keywords=KEYWORDS):
            if isinstance(msg, str) and msg not in ids:
                ids.append(msg)
    return ids


def load_language(code: str, root: Path = LOCALE_DIR) -> Language:
    loc = Locale.parse(code.replace("-", "_"))
    path = po_path(code, root)
    if path.is_file():
        with path.open("rb") as f:
            translations = compile_catalog(read_po(f, locale=loc, domain=DOMAIN))
    else:
        translations = Translations(domain=DOMAIN)  # the source language without a catalog
    name = loc.get_display_name(loc) or code
    lang = Language(code, name[:1].upper() + name[1:], loc.text_direction, loc, translations)
    lang.js_catalog = {m: lang.gettext(m) for m in js_msgids()}
    return lang


@lru_cache(maxsize=4)
def languages(root: Path = LOCALE_DIR) -> dict[str, Language]:
    return {code: load_language(code, root) for code in available(root)}


# -- choosing the language of a request --------------------------------------------------------------
_TAG = re.compile(r"^(?:[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)$")


def parse_accept_language(header: str | None) -> list[str]:
    """``"fr-CA,fr;q=0.9,en;q=0.8"`` -> ``["fr-CA", "fr", "en"]`` (by q, then order; q=0 and junk dropped)."""
    prefs = []
    for i, item in enumerate((header or "")[:2000].split(",")[:40]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        q = 1.0
        m = re.search(r"q\s*=\s*([^;\s]*)", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                continue  # a malformed weight: drop the entry rather than read it as q=1
            if not 0.0 <= q <= 1.0:
                continue
        if _TAG.match(tag) and q > 0:
            prefs.append((-q, i, tag))
    return [tag for _, _, tag in sorted(prefs)]


def negotiate(header: str | None, codes: list[str] | tuple[str, ...]) -> str | None:
    """The first preference we have: exact tag, else its language ("fr-CA" -> "fr"); "*" -> None."""
    by_lower = {c.lower().replace("_", "-"): c for c in codes}
    for tag in parse_accept_language(header):
        t = tag.lower().replace("_", "-")
        if t in by_lower:
            return by_lower[t]
        base = t.split("-")[0]
        if base in by_lower:
            return by_lower[base]
    return None


def pick(saved: str | None, cookie: str | None, accept_language: str | None, codes) -> str:
    for code in (saved, cookie):
        if code and code in codes:
            return code
    return negotiate(accept_language, codes) or SOURCE


# -- catalog maintenance (camdetect review translations) ----------------------------------------------
def extract(root: Path = HERE) -> Catalog:
    """Every translatable message of the app: templates, page scripts, Python (the POT)."""
    cat = Catalog(project="camdetect review", version="", creation_date=TEMPLATE_DATE,
                  revision_date=TEMPLATE_DATE, msgid_bugs_address="", copyright_holder="camdetect contributors",
                  charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS, comment_tags=("Translators:",),
            strip_comment_tags=True):
        cat.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return cat


def _read(path: Path, code: str) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code.replace("-", "_"), domain=DOMAIN)


def _write(path: Path, cat: Catalog, **kw) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, cat, width=100, sort_output=False, include_lineno=False, **kw)  # file names only: less churn
    path.write_bytes(buf.getvalue())


def update_catalogs(root: Path = LOCALE_DIR, init: str | None = None) -> list[str]:
    """Re-extract, write ``messages.pot``, merge it into every catalog (new entries empty, changed ones
    fuzzy, removed ones dropped; the source language copies each msgid). ``init``: start a new language.
    Returns the codes updated."""
    if init:
        Locale.parse(init.replace("-", "_"))  # an unknown code fails here, before any file is written
    template = extract()
    _write(root / f"{DOMAIN}.pot", template, omit_header=False)
    codes = set(available(root)) | ({init} if init else set())
    for code in sorted(codes):
        path = po_path(code, root)
        if path.is_file():
            cat = _read(path, code)
        else:
            cat = Catalog(locale=code.replace("-", "_"), domain=DOMAIN, project="camdetect review",
                          creation_date=TEMPLATE_DATE, charset="utf-8", fuzzy=False)
        cat.update(copy.deepcopy(template), update_creation_date=True)  # update() adopts new Message objects
        cat.last_translator = cat.language_team = "camdetect contributors"
        if code == SOURCE:
            for msg in cat:
                if msg.id:
                    msg.string = msg.id
                    msg.flags.discard("fuzzy")
        cat.revision_date = TEMPLATE_DATE
        cat.fuzzy = False
        _write(path, cat, ignore_obsolete=True, omit_header=False)
    languages.cache_clear()
    return sorted(codes)


@dataclass
class CatalogReport:
    code: str
    total: int
    translated: int
    missing: list[str]  # in the sources, not in the catalog (or no translation)
    fuzzy: list[str]  # flagged fuzzy: a source string changed and nobody checked the translation
    stale: list[str]  # in the catalog, no longer in the sources (obsolete)
    errors: list[str]  # placeholders that do not match ("%(n)s" lost or renamed) and similar

    @property
    def coverage(self) -> float:
        return self.translated / self.total if self.total else 1.0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.fuzzy or self.stale or self.errors)


def _key(msg) -> tuple:
    return (msg.id if isinstance(msg.id, str) else tuple(msg.id), msg.context)


def check_catalog(code: str, template: Catalog | None = None, root: Path = LOCALE_DIR) -> CatalogReport:
    template = template if template is not None else extract()
    wanted = {_key(m): m for m in template if m.id}
    cat = _read(po_path(code, root), code)
    have = {_key(m): m for m in cat if m.id}

    def done(m) -> bool:
        s = m.string
        return all(s) if isinstance(s, list | tuple) else bool(s)

    missing = [str(k[0]) for k, m in wanted.items() if k not in have or not done(have[k])]
    fuzzy = [str(k[0]) for k, m in have.items() if k in wanted and m.fuzzy]
    stale = [str(k[0]) for k in have if k not in wanted] + [str(k) for k in cat.obsolete]
    errors = [f"{msg.id!r}: {err}" for msg, errs in cat.check() for err in errs]
    translated = sum(1 for k in wanted if k in have and done(have[k]) and not have[k].fuzzy)
    return CatalogReport(code, len(wanted), translated, missing, fuzzy, stale, errors)
