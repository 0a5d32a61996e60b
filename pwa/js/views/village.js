// /v/<code>: a village's notice board (一村一码), for anyone. The public subsidy list of a period
// (names masked by the server), the policies that apply, the village's projects, and the villager's
// self-check: name + ID number + last four digits of the card (or phone) → their own payments and
// cases, each with 没收到; and 我有异议 on a notice while it is up (its 公示期), answered with a
// receipt number. The self-check token lives in this page's memory only, never on the phone.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { formatDate, formatMoney, getLang, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { errorPage, fact, sheet, stageBadge } from "./common.js";

const PERIOD = /^\d{4}(-(0[1-9]|1[0-2]))?$/;
const plain = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 2 });

/** "120 元/亩" when the unit already says 元, else "¥120.00/人". */
export function standard(p) {
  const n = Number(p.standard_amount);
  if (p.unit && p.unit.includes("元")) return `${Number.isFinite(n) ? plain.format(n) : p.standard_amount} ${p.unit}`;
  return p.unit ? `${formatMoney(p.standard_amount)}/${p.unit}` : formatMoney(p.standard_amount);
}

/** A jump within the page that does not touch the URL (a hash change would re-route and forget the check). */
const jump = (id, focusId) => (event) => {
  event.preventDefault();
  document.getElementById(id)?.scrollIntoView({ behavior: "smooth", block: "start" });
  if (focusId) document.getElementById(focusId)?.focus({ preventScroll: true });
};

export async function render(ctx) {
  const [code] = ctx.params;
  const period = ctx.query.get("period") || "";
  let v;
  try {
    v = await api(`/public/villages/${encodeURIComponent(code)}`, { query: { period } });
  } catch (err) {
    // A project's or unit's code typed here: show what it marks instead of a dead end.
    if (err && err.code === "not_a_village_code") { ctx.navigate(`/q/${encodeURIComponent(code)}`, { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  ctx.setTitle(v.village.name);
  return h("div", { class: "village" },
    h("header", { class: "card village-head", "data-testid": "village-card" },
      h("p", { class: "muted small" }, t("village.kicker")),
      h("h1", { tabindex: "-1", "data-testid": "village-name" }, v.village.name),
      h("p", { class: "muted", "data-testid": "village-path" }, (v.region_path || []).join(" › ")),
      h("nav", { class: "row wrap village-jump", "aria-label": t("village.jump") },
        h("a", { href: "#self-check", class: "btn btn-primary", "data-testid": "jump-self-check", onclick: jump("self-check", "sc-name") }, t("village.checkMine")),
        h("a", { href: "#objection-status", class: "btn", "data-testid": "jump-objection-status",
          onclick: jump("objection-status", "os-receipt") }, t("vos.jump")),
        h("a", { href: "#policies", class: "btn", onclick: jump("policies") }, t("village.policies")))),
    noticeSection(v, ctx),
    objectionStatusSection(v),
    selfCheckSection(v),
    policiesSection(v.policies || []),
    projectsSection(v.projects || []));
}

function noticeSection(v, ctx) {
  const lines = v.notice || [];
  const picker = (v.periods || []).length ? h("select", { id: "period", "data-testid": "period", "aria-label": t("village.period"),
    onchange: async () => {
      // Only this section is redrawn (a villager's self-check below stays as it is).
      picker.disabled = true;
      try {
        const next = await api(`/public/villages/${encodeURIComponent(v.code)}`, { query: { period: picker.value } });
        history.replaceState({}, "", `${location.pathname}?period=${encodeURIComponent(next.period || "")}`);
        section.replaceWith(noticeSection(next, ctx));
      } catch (err) {
        picker.disabled = false;
        section.append(h("p", { class: "error-box", role: "alert" }, err.message));
      }
    } },
  v.periods.map((p) => h("option", { value: p, selected: p === v.period }, p))) : null;
  const section = h("section", { class: "card", "aria-labelledby": "notice-h", "data-testid": "notice" },
    h("div", { class: "section-head" },
      h("h2", { id: "notice-h" }, t("village.notice")),
      picker ? h("label", { class: "period-pick" }, h("span", { class: "sr-only" }, t("village.period")), picker) : null),
    lines.length ? [
      h("p", { class: "muted small" }, t("village.noticeIntro", { period: v.period, n: lines.length })),
      h("div", { class: "table-wrap" }, h("table", { class: "ntable", "data-testid": "notice-table" },
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, t("village.colName")), h("th", { scope: "col" }, t("village.colPolicy")),
          h("th", { scope: "col", class: "num" }, t("village.colQty")), h("th", { scope: "col", class: "num" }, t("village.colAmount")))),
        h("tbody", {}, lines.map((n) => h("tr", { "data-testid": "notice-row" },
          h("td", { class: "nowrap" }, n.name), h("td", {}, n.policy),
          h("td", { class: "num" }, n.quantity), h("td", { class: "num nowrap" }, formatMoney(n.amount))))),
        h("tfoot", {}, h("tr", {},
          h("th", { scope: "row", colspan: 3 }, t("village.total")),
          h("td", { class: "num nowrap", "data-testid": "notice-total" }, formatMoney(v.notice_total)))))),
      noticeList(v, () => {
        const next = noticeSection(v, ctx);
        section.replaceWith(next);
        next.querySelector("[data-testid=objection-receipt]")?.scrollIntoView({ block: "center" });
      }),
      h("p", { class: "muted small" }, t("village.noticeHint"))]
      : h("p", { class: "empty small", "data-testid": "notice-empty" }, t("village.noticeEmpty")));
  return section;
}

// ---- 异议: the villager objects to a notice while it is up -------------------------------------

// The receipts of this visit, per village, policy and period: a redraw (the language toggle, another
// period and back) still shows them. Kept in memory only, like the self-check.
const receipts = new Map(); // "code|policy|period" → [{receipt, person}]
const MOBILE = /^1[3-9]\d{9}$/;

/** The period's notices, one a policy: until when each takes objections, and 我有异议 on those up. */
function noticeList(v, redraw) {
  const notices = v.notices || [];
  if (!notices.length) return null;
  return h("ul", { class: "obj-notices", "data-testid": "notice-sets" }, notices.map((n) => {
    const mine = receipts.get(`${v.code}|${n.policy_id}|${v.period}`) || [];
    return h("li", { class: "obj-notice", "data-testid": "notice-set", "data-policy-id": n.policy_id,
      "data-open": String(n.objections_open) },
    h("div", { class: "obj-notice-head" },
      h("p", {}, h("strong", {}, n.policy),
        h("span", { class: "muted small obj-until" }, n.objections_until
          ? t(n.objections_open ? "vobj.until" : "vobj.over", { date: formatDate(n.objections_until) }) : "")),
      n.objections_open ? h("button", { type: "button", class: "btn btn-small", "data-testid": "object",
        onclick: () => objectForm(v, n, redraw) }, t("vobj.object")) : null),
    mine.map((r) => h("p", { class: "obj-receipt", role: "status", "data-testid": "objection-receipt" },
      t("vobj.received", { who: r.person || t("vobj.wholeShort") }), " ",
      h("strong", { class: "mono", "data-testid": "receipt-no" }, r.receipt),
      h("span", { class: "small" }, t("vobj.keep")),
      r.payment_sent ? h("span", { class: "small", "data-testid": "receipt-payment-sent" },
        " ", (getLang() === "en" ? r.payment_sent_en : r.payment_sent_zh) || r.payment_sent_zh) : null)));
  }));
}

/** The form: which line (or the whole notice), the reason, name and mobile for the reply. One
 * client_uuid per form, so a retry after a dropped answer is the same objection, not a second. */
function objectForm(v, n, redraw) {
  const clientUuid = uuid();
  const lines = (v.notice || []).filter((l) => l.policy_id === n.policy_id);
  const line = h("select", { id: "vo-line", "data-testid": "vo-line" },
    h("option", { value: "" }, t("vobj.whole")),
    lines.map((l) => h("option", { value: l.line_id }, `${l.name} · ${formatMoney(l.amount)}`)));
  const reason = h("textarea", { id: "vo-reason", rows: 4, maxlength: 500, "data-testid": "vo-reason",
    placeholder: t("vobj.reasonHint") });
  const name = h("input", { id: "vo-name", autocomplete: "name", maxlength: 40, "data-testid": "vo-name" });
  const phone = h("input", { id: "vo-phone", type: "tel", inputmode: "numeric", autocomplete: "tel", maxlength: 20,
    "data-testid": "vo-phone", placeholder: "13800000000" });
  sheet({
    title: t("vobj.title"), testid: "vo", okText: t("vobj.send"),
    intro: t("vobj.intro", { policy: n.policy, period: v.period, date: formatDate(n.objections_until) }),
    fields: [
      h("label", { for: "vo-line" }, t("vobj.about")), line,
      h("label", { for: "vo-reason" }, t("vobj.reason")), reason,
      h("label", { for: "vo-name" }, t("vobj.name")), name,
      h("label", { for: "vo-phone" }, t("vobj.phone")), phone,
      h("p", { class: "muted small" }, t("vobj.privacy"))],
    onOk: async () => {
      const text = reason.value.trim();
      const mobile = phone.value.normalize("NFKC").replace(/[\s\-()]/g, "").replace(/^(\+86|0086)/, "");
      if (text.length < 5) { reason.focus(); return t("vobj.needReason"); }
      if (!name.value.trim()) { name.focus(); return t("vobj.needName"); }
      if (!MOBILE.test(mobile)) { phone.focus(); return t("vobj.badPhone"); }
      const body = { client_uuid: clientUuid, policy_id: n.policy_id, period: v.period, reason: text,
        name: name.value.trim(), phone: mobile };
      if (line.value) body.line_id = Number(line.value);
      let res;
      try {
        res = await api(`/public/villages/${encodeURIComponent(v.code)}/objections`, { method: "POST", body });
      } catch (err) {
        return err.message;
      }
      const key = `${v.code}|${n.policy_id}|${v.period}`;
      const mine = receipts.get(key) || [];
      if (!mine.some((r) => r.receipt === res.receipt)) mine.push({ receipt: res.receipt, person: res.person });
      receipts.set(key, mine);
      setTimeout(redraw);
      return null;
    },
  });
}

// ---- 查询异议: the villager types the receipt number and sees where their objection stands -------

/** The receipt as typed, cleaned as the server cleans it (full-width, case, spaces and dashes). */
const cleanReceipt = (text) => text.normalize("NFKC").toUpperCase().replace(/[^0-9A-Z]/g, "");

function objectionStatusSection(v) {
  const receipt = h("input", { id: "os-receipt", autocomplete: "off", autocapitalize: "characters", spellcheck: "false",
    maxlength: 40, required: true, "data-testid": "os-receipt", placeholder: "YY20261203-7KQ4MX" });
  const error = h("p", { class: "error-box", role: "alert", "data-testid": "os-error", hidden: true });
  const result = h("div", { "data-testid": "os-result" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "os-submit" }, t("vos.submit"));
  const say = (message, code) => { error.textContent = message || ""; error.hidden = !message; error.dataset.code = code || ""; };
  const form = h("form", { class: "form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    say("");
    const typed = receipt.value.trim();
    if (cleanReceipt(typed).length < 6) { receipt.focus(); return say(t("vos.needReceipt")); }
    submit.disabled = true;
    try {
      const o = await api(`/public/villages/${encodeURIComponent(v.code)}/objections/lookup`, { method: "POST",
        body: { receipt: typed } });
      result.replaceChildren(objectionStatus(o));
      result.querySelector("h3")?.focus();
    } catch (err) {
      result.replaceChildren();
      say(err.message, err.code);
    } finally {
      submit.disabled = false;
    }
  } },
  h("p", { class: "small" }, t("vos.intro")),
  h("label", { for: "os-receipt" }, t("vos.receipt")), receipt,
  error, submit);
  return h("section", { class: "card", id: "objection-status", "aria-labelledby": "os-h", "data-testid": "objection-status" },
    h("h2", { id: "os-h" }, t("vos.title")), form, result);
}

function objectionStatus(o) {
  const en = getLang() === "en";
  const flag = o.status === "open" ? "" : o.status === "upheld" ? "ok" : "muted";
  return h("article", { class: "obj-status", "data-testid": "os-card", "data-status": o.status },
    h("h3", { tabindex: "-1", class: "row-inline" },
      h("span", { class: `flag ${flag}`, "data-testid": "os-state" }, en ? o.status_en : o.status_zh),
      h("span", { class: "mono small" }, o.receipt)),
    h("dl", { class: "facts" },
      fact(t("vos.notice"), `${o.policy} · ${o.period}`),
      fact(t("vobj.about"), o.person || t("vobj.wholeShort")),
      fact(t("vobj.reason"), o.reason),
      fact(t("vos.by"), `${o.name} · ${o.phone}`),
      fact(t("vos.receivedOn"), formatDate(o.received_on)),
      fact(t("vos.resolvedOn"), o.resolved_on ? formatDate(o.resolved_on) : t("vos.pending"), { "data-testid": "os-resolved-on" }),
      fact(t("vos.answer"), o.answer || t("vos.noAnswer"), { "data-testid": "os-answer" })));
}

function policiesSection(policies) {
  return h("section", { class: "card", id: "policies", "aria-labelledby": "pol-h", "data-testid": "policies" },
    h("h2", { id: "pol-h" }, t("village.policiesCount", { n: policies.length })),
    policies.length ? h("ul", { class: "pol-list" }, policies.map((p) => h("li", { class: "pol", "data-testid": "policy" },
      h("p", { class: "pol-head" }, h("strong", {}, p.name), h("span", { class: "flag ok" }, p.category)),
      h("p", { class: "pol-std" }, t("village.standard"), h("strong", {}, standard(p)), h("span", { class: "muted" }, ` · ${p.year}`)),
      h("dl", { class: "facts" },
        fact(t("village.basis"), p.legal_basis),
        fact(t("village.department"), p.department),
        fact(t("village.excluded"), p.excluded),
        fact(t("village.exclusive"), (p.exclusive_with || []).join("、"))))))
      : h("p", { class: "empty small" }, t("village.policiesEmpty")));
}

function projectsSection(projects) {
  if (!projects.length) return null;
  return h("section", { class: "card", "aria-labelledby": "vproj-h", "data-testid": "village-projects" },
    h("h2", { id: "vproj-h" }, t("village.projects", { n: projects.length })),
    h("ul", { class: "plist" }, projects.map((p) => {
      const inner = [h("span", { class: "pitem-name" }, p.name),
        h("span", { class: "pitem-meta" }, stageBadge(p.stage), h("span", {}, formatMoney(p.budget)))];
      return h("li", {}, p.code
        ? h("a", { href: `/q/${encodeURIComponent(p.code)}`, "data-link": "", class: "pitem", "data-testid": "village-project" }, inner)
        : h("div", { class: "pitem" }, inner));
    })));
}

// ---- the villager's self-check -----------------------------------------------------------------

// The villager's answer stays in this tab's memory while they are on this village's page, so that
// switching the language (which draws the page again) does not send them back to the form. A reload,
// "done" or an expired check forgets it; it is never written to the phone.
let kept = null; // {code, me}

function selfCheckSection(v) {
  let me = kept && kept.code === v.code ? kept.me : null; // {token, person, payments, cases}
  const body = h("div", {});
  const section = h("section", { class: "card", id: "self-check", "aria-labelledby": "sc-h", "data-testid": "self-check" },
    h("h2", { id: "sc-h" }, t("sc.title")), body);

  const name = h("input", { id: "sc-name", autocomplete: "name", maxlength: 40, required: true, "data-testid": "sc-name" });
  const idNo = h("input", { id: "sc-id", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: 24,
    required: true, "data-testid": "sc-id" });
  const last4 = h("input", { id: "sc-last4", inputmode: "numeric", autocomplete: "off", maxlength: 4, pattern: "[0-9]{4}",
    required: true, "data-testid": "sc-last4" });
  const error = h("p", { class: "error-box", role: "alert", "data-testid": "sc-error", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "sc-submit" }, t("sc.submit"));
  const say = (message, code) => { error.textContent = message || ""; error.hidden = !message; error.dataset.code = code || ""; };

  const form = h("form", { class: "form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    say("");
    const id = idNo.value.normalize("NFKC").replace(/[\s\-\u2010-\u2015]/g, ""); // 330112-19620315-0012
    const tail = last4.value.normalize("NFKC").trim();
    if (!name.value.trim()) { name.focus(); return say(t("sc.needName")); }
    if (!/^(\d{17}[\dXx]|\d{15})$/.test(id)) { idNo.focus(); return say(t("sc.badId")); } // old 15-digit IDs too
    if (!/^\d{4}$/.test(tail)) { last4.focus(); return say(t("sc.badLast4")); }
    submit.disabled = true;
    submit.textContent = t("sc.busy");
    try {
      me = await api("/public/self-check", { method: "POST", body: { name: name.value.trim(), id_number: id, last4: tail } });
      idNo.value = ""; // the full number is not kept on the page once it has been used
      last4.value = "";
      showMine();
    } catch (err) {
      say(err.message, err.code);
    } finally {
      submit.disabled = false;
      submit.textContent = t("sc.submit");
    }
  } },
  h("p", { class: "small" }, t("sc.intro")),
  h("label", { for: "sc-name" }, t("sc.name")), name,
  h("label", { for: "sc-id" }, t("sc.id")), idNo,
  h("label", { for: "sc-last4" }, t("sc.last4")), last4,
  h("small", { class: "muted" }, t("sc.last4Hint")),
  error, submit,
  h("p", { class: "muted small" }, t("sc.privacy")));

  function showForm(message, code) {
    me = null;
    kept = null;
    fill(body, form);
    say(message, code);
  }

  /** Apply a fresh answer (self-check, my-payments or a new case) and draw it. */
  function update(data, toast) {
    me = { ...me, ...data };
    showMine(toast);
  }

  async function refresh() {
    try {
      update(await api("/public/my-payments", { method: "POST", body: { token: me.token } }), t("sc.refreshed"));
    } catch (err) {
      if (err.status === 401) showForm(err.message, err.code);
      else alertIn(err.message);
    }
  }
  function alertIn(message) {
    body.prepend(h("p", { class: "error-box", role: "alert" }, message));
  }

  function showMine(toast) {
    kept = { code: v.code, me };
    const { person, payments = [], cases = [] } = me;
    const openKeys = new Set(cases.filter((c) => c.status === "open").map((c) => `${c.policy_id}|${c.period}`));
    fill(body,
      toast ? h("p", { class: "toast", role: "status", "data-testid": "sc-toast" }, toast) : null,
      h("div", { class: "me-box", "data-testid": "sc-person" },
        h("strong", {}, person.name), h("span", { class: "muted" }, ` · ${person.village}`),
        h("p", { class: "muted small mono" }, t("sc.idMasked", { id: person.id_number }))),
      h("h3", {}, t("sc.payments", { n: payments.length })),
      payments.length ? h("ul", { class: "pay-list", "data-testid": "payments" }, payments.map((p) => {
        const reported = openKeys.has(`${p.policy_id}|${p.period}`);
        return h("li", { class: "pay", "data-status": p.status, "data-testid": "payment", "data-payment-id": p.id },
          h("p", { class: "pay-head" }, h("strong", {}, p.policy), h("span", { class: "pay-amount" }, formatMoney(p.amount))),
          h("p", { class: "pay-meta" },
            h("span", { class: "pstatus", "data-status": p.status, "data-testid": "payment-status" }, t(`pay.${p.status}`)),
            h("span", {}, t("sc.period", { period: p.period })),
            p.paid_on ? h("span", {}, t("sc.paidOn", { date: formatDate(p.paid_on) })) : null),
          p.reason ? h("p", { class: "small pay-reason" }, t("sc.reason", { reason: p.reason })) : null,
          p.bank_card ? h("p", { class: "muted small mono" }, t("sc.card", { card: p.bank_card })) : null,
          reported ? h("p", { class: "flag warn", "data-testid": "payment-reported" }, t("sc.reported"))
            // Not paid out yet: nothing to miss; the villager can still report a month that never came.
            : p.status === "pending" ? h("p", { class: "muted small", "data-testid": "payment-pending" }, t("sc.pendingNote"))
            : h("button", { type: "button", class: "btn btn-small", "data-testid": "not-received",
              onclick: () => report({ payment: p }) }, t("sc.notReceived")));
      })) : h("p", { class: "empty small" }, t("sc.noPayments")),
      h("button", { type: "button", class: "btn btn-block", "data-testid": "report-missing", onclick: () => report({}) }, t("sc.missing")),
      h("h3", {}, t("sc.cases", { n: cases.length })),
      cases.length ? h("ul", { class: "case-list", "data-testid": "my-cases" }, cases.map((c) => caseItem(c)))
        : h("p", { class: "empty small" }, t("sc.noCases")),
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn", "data-testid": "sc-refresh", onclick: refresh }, t("sc.refresh")),
        h("button", { type: "button", class: "btn", "data-testid": "sc-done", onclick: () => { name.value = ""; showForm(); } }, t("sc.done"))));
    section.scrollIntoView({ block: "start" });
  }

  /** 没收到: one payment, or a policy + month the villager expected. One client_uuid per form. */
  function report({ payment }) {
    const clientUuid = uuid();
    const note = h("textarea", { id: "nr-note", rows: 3, maxlength: 500, "data-testid": "nr-note", placeholder: t("nr.noteHint") });
    const policy = payment ? null : h("select", { id: "nr-policy", required: true, "data-testid": "nr-policy" },
      h("option", { value: "" }, t("nr.pick")),
      (v.policies || []).map((p) => h("option", { value: p.id }, `${p.name}（${p.year}）`)));
    const month = payment ? null : h("input", { id: "nr-period", type: "month", required: true, placeholder: "2026-03",
      max: new Date().toISOString().slice(0, 7), "data-testid": "nr-period" });
    // A yearly subsidy (元/亩, 元/户…) is asked by year; one paid by the month (元/人·月), by month.
    const thisYear = new Date().getFullYear();
    const year = payment ? null : h("select", { id: "nr-year", hidden: true, "data-testid": "nr-year" },
      [0, 1, 2].map((back) => h("option", { value: String(thisYear - back) }, String(thisYear - back))));
    const monthly = () => {
      const chosen = (v.policies || []).find((p) => String(p.id) === policy.value);
      return !chosen || (chosen.unit || "").includes("月");
    };
    if (policy) {
      policy.addEventListener("change", () => {
        const byMonth = monthly();
        month.hidden = !byMonth;
        year.hidden = byMonth;
        periodLabel.htmlFor = byMonth ? "nr-period" : "nr-year";
        periodLabel.textContent = byMonth ? t("nr.period") : t("nr.year");
        const chosen = (v.policies || []).find((p) => String(p.id) === policy.value);
        if (!byMonth && chosen && [...year.options].some((o) => o.value === String(chosen.year))) year.value = String(chosen.year);
      });
    }
    const periodLabel = payment ? null : h("label", { for: "nr-period" }, t("nr.period"));
    sheet({
      title: t("nr.title"), testid: "nr", okText: t("nr.ok"),
      intro: payment ? t("nr.about", { policy: payment.policy, period: payment.period, amount: formatMoney(payment.amount) }) : t("nr.aboutMissing"),
      fields: [
        policy ? [h("label", { for: "nr-policy" }, t("nr.policy")), policy] : null,
        month ? [periodLabel, month, year] : null,
        h("label", { for: "nr-note" }, t("nr.note")), note],
      onOk: async () => {
        const json = { token: me.token, client_uuid: clientUuid };
        if (payment) json.disbursement_id = payment.id;
        else {
          if (!policy.value) { policy.focus(); return t("nr.needPolicy"); }
          const period = monthly() ? month.value.normalize("NFKC").trim() : year.value;
          if (!PERIOD.test(period)) { (monthly() ? month : year).focus(); return t("nr.needPeriod"); }
          json.policy_id = Number(policy.value);
          json.period = period;
        }
        if (note.value.trim()) json.note = note.value.trim();
        let res;
        try {
          res = await api("/public/cases", { method: "POST", body: json });
        } catch (err) {
          if (err.status === 401) { setTimeout(() => showForm(err.message, err.code)); return null; }
          return err.message;
        }
        const { case: _case, created: _created, ...mine } = res;
        update(mine, t("nr.done"));
        return null;
      },
    });
  }

  if (me) showMine(); else showForm();
  return section;
}

function caseItem(c) {
  const answered = c.status === "answered";
  return h("li", { class: "case", "data-status": c.status, "data-testid": "my-case", "data-case-id": c.id },
    h("p", { class: "pay-head" }, h("strong", {}, c.policy), h("span", { class: "muted" }, c.period)),
    h("p", { class: "muted small" }, t("case.reportedOn", { date: formatDate(c.created_at) }), c.note ? ` · ${c.note}` : ""),
    answered
      ? h("div", { class: "answer", "data-testid": "case-answer" },
        h("p", { class: "small muted" }, t("case.answeredOn", { date: formatDate(c.answered_at) })), h("p", {}, c.answer))
      : h("p", { class: "flag warn", "data-testid": "case-open" }, t("case.waiting")));
}
