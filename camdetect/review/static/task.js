// camdetect review: one task at a time. Plain JS, no build step, no inline script (strict CSP).
// The canvas shows the view zoomed on the suggestion (or the whole view); the box has corner
// handles (pointer events: mouse, touch and pen alike). All user text goes in via textContent.
(function () {
  "use strict";
  const root = document.getElementById("task");
  const csrf = root.dataset.csrf;
  const TYPES = root.dataset.types.split(",");
  const MOUNTS = root.dataset.mounts.split(",");
  const canvas = document.getElementById("canvas");
  const ctx = canvas.getContext("2d");
  const $ = (id) => document.getElementById(id);
  const _ = window.camdetectI18n.gettext, num = window.camdetectI18n.number;
  const TYPE_NAMES = { dome: _("Dome / PTZ"), bullet: _("Bullet"), alpr: _("Licence-plate reader"), unknown: _("Can't tell") };
  const MOUNT_NAMES = { street_furniture: _("Pole / light / signal"), building: _("Building"), other: _("Other") };
  const typeName = (t) => TYPE_NAMES[t] || (t ? t.replace("_", " ") : "?");
  const mountName = (m) => MOUNT_NAMES[m] || (m ? m.replace("_", " ") : "?");
  let task = null, img = null, crop = null, whole = false, box = null, answer = null, type = null, mount = null;
  let added = [], mode = "edit", drag = null, started = 0, busy = false;

  function status(msg, bad) { const s = $("status"); s.textContent = msg; s.className = "status" + (bad ? " bad" : ""); }

  function setPressed(attr, value) {
    root.querySelectorAll("[data-" + attr + "]").forEach((b) => {
      const on = b.dataset[attr] === value;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.classList.toggle("on", on);
    });
  }

  function choose(kind, value) {
    if (kind === "answer") { answer = value; setPressed("answer", value); }
    if (kind === "type") { type = value; setPressed("type", value); if (!answer) choose("answer", "yes"); }
    if (kind === "mount") { mount = value; setPressed("mount", value); if (!answer) choose("answer", "yes"); }
  }

  function cropFor() {
    const W = task.width, H = task.height;
    if (whole || !task.box) return { x: 0, y: 0, w: W, h: H };
    const [x1, y1, x2, y2] = task.box;
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
    let half = Math.max(80, 3 * Math.max(x2 - x1, y2 - y1));
    half = Math.min(half, W / 2, H / 2);
    const x = Math.min(Math.max(cx - half, 0), W - 2 * half), y = Math.min(Math.max(cy - half, 0), H - 2 * half);
    return { x: x, y: y, w: 2 * half, h: 2 * half };
  }

  function layout() {
    if (!task) return;
    crop = cropFor();
    const cssW = canvas.parentElement.clientWidth;
    const cssH = Math.min(cssW * crop.h / crop.w, window.innerHeight * (window.innerWidth >= 1000 ? 0.8 : 0.55));
    const w = cssH * crop.w / crop.h;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = w + "px"; canvas.style.height = cssH + "px";
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(cssH * dpr);
    draw();
  }

  function scale() { return canvas.width / crop.w; }
  function toCanvas(x, y) { // image px -> CSS px relative to the canvas
    const s = parseFloat(canvas.style.width) / crop.w;
    return [(x - crop.x) * s, (y - crop.y) * s];
  }
  function toImage(ev) {
    const r = canvas.getBoundingClientRect();
    const s = r.width / crop.w;
    const x = crop.x + (ev.clientX - r.left) / s, y = crop.y + (ev.clientY - r.top) / s;
    return [Math.min(Math.max(x, 0), task.width), Math.min(Math.max(y, 0), task.height)];
  }

  function rect(b, color, width, handles, label) {
    const s = scale();
    const x = (b[0] - crop.x) * s, y = (b[1] - crop.y) * s, w = (b[2] - b[0]) * s, h = (b[3] - b[1]) * s;
    ctx.lineWidth = width; ctx.strokeStyle = "#000"; ctx.strokeRect(x - 1, y - 1, w + 2, h + 2);
    ctx.strokeStyle = color; ctx.strokeRect(x, y, w, h);
    const dpr = window.devicePixelRatio || 1;
    if (handles && (w < 24 * dpr || h < 24 * dpr)) {  // too small for handles: ring it instead
      ctx.beginPath(); ctx.arc(x + w / 2, y + h / 2, Math.max(w, h) / 2 + 14 * dpr, 0, 2 * Math.PI);
      ctx.strokeStyle = color; ctx.stroke();
      handles = false;
    }
    if (handles) {
      const r = 7 * dpr;
      ctx.fillStyle = color;
      [[x, y], [x + w, y], [x, y + h], [x + w, y + h]].forEach(([hx, hy]) => { ctx.fillRect(hx - r, hy - r, 2 * r, 2 * r); });
    }
    if (label) { ctx.fillStyle = color; ctx.font = (14 * (window.devicePixelRatio || 1)) + "px sans-serif"; ctx.fillText(label, x, y - 6); }
  }

  function draw() {
    ctx.fillStyle = "#222"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (img && img.complete) ctx.drawImage(img, crop.x, crop.y, crop.w, crop.h, 0, 0, canvas.width, canvas.height);
    const lw = 2 * (window.devicePixelRatio || 1);
    if (box) rect(box, answer === "no" ? "#f55" : "#ff0", lw, mode === "edit", null);
    added.forEach((a, i) => rect(a.box, "#3cf", lw, false, "+" + (i + 1)));
    if (drag && drag.kind === "new") rect(norm(drag.box), "#3cf", lw, false, null);
  }

  function norm(b) { return [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])]; }

  function hit(p) {
    if (!box || mode !== "edit") return null;
    const tol = (matchMedia("(pointer: coarse)").matches ? 22 : 14) / (parseFloat(canvas.style.width) / crop.w);
    const corners = [[0, 1], [2, 1], [0, 3], [2, 3]];
    for (const [ix, iy] of corners) if (Math.abs(p[0] - box[ix]) < tol && Math.abs(p[1] - box[iy]) < tol) return { kind: "corner", ix: ix, iy: iy };
    if (p[0] > box[0] && p[0] < box[2] && p[1] > box[1] && p[1] < box[3]) return { kind: "move", from: p, orig: box.slice() };
    return null;
  }

  canvas.addEventListener("pointerdown", (ev) => {
    if (!task) return;
    const p = toImage(ev);
    if (mode === "add") drag = { kind: "new", box: [p[0], p[1], p[0], p[1]] };
    else drag = hit(p);
    if (drag) { canvas.setPointerCapture(ev.pointerId); ev.preventDefault(); }
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const p = toImage(ev);
    if (drag.kind === "new") { drag.box[2] = p[0]; drag.box[3] = p[1]; }
    else if (drag.kind === "corner") { box[drag.ix] = p[0]; box[drag.iy] = p[1]; }
    else {
      const dx = p[0] - drag.from[0], dy = p[1] - drag.from[1], o = drag.orig;
      const cx = Math.min(Math.max(dx, -o[0]), task.width - o[2]), cy = Math.min(Math.max(dy, -o[1]), task.height - o[3]);
      box = [o[0] + cx, o[1] + cy, o[2] + cx, o[3] + cy];
    }
    draw();
  });
  function endDrag() {
    if (!drag) return;
    if (drag.kind === "new") {
      const b = norm(drag.box);
      if (b[2] - b[0] >= 2 && b[3] - b[1] >= 2) addBox(b);
      setMode("edit");
    } else {
      box = norm(box);
      if (task.kind === "suggestion" && answer !== "yes") choose("answer", "yes");
    }
    drag = null; draw();
  }
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);

  function select(options, value, onchange, label, names) {
    const s = document.createElement("select");
    s.setAttribute("aria-label", label);
    options.forEach((o) => { const op = document.createElement("option"); op.value = o; op.textContent = names(o); s.appendChild(op); });
    s.value = value; s.addEventListener("change", () => onchange(s.value));
    return s;
  }

  function addBox(b) {
    const a = { box: b.map((v) => Math.round(v * 10) / 10), type: "unknown", mount: "other" };
    added.push(a); renderAdded(); status(_("Added camera %(n)s: set its type and mount below.", { n: added.length }));
  }

  function renderAdded() {
    const ul = $("added"); ul.textContent = "";
    added.forEach((a, i) => {
      const li = document.createElement("li");
      const t = document.createElement("span"); t.textContent = _("Missed camera +%(n)s", { n: i + 1 }); li.appendChild(t);
      li.appendChild(select(TYPES, a.type, (v) => { a.type = v; }, _("type of missed camera %(n)s", { n: i + 1 }), typeName));
      li.appendChild(select(MOUNTS, a.mount, (v) => { a.mount = v; }, _("mount of missed camera %(n)s", { n: i + 1 }), mountName));
      const rm = document.createElement("button"); rm.type = "button"; rm.textContent = _("Remove");
      rm.addEventListener("click", () => { added.splice(i, 1); renderAdded(); draw(); });
      li.appendChild(rm); ul.appendChild(li);
    });
    draw();
  }

  function setMode(m) { mode = m; $("add").classList.toggle("on", m === "add"); $("add").setAttribute("aria-pressed", m === "add" ? "true" : "false");
    if (m === "add") status(_("Draw a box around the camera the model missed.")); }

  function show(t) {
    task = t; whole = false; added = []; mode = "edit"; drag = null; answer = null; type = null; mount = null;
    renderAdded(); setPressed("answer", null); setPressed("type", null); setPressed("mount", null);
    $("comment").value = ""; status("");
    const spot = t.kind === "spot";
    root.classList.toggle("spot", spot);
    box = t.box ? t.box.slice() : null;
    if (spot) {
      whole = true;
      $("prompt").textContent = _("Spot check: find every camera in this view. Press A (or Add) and draw a box around each, then Submit.");
      $("guess").textContent = "";
    } else {
      type = t.model_type; mount = t.model_mount;
      setPressed("type", type); setPressed("mount", mount);
      $("prompt").textContent = _("Is there a surveillance camera in the yellow box?");
      $("guess").textContent = _("Model's guess: %(type)s on %(mount)s (score %(score)s) · intersection %(intersection)s", {
        type: typeName(t.model_type), mount: mountName(t.model_mount), score: t.score != null ? num(t.score, 2) : "?",
        intersection: t.intersection });
    }
    img = new Image();
    img.onload = () => layout();
    img.onerror = () => status(_("Could not load the image."), true);
    img.src = "/media/" + t.image_path.split("/").map(encodeURIComponent).join("/");
    layout(); started = Date.now();
  }

  async function next() {
    status(_("Loading..."));
    const r = await fetch("/api/tasks/next", { headers: { accept: "application/json" } });
    if (r.status === 401) { location.href = "/login"; return; }
    const j = await r.json();
    if (!j.task) { task = null; $("prompt").textContent = _("No tasks left. Thank you!"); root.classList.add("empty"); status(""); return; }
    root.classList.remove("empty"); show(j.task);
  }

  async function submit() {
    if (!task || busy) return;
    if (task.kind === "suggestion" && !answer) { status(_("Choose Camera (Y), No camera (N) or Not sure (U) first."), true); return; }
    const body = { answer: task.kind === "spot" ? "done" : answer, added: added.map((a) => ({ x1: a.box[0], y1: a.box[1], x2: a.box[2], y2: a.box[3], type: a.type, mount: a.mount })),
      comment: $("comment").value, seconds: (Date.now() - started) / 1000 };
    if (answer === "yes") { body.type = type || "unknown"; body.mount = mount || "other"; body.box = box.map((v) => Math.round(v * 100) / 100); }
    busy = true;
    try {
      const r = await fetch("/api/tasks/" + task.id + "/answer", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) });
      if (!r.ok) { const j = await r.json().catch(() => ({})); status(_("Not saved: %(reason)s", { reason: j.detail || r.status }), true); if (r.status === 409) await next(); return; }
      status(_("Saved.")); await next();
    } finally { busy = false; }
  }

  root.querySelectorAll("[data-answer]").forEach((b) => b.addEventListener("click", () => choose("answer", b.dataset.answer)));
  root.querySelectorAll("[data-type]").forEach((b) => b.addEventListener("click", () => choose("type", b.dataset.type)));
  root.querySelectorAll("[data-mount]").forEach((b) => b.addEventListener("click", () => choose("mount", b.dataset.mount)));
  $("whole").addEventListener("click", () => { whole = !whole; $("whole").classList.toggle("on", whole); layout(); });
  $("add").addEventListener("click", () => setMode(mode === "add" ? "edit" : "add"));
  $("reset").addEventListener("click", () => { if (task && task.box) { box = task.box.slice(); draw(); } });
  $("submit").addEventListener("click", submit);
  const KEYS = { y: ["answer", "yes"], n: ["answer", "no"], u: ["answer", "unsure"], d: ["type", "dome"], b: ["type", "bullet"],
    l: ["type", "alpr"], k: ["type", "unknown"], p: ["mount", "street_furniture"], w: ["mount", "building"], o: ["mount", "other"] };
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target && ev.target.tagName) || "";
    if (["INPUT", "SELECT", "TEXTAREA"].includes(tag) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = ev.key.toLowerCase();
    if (KEYS[k] && task && task.kind === "suggestion") { choose(KEYS[k][0], KEYS[k][1]); ev.preventDefault(); }
    else if (k === "v") $("whole").click();
    else if (k === "a") $("add").click();
    else if (k === "r") $("reset").click();
    else if (k === "escape") setMode("edit");
    else if (k === "enter" && tag !== "BUTTON") { submit(); ev.preventDefault(); }
  });
  window.addEventListener("resize", layout);
  // test hook (Playwright): where an image point is on screen, and the live state
  window.camdetectTask = { toCanvas: toCanvas, state: () => ({ task: task, box: box, answer: answer, type: type, mount: mount, added: added, whole: whole }) };
  next();
})();
