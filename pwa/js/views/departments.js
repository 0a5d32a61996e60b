// 部门协同: /dept-tasks — a department official's inbox of tasks (待办 / 进行中 / 全部) and, for the
// township lead and the county, the tasks they dispatched with a form to dispatch one (派件);
// /dept-tasks/<id> — one task, its steps (派件 → 签收 → 办理 → 反馈 → 核查 → 销号) and the buttons the
// server says this user may press now, and the files on the feedback (反馈附件: the department adds photos
// or PDFs on the feedback form, sent with the feedback through the outbox, listed as 待上传 while there
// is no signal; whoever sees the task downloads them — and, when the server refused what waited (the
// task meanwhile sent back or closed), why, with a button to delete it). Also the hold (停发) and recovery (追回) panel of a subsidy
// warning (warningActions, used by views/risks.js).
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, getLang, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { uuid } from "../outbox.js";
import { regionPicker } from "../region-picker.js";
import { errorPage, fact, pageAsked, pageHref, pager, sheet } from "./common.js";

const PER_PAGE = 30;
const TABS = ["todo", "open", "all"];
const DISPATCHERS = ["township_lead", "county"];
const title = (task) => (getLang() === "en" ? task.title_en : task.title_zh);
const state = (s) => h("span", { class: `flag ${s === "closed" ? "ok" : ""}`, "data-testid": "dt-status", "data-status": s }, t(`dt.state.${s}`));
const toLogin = (ctx) => ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true });
const todayChina = (days = 0) => formatDate(new Date(Date.now() + days * 86400000).toISOString());

export async function renderTasks(ctx) {
  const user = ctx.session.user;
  ctx.setTitle(t("dt.title"));
  const tab = TABS.includes(ctx.query.get("tab")) ? ctx.query.get("tab") : "todo";
  const { page, after } = pageAsked(ctx);
  const word = (ctx.query.get("q") || "").trim().slice(0, 60);
  let data;
  try {
    data = await api("/department-tasks", { query: { todo: tab === "todo" ? "true" : "", status: tab === "all" ? "all" : "open",
      q: word, page, after, per_page: PER_PAGE } });
  } catch (err) {
    if (err.status === 401) { toLogin(ctx); return null; }
    return errorPage(err, ctx);
  }
  const items = data.items || [];
  const url = (tb, q = word) => `/dept-tasks?tab=${tb}` + (q ? `&q=${encodeURIComponent(q)}` : "");
  const box = h("input", { id: "dtq", name: "q", type: "search", maxlength: 60, value: word, placeholder: t("dt.searchHint"), "data-testid": "dt-search" });
  const search = h("form", { class: "search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    ctx.navigate(url(tab, box.value.trim()), { replace: true });
  } },
  h("label", { for: "dtq", class: "sr-only" }, t("dt.search")),
  h("div", { class: "row" }, box, h("button", { type: "submit", class: "btn", "data-testid": "dt-find" }, t("home.find"))));
  return h("div", { class: "dept-tasks wide-list" },
    h("h1", { tabindex: "-1" }, t("dt.title")),
    user.role === "department" ? h("p", { class: "muted small" }, t("dt.deptLead")) : null,
    h("nav", { class: "tabs", "aria-label": t("dt.title"), "data-testid": "dt-tabs" }, TABS.map((tb) =>
      h("a", { href: url(tb), "data-link": "", class: "tab", "aria-current": tb === tab ? "page" : null, "data-testid": `dt-tab-${tb}` },
        t(`dt.tab.${tb}`)))),
    DISPATCHERS.includes(user.role) ? h("p", {}, h("button", { type: "button", class: "btn btn-primary", "data-testid": "dt-dispatch",
      onclick: () => openDispatch(ctx) }, t("dt.dispatch"))) : null,
    search,
    items.length ? h("ul", { class: "plist", "data-testid": "dt-list" }, items.map((task) => h("li", {},
      h("a", { href: `/dept-tasks/${task.id}`, "data-link": "", class: "pitem", "data-testid": "dt-item", "data-id": task.id },
        h("span", { class: "pitem-name" }, title(task)),
        h("span", { class: "pitem-meta" }, state(task.status),
          h("span", {}, task.department ? task.department.name : t("dt.township")),
          h("span", {}, task.region.name),
          h("span", { class: task.overdue ? "flag" : "muted" }, t(task.overdue ? "dt.overdue" : "dt.due", { date: task.due_on })),
          task.actions.length ? h("span", { class: "chip", "data-testid": "dt-todo" }, t(`dt.act.${task.actions[0]}`)) : null)))))
      : h("p", { class: "empty", "data-testid": "dt-empty" }, t("dt.empty")),
    pager(data, page, PER_PAGE, pageHref));
}

async function openDispatch(ctx) {
  const user = ctx.session.user;
  let departments = [];
  try {
    departments = (await api("/departments")).items.filter((d) => d.active);
  } catch (err) { ctx.flash(err.message); return; }
  const key = uuid();
  const dept = h("select", { id: "dt-dept", "data-testid": "dt-dept" },
    h("option", { value: "" }, t("dt.toTownship")), departments.map((d) => h("option", { value: d.id }, d.name)));
  // The township, found by name or stepped down to (a city has hundreds); a township lead's own.
  const region = regionPicker({ id: "dt-region", testid: "dt-region", label: t("dt.region"), root: user.region, levels: ["township"],
    value: user.region.level === "township" ? user.region : null });
  const name = h("input", { id: "dt-title", maxlength: 200, required: true, "data-testid": "dt-title" });
  const due = h("input", { id: "dt-due", type: "date", value: todayChina(7), min: todayChina(0), "data-testid": "dt-due" });
  sheet({
    title: t("dt.dispatch"), testid: "dt-dispatch-sheet", okText: t("dt.dispatchOk"),
    fields: [h("label", { for: "dt-dept" }, t("dt.to")), dept, region.el,
      h("label", { for: "dt-title" }, t("dt.titleField")), name, h("label", { for: "dt-due" }, t("dt.dueOn")), due],
    onOk: async () => {
      if (!region.value) { region.focus(); return t("dt.needRegion"); }
      if (!name.value.trim()) { name.focus(); return t("dt.needTitle"); }
      try {
        const task = await api("/department-tasks", { method: "POST", body: { client_uuid: key, region_id: Number(region.value),
          department_id: dept.value ? Number(dept.value) : null, title_zh: name.value.trim(), title_en: name.value.trim(),
          due_on: due.value, subject_kind: "manual" } });
        ctx.flash(t("dt.dispatched"));
        ctx.navigate(`/dept-tasks/${task.id}`);
        return null;
      } catch (err) { return err.message; }
    },
  });
}

export async function renderTask(ctx) {
  let task;
  try {
    task = await api(`/department-tasks/${encodeURIComponent(ctx.params[0])}`);
  } catch (err) {
    if (err.status === 401) { toLogin(ctx); return null; }
    return errorPage(err, ctx);
  }
  ctx.setTitle(title(task));
  const act = (action) => {
    const key = uuid();
    const needsNote = ["work", "feedback", "return"].includes(action);
    const note = h("textarea", { id: "dt-note", rows: 4, maxlength: 2000, "data-testid": "dt-note" });
    // The feedback carries photos or PDFs: each file goes into the outbox under its own client UUID
    // (a retry of the sheet reuses it, and the server keeps the file once), then the feedback after them.
    const attach = action === "feedback" && task.may_attach;
    const keys = new Map();
    const picked = h("ul", { class: "small", "data-testid": "dt-files-picked" });
    const input = h("input", { id: "dt-files", type: "file", multiple: true, "data-testid": "dt-file-input",
      accept: ".pdf,application/pdf,image/jpeg,image/png,image/webp", onchange: () => {
        picked.replaceChildren(...[...input.files].map((f) => h("li", {}, `${f.name}（${Math.max(1, Math.round(f.size / 1024))} KB）`)));
      } });
    const fileFields = attach ? [h("label", { for: "dt-files" }, t("dt.files.add")), input,
      h("small", { class: "muted" }, t("dt.files.hint")), picked] : [];
    sheet({
      title: t(`dt.act.${action}`), testid: `dt-${action}-sheet`, okText: t(`dt.act.${action}`),
      intro: needsNote ? null : t(`dt.confirm.${action}`),
      fields: needsNote ? [h("label", { for: "dt-note" }, t(`dt.note.${action}`)), note, ...fileFields] : [],
      onOk: async () => {
        if (needsNote && !note.value.trim()) { note.focus(); return t("dt.needNote"); }
        if (action === "feedback") return feedBack(ctx, task, key, note.value.trim(), attach ? [...input.files] : [], keys, pending);
        try {
          await api(`/department-tasks/${task.id}/${action}`, { method: "POST",
            body: { client_uuid: key, version: task.version, ...(needsNote ? { note: note.value.trim() } : {}) } });
        } catch (err) { return err.message; }
        ctx.flash(t(`dt.done.${action}`));
        ctx.navigate(location.pathname, { replace: true });
        return null;
      },
    });
  };
  // What this phone still has to send for the task (files and the feedback waiting for a signal).
  const pending = h("section", { class: "card", "aria-labelledby": "dt-pending-h", "data-testid": "dt-pending", hidden: true });
  // What the server refused of it (the task sent back or closed meanwhile): its reason, and a delete.
  const refused = h("section", { class: "notice bad", role: "alert", "data-testid": "dt-refused", hidden: true });
  watchPending(ctx, task, pending, refused);
  return h("div", { class: "dept-task has-dock" },
    pending, refused,
    h("article", { class: "card", "data-testid": "dt-card", "data-status": task.status },
      h("p", { class: "row-inline" }, state(task.status), task.escalated ? h("span", { class: "flag" }, t("dt.escalated")) : null),
      h("h1", { tabindex: "-1", "data-testid": "dt-title-text" }, title(task)),
      h("dl", { class: "facts" },
        fact(t("dt.to"), task.department ? task.department.name : t("dt.township")),
        fact(t("dt.region"), task.region.name),
        fact(t("dt.dueOn"), task.overdue ? `${task.due_on} · ${t("dt.overdueShort")}` : task.due_on),
        fact(t("dt.from"), task.dispatched_by || t("dt.system")),
        fact(t("dt.feedback"), task.feedback, { "data-testid": "dt-feedback" }))),
    (task.files || []).length ? h("section", { class: "card", "aria-labelledby": "dt-files-h" },
      h("h2", { id: "dt-files-h" }, t("dt.files")),
      h("ul", { class: "flines", "data-testid": "dt-files" }, task.files.map((f) => h("li", { "data-kind": f.kind },
        h("span", { class: "fline-main" }, h("a", { href: f.url, download: "", "data-testid": "dt-file" }, f.filename)),
        h("span", { class: "fline-meta muted" }, t("dt.files.by", { who: f.uploaded_by || "", date: formatDate(f.uploaded_at),
          kb: Math.max(1, Math.round(f.bytes / 1024)) }), f.sent ? null : ` · ${t("dt.files.unsent")}`))))) : null,
    h("section", { class: "card", "aria-labelledby": "dt-steps-h" }, h("h2", { id: "dt-steps-h" }, t("dt.steps")),
      h("ol", { class: "steps small", "data-testid": "dt-steps" }, (task.steps || []).map((s) => h("li", { "data-action": s.action },
        h("strong", {}, t(`dt.step.${s.action}`)), " · ", s.actor || t("dt.system"), " · ", formatDate(s.at),
        s.note ? h("div", { class: "muted" }, s.note) : null)))),
    task.actions.length ? h("nav", { class: "dock", "aria-label": t("dt.title") }, task.actions.map((a, i) =>
      h("button", { type: "button", class: i === 0 ? "btn btn-primary btn-big" : "btn", "data-testid": `dt-${a}`,
        onclick: () => act(a) }, t(`dt.act.${a}`)))) : null);
}

/** The 停发 / 追回 panel of a subsidy warning about a person (township lead, county). */
export async function warningActions(w, ctx) {
  let data;
  try { data = await api(`/subsidy-warnings/${w.id}/actions`); } catch { return null; }
  const may = DISPATCHERS.includes(ctx.session.user.role) && w.status === "open" && data.subject;
  const refresh = (message) => { ctx.flash(message); ctx.navigate(location.pathname, { replace: true }); };
  const policyPicker = (id) => h("select", { id, "data-testid": "wa-policy" }, (data.subject ? data.subject.policies : []).map((p) =>
    h("option", { value: p.id, selected: data.subject.policy_id === p.id ? "" : null }, p.name)));
  const post = async (path, body) => api(path, { method: "POST", body });
  const openHold = () => {
    const key = uuid();
    const policy = policyPicker("wa-hold-policy");
    const reason = h("textarea", { id: "wa-reason", rows: 3, maxlength: 500, "data-testid": "wa-reason" });
    sheet({ title: t("wa.hold"), testid: "wa-hold-sheet", okText: t("wa.holdOk"), intro: t("wa.holdIntro", { person: data.subject.person }),
      fields: [h("label", { for: "wa-hold-policy" }, t("wa.policy")), policy, h("label", { for: "wa-reason" }, t("wa.reason")), reason],
      onOk: async () => {
        if (!reason.value.trim()) { reason.focus(); return t("dt.needNote"); }
        try { await post(`/subsidy-warnings/${w.id}/holds`, { client_uuid: key, beneficiary_id: data.subject.beneficiary_id,
          policy_id: Number(policy.value), reason: reason.value.trim() }); } catch (err) { return err.message; }
        refresh(t("wa.held")); return null;
      } });
  };
  const openRecover = () => {
    const key = uuid();
    const policy = policyPicker("wa-rec-policy");
    const amount = h("input", { id: "wa-amount", inputmode: "decimal", "data-testid": "wa-amount", placeholder: "600.00" });
    const on = h("input", { id: "wa-on", type: "date", value: todayChina(0), max: todayChina(0), "data-testid": "wa-on" });
    const receipt = h("input", { id: "wa-receipt", maxlength: 60, "data-testid": "wa-receipt" });
    sheet({ title: t("wa.recover"), testid: "wa-recover-sheet", okText: t("wa.recoverOk"),
      fields: [h("label", { for: "wa-rec-policy" }, t("wa.policy")), policy, h("label", { for: "wa-amount" }, t("wa.amount")), amount,
        h("label", { for: "wa-on" }, t("wa.on")), on, h("label", { for: "wa-receipt" }, t("wa.receipt")), receipt],
      onOk: async () => {
        if (!/^\d{1,10}(\.\d{1,2})?$/.test(amount.value.trim())) { amount.focus(); return t("wa.badAmount"); }
        if (!receipt.value.trim()) { receipt.focus(); return t("wa.needReceipt"); }
        try { await post(`/subsidy-warnings/${w.id}/recoveries`, { client_uuid: key, beneficiary_id: data.subject.beneficiary_id,
          policy_id: Number(policy.value) || null, amount: amount.value.trim(), recovered_on: on.value,
          receipt_no: receipt.value.trim() }); } catch (err) { return err.message; }
        refresh(t("wa.recovered")); return null;
      } });
  };
  const openJustify = (hold) => {
    const key = uuid();
    const reason = h("textarea", { id: "wa-just", rows: 3, maxlength: 500, "data-testid": "wa-justification" });
    sheet({ title: t("wa.justify"), testid: "wa-justify-sheet", okText: t("wa.justifyOk"), intro: t("wa.justifyIntro"),
      fields: [h("label", { for: "wa-just" }, t("wa.reason")), reason],
      onOk: async () => {
        if (!reason.value.trim()) { reason.focus(); return t("dt.needNote"); }
        try { await post(`/payment-holds/${hold.id}/justify`, { client_uuid: key, reason: reason.value.trim() }); } catch (err) { return err.message; }
        refresh(t("wa.justified")); return null;
      } });
  };
  const live = data.holds.filter((x) => !x.released_at);
  return h("section", { class: "card", "aria-labelledby": "wa-h", "data-testid": "warning-actions" },
    h("h2", { id: "wa-h" }, t("wa.title")),
    h("p", { class: "muted small" }, t("wa.lead")),
    data.holds.length ? h("ul", { class: "small", "data-testid": "wa-holds" }, data.holds.map((x) => h("li", {},
      t(x.released_at ? "wa.holdReleased" : "wa.holdLive", { policy: x.policy, date: formatDate(x.held_at) }), " · ", x.reason,
      x.justification ? h("div", { class: "muted" }, t("wa.justifiedBy", { text: x.justification })) : null))) : null,
    data.recoveries.length ? h("ul", { class: "small", "data-testid": "wa-recoveries" }, data.recoveries.map((r) => h("li", {},
      t("wa.recoveryLine", { amount: formatMoney(r.amount), date: r.recovered_on, receipt: r.receipt_no })))) : null,
    may ? h("div", { class: "row wrap" },
      h("button", { type: "button", class: "btn", "data-testid": "wa-hold", onclick: openHold }, t("wa.hold")),
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "wa-recover", onclick: openRecover }, t("wa.recover")),
      live.length && !live[0].justification ? h("button", { type: "button", class: "btn", "data-testid": "wa-justify",
        onclick: () => openJustify(live[0]) }, t("wa.justify")) : null) : null);
}

// ---- 反馈 through the outbox: the files first (each after the one before it), then the feedback ----

const mine = (task) => (e) => (e.kind === "task_file" || e.kind === "task_action") && e.label && e.label.task_id === task.id;
const errText = (m) => (m && typeof m === "object" ? m[getLang() === "en" ? "en" : "zh"] || m.zh || "" : m || "");

/**
 * Queue the feedback's files and the feedback itself in the outbox and try to send them at once.
 * Sent: the page reloads showing them. No signal: the sheet closes and the page lists them as
 * waiting; they go by themselves when the phone is online again. Refused (a file of the wrong type,
 * too large …): said in the sheet, and taken out of the outbox so the person can choose again.
 */
async function feedBack(ctx, task, key, note, files, keys, pending) {
  const label = { task_id: task.id, task_title: title(task) };
  const entries = [];
  let before;
  for (const file of files) {
    if (!keys.has(file)) keys.set(file, uuid());
    const id = keys.get(file);
    entries.push({ id, kind: "task_file", method: "POST", url: `/api/v1/department-tasks/${task.id}/files`,
      form: { client_uuid: id }, blob: file, filename: file.name, after: before,
      label: { ...label, filename: file.name, bytes: file.size } });
    before = id;
  }
  entries.push({ id: key, kind: "task_action", method: "POST", url: `/api/v1/department-tasks/${task.id}/feedback`,
    json: { client_uuid: key, version: task.version, note }, after: before, label: { ...label, action: "feedback" } });
  pending.dataset.sending = "1";
  let fates;
  try {
    await outbox.enqueue(entries);
    await Promise.race([outbox.replayNow({ force: true }), new Promise((resolve) => setTimeout(resolve, 20000))]);
    fates = await Promise.all(entries.map((e) => outbox.find(e.id)));
  } catch (err) {
    return t("inspect.saveFailed", { message: (err && err.message) || "" });
  } finally {
    delete pending.dataset.sending;
  }
  const refused = fates.filter((f) => f && f.state === "failed");
  if (refused.length) {
    for (const f of refused) await outbox.discardFailed(f.entry.id);
    const first = refused.find((f) => f.entry.error_code !== "depends_failed") || refused[0];
    const why = errText(first.entry.last_error) || t("err.title");
    return first.entry.kind === "task_file" ? t("dt.files.failed", { name: first.entry.filename, message: why }) : why;
  }
  if (fates.some(Boolean)) { // waiting for a signal: listed on the page, sent later by the outbox
    await showPending(task, pending, true);
    return null;
  }
  ctx.flash(t("dt.done.feedback"));
  ctx.navigate(location.pathname, { replace: true });
  return null;
}

async function showPending(task, pending, justQueued = false) {
  let waiting = [];
  try { waiting = (await outbox.queued()).filter(mine(task)); } catch { /* no IndexedDB: nothing waits */ }
  const files = waiting.filter((e) => e.kind === "task_file");
  const feedback = waiting.some((e) => e.kind === "task_action");
  pending.hidden = !waiting.length;
  pending.dataset.count = String(waiting.length);
  // A feedback already waiting on the phone is not written a second time.
  const again = pending.parentElement && pending.parentElement.querySelector("button[data-testid=dt-feedback]");
  if (again) again.disabled = feedback;
  pending.replaceChildren(...(waiting.length ? [
    h("h2", { id: "dt-pending-h" }, t("dt.pending")),
    h("p", { class: "small", role: "status", "data-testid": "dt-pending-note" },
      t(justQueued && !navigator.onLine ? "dt.pending.offline" : "dt.pending.hint")),
    h("ul", { class: "flines", "data-testid": "dt-pending-list" },
      files.map((e) => h("li", { "data-testid": "dt-pending-file" },
        h("span", { class: "fline-main" }, e.label.filename || e.filename),
        h("span", { class: "fline-meta muted" }, `${Math.max(1, Math.round((e.label.bytes || 0) / 1024))} KB · ${t("dt.pending.state")}`))),
      feedback ? h("li", { "data-testid": "dt-pending-feedback" }, h("span", { class: "fline-main" }, t("dt.pending.feedback")),
        h("span", { class: "fline-meta muted" }, t("dt.pending.state"))) : null)] : []));
  return waiting.length;
}

/** The feedback (or a file of it) the server refused after it waited on the phone: the server's
 * reason, and a button deleting it (with its files) from the outbox, as the outbox page would. */
async function showRefused(task, box) {
  let failed = [];
  try { failed = (await outbox.failed()).filter(mine(task)); } catch { /* no IndexedDB: nothing failed */ }
  box.hidden = !failed.length;
  if (!failed.length) { box.replaceChildren(); return; }
  const first = failed.find((e) => e.error_code !== "depends_failed") || failed[0];
  const why = errText(first.last_error) || t("err.title");
  box.replaceChildren(
    h("p", { "data-testid": "dt-refused-message" }, first.kind === "task_file"
      ? t("dt.files.failed", { name: first.label.filename || first.filename, message: why }) : t("dt.refused", { message: why })),
    h("p", { class: "small" }, t("dt.refused.hint")),
    h("button", { type: "button", class: "btn btn-small", "data-testid": "dt-refused-discard", onclick: async () => {
      if (!confirm(t("outbox.discardConfirm"))) return;
      for (const e of failed) await outbox.discardFailed(e.id);
    } }, t("outbox.discard")));
}

/** Keep the waiting list up to date; once everything of this task has gone, show the task afresh
 * (while the feedback sheet is sending, the sheet decides). Stops once the page is left. */
function watchPending(ctx, task, pending, refused) {
  let shown = false;
  const check = async () => {
    if (pending.isConnected) shown = true;
    else if (shown) { stop(); return; }
    if (pending.dataset.sending) return;
    await showRefused(task, refused);
    const before = Number(pending.dataset.count || 0);
    const n = await showPending(task, pending);
    if (before && !n && pending.isConnected && !pending.dataset.sending) {
      stop();
      let failed = [];
      try { failed = (await outbox.failed()).filter(mine(task)); } catch { /* none */ }
      if (!failed.length) ctx.flash(t("dt.done.feedback"));
      ctx.navigate(location.pathname, { replace: true });
    }
  };
  const stop = outbox.subscribe(() => { check(); });
}
