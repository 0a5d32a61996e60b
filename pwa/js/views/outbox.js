// /outbox: what this phone still has to send (in order, with each entry's state and last error), what
// the server refused (with its message: retry or discard, never dropped silently), "upload now",
// and the hand-over: export all unsent entries as a JSON file, import such a file on another phone.
import { fill, h } from "../dom.js";
import { apiLang, formatDate, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { errorBox, showError } from "./common.js";

const message = (m) => (m && typeof m === "object" ? m[apiLang()] || m.zh || "" : m || "");
const time = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${formatDate(iso)} ${d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" })}`;
};

function describe(e) {
  const l = e.label || {};
  switch (e.kind) {
    case "inspection": return t("outbox.kind.inspection", { name: l.project_name || "", verdict: l.verdict ? t(`verdict.${l.verdict}`) : "" });
    case "photo": return t("outbox.kind.photo", { name: l.project_name || "", n: l.n || "", kb: l.bytes ? Math.round(l.bytes / 1024) : "?" });
    case "stage": return t("outbox.kind.stage", { name: l.project_name || "", to: l.to ? t(`stage.${l.to}`) : "" });
    case "task": return t("outbox.kind.task", { name: l.project_name || "", who: l.assignee || "" });
    case "rectification": return t("outbox.kind.rectification", { name: l.project_name || "" });
    case "rect_evidence": return t("outbox.kind.rect_evidence", { name: l.project_name || "" });
    case "rect_photo": return t("outbox.kind.rect_photo", { name: l.project_name || "", n: l.n || "", kb: l.bytes ? Math.round(l.bytes / 1024) : "?" });
    case "rect_action": return t("outbox.kind.rect_action", { name: l.project_name || "", action: l.action ? t(`rectAct.kind.${l.action}`) : "" });
    case "risk_dismiss": return t("outbox.kind.risk_dismiss", { name: l.project_name || "" });
    case "read": return t("outbox.kind.read");
    case "case_answer": return t("outbox.kind.case_answer", { name: l.project_name || "" });
    case "objection_raise": case "objection_resolve": return t(`outbox.kind.${e.kind}`, { name: l.project_name || "" });
    case "comment_answer": return t("outbox.kind.comment_answer", { name: l.project_name || "" });
    case "comment_hide": return t("outbox.kind.comment_hide", { name: l.project_name || "" });
    case "task_file": return t("outbox.kind.task_file", { name: l.task_title || "", file: l.filename || "", kb: l.bytes ? Math.max(1, Math.round(l.bytes / 1024)) : "?" });
    case "task_action": return t("outbox.kind.task_action", { name: l.task_title || "" });
    case "fund": return t("outbox.kind.fund", { name: l.fund_name || "", action: l.action ? t(`funds.act.${l.action}`) : "" });
    case "project_create": case "project_payment": case "contractor_correct": case "code_reissue":
      return t(`outbox.kind.${e.kind}`, { name: l.project_name || "" });
    default: return `${e.method} ${e.url}`;
  }
}

function row(e, state, onChange) {
  const err = message(e.last_error);
  return h("li", { class: `ob-item ${state}`, "data-testid": "outbox-item", "data-state": state, "data-kind": e.kind, "data-id": e.id },
    h("span", { class: "ob-what" }, describe(e)),
    h("span", { class: "ob-meta muted" },
      t("outbox.created", { at: time(e.created_at) }),
      state === "queued" && e.attempts ? t("outbox.attempts", { n: e.attempts }) : "",
      state === "queued" && e.next_at > Date.now() ? t("outbox.nextAt", { at: time(new Date(e.next_at).toISOString()) }) : ""),
    err ? h("span", { class: state === "failed" ? "ob-error" : "ob-last muted", "data-testid": "outbox-error" },
      state === "failed" && e.last_status ? `${e.last_status} · ` : "", err) : null,
    state === "failed" ? h("span", { class: "row" },
      h("button", { type: "button", class: "btn btn-small", "data-testid": "outbox-retry",
        onclick: async () => { await outbox.retryFailed(e.id); onChange(); } }, t("outbox.retry")),
      h("button", { type: "button", class: "btn btn-small", "data-testid": "outbox-discard",
        onclick: async () => {
          if (!confirm(t("outbox.discardConfirm"))) return;
          await outbox.discardFailed(e.id);
          onChange();
        } }, t("outbox.discard"))) : null);
}

export async function render(ctx) {
  ctx.setTitle(t("outbox.title"));
  const body = h("div", {});
  const note = h("p", { class: "toast", role: "status", hidden: true, "data-testid": "outbox-note" });
  const error = errorBox();
  const say = (text) => { note.textContent = text; note.hidden = !text; };

  async function draw() {
    const [q, f] = await Promise.all([outbox.queued(), outbox.failed()]);
    const st = outbox.getState();
    fill(body, 
      st.auth && q.length ? h("p", { class: "error-box", role: "alert", "data-testid": "outbox-auth" }, t("outbox.needSignIn"), " ",
        h("a", { href: "/login?next=/outbox", "data-link": "" }, t("outbox.signIn"))) : null,
      h("section", { class: "card", "aria-labelledby": "obq-h" },
        h("h2", { id: "obq-h" }, t("outbox.queued", { n: q.length })),
        q.length ? h("ol", { class: "ob-list", "data-testid": "outbox-queued" }, q.map((e) => row(e, "queued", draw)))
          : h("p", { class: "empty small", "data-testid": "outbox-empty" }, t("outbox.empty"))),
      f.length ? h("section", { class: "card failed", "aria-labelledby": "obf-h" },
        h("h2", { id: "obf-h" }, t("outbox.failed", { n: f.length })),
        h("p", { class: "muted small" }, t("outbox.failedHint")),
        h("ol", { class: "ob-list", "data-testid": "outbox-failed" }, f.map((e) => row(e, "failed", draw)))) : null);
  }

  const unsubscribe = outbox.subscribe(() => { draw().catch(() => {}); });
  ctx.onLeave(unsubscribe);

  const exportBtn = h("button", { type: "button", class: "btn btn-block", "data-testid": "outbox-export", onclick: async () => {
    const c = await outbox.counts();
    if (!c.queued && !c.failed) return say(t("outbox.nothingToExport"));
    const blob = await outbox.exportBlob(ctx.session.user);
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
    const a = h("a", { href: URL.createObjectURL(blob), download: `jicai-outbox-${stamp}.json`, hidden: true });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    say(t("outbox.exported", { n: c.queued + c.failed }));
  } }, t("outbox.export"));

  const importInput = h("input", { type: "file", accept: "application/json,.json", id: "outbox-import", class: "sr-only",
    "data-testid": "outbox-import-file", onchange: async () => {
      const file = importInput.files && importInput.files[0];
      importInput.value = "";
      if (!file) return;
      showError(error, "");
      if (!ctx.session.user) return showError(error, t("outbox.importSignIn"));
      try {
        const r = await outbox.importFile(file);
        say(t("outbox.imported", { added: r.added, skipped: r.total - r.added }));
      } catch {
        showError(error, t("outbox.importBad"));
      }
      draw();
    } });

  await draw();
  return h("div", { class: "outbox has-dock tall-dock" },
    h("h1", { tabindex: "-1" }, t("outbox.title")),
    h("p", { class: "muted small" }, t("outbox.lead")),
    note, error, body,
    h("section", { class: "card", "aria-labelledby": "obx-h" },
      h("h2", { id: "obx-h" }, t("outbox.handover")),
      h("p", { class: "muted small" }, t("outbox.handoverHint")),
      exportBtn,
      h("label", { for: "outbox-import", class: "btn btn-block", "data-testid": "outbox-import" }, t("outbox.import")), importInput),
    h("div", { class: "dock" },
      h("button", { type: "button", class: "btn btn-primary btn-block btn-big", "data-testid": "outbox-send", onclick: async () => {
        if (!navigator.onLine) return say(t("outbox.offline"));
        say(t("outbox.sending"));
        const s = await outbox.replayNow({ force: true });
        if (!s) return say("");
        if (s.stopped === "auth") say(t("outbox.needSignIn"));
        else if (s.stopped === "network") say(t("outbox.stillOffline"));
        else if (s.stopped === "busy") say(t("outbox.busy"));
        else say(t("outbox.sent", { sent: s.sent, failed: s.failed }));
      } }, t("outbox.sendNow"))));
}
