// /subsidies/notices: a village's notice (公示) as the township sees it — pick the village, then one
// policy and period it posted — with the objections (异议) villagers raised to it. The clerk records an
// objection (about a person on the notice, or someone named: missing from it …); the township lead
// upholds or dismisses it with the reason. While an objection is open the person is not put in a
// payment batch (一键直连).
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, getLang, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { errorBox, errorPage, sendWrite, sheet, showError } from "./common.js";
import { tabs } from "./subsidies.js";

export const RAISERS = ["admin", "county", "township_lead", "clerk"];
export const RESOLVERS = ["admin", "county", "township_lead"];
const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());

export async function render(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("obj.title"));
  const village = ctx.query.get("village") || "";
  const policy = ctx.query.get("policy") || "";
  const period = ctx.query.get("period") || "";
  const here = (qs) => "/subsidies/notices" + (qs.toString() ? "?" + qs : "");
  let villages, notice = null, objections = { items: [] };
  try {
    villages = await api("/regions", { query: { level: "village", per_page: 100 } });
    if (village) {
      notice = await api("/subsidies/notices", { query: { region_id: village, policy_id: policy || undefined, period: period || undefined } });
      if (policy && period) {
        objections = await api("/subsidies/objections", { query: { region_id: village, policy_id: policy, period, status: "all", per_page: 100 } });
      }
    }
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const pick = h("select", { id: "nt-village", "data-testid": "nt-village", onchange: () => {
    const qs = new URLSearchParams();
    if (pick.value) qs.set("village", pick.value);
    ctx.navigate(here(qs), { replace: true });
  } }, h("option", { value: "" }, t("subs.vcPick")),
  (villages.items || []).map((r) => h("option", { value: r.id, selected: String(r.id) === village }, r.name)));
  const chosen = notice && notice.sets.find((s) => String(s.policy_id) === policy && s.period === period);
  return h("div", { class: "subsidies" },
    h("h1", { tabindex: "-1" }, t("obj.title")),
    tabs(user, "/subsidies/notices"),
    h("p", { class: "small" }, t("obj.intro")),
    h("label", { for: "nt-village" }, t("subs.vcVillage")), pick,
    notice ? setList(notice, village, policy, period, here) : null,
    chosen ? noticeCard(notice, chosen, objections.items || [], user, ctx) : null);
}

/** The policies and periods the village posted, newest first, each a link. */
function setList(notice, village, policy, period, here) {
  if (!notice.sets.length) return h("p", { class: "empty", "data-testid": "nt-empty" }, t("obj.noNotice"));
  return h("nav", { class: "chips", "aria-label": t("obj.sets"), "data-testid": "nt-sets" }, notice.sets.map((s) => h("a", {
    href: here(new URLSearchParams({ village, policy: s.policy_id, period: s.period })), "data-link": "", class: "chip",
    "data-testid": "nt-set", "aria-current": String(s.policy_id) === policy && s.period === period ? "true" : null },
  `${s.policy} · ${s.period}`, s.open_objections ? h("span", { class: "flag warn" }, t("obj.openN", { n: s.open_objections })) : null)));
}

function noticeCard(notice, set, objections, user, ctx) {
  const canRaise = RAISERS.includes(user.role);
  const subject = { region_id: notice.village.id, policy_id: set.policy_id, period: set.period };
  const reload = () => ctx.navigate(location.pathname + location.search, { replace: true });
  const open = objections.filter((o) => o.status === "open");
  return [
    h("section", { class: "card", "aria-labelledby": "nt-h", "data-testid": "nt-notice" },
      h("h2", { id: "nt-h" }, t("obj.noticeOf", { village: notice.village.name, policy: set.policy, period: set.period })),
      h("p", { class: "muted small" }, t("obj.posted", { n: set.lines, date: formatDate(set.published_on) })),
      h("div", { class: "table-wrap" }, h("table", { class: "ntable", "data-testid": "nt-table" },
        h("thead", {}, h("tr", {}, [t("obj.name"), t("subs.idNumber"), t("obj.quantity"), t("obj.amount"), t("obj.publishedOn"), t("obj.objections")]
          .map((x) => h("th", { class: "nowrap" }, x)))),
        h("tbody", {}, notice.lines.map((n) => h("tr", { "data-testid": "nt-line", "data-beneficiary": n.beneficiary_id || "" },
          h("td", { class: "nowrap" }, n.name), h("td", { class: "mono" }, n.id_number || "—"), h("td", { class: "num" }, n.quantity),
          h("td", { class: "num nowrap" }, formatMoney(n.amount)), h("td", { class: "nowrap" }, formatDate(n.published_on)),
          // The line's open objections and, beside them, the button to record one more.
          h("td", { class: "row-inline" }, n.open_objections ? h("span", { class: "flag warn", "data-testid": "nt-line-open" },
            t("obj.openN", { n: n.open_objections })) : null, canRaise && n.beneficiary_id ? h("button", { type: "button", class: "btn btn-small", "data-testid": "nt-raise",
            "aria-label": t("obj.raiseAbout", { name: n.name }),
            onclick: () => raiseSheet({ ...subject, beneficiary_id: n.beneficiary_id }, n.name, reload, ctx) }, t("obj.raise")) : null, !n.open_objections && !canRaise ? "—" : null)))))),
      canRaise ? h("div", { class: "row wrap" }, h("button", { type: "button", class: "btn", "data-testid": "nt-raise-other",
        onclick: () => raiseSheet(subject, null, reload, ctx) }, t("obj.raiseOther"))) : null,
      h("p", { class: "muted small" }, t("obj.batchNote"))),
    h("section", { class: "card", "aria-labelledby": "ob-h", "data-testid": "objections" },
      h("h2", { id: "ob-h" }, t("obj.listTitle", { n: objections.length, open: open.length })),
      objections.length ? h("ul", { class: "case-list" }, objections.map((o) => objectionItem(o, user, reload, ctx)))
        : h("p", { class: "empty small", "data-testid": "objections-empty" }, t("obj.none")))];
}

/** 记录异议: who raised it, when, what they said; about ``person`` on the notice, or someone named. */
function raiseSheet(subject, person, reload, ctx) {
  const key = uuid();  // one per sheet: a retry is the same request
  const field = (id, label, input) => [h("label", { for: id }, label), input];
  const raisedBy = h("input", { id: "ob-by", maxlength: 40, required: true, "data-testid": "ob-by" });
  const phone = h("input", { id: "ob-phone", type: "tel", inputmode: "tel", maxlength: 20, "data-testid": "ob-phone" });
  const received = h("input", { id: "ob-on", type: "date", value: today(), max: today(), required: true, "data-testid": "ob-on" });
  const named = h("input", { id: "ob-person", maxlength: 40, "data-testid": "ob-person", placeholder: t("obj.personHint") });
  const text = h("textarea", { id: "ob-text", rows: 3, maxlength: 1000, required: true, "data-testid": "ob-text", placeholder: t("obj.textHint") });
  sheet({
    title: person ? t("obj.raiseAbout", { name: person }) : t("obj.raiseOther"), testid: "ob", okText: t("obj.save"),
    intro: t("obj.sheetIntro"),
    fields: [person ? null : field("ob-person", t("obj.person"), named), field("ob-by", t("obj.raisedBy"), raisedBy),
      field("ob-phone", t("obj.phone"), phone), field("ob-on", t("obj.receivedOn"), received), field("ob-text", t("obj.text"), text)],
    onOk: async () => {
      if (!person && !named.value.trim()) { named.focus(); return t("obj.needPerson"); }
      if (!raisedBy.value.trim()) { raisedBy.focus(); return t("obj.needBy"); }
      if (!text.value.trim()) { text.focus(); return t("obj.needText"); }
      const res = await sendWrite({ id: key, kind: "objection_raise", method: "POST", url: "/api/v1/subsidies/objections",
        json: { client_uuid: key, ...subject, person_name: person ? null : named.value.trim(), raised_by: raisedBy.value.trim(),
          phone: phone.value.trim() || null, received_on: received.value, text: text.value.trim() },
        label: { project_name: person || named.value.trim() } });
      if (res.state === "failed") return res.message;
      ctx.flash(res.state === "queued" ? t("risks.queued") : t("obj.saved"));
      reload();
      return null;
    },
  });
}

function objectionItem(o, user, reload, ctx) {
  const who = o.person ? `${o.person} ${o.person_id_number || ""}` : o.person_name || t("obj.wholeNotice");
  const villager = o.source === "villager";
  return h("li", { class: "case card", "data-status": o.status, "data-testid": "objection", "data-objection-id": o.id },
    h("p", { class: "pay-head" }, h("strong", {}, who),
      h("span", { class: o.status === "open" ? "flag warn" : o.status === "upheld" ? "flag" : "flag ok", "data-testid": "objection-status" },
        t(`obj.status.${o.status}`))),
    h("p", { class: "muted small" }, t("obj.from", { by: o.raised_by, date: formatDate(o.received_on) }),
      o.phone ? h("span", { class: "mono" }, ` · ${o.phone}`) : null,
      villager ? null : ` · ${t("obj.recordedBy", { name: o.created_by || "" })}`),
    villager ? h("p", { class: "small" }, h("span", { class: "flag warn", "data-testid": "objection-villager" }, t("obj.byVillager")),
      " ", h("span", { class: "muted" }, t("obj.receipt")), h("span", { class: "mono", "data-testid": "objection-receipt" }, o.receipt)) : null,
    h("p", {}, o.text),
    o.payment_sent ? h("p", { class: "flag warn", "data-testid": "objection-payment-sent" },
      (getLang() === "en" ? o.payment_sent_en : o.payment_sent_zh) || o.payment_sent_zh) : null,
    o.status !== "open" ? h("div", { class: "answer" },
      h("p", { class: "small muted" }, t("obj.ruled", { name: o.resolved_by || "", date: formatDate(o.resolved_at) })),
      h("p", { "data-testid": "objection-resolution" }, o.resolution))
      : RESOLVERS.includes(user.role) ? resolveForm(o, reload, ctx) : h("p", { class: "flag warn" }, t("obj.waiting")));
}

/** The lead's ruling: 成立 / 不成立 with the reason (one client_uuid per form: a retry is not a second ruling). */
function resolveForm(o, reload, ctx) {
  const key = uuid();
  const outcome = h("select", { "aria-label": t("obj.outcome"), "data-testid": "ob-outcome" },
    h("option", { value: "" }, t("obj.outcomePick")),
    h("option", { value: "dismissed" }, t("obj.dismiss")), h("option", { value: "upheld" }, t("obj.uphold")));
  const reason = h("textarea", { rows: 2, maxlength: 1000, "aria-label": t("obj.resolution"), placeholder: t("obj.resolutionHint"),
    "data-testid": "ob-resolution" });
  const error = errorBox();
  const ok = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "ob-resolve" }, t("obj.resolve"));
  return h("form", { class: "form answer-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    if (!outcome.value) { outcome.focus(); return showError(error, t("obj.outcomePick")); }
    if (!reason.value.trim()) { reason.focus(); return showError(error, t("obj.needResolution")); }
    ok.disabled = true;
    const res = await sendWrite({ id: key, kind: "objection_resolve", method: "POST", url: `/api/v1/subsidies/objections/${o.id}/resolve`,
      json: { client_uuid: key, outcome: outcome.value, resolution: reason.value.trim() },
      label: { project_name: o.person || o.person_name || "" } });
    ok.disabled = false;
    if (res.state === "failed") return showError(error, res.message);
    ctx.flash(res.state === "queued" ? t("risks.queued") : t("obj.resolved"));
    reload();
  } }, h("div", { class: "row wrap" }, outcome), reason, error, ok);
}
