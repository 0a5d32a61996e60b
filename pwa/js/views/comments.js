// /comments: the public's comments and complaints on projects in the user's region, unanswered
// first; a lead answers one (the answer is public) or hides abuse with a reason.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { errorPage, sendWrite, sheet } from "./common.js";
import { ANSWERERS, answerForm } from "./subsidies.js";

const STATUSES = ["open", "answered", "hidden", "all"];

export async function render(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("cm.title"));
  const status = STATUSES.includes(ctx.query.get("status")) ? ctx.query.get("status") : "open";
  let data;
  try {
    data = await api("/comments", { query: { status, per_page: 100 } });
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const items = data.items || [];
  const canAnswer = ANSWERERS.includes(user.role);
  return h("div", { class: "subsidies" },
    h("h1", { tabindex: "-1" }, t("cm.title")),
    h("p", {}, h("a", { href: "/subsidies", "data-link": "" }, t("subs.title"))),
    h("nav", { class: "chips", "aria-label": t("cases.filter") }, STATUSES.map((s) => h("a", {
      href: s === "open" ? "/comments" : `/comments?status=${s}`, "data-link": "", class: "chip",
      "aria-current": s === status ? "true" : null }, t(`cm.${s}`)))),
    h("p", { class: "muted small" }, t("cases.total", { total: data.total || 0 })),
    items.length ? h("ul", { class: "case-list", "data-testid": "staff-comments" }, items.map((c) => item(c, canAnswer, ctx)))
      : h("p", { class: "empty", "data-testid": "staff-comments-empty" }, t("cm.empty")));
}

function item(c, canAnswer, ctx) {
  return h("li", { class: "case card", "data-status": c.status, "data-testid": "staff-comment", "data-comment-id": c.id },
    h("p", { class: "comment-head" },
      h("span", { class: c.kind === "complaint" ? "flag" : "flag ok" }, t(`pub.kind.${c.kind}`)),
      h("a", { href: `/p/${c.project_id}#comments`, "data-link": "" }, c.project_name || `#${c.project_id}`)),
    h("p", { class: "comment-body" }, c.body),
    h("p", { class: "muted small" }, c.nickname || t("pub.anonymous"), ` · ${formatDate(c.created_at)}`,
      c.contact ? ` · ${t("cm.contact", { phone: c.contact })}` : ""),
    c.hidden_reason ? h("p", { class: "small flag warn" }, t("cm.hiddenReason", { reason: c.hidden_reason })) : null,
    c.answer ? h("div", { class: "answer" }, h("p", { class: "small muted" }, t("pub.answer", { date: formatDate(c.answered_at) })), h("p", {}, c.answer)) : null,
    canAnswer && c.status !== "hidden" ? [
      answerForm({ testid: "comment", url: `/api/v1/comments/${c.id}/answer`, kind: "comment_answer",
        label: { project_name: c.project_name || "" }, hint: t("cm.answerHint"), ctx, done: t("cm.answered") }),
      h("button", { type: "button", class: "btn btn-small", "data-testid": "comment-hide", onclick: () => openHide(c, ctx) }, t("cm.hide"))] : null);
}

function openHide(c, ctx) {
  const clientUuid = uuid();
  const reason = h("textarea", { id: "hd-reason", rows: 2, maxlength: 200, required: true, "data-testid": "hide-reason" });
  sheet({
    title: t("cm.hideTitle"), testid: "hide", okText: t("cm.hideOk"), intro: c.body,
    fields: [h("label", { for: "hd-reason" }, t("cm.hideReason")), reason],
    onOk: async () => {
      if (!reason.value.trim()) { reason.focus(); return t("risks.needReason"); }
      const res = await sendWrite({ id: clientUuid, kind: "comment_hide", method: "POST", url: `/api/v1/comments/${c.id}/hide`,
        json: { client_uuid: clientUuid, reason: reason.value.trim() }, label: { project_name: c.project_name || "" } });
      if (res.state === "failed") return res.message;
      ctx.flash(res.state === "queued" ? t("risks.queued") : t("cm.hidden"));
      ctx.navigate(location.pathname + location.search, { replace: true });
      return null;
    },
  });
}
