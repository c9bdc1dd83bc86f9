// "Answers today" on the account page counts from the volunteer's local midnight (the server's figure
// is since UTC midnight, for when scripts are off).
(function () {
  "use strict";
  const el = document.getElementById("answers-today");
  if (!el) return;
  const since = new Date(); since.setHours(0, 0, 0, 0);
  fetch("/api/me/progress?since=" + since.getTime() / 1000, { headers: { accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : null))
    .then((p) => { if (p) el.textContent = window.camdetectI18n.number(p.answers_today); })
    .catch(() => {});
})();
