// camdetect review: translations for the page scripts. The server puts this language's catalog in
// <script type="application/json" id="i18n"> (data, not code: allowed by the strict CSP); messages are
// marked _("...") in the scripts and extracted with the templates (camdetect review translations).
(function () {
  "use strict";
  const el = document.getElementById("i18n");
  let catalog = {};
  try { catalog = JSON.parse((el && el.textContent) || "{}"); } catch (e) { catalog = {}; }
  const lang = document.documentElement.lang || "en";
  // _("Added camera %(n)s", {n: 2}): the translation (or the English message), %(name)s filled in
  function gettext(msg, vars) {
    const text = catalog[msg] || msg;
    return vars ? text.replace(/%\((\w+)\)s/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
  }
  // numbers the locale's way: 0.42 -> "0.42" (en), "0,42" (fr, es)
  function number(value, digits) {
    const opts = digits == null ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
    try { return new Intl.NumberFormat(lang, opts).format(value); } catch (e) { return String(value); }
  }
  window.camdetectI18n = { gettext: gettext, number: number, lang: lang };
})();
