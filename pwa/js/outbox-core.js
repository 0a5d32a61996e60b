// The outbox store and its replay, shared by the page (imported for its side effect by outbox.js)
// and the service worker (importScripts), so a Background Sync replays with the very same code.
// A classic script on purpose: it defines self.JicaiOutbox and uses no import/export.
//
// Model: Workbox's Queue. An IndexedDB FIFO ("queue", ordered by seq) of write requests; each entry
// carries its own client UUID (entry.id) that is also the request's client_uuid, so a replay is
// answered by the server with the first response and nothing is done twice. The head is sent, and
// only a server acknowledgement deletes it. A request that can never succeed moves to "failed" with
// the server's message; it is shown to the user, never dropped silently.
(function (global) {
  "use strict";
  const DB_NAME = "jicai-outbox";
  const DB_VERSION = 1;
  const Q = "queue";
  const F = "failed";
  const API = "/api/v1";
  const LOCK = "jicai-outbox-replay";
  // Statuses that will not get better by sending again (the entry moves to "failed").
  const PERMANENT = new Set([400, 403, 404, 405, 409, 410, 413, 415, 422]);
  // 409 codes meaning "this UUID was already applied": the server has it, so the entry is done.
  const ALREADY_APPLIED = new Set(["already_applied", "duplicate_request", "idempotent_replay", "already_recorded"]);

  let dbPromise = null;
  function open() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains(Q)) {
            const q = db.createObjectStore(Q, { keyPath: "seq", autoIncrement: true });
            q.createIndex("id", "id", { unique: true });
          }
          if (!db.objectStoreNames.contains(F)) db.createObjectStore(F, { keyPath: "id" });
        };
        req.onsuccess = () => {
          const db = req.result;
          db.onversionchange = () => { db.close(); dbPromise = null; };
          resolve(db);
        };
        req.onerror = () => { dbPromise = null; reject(req.error); };
      });
    }
    return dbPromise;
  }

  /** Run ``fn(stores)`` in one transaction; resolves with fn's result once the transaction committed. */
  async function tx(names, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(names, mode);
      const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
      let result;
      Promise.resolve(fn(stores)).then((r) => { result = r; }, (e) => { try { t.abort(); } catch (_) { /* done */ } reject(e); });
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error("transaction aborted"));
    });
  }
  const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

  function uuid() {
    if (global.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const x = Array.from(b, (n) => n.toString(16).padStart(2, "0")).join("");
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  function normalize(entry) {
    return Object.assign({
      id: uuid(), kind: "write", method: "POST", url: "", json: undefined, form: undefined, blob: undefined,
      filename: undefined, after: undefined, label: {}, created_at: new Date().toISOString(),
      attempts: 0, last_error: null, last_status: null, next_at: 0,
    }, entry);
  }

  /** Append entries atomically (all or none), in order. Entries whose id is already stored are skipped. */
  async function push(entries) {
    const list = (Array.isArray(entries) ? entries : [entries]).map(normalize);
    const added = await tx([Q, F], "readwrite", async (s) => {
      const out = [];
      for (const e of list) {
        const inQueue = await req(s[Q].index("id").getKey(e.id));
        const inFailed = await req(s[F].getKey(e.id));
        if (inQueue !== undefined || inFailed !== undefined) continue;
        delete e.seq;
        await req(s[Q].add(e));
        out.push(e.id);
      }
      return out;
    });
    notify();
    return added;
  }

  const queued = () => tx([Q], "readonly", (s) => req(s[Q].getAll()));
  const failed = () => tx([F], "readonly", (s) => req(s[F].getAll()))
    .then((rows) => rows.sort((a, b) => (a.failed_at || "").localeCompare(b.failed_at || "")));

  async function counts() {
    return tx([Q, F], "readonly", async (s) => ({ queued: await req(s[Q].count()), failed: await req(s[F].count()) }));
  }

  async function find(id) {
    return tx([Q, F], "readonly", async (s) => {
      const q = await req(s[Q].index("id").get(id));
      if (q) return { state: "queued", entry: q };
      const f = await req(s[F].get(id));
      if (f) return { state: "failed", entry: f };
      return null;
    });
  }

  async function removeQueued(seq) {
    await tx([Q], "readwrite", (s) => req(s[Q].delete(seq)));
  }

  async function update(entry) {
    await tx([Q], "readwrite", (s) => req(s[Q].put(entry)));
  }

  async function moveToFailed(entry, status, message, code) {
    const row = Object.assign({}, entry, { last_status: status, last_error: message, error_code: code || null,
      failed_at: new Date().toISOString() });
    const seq = row.seq;
    delete row.seq;
    await tx([Q, F], "readwrite", async (s) => { await req(s[F].put(row)); await req(s[Q].delete(seq)); });
  }

  /** Put a failed entry back at the END of the queue (the user asked to try it again). */
  async function retryFailed(id) {
    await tx([Q, F], "readwrite", async (s) => {
      const row = await req(s[F].get(id));
      if (!row) return;
      await req(s[F].delete(id));
      Object.assign(row, { attempts: 0, next_at: 0, last_error: null, last_status: null, error_code: null });
      delete row.failed_at;
      await req(s[Q].add(row));
    });
    notify();
  }

  /** The user explicitly discarded a failed entry. */
  async function discardFailed(id) {
    await tx([F], "readwrite", (s) => req(s[F].delete(id)));
    notify();
  }

  // ---- replay -------------------------------------------------------------------------------------

  let channel = null;
  function notify(extra) {
    try {
      if (!channel && "BroadcastChannel" in global) channel = new BroadcastChannel("jicai-outbox");
      if (channel) channel.postMessage(Object.assign({ type: "changed" }, extra || {}));
    } catch (_) { /* no channel: the page polls */ }
    if (typeof global.dispatchEvent === "function" && typeof CustomEvent === "function") {
      try { global.dispatchEvent(new CustomEvent("outbox-changed", { detail: extra || {} })); } catch (_) { /* ignore */ }
    }
  }

  function backoff(attempts) {
    const base = Math.min(5 * 60 * 1000, 5000 * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async function freshCsrf() {
    let res;
    try {
      res = await fetch(API + "/auth/me", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    } catch (_) { return { network: true }; }
    if (res.status === 401) return { auth: true };
    if (!res.ok) return { network: true };
    try {
      const me = await res.json();
      return { token: me.csrf_token, userId: me.user && me.user.id };
    } catch (_) { return { network: true }; }
  }

  function buildRequest(entry, csrf) {
    const headers = { Accept: "application/json", "X-Client-UUID": entry.id };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    let body;
    if (entry.form) {
      body = new FormData();
      for (const [k, v] of Object.entries(entry.form)) if (v !== null && v !== undefined && v !== "") body.append(k, String(v));
      if (entry.blob) body.append("file", entry.blob, entry.filename || "photo.jpg");
    } else if (entry.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(entry.json);
    }
    return { method: entry.method || "POST", headers, body, credentials: "same-origin", cache: "no-store" };
  }

  async function readError(res) {
    let data = null;
    try { data = await res.json(); } catch (_) { /* not JSON */ }
    const err = data && data.error;
    return {
      code: (err && err.code) || `http_${res.status}`,
      message: (err && err.message) || { zh: `服务器返回 ${res.status}`, en: `Server answered ${res.status}` },
      fields: (err && err.fields) || [],
    };
  }

  const results = new Map(); // id → acknowledged response body (for the page that is waiting on it)

  /**
   * Send queued entries one at a time, oldest first, until the queue is empty or one cannot go now.
   * Returns {sent, failed, remaining, stopped} with stopped one of null | "network" | "auth" | "wait" | "busy".
   * ``force`` ignores the backoff wait of the head entry (the user tapped "upload now", or we came online).
   */
  async function replayUnlocked({ force = false } = {}) {
    const summary = { sent: 0, failed: 0, remaining: 0, stopped: null };
    let csrf = null;
    let userId = null;
    let csrfRetriedFor = null;
    for (;;) {
      const head = await tx([Q], "readonly", async (s) => {
        const cursor = await req(s[Q].openCursor());
        return cursor ? cursor.value : null;
      });
      if (!head) break;
      if (!force && head.next_at && head.next_at > Date.now()) { summary.stopped = "wait"; break; }
      // An entry that depends on one that failed for good cannot succeed either: fail it with a reason.
      if (head.after) {
        const dep = await find(head.after);
        if (dep && dep.state === "failed") {
          await moveToFailed(head, 0, { zh: "所属记录（巡查、整改材料或反馈附件）上传失败，请先处理该记录", en: "The record this belongs to (an inspection, rectification evidence or a feedback file) failed; resolve it first" }, "depends_failed");
          summary.failed++;
          notify();
          continue;
        }
      }
      if (csrf === null) {
        const got = await freshCsrf();
        if (got.auth) { summary.stopped = "auth"; break; }
        if (got.network) { summary.stopped = "network"; await noteFailure(head, 0, "network"); break; }
        csrf = got.token || "";
        userId = got.userId;
      }
      if (head.user_id != null && userId != null && head.user_id !== userId) {
        // Recorded by someone else: never send it under this session's name.
        summary.stopped = "auth";
        await noteFailure(head, 0, { zh: "这些待上传数据属于另一位用户，请由该用户登录后上传",
          en: "These entries belong to another user; they upload when that user signs in" }, true);
        break;
      }
      let res;
      try {
        res = await fetch(head.url, buildRequest(head, csrf));
      } catch (_) {
        summary.stopped = "network";
        await noteFailure(head, 0, "network");
        break;
      }
      if (res.ok) {
        let body = null;
        try { body = await res.json(); } catch (_) { /* 204 or not JSON */ }
        results.set(head.id, { status: res.status, body });
        await removeQueued(head.seq);
        summary.sent++;
        notify({ acked: head.id, status: res.status });
        continue;
      }
      const err = await readError(res);
      if (res.status === 409 && (ALREADY_APPLIED.has(err.code) || res.headers.get("Idempotent-Replay") === "true")) {
        results.set(head.id, { status: res.status, body: null });
        await removeQueued(head.seq);
        summary.sent++;
        notify({ acked: head.id, status: res.status });
        continue;
      }
      // Signed out, or signed in with a reset password not yet changed: wait for the person, never fail the work.
      if (res.status === 401 || err.code === "password_change_required") {
        summary.stopped = "auth"; await noteFailure(head, res.status, err.message, true); break;
      }
      if (res.status === 403 && err.code === "csrf_failed" && csrfRetriedFor !== head.id) {
        // The token went stale (new session): fetch a fresh one and send the same entry once more.
        csrf = null;
        csrfRetriedFor = head.id;
        continue;
      }
      if (PERMANENT.has(res.status) || (res.status >= 400 && res.status < 500 && ![408, 425, 429].includes(res.status))) {
        await moveToFailed(head, res.status, err.message, err.code);
        results.set(head.id, { status: res.status, error: err });
        summary.failed++;
        notify({ failed: head.id, status: res.status });
        continue;
      }
      // 5xx, 408, 425, 429: keep it, try later.
      summary.stopped = "network";
      await noteFailure(head, res.status, err.message);
      break;
    }
    summary.remaining = (await counts()).queued;
    notify({ summary });
    return summary;
  }

  async function noteFailure(entry, status, message, noBackoff) {
    const row = await tx([Q], "readonly", (s) => req(s[Q].get(entry.seq)));
    if (!row) return;
    row.attempts = (row.attempts || 0) + (noBackoff ? 0 : 1);
    row.last_status = status;
    row.last_error = message === "network" ? { zh: "网络不可用", en: "No network" } : message;
    row.next_at = noBackoff ? 0 : Date.now() + backoff(row.attempts);
    await update(row);
  }

  /** Replay under a lock so the page and the service worker never send the same head at once. */
  async function replay(options) {
    const locks = global.navigator && global.navigator.locks;
    if (locks && locks.request) {
      return locks.request(LOCK, { ifAvailable: true }, (lock) => {
        if (!lock) return { sent: 0, failed: 0, remaining: -1, stopped: "busy" };
        return replayUnlocked(options || {});
      });
    }
    return replayUnlocked(options || {});
  }

  /** The earliest time the head may be tried again (0 = now), or null when the queue is empty. */
  async function nextAttemptAt() {
    return tx([Q], "readonly", async (s) => {
      const cursor = await req(s[Q].openCursor());
      return cursor ? (cursor.value.next_at || 0) : null;
    });
  }

  global.JicaiOutbox = {
    open, push, queued, failed, counts, find, retryFailed, discardFailed, replay, nextAttemptAt, results, uuid, notify,
  };
})(typeof self !== "undefined" ? self : this);
