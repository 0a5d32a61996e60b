// /comments: the public's comments and complaints on projects in the user's region, unanswered
// first; a lead answers one (the answer is public) or hides abuse with a reason.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { errorPage, sendWrite, sheet } from "./common.js";
import { ANSWERERS, answerForm } from "./subsidies.js";

const STATUSES = ["open", "answered", "hidden", "all"];
/** Who may reveal a villager's call-back phone: the township's own staff. */
const CALLERS = ["township_lead", "inspector"];

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
    items.length ? h("ul", { class: "case-list", "data-testid": "staff-comments" }, items.map((c) => item(c, canAnswer, ctx, CALLERS.includes(user.role))))
      : h("p", { class: "empty", "data-testid": "staff-comments-empty" }, t("cm.empty")));
}

function item(c, canAnswer, ctx, canCall) {
  return h("li", { class: "case card", "data-status": c.status, "data-testid": "staff-comment", "data-comment-id": c.id },
    h("p", { class: "comment-head" },
      h("span", { class: c.kind === "complaint" ? "flag" : "flag ok" }, t(`pub.kind.${c.kind}`)),
      h("a", { href: `/p/${c.project_id}#comments`, "data-link": "" }, c.project_name || `#${c.project_id}`)),
    h("p", { class: "comment-body" }, c.body),
    h("p", { class: "muted small" }, c.nickname || t("pub.anonymous"), ` · ${formatDate(c.created_at)}`,
      c.contact && !canCall ? ` · ${t("cm.contact", { phone: c.contact })}` : ""),
    c.contact && canCall ? contactLine(c) : null,
    c.hidden_reason ? h("p", { class: "small flag warn" }, t("cm.hiddenReason", { reason: c.hidden_reason })) : null,
    c.answer ? h("div", { class: "answer" }, h("p", { class: "small muted" }, t("pub.answer", { date: formatDate(c.answered_at) })), h("p", {}, c.answer)) : null,
    canAnswer && c.status !== "hidden" ? [
      answerForm({ testid: "comment", url: `/api/v1/comments/${c.id}/answer`, kind: "comment_answer",
        label: { project_name: c.project_name || "" }, hint: t("cm.answerHint"), ctx, done: t("cm.answered") }),
      h("button", { type: "button", class: "btn btn-small", "data-testid": "comment-hide", onclick: () => openHide(c, ctx) }, t("cm.hide"))] : null);
}

/** The villager's call-back phone: masked; 查看完整电话 with a reason (audited) shows it as a tel: link. */
function contactLine(c) {
  const value = h("span", { "data-testid": "comment-contact" }, c.contact);
  const line = h("p", { class: "small" }, `${t("cm.phone")} `, value, " ");
  const btn = h("button", { type: "button", class: "btn btn-small", "data-testid": "comment-reveal", onclick: () => {
    const reason = h("textarea", { id: "cr-reason", rows: 2, maxlength: 200, required: true, "data-testid": "reveal-reason",
      placeholder: t("cm.revealHint") });
    sheet({
      title: t("cm.revealTitle"), testid: "reveal", okText: t("subs.revealOk"), intro: t("subs.revealIntro"),
      fields: [h("label", { for: "cr-reason" }, t("subs.revealReason")), reason],
      onOk: async () => {
        if (!reason.value.trim()) { reason.focus(); return t("subs.revealNeedReason"); }
        try {
          const r = await api(`/comments/${c.id}/reveal-contact`, { method: "POST", body: { reason: reason.value.trim() } });
          value.replaceChildren(h("a", { href: `tel:${r.value}`, "aria-label": t("cm.call", { phone: r.value }) }, r.value));
          value.classList.add("revealed");
          btn.remove();
          return null;
        } catch (err) {
          return err.message;
        }
      },
    });
  } }, t("cm.reveal"));
  line.append(btn);
  return line;
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
