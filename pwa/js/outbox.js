// The page's side of the outbox (the store and replay live in outbox-core.js, shared with sw.js):
// when to replay (app start, `online`, a timer while entries remain, Background Sync), the header
// count, sending one entry "now" for screens that want the answer, and export / import of unsent
// entries as a JSON file so a phone's unsent work can be handed over.
import "./outbox-core.js";

const core = self.JicaiOutbox;
export const uuid = core.uuid;
export const queued = core.queued;
export const failed = core.failed;
export const counts = core.counts;
export const find = core.find;

const listeners = new Set();
let state = { queued: 0, failed: 0, auth: false, running: false };
export const getState = () => state;
/** ``fn(state)`` on every change of counts; returns an unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  fn(state);
  return () => listeners.delete(fn);
}

async function refresh(extra = {}) {
  try {
    const c = await core.counts();
    state = { ...state, ...c, ...extra };
  } catch {
    state = { ...state, ...extra };
  }
  for (const fn of listeners) { try { fn(state); } catch (err) { console.warn(err); } }
}

let timer = null;
let running = null;
let followUp = null;

async function run(force) {
  await refresh({ running: true });
  let summary = null;
  try {
    summary = await core.replay({ force });
  } catch (err) {
    console.warn("outbox replay:", err);
  }
  await refresh({ running: false, auth: summary ? summary.stopped === "auth" : state.auth });
  schedule();
  return summary;
}

/**
 * Replay now and resolve with the summary of a run that STARTED after this call (so an entry pushed
 * just before is included even when a run was already finishing). Runs never overlap in the page;
 * the lock in outbox-core.js keeps the page and the service worker apart.
 */
export function replayNow({ force = false } = {}) {
  if (!running) {
    running = run(force).finally(() => { running = null; });
    return running;
  }
  if (!followUp) followUp = running.then(() => { followUp = null; return replayNow({ force: true }); });
  return followUp;
}

async function schedule() {
  clearTimeout(timer);
  let at;
  try { at = await core.nextAttemptAt(); } catch { return; }
  if (at === null) return;
  // At the head's backoff time, and at least every 30 s while something is waiting.
  const wait = Math.max(2000, Math.min(30000, at - Date.now()));
  timer = setTimeout(() => { if (navigator.onLine !== false) replayNow(); else schedule(); }, wait);
}

async function registerSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    if (reg && "sync" in reg) await reg.sync.register("outbox");
  } catch { /* Background Sync unsupported or refused: the page's own triggers still run */ }
}

/** When something is still waiting after the page tried: let the browser wake the worker when online. */
const syncIfLeft = (summary) => { if (!summary || summary.remaining !== 0) registerSync(); };

// Every entry belongs to the user who recorded it; it is only ever sent in that user's session
// (an exported outbox imported on another phone waits for the same inspector to sign in).
let owner = null;
export function setOwner(id) { owner = id == null ? null : id; }
const owned = (entry) => ({ ...entry, user_id: entry.user_id ?? owner });

/** Queue entries (atomically, in order) and try to send them at once (not waited for). */
export async function enqueue(entries) {
  await core.push(entries.map(owned));
  await refresh();
  replayNow({ force: true }).then(syncIfLeft);
}

/**
 * Queue one entry and wait briefly for its fate: {state: "sent", status, body} | {state: "failed",
 * entry} | {state: "queued"} (offline: it goes later by itself).
 */
export async function sendNow(entry, { waitMs = 15000 } = {}) {
  const e = owned({ ...entry, id: entry.id || uuid() });
  await core.push([e]);
  await refresh();
  let summary = await replayNow({ force: true });
  let where = await core.find(e.id);
  // The service worker was replaying at that moment (it holds the lock): it sends this entry too.
  const until = Date.now() + waitMs;
  while (where && where.state === "queued" && summary && summary.stopped === "busy" && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    where = await core.find(e.id);
    if (where && where.state === "queued") summary = await replayNow({ force: true });
  }
  const acked = core.results.get(e.id);
  core.results.delete(e.id);
  if (!where) return { state: "sent", ...(acked || { status: 0, body: null }) };
  if (where.state === "failed") return { state: "failed", entry: where.entry };
  registerSync();
  return { state: "queued", entry: where.entry };
}

export async function retryFailed(id) { await core.retryFailed(id); await refresh(); replayNow({ force: true }).then(syncIfLeft); }
export async function discardFailed(id) { await core.discardFailed(id); await refresh(); }

// ---- export / import ------------------------------------------------------------------------------

const FORMAT = "jicai-outbox";

function blobToBase64(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(",", 2)[1] || "");
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

function base64ToBlob(b64, type) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: type || "application/octet-stream" });
}

/** Every unsent entry (queued first, in order, then failed), photos as base64, as one JSON Blob. */
export async function exportBlob(user) {
  const rows = [...(await core.queued()).map((e) => ({ ...e, state: "queued" })),
    ...(await core.failed()).map((e) => ({ ...e, state: "failed" }))];
  const entries = [];
  for (const e of rows) {
    const out = { ...e };
    delete out.seq;
    if (e.blob) {
      out.blob = await blobToBase64(e.blob);
      out.blob_type = e.blob.type || "image/jpeg";
    }
    entries.push(out);
  }
  const doc = { format: FORMAT, version: 1, exported_at: new Date().toISOString(),
    exported_by: user ? { id: user.id, username: user.username, display_name: user.display_name } : null, entries };
  return new Blob([JSON.stringify(doc)], { type: "application/json" });
}

/** Re-queue the entries of an exported file (same UUIDs: the server applies each at most once). */
export async function importFile(file) {
  let doc;
  try { doc = JSON.parse(await file.text()); } catch { throw new Error("bad_file"); }
  if (!doc || doc.format !== FORMAT || !Array.isArray(doc.entries)) throw new Error("bad_file");
  const entries = doc.entries.filter((e) => e && typeof e.id === "string" && typeof e.url === "string"
    && e.url.startsWith("/api/") && typeof e.method === "string").map((e) => {
    const out = { ...e, attempts: 0, next_at: 0, last_error: null, last_status: null, imported_at: new Date().toISOString() };
    delete out.state; delete out.seq; delete out.failed_at; delete out.error_code;
    if (typeof e.blob === "string") out.blob = base64ToBlob(e.blob, e.blob_type);
    else delete out.blob;
    delete out.blob_type;
    return out;
  });
  const added = await core.push(entries);
  await refresh();
  replayNow({ force: true }).then(syncIfLeft);
  return { total: doc.entries.length, added: added.length };
}

// ---- start ------------------------------------------------------------------------------------

let started = false;
export function start() {
  if (started) return;
  started = true;
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  window.addEventListener("online", () => replayNow({ force: true }));
  window.addEventListener("outbox-changed", () => refresh());
  if ("BroadcastChannel" in window) new BroadcastChannel("jicai-outbox").onmessage = () => refresh();
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data && event.data.type === "outbox-changed") refresh();
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") replayNow(); });
  refresh();
  replayNow({ force: true }).then(syncIfLeft);
}

/** After signing in again: clear the "sign in" flag and send what waited. */
export function signedInAgain() {
  state = { ...state, auth: false };
  replayNow({ force: true });
}
