// camdetect review: one task at a time. Plain JS, no build step, no inline script (strict CSP).
// The canvas draws the full-resolution view image under a zoom/pan transform (wheel, pinch, drag,
// + / - / arrow keys); a thumbnail shows where the visible part sits in the whole view. Boxes have
// handles outside their corners (so small boxes stay visible) and can be drawn and adjusted with the
// keyboard alone. Pointer events: mouse, touch and pen alike. All user text goes in via textContent.
(function () {
  "use strict";
  const root = document.getElementById("task");
  const csrf = root.dataset.csrf;
  const TYPES = root.dataset.types.split(",");
  const MOUNTS = root.dataset.mounts.split(",");
  const PRACTICE = root.dataset.mode === "practice";  // practice: known answers, feedback after each one
  const canvas = document.getElementById("canvas"), thumb = document.getElementById("thumb");
  const ctx = canvas.getContext("2d"), tctx = thumb.getContext("2d");
  const $ = (id) => document.getElementById(id);
  const _ = window.camdetectI18n.gettext, num = window.camdetectI18n.number;
  const TYPE_NAMES = { dome: _("Dome / PTZ"), bullet: _("Bullet"), alpr: _("Licence-plate reader"), unknown: _("Can't tell") };
  const MOUNT_NAMES = { street_furniture: _("Pole / light / signal"), building: _("Building"), other: _("Other") };
  const ANSWER_NAMES = { yes: _("Camera"), no: _("No camera"), unsure: _("Not sure"), done: _("Spot check") };
  const typeName = (t) => TYPE_NAMES[t] || (t ? t.replace("_", " ") : "?");
  const mountName = (m) => MOUNT_NAMES[m] || (m ? m.replace("_", " ") : "?");
  const NATIVE_MAX = 2;  // a new task opens at most 2x enlarged; more only when the volunteer zooms
  let task = null, img = null, box = null, answer = null, type = null, mount = null, whole = false;
  let added = [], mode = "edit", drag = null, pending = null, adjustFrom = null, saved = null, started = 0, busy = false;
  let view = { z: 1, cx: 0, cy: 0 }, cssW = 0, cssH = 0, graded = null;
  const pointers = new Map();

  // -- messages: the confirmation stays until the volunteer's next action -------------------------
  function status(msg, bad) { const s = $("status"); s.textContent = msg; s.className = "status" + (bad ? " bad" : ""); }
  function acted() { if ($("status").dataset.kind === "saved") { $("status").dataset.kind = ""; status(""); } }
  function confirmSaved(msg) { status(msg); $("status").dataset.kind = "saved"; }

  function setPressed(attr, value) {
    root.querySelectorAll("[data-" + attr + "]").forEach((b) => {
      const on = b.dataset[attr] === value;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.classList.toggle("on", on);
    });
  }

  function choose(kind, value) {
    acted();
    if (kind === "answer") { answer = value; setPressed("answer", value); }
    if (kind === "type") { type = value; setPressed("type", value); if (!answer) choose("answer", "yes"); }
    if (kind === "mount") { mount = value; setPressed("mount", value); if (!answer) choose("answer", "yes"); }
    draw();
  }

  // -- the view transform: z CSS px per image px, (cx, cy) the image point at the canvas centre -----
  function fitZ(w, h) { return Math.min(cssW / w, cssH / h); }
  function focusBox() {
    if (!task) return;
    if (whole || !task.box) { view = { z: fitZ(task.width, task.height), cx: task.width / 2, cy: task.height / 2 }; return; }
    const [x1, y1, x2, y2] = task.box;
    const half = Math.max(80, 3 * Math.max(x2 - x1, y2 - y1));
    view = { z: Math.min(fitZ(2 * half, 2 * half), NATIVE_MAX), cx: (x1 + x2) / 2, cy: (y1 + y2) / 2 };
    clampView();
  }
  function zLimits() { const zMin = Math.min(fitZ(task.width, task.height), 1); return [zMin, Math.max(zMin, 16)]; }
  function clampView() {
    const [zMin, zMax] = zLimits();
    view.z = Math.min(Math.max(view.z, zMin), zMax);
    const hw = cssW / 2 / view.z, hh = cssH / 2 / view.z;  // keep the image in sight (centred when smaller)
    view.cx = hw * 2 >= task.width ? task.width / 2 : Math.min(Math.max(view.cx, hw), task.width - hw);
    view.cy = hh * 2 >= task.height ? task.height / 2 : Math.min(Math.max(view.cy, hh), task.height - hh);
  }
  function zoomAt(factor, sx, sy) {  // keep the image point under (sx, sy) (CSS px) where it is
    if (!task) return;
    acted();
    if (sx == null) { sx = cssW / 2; sy = cssH / 2; }
    const [ix, iy] = fromCanvas(sx, sy);
    view.z *= factor; clampView();
    view.cx = ix - (sx - cssW / 2) / view.z; view.cy = iy - (sy - cssH / 2) / view.z;
    clampView(); draw();
  }
  function pan(dx, dy) { if (!task) return; acted(); view.cx -= dx / view.z; view.cy -= dy / view.z; clampView(); draw(); }
  function toCanvas(x, y) { return [(x - view.cx) * view.z + cssW / 2, (y - view.cy) * view.z + cssH / 2]; }
  function fromCanvas(sx, sy) { return [view.cx + (sx - cssW / 2) / view.z, view.cy + (sy - cssH / 2) / view.z]; }
  function local(ev) { const r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; }
  function toImage(ev) {
    const p = fromCanvas(...local(ev));
    return [Math.min(Math.max(p[0], 0), task.width), Math.min(Math.max(p[1], 0), task.height)];
  }

  function layout() {
    if (!task) return;
    const stage = canvas.parentElement;
    const wide = window.innerWidth >= 1000;
    cssW = stage.clientWidth;
    cssH = Math.round(Math.min(Math.max(cssW * task.height / task.width, 220), window.innerHeight * (wide ? 0.78 : 0.4)));
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = cssW + "px"; canvas.style.height = cssH + "px";
    canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
    focusBox(); draw();
  }

  // -- drawing ------------------------------------------------------------------------------------
  const HANDLE = () => (matchMedia("(pointer: coarse)").matches ? 9 : 6);  // half size, CSS px
  function handleCentres(b) {  // outside the corners: they never hide a small box
    const [x1, y1] = toCanvas(b[0], b[1]), [x2, y2] = toCanvas(b[2], b[3]), o = HANDLE() + 3;
    return [[0, 1, x1 - o, y1 - o], [2, 1, x2 + o, y1 - o], [0, 3, x1 - o, y2 + o], [2, 3, x2 + o, y2 + o]];
  }
  function rect(b, color, handles, label, dashed) {
    const [x, y] = toCanvas(b[0], b[1]), w = (b[2] - b[0]) * view.z, h = (b[3] - b[1]) * view.z;
    ctx.setLineDash(dashed ? [5, 4] : []);
    ctx.lineWidth = 3; ctx.strokeStyle = "#000"; ctx.strokeRect(x - 1.5, y - 1.5, w + 3, h + 3);
    ctx.lineWidth = 1.5; ctx.strokeStyle = color; ctx.strokeRect(x - 1.5, y - 1.5, w + 3, h + 3);
    ctx.setLineDash([]);
    if (handles) {
      const r = HANDLE();
      handleCentres(b).forEach(([, , hx, hy]) => {
        ctx.fillStyle = "#000"; ctx.fillRect(hx - r - 1, hy - r - 1, 2 * r + 2, 2 * r + 2);
        ctx.fillStyle = color; ctx.fillRect(hx - r, hy - r, 2 * r, 2 * r);
      });
    }
    if (label) { ctx.font = "bold 14px sans-serif"; ctx.fillStyle = "#000"; ctx.fillText(label, x + 1, y - 7); ctx.fillStyle = color; ctx.fillText(label, x, y - 8); }
  }

  function draw() {
    if (!cssW) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#222"; ctx.fillRect(0, 0, cssW, cssH);
    if (task && img && img.complete && img.naturalWidth) {
      ctx.imageSmoothingEnabled = view.z < 4;  // past 4x show the real pixels, not a blur
      ctx.imageSmoothingQuality = "high";
      const [x, y] = toCanvas(0, 0);
      ctx.drawImage(img, 0, 0, img.naturalWidth, img.naturalHeight, x, y, task.width * view.z, task.height * view.z);
    }
    const boxColor = graded ? (graded.correct ? "#3d3" : "#f55") : answer === "no" ? "#f55" : "#ff0";
    if (box) rect(box, boxColor, !graded && (mode === "edit" || mode === "adjust"), null, mode === "adjust");
    added.forEach((a, i) => rect(a.box, "#3cf", false, "+" + (i + 1)));
    if (pending) rect(norm(pending), "#3cf", true, "+" + (added.length + 1), true);
    canvas.dataset.transform = "scale(" + view.z.toFixed(4) + ") translate(" + (-view.cx).toFixed(1) + "," + (-view.cy).toFixed(1) + ")";
    drawThumb();
  }

  function drawThumb() {
    if (!task) return;
    const tw = thumb.width, th = Math.max(1, Math.round(tw * task.height / task.width));
    if (thumb.height !== th) thumb.height = th;
    const s = tw / task.width;
    tctx.fillStyle = "#222"; tctx.fillRect(0, 0, tw, th);
    if (img && img.complete && img.naturalWidth) tctx.drawImage(img, 0, 0, tw, th);
    if (task.box) { tctx.fillStyle = "#ff0"; const b = task.box; tctx.fillRect(b[0] * s - 1, b[1] * s - 1, Math.max(3, (b[2] - b[0]) * s + 2), Math.max(3, (b[3] - b[1]) * s + 2)); }
    const [x1, y1] = fromCanvas(0, 0), [x2, y2] = fromCanvas(cssW, cssH);
    tctx.lineWidth = 2; tctx.strokeStyle = "#fff";
    tctx.strokeRect(Math.max(x1, 0) * s, Math.max(y1, 0) * s, (Math.min(x2, task.width) - Math.max(x1, 0)) * s, (Math.min(y2, task.height) - Math.max(y1, 0)) * s);
    thumb.hidden = false;
  }

  function norm(b) { return [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])]; }

  // -- pointer: drag handles / box, draw a new box, pan with one finger, pinch with two, wheel zoom ---
  function hit(sx, sy) {
    if (!box || (mode !== "edit" && mode !== "adjust")) return null;
    const reach = HANDLE() + (matchMedia("(pointer: coarse)").matches ? 12 : 6);
    for (const [ix, iy, hx, hy] of handleCentres(box)) if (Math.abs(sx - hx) <= reach && Math.abs(sy - hy) <= reach) return { kind: "corner", ix: ix, iy: iy };
    const [x1, y1] = toCanvas(box[0], box[1]), [x2, y2] = toCanvas(box[2], box[3]);
    if (sx >= x1 && sx <= x2 && sy >= y1 && sy <= y2) return { kind: "move", from: fromCanvas(sx, sy), orig: box.slice() };
    return null;
  }

  canvas.addEventListener("pointerdown", (ev) => {
    if (!task) return;
    acted();
    pointers.set(ev.pointerId, local(ev));
    try { canvas.setPointerCapture(ev.pointerId); } catch (e) { /* not an active pointer (synthetic event) */ }
    ev.preventDefault();
    if (pointers.size === 2) {  // pinch: zoom about the midpoint
      const [a, b] = [...pointers.values()];
      drag = { kind: "pinch", d0: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, z0: view.z,
        at: fromCanvas((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) };
      return;
    }
    const [sx, sy] = local(ev), p = toImage(ev);
    if (mode === "add") drag = { kind: "new", box: [p[0], p[1], p[0], p[1]] };
    else drag = hit(sx, sy) || { kind: "pan", last: [sx, sy] };
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!pointers.has(ev.pointerId)) return;
    pointers.set(ev.pointerId, local(ev));
    if (!drag) return;
    const [sx, sy] = local(ev);
    if (drag.kind === "pinch") {
      if (pointers.size < 2) return;
      const [a, b] = [...pointers.values()], mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2;
      view.z = drag.z0 * Math.hypot(a[0] - b[0], a[1] - b[1]) / drag.d0; clampView();
      view.cx = drag.at[0] - (mx - cssW / 2) / view.z; view.cy = drag.at[1] - (my - cssH / 2) / view.z; clampView();
    } else if (drag.kind === "pan") { pan(sx - drag.last[0], sy - drag.last[1]); drag.last = [sx, sy]; return; }
    else {
      const p = toImage(ev);
      if (drag.kind === "new") { pending = [drag.box[0], drag.box[1], p[0], p[1]]; }
      else if (drag.kind === "corner") { box[drag.ix] = p[0]; box[drag.iy] = p[1]; }
      else {
        const dx = p[0] - drag.from[0], dy = p[1] - drag.from[1], o = drag.orig;
        const cx = Math.min(Math.max(dx, -o[0]), task.width - o[2]), cy = Math.min(Math.max(dy, -o[1]), task.height - o[3]);
        box = [o[0] + cx, o[1] + cy, o[2] + cx, o[3] + cy];
      }
    }
    draw();
  });
  function endDrag(ev) {
    pointers.delete(ev.pointerId);
    if (!drag) return;
    if (drag.kind === "pinch") { if (pointers.size === 0) drag = null; return; }
    if (drag.kind === "new") {
      const b = pending ? norm(pending) : null;
      if (b && (b[2] - b[0]) * view.z >= 4 && (b[3] - b[1]) * view.z >= 4) { pending = null; addBox(b); setMode("edit"); }
    } else if (drag.kind === "corner" || drag.kind === "move") {
      box = norm(box);
      if (task.kind === "suggestion" && answer !== "yes") choose("answer", "yes");
    }
    drag = null; draw();
  }
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("wheel", (ev) => {
    if (!task) return;
    ev.preventDefault();
    const [sx, sy] = local(ev);
    zoomAt(Math.exp(-Math.max(-100, Math.min(100, ev.deltaY)) * 0.003), sx, sy);
  }, { passive: false });
  thumb.addEventListener("click", (ev) => {  // jump there
    if (!task) return;
    const r = thumb.getBoundingClientRect();
    view.cx = (ev.clientX - r.left) / r.width * task.width; view.cy = (ev.clientY - r.top) / r.height * task.height;
    clampView(); draw();
  });

  // -- keyboard boxes: A starts a box at the centre, E adjusts the yellow box -----------------------
  function startKeyboardBox() {
    if (!task) return;
    const s = Math.max(4, 40 / view.z);
    pending = [view.cx - s / 2, view.cy - s / 2, view.cx + s / 2, view.cy + s / 2].map((v, i) => Math.min(Math.max(v, 0), i % 2 ? task.height : task.width));
    setMode("add");
    status(_("New box at the centre: arrows move it, Shift+arrows resize it, Enter keeps it, Esc cancels. Or draw it with the mouse or a finger."));
    draw();
  }
  function nudge(b, key, shift) {
    const step = Math.max(0.5, 8 / view.z);
    const d = { arrowleft: [-step, 0], arrowright: [step, 0], arrowup: [0, -step], arrowdown: [0, step] }[key];
    if (shift) { b[2] = Math.max(b[0] + 1, Math.min(task.width, b[2] + d[0])); b[3] = Math.max(b[1] + 1, Math.min(task.height, b[3] + d[1])); }
    else {
      const dx = Math.min(Math.max(d[0], -b[0]), task.width - b[2]), dy = Math.min(Math.max(d[1], -b[1]), task.height - b[3]);
      b[0] += dx; b[2] += dx; b[1] += dy; b[3] += dy;
    }
    draw();
  }

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

  function setMode(m) {
    if (m !== "add") pending = null;
    mode = m;
    $("add").classList.toggle("on", m === "add"); $("add").setAttribute("aria-pressed", m === "add" ? "true" : "false");
    $("adjust").classList.toggle("on", m === "adjust"); $("adjust").setAttribute("aria-pressed", m === "adjust" ? "true" : "false");
    draw();
  }

  // -- tasks --------------------------------------------------------------------------------------
  function show(t) {
    task = t; whole = t.kind === "spot"; added = []; graded = null;
    if (PRACTICE) { root.classList.remove("answered"); $("feedback").hidden = true; } mode = "edit"; drag = null; pending = null; answer = null; type = null; mount = null;
    renderAdded(); setMode("edit"); setPressed("answer", null); setPressed("type", null); setPressed("mount", null);
    $("comment").value = "";
    $("whole").classList.toggle("on", whole);
    const spot = t.kind === "spot";
    root.classList.toggle("spot", spot);
    box = t.box ? t.box.slice() : null;
    // no pre-selected answer, type or mount: the model's guess is shown only after the answer
    $("prompt").textContent = spot
      ? _("Spot check: find every camera in this view. Press A (or Add) and draw a box around each, then Submit.")
      : PRACTICE ? _("Practice %(n)s of %(total)s: is there a surveillance camera in the yellow box?", { n: t.number, total: t.total })
      : _("Is there a surveillance camera in the yellow box?");
    img = new Image();
    img.onload = () => draw();
    img.onerror = () => status(_("Could not load the image."), true);
    img.src = t.image_url || "/media/" + t.image_path.split("/").map(encodeURIComponent).join("/");
    layout(); started = Date.now();
    window.scrollTo(0, 0);  // each new task starts at the top (phones)
    const f = document.activeElement;  // Enter must not press the Skip / Undo button that was clicked last
    if (f && f.tagName === "BUTTON" && (f.id === "skip" || f.id === "undo" || f.id === "submit")) f.blur();
  }

  async function next() {
    task = null;
    $("prompt").textContent = _("Loading...");
    const r = await fetch(PRACTICE ? "/api/practice/next" : "/api/tasks/next", { headers: { accept: "application/json" } });
    if (r.status === 401) { location.href = "/login"; return; }
    const j = await r.json();
    if (!j.task) { $("prompt").textContent = PRACTICE ? _("There are no practice tasks yet; a coordinator can add some.") : _("No tasks left. Thank you!"); root.classList.add("empty"); window.scrollTo(0, 0); return; }
    root.classList.remove("empty"); show(j.task);
  }

  function describe(a) {
    const what = ANSWER_NAMES[a.answer] || a.answer;
    return a.answer === "yes" ? _("%(answer)s: %(type)s on %(mount)s", { answer: what, type: typeName(a.type), mount: mountName(a.mount) }) : what;
  }

  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: body ? JSON.stringify(body) : "{}" });
    const j = await r.json().catch(() => ({}));
    return { ok: r.ok, status: r.status, j: j };
  }

  async function submit() {
    if (!task || busy) return;
    if (task.kind === "suggestion" && !answer) { status(_("Choose Camera (Y), No camera (N) or Not sure (U) first."), true); return; }
    const body = { answer: task.kind === "spot" ? "done" : answer, added: added.map((a) => ({ x1: a.box[0], y1: a.box[1], x2: a.box[2], y2: a.box[3], type: a.type, mount: a.mount })),
      comment: $("comment").value, seconds: (Date.now() - started) / 1000 };
    if (answer === "yes") { body.type = type || "unknown"; body.mount = mount || "other"; body.box = box.map((v) => Math.round(v * 100) / 100); }
    busy = true;
    if (PRACTICE) { try { await practiceSubmit(body); } finally { busy = false; } return; }
    try {
      const t = task, r = await post("/api/tasks/" + t.id + "/answer", body);
      if (!r.ok) { status(_("Not saved: %(reason)s", { reason: r.j.detail || r.status }), true); if (r.status === 409) await next(); return; }
      let msg = _("Saved.") + " " + _("Your answer: %(what)s.", { what: describe(body) });
      if (added.length) msg += " " + _("Missed cameras added: %(n)s.", { n: added.length });
      if (t.kind === "suggestion") msg += " " + _("The model guessed %(type)s on %(mount)s (score %(score)s).", {
        type: typeName(t.model_type), mount: mountName(t.model_mount), score: t.score != null ? num(t.score, 2) : "?" });
      await next();
      confirmSaved(msg);
      history();
    } finally { busy = false; }
  }

  // -- practice: grade at once, say what the right answer was and why --------------------------------
  function expectedText(e) {
    if (e.answer !== "yes") return ANSWER_NAMES.no;
    if (!e.type && !e.mount) return ANSWER_NAMES.yes;
    return describe({ answer: "yes", type: e.type || "unknown", mount: e.mount || "other" });
  }
  async function practiceSubmit(body) {
    const t = task;
    const r = await post("/api/practice/" + t.id + "/answer", { answer: body.answer, type: body.type || null, mount: body.mount || null, round: t.round });
    if (!r.ok) { status(_("Not saved: %(reason)s", { reason: r.j.detail || r.status }), true); if (r.status === 409) await next(); return; }
    const f = r.j, e = f.expected;
    graded = f;
    $("fb-verdict").textContent = f.correct ? _("Right!") : _("Not quite.");
    $("feedback").className = "feedback " + (f.correct ? "right" : "wrong");
    $("fb-expected").textContent = _("The right answer: %(what)s.", { what: expectedText(e) });
    let detail = "";
    if (body.answer === "unsure") detail = _("On real tasks, Not sure is right when you cannot tell; here the answer is known.");
    else if (f.answer_ok && f.type_ok === false) detail = _("The type is %(right)s, not %(yours)s.", { right: typeName(e.type), yours: typeName(body.type) });
    if (f.answer_ok && f.mount_ok === false) detail += (detail ? " " : "") + _("The mount is %(right)s, not %(yours)s.", { right: mountName(e.mount), yours: mountName(body.mount) });
    $("fb-detail").textContent = detail; $("fb-detail").hidden = !detail;
    $("fb-why").textContent = f.explanation + (f.note ? " " + f.note : "");
    $("fb-yours").textContent = _("Your answer: %(what)s.", { what: describe(body) });
    $("fb-score").textContent = f.round_done ? _("Practice finished: %(right)s of %(total)s right.", { right: num(f.right), total: num(f.total) })
      : _("%(right)s of %(done)s right so far (%(total)s in this round).", { right: num(f.right), done: num(f.done), total: num(f.total) });
    $("fb-next").hidden = f.round_done; $("fb-done").hidden = !f.round_done;
    root.classList.add("answered"); $("feedback").hidden = false;
    draw();
    $("feedback").scrollIntoView({ block: "nearest" });
    (f.round_done ? $("fb-done").querySelector("a") : $("fb-next")).focus();
  }

  async function skip() {
    if (!task || busy) return;
    busy = true;
    try {
      const r = await post("/api/tasks/" + task.id + "/skip");
      if (!r.ok) { status(_("Could not skip: %(reason)s", { reason: r.j.detail || r.status }), true); return; }
      await next();
      confirmSaved(_("Skipped: the task went back to the pool."));
    } finally { busy = false; }
  }

  async function undo() {
    if (busy) return;
    busy = true;
    try {
      const r = await post("/api/me/undo");
      if (!r.ok) { status(_("Cannot undo: %(reason)s", { reason: r.j.detail || r.status }), true); history(); return; }
      root.classList.remove("empty"); show(r.j.task);
      confirmSaved(_("Your last answer was taken back: answer this task again."));
      history();
    } finally { busy = false; }
  }

  async function history() {
    const since = new Date(); since.setHours(0, 0, 0, 0);
    const r = await fetch("/api/me/history?limit=5&since=" + since.getTime() / 1000, { headers: { accept: "application/json" } });
    if (!r.ok) return;
    const h = await r.json();
    $("counter").textContent = _("Answers today: %(n)s", { n: num(h.today) });
    $("undo").disabled = !(h.answers.length && h.answers[0].undoable);
    const ol = $("history-list"); ol.textContent = "";
    h.answers.forEach((a) => {
      const li = document.createElement("li"), link = document.createElement("a");
      link.href = "/media/" + a.image_path.split("/").map(encodeURIComponent).join("/");
      link.textContent = describe(a) + (a.added ? " (+" + a.added + ")" : "");
      const when = document.createElement("span"); when.className = "small";
      when.textContent = " " + new Date(a.created_at * 1000).toLocaleTimeString(window.camdetectI18n.lang, { hour: "2-digit", minute: "2-digit" });
      li.appendChild(link); li.appendChild(when); ol.appendChild(li);
    });
    $("history-empty").hidden = h.answers.length > 0;
  }

  root.querySelectorAll("[data-answer]").forEach((b) => b.addEventListener("click", () => choose("answer", b.dataset.answer)));
  root.querySelectorAll("[data-type]").forEach((b) => b.addEventListener("click", () => choose("type", b.dataset.type)));
  root.querySelectorAll("[data-mount]").forEach((b) => b.addEventListener("click", () => choose("mount", b.dataset.mount)));
  $("whole").addEventListener("click", () => { if (!task) return; acted(); whole = !whole; $("whole").classList.toggle("on", whole); focusBox(); draw(); });
  $("zoomin").addEventListener("click", () => zoomAt(1.5));
  $("zoomout").addEventListener("click", () => zoomAt(1 / 1.5));
  $("add").addEventListener("click", () => { acted(); if (mode === "add") setMode("edit"); else startKeyboardBox(); });
  $("adjust").addEventListener("click", () => { acted(); if (!box) return; if (mode === "adjust") setMode("edit"); else { adjustFrom = box.slice(); setMode("adjust");
    status(_("Adjusting the box: arrows move it, Shift+arrows resize it, Enter keeps it, Esc cancels.")); } });
  $("reset").addEventListener("click", () => { acted(); if (task && task.box) { box = task.box.slice(); draw(); } });
  $("submit").addEventListener("click", submit);
  $("skip").addEventListener("click", skip);
  $("undo").addEventListener("click", undo);
  if (PRACTICE) $("fb-next").addEventListener("click", () => { if (graded && !busy) next(); });
  const KEYS = { y: ["answer", "yes"], n: ["answer", "no"], u: ["answer", "unsure"], d: ["type", "dome"], b: ["type", "bullet"],
    l: ["type", "alpr"], k: ["type", "unknown"], p: ["mount", "street_furniture"], w: ["mount", "building"], o: ["mount", "other"] };
  const ARROWS = ["arrowleft", "arrowright", "arrowup", "arrowdown"];
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target && ev.target.tagName) || "";
    if (["INPUT", "SELECT", "TEXTAREA"].includes(tag) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = ev.key.toLowerCase();
    if (PRACTICE && graded) {  // feedback on screen: Enter goes on, answer keys wait for the next task
      if (k === "enter" && tag !== "BUTTON" && tag !== "A" && !graded.round_done) { $("fb-next").click(); ev.preventDefault(); }
      if (KEYS[k] || k === "enter") return;
    }
    if (PRACTICE && "aesz".includes(k) && k.length === 1) return;  // no extra boxes, skip or undo in practice
    const editing = mode === "add" ? pending : mode === "adjust" ? box : null;
    if (ARROWS.includes(k)) {
      if (!task) return;
      if (editing) nudge(editing, k, ev.shiftKey);
      else { const s = 60; pan(k === "arrowleft" ? s : k === "arrowright" ? -s : 0, k === "arrowup" ? s : k === "arrowdown" ? -s : 0); }
      ev.preventDefault(); return;
    }
    if (k === "enter" && editing) {
      if (mode === "add") { const b = norm(pending); pending = null; addBox(b); }
      else if (task.kind === "suggestion" && answer !== "yes") choose("answer", "yes");
      adjustFrom = null; setMode("edit"); ev.preventDefault(); return;
    }
    if (k === "escape") { if (mode === "adjust" && adjustFrom) box = adjustFrom; adjustFrom = null; setMode("edit"); acted(); return; }
    if (KEYS[k] && task && task.kind === "suggestion") { choose(KEYS[k][0], KEYS[k][1]); ev.preventDefault(); }
    else if (k === "+" || k === "=") zoomAt(1.5);
    else if (k === "-" || k === "_") zoomAt(1 / 1.5);
    else if (k === "0") { acted(); whole = false; $("whole").classList.remove("on"); focusBox(); draw(); }
    else if (k === "v") $("whole").click();
    else if (k === "a") $("add").click();
    else if (k === "e" && task && task.kind === "suggestion") $("adjust").click();
    else if (k === "r") $("reset").click();
    else if (k === "s") skip();
    else if (k === "z") undo();
    else if (k === "enter" && tag !== "BUTTON") { submit(); ev.preventDefault(); }
  });
  window.addEventListener("resize", () => { if (!task) return; const keep = view; layout(); if (cssW) { view = keep; clampView(); draw(); } });
  // test hook (Playwright): where an image point is on screen, and the live state
  window.camdetectTask = { toCanvas: toCanvas, state: () => ({ task: task, box: box, answer: answer, type: type, mount: mount, added: added,
    whole: whole, view: Object.assign({}, view), mode: mode, pending: pending, graded: graded }) };
  next().then(() => { if (!PRACTICE) history(); });
})();
