// /inspect/<project_id>?task=<id>: record an inspection on site, with or without signal. The stage's
// checklist (✓/✗ and a note per item), findings, the verdict, photos taken in the app (shrunk and
// hashed on the phone, EXIF read from the original first) and the phone's position. Submitting puts
// the inspection and then each photo into the outbox and returns to the project page at once.
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { enqueue, uuid } from "../outbox.js";
import { known } from "../recent.js";
import { errorBox, errorPage, showError, stageBadge } from "./common.js";
import { photoPicker } from "./photo-picker.js";
import * as stored from "../drafts.js";

const CHECKLIST_KEY = "jicai.checklists";
const MAX_PHOTOS = 12;

async function loadChecklists() {
  try {
    const data = await api("/checklists");
    try { localStorage.setItem(CHECKLIST_KEY, JSON.stringify(data)); } catch { /* full: the SW cache still has it */ }
    return data;
  } catch (err) {
    try {
      const saved = JSON.parse(localStorage.getItem(CHECKLIST_KEY));
      if (saved && saved.stages) return saved;
    } catch { /* nothing saved */ }
    return { stages: {}, unavailable: err.message };
  }
}

async function loadProject(id) {
  try {
    return await api(`/projects/${id}`);
  } catch (err) {
    if (err.status === 401) throw err;
    const p = known(id);
    if (p) return { ...p, offline: true };
    throw err;
  }
}

async function findTask(taskId) {
  if (!taskId) return null;
  try {
    const data = await api("/tasks", { query: { mine: "true", status: "open", per_page: 50 } });
    return (data.items || []).find((x) => String(x.id) === String(taskId)) || null;
  } catch { return null; }
}

const fmtCoord = (n) => Number(n).toFixed(5);

// A form being filled in is a draft until it is submitted or cancelled: kept in this tab's memory
// (a language switch, a look at the project page) and on the phone (drafts.js: the browser killed
// while the camera app was open, the app closed), so ticks, text and photos are never lost.
const drafts = new Map(); // "user|project|task" → {checks, verdict, findings, position, photos}

async function draftFor(key, items) {
  let state = drafts.get(key);
  let restored = false;
  if (!state) {
    const saved = await stored.load(key);
    const f = (saved && saved.fields) || {};
    state = { checks: new Map(f.checks || []), verdict: f.verdict || null, position: f.position || null,
      findings: f.findings || "", photos: (saved && saved.photos) || [] };
    restored = Boolean(saved);
    drafts.set(key, state);
  }
  for (const it of items) if (!state.checks.has(it.key)) state.checks.set(it.key, { ok: null, note: "" });
  return { state, restored };
}

/** Keep the fields once the inspector has put something in (a position alone is not a draft). */
function saveFields(key, state) {
  const touched = state.verdict || state.findings.trim() || state.photos.length
    || [...state.checks.values()].some((c) => c.ok !== null || c.note.trim());
  if (!touched) return stored.forgetFields(key);
  return stored.saveFields(key, { checks: [...state.checks], verdict: state.verdict, findings: state.findings,
    position: state.position });
}

export async function render(ctx) {
  const projectId = Number(ctx.params[0]);
  const taskId = ctx.query.get("task") || null;
  let project;
  try {
    project = await loadProject(projectId);
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const [lists, task] = await Promise.all([loadChecklists(), findTask(taskId)]);
  ctx.setTitle(t("inspect.title"));
  const back = project.code ? `/q/${encodeURIComponent(project.code)}` : `/p/${project.id}`;
  const items = (lists.stages && lists.stages[project.stage]) || [];
  const draftKey = `${ctx.session.user.id}|${projectId}|${taskId || ""}`;
  const { state, restored } = await draftFor(draftKey, items);
  const keep = () => saveFields(draftKey, state);
  const forget = () => { drafts.delete(draftKey); return stored.drop(draftKey); };

  // ---- checklist ----
  const lang = document.documentElement.lang === "en" ? "en" : "zh";
  const checklist = h("ol", { class: "checklist", "data-testid": "checklist" }, items.map((it) => {
    const entry = state.checks.get(it.key);
    const yes = h("button", { type: "button", class: "tog yes", "aria-pressed": "false", "data-testid": "check-ok",
      "aria-label": t("inspect.okLabel", { item: it[lang] || it.zh }) }, "✓");
    const no = h("button", { type: "button", class: "tog no", "aria-pressed": "false", "data-testid": "check-bad",
      "aria-label": t("inspect.badLabel", { item: it[lang] || it.zh }) }, "✗");
    const note = h("input", { class: "check-note", maxlength: 200, placeholder: t("inspect.itemNote"), hidden: true,
      "aria-label": t("inspect.itemNoteLabel", { item: it[lang] || it.zh }), oninput: () => { entry.note = note.value; keep(); } });
    const noteBtn = h("button", { type: "button", class: "linkish", onclick: () => { note.hidden = false; noteBtn.hidden = true; note.focus(); } }, t("inspect.addNote"));
    const set = (value) => {
      entry.ok = entry.ok === value ? null : value;
      yes.setAttribute("aria-pressed", String(entry.ok === true));
      no.setAttribute("aria-pressed", String(entry.ok === false));
      li.dataset.ok = entry.ok === null ? "" : String(entry.ok);
      // A ✗ suggests "problem found" (still the inspector's choice).
      if (entry.ok === false && !state.verdict) setVerdict("problem");
      if (entry.ok === false && note.hidden) { note.hidden = false; noteBtn.hidden = true; }
      keep();
    };
    yes.addEventListener("click", () => set(true));
    no.addEventListener("click", () => set(false));
    const li = h("li", { class: "check", "data-key": it.key, "data-testid": "check-item" },
      h("span", { class: "check-label" }, it[lang] || it.zh),
      h("span", { class: "check-tog" }, yes, no),
      noteBtn, note);
    // Drawn again from a draft: its tick and note.
    yes.setAttribute("aria-pressed", String(entry.ok === true));
    no.setAttribute("aria-pressed", String(entry.ok === false));
    li.dataset.ok = entry.ok === null ? "" : String(entry.ok);
    if (entry.note) { note.value = entry.note; note.hidden = false; noteBtn.hidden = true; }
    return li;
  }));

  // ---- findings + verdict ----
  const findings = h("textarea", { id: "findings", rows: 4, maxlength: 2000, "data-testid": "findings", placeholder: t("inspect.findingsHint"),
    oninput: () => { state.findings = findings.value; keep(); } });
  findings.value = state.findings;
  const verdictBtns = ["normal", "problem"].map((v) => h("button", { type: "button", class: `verdict ${v}`, "aria-pressed": "false",
    "data-testid": `verdict-${v}`, onclick: () => setVerdict(v) }, t(`verdict.${v}`)));
  function setVerdict(v) {
    state.verdict = v;
    for (const b of verdictBtns) b.setAttribute("aria-pressed", String(b.classList.contains(v)));
    keep();
  }
  if (state.verdict) setVerdict(state.verdict);

  // ---- position ----
  // Watched while the form is open: the freshest fix is attached (a minute-old one may be the last site).
  const posText = h("span", { "data-testid": "position" }, state.position
    ? t("geo.at", { lat: fmtCoord(state.position.lat), lng: fmtCoord(state.position.lng), acc: state.position.accuracy_m })
    : t("geo.locating"));
  let watchId = null;
  const stopWatch = () => { if (watchId !== null) navigator.geolocation.clearWatch(watchId); watchId = null; };
  ctx.onLeave(stopWatch);
  function locate() {
    if (!("geolocation" in navigator)) { posText.textContent = t("geo.unsupportedForm"); return; }
    stopWatch();
    if (!state.position) posText.textContent = t("geo.locating");
    watchId = navigator.geolocation.watchPosition((pos) => {
      const c = pos.coords;
      state.position = { lat: Math.round(c.latitude * 1e7) / 1e7, lng: Math.round(c.longitude * 1e7) / 1e7, accuracy_m: Math.round(c.accuracy) };
      keep();
      posText.textContent = t("geo.at", { lat: fmtCoord(c.latitude), lng: fmtCoord(c.longitude), acc: Math.round(c.accuracy) });
      posText.dataset.ok = "true";
    }, (err) => {
      if (state.position) return; // keep the last good fix
      posText.textContent = err && err.code === 1 ? t("geo.deniedForm") : t("geo.failedForm");
      posText.dataset.ok = "false";
    }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 10000 });
  }
  locate();

  // ---- photos ----
  const picker = photoPicker(ctx, { id: "photo-input", max: MAX_PHOTOS, onError: (message) => showError(error, message),
    photos: state.photos, onChange: (photos) => stored.savePhotos(draftKey, photos) });

  // ---- submit ----
  const error = errorBox();
  // A missing verdict or finding is said beside it, and the page goes there: on a phone the form is
  // several screens long and a message at its end would be below the fold.
  const verdictError = errorBox();
  verdictError.id = "verdict-error";
  verdictError.dataset.testid = "field-error";
  function fieldError(control, message) {
    showError(verdictError, message);
    control.setAttribute("aria-describedby", verdictError.id);
    control.scrollIntoView({ block: "center" });
    control.focus({ preventScroll: true });
  }
  const clearFieldError = () => showError(verdictError, "");
  findings.addEventListener("input", clearFieldError);
  for (const b of verdictBtns) b.addEventListener("click", clearFieldError);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block btn-big", "data-testid": "inspect-submit" }, t("inspect.submit"));
  async function onsubmit(event) {
    event.preventDefault();
    showError(error, "");
    if (picker.busy()) { submit.disabled = true; submit.textContent = t("inspect.waitPhotos"); await picker.settled(); submit.disabled = false; submit.textContent = t("inspect.submit"); }
    if (!state.verdict) return fieldError(verdictBtns[0], t("inspect.needVerdict"));
    if (state.verdict === "problem" && !findings.value.trim()) return fieldError(findings, t("inspect.needFindings"));
    submit.disabled = true;
    const inspectionId = uuid();
    const now = new Date().toISOString();
    const pos = state.position;
    const json = {
      client_uuid: inspectionId, project_id: project.id, verdict: state.verdict, findings: findings.value.trim(),
      checklist: items.map((it) => {
        const c = state.checks.get(it.key);
        const row = { key: it.key, ok: c.ok };
        if (c.note.trim()) row.note = c.note.trim();
        return row;
      }),
      recorded_at: now,
    };
    if (taskId) json.task_id = Number(taskId);
    if (pos) Object.assign(json, pos);
    const label = { project_id: project.id, project_name: project.name, project_code: project.code || null };
    const entries = [{ id: inspectionId, kind: "inspection", method: "POST", url: "/api/v1/inspections", json,
      label: { ...label, verdict: state.verdict, photos: picker.photos.length } }];
    picker.photos.forEach((ph, i) => {
      const form = { client_uuid: ph.id, sha256: ph.sha256, taken_at: ph.taken_at,
        exif_taken_at: ph.exif_taken_at, exif_lat: ph.exif_lat, exif_lng: ph.exif_lng };
      if (pos) Object.assign(form, pos);
      entries.push({ id: ph.id, kind: "photo", method: "POST", url: `/api/v1/inspections/${inspectionId}/photos`, form,
        blob: ph.blob, filename: `photo-${i + 1}.jpg`, after: inspectionId,
        label: { ...label, n: i + 1, bytes: ph.bytes, width: ph.width, height: ph.height } });
    });
    try {
      await enqueue(entries);
    } catch (err) {
      submit.disabled = false;
      return showError(error, t("inspect.saveFailed", { message: (err && err.message) || "" }));
    }
    await forget();
    ctx.flash(t(navigator.onLine ? "inspect.sending" : "inspect.queued", { n: picker.photos.length }));
    ctx.navigate(back, { replace: true });
  }

  const noList = !items.length;
  return h("form", { class: "inspect has-dock", novalidate: true, onsubmit, "data-testid": "inspect-form" },
    h("section", { class: "card" },
      h("p", { class: "muted small" }, t("inspect.title")),
      h("h1", { tabindex: "-1", "data-testid": "inspect-project" }, project.name),
      h("p", { class: "row-inline" }, stageBadge(project.stage),
        taskId ? h("span", { class: "muted", "data-testid": "inspect-task" },
          task ? t("inspect.forTask", { date: task.due_on || "", note: task.note || "" }) : t("inspect.forTaskId", { id: taskId })) : null),
      project.offline ? h("p", { class: "notice small" }, t("inspect.offlineProject")) : null,
      restored ? h("p", { class: "notice small", "data-testid": "draft-restored" },
        t("inspect.draftRestored", { n: state.photos.length })) : null),
    h("section", { class: "card", "aria-labelledby": "cl-h" },
      h("h2", { id: "cl-h" }, t("inspect.checklist")),
      noList ? h("p", { class: "muted small" }, lists.unavailable ? t("inspect.noChecklistOffline") : t("inspect.noChecklist")) : checklist),
    h("section", { class: "card", "aria-labelledby": "vd-h" },
      h("h2", { id: "vd-h" }, t("inspect.verdict")),
      h("div", { class: "verdicts", role: "group", "aria-labelledby": "vd-h" }, verdictBtns),
      h("label", { for: "findings" }, t("inspect.findings")), findings, verdictError),
    h("section", { class: "card", "aria-labelledby": "ph-h" },
      h("h2", { id: "ph-h" }, t("inspect.photos")),
      picker.thumbs, picker.status,
      h("label", { for: "photo-input", class: "btn btn-block", "data-testid": "photo-take" }, t("inspect.takePhoto")),
      picker.input,
      h("p", { class: "muted small" }, t("inspect.photoHint"))),
    h("section", { class: "card", "aria-labelledby": "pos-h" },
      h("h2", { id: "pos-h" }, t("inspect.position")),
      h("p", { class: "pos" }, posText),
      h("button", { type: "button", class: "btn btn-small", onclick: locate }, t("geo.again"))),
    error,
    h("div", { class: "dock" },
      h("div", { class: "row" },
        h("a", { href: back, "data-link": "", class: "btn", onclick: forget }, t("move.cancel")),
        submit)));
}
