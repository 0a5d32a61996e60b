// Staff side of the subsidies: /subsidies (search beneficiaries, masked, by region (?region=) too; the village code for the
// notice board), /subsidies/people/<id> (payments, cases, and 查看完整 with a reason for the roles that
// may), /subsidies/policies (the policy list; which policies exclude each other, set here), /subsidies/import
// (a clerk's file, all or nothing, with the per-row report), /subsidies/cases (villagers' 没收到 cases to answer).
import { api } from "../api.js";
import { prettyCode } from "../codes.js";
import { fill, h } from "../dom.js";
import { formatDate, formatMoney, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { regionPicker } from "../region-picker.js";
import { errorBox, errorPage, exportLinks, fact, placeText, regionFilter, regionParam, sendWrite, sheet, showError, totalOf } from "./common.js";

export const IMPORTERS = ["admin", "county", "township_lead"];
export const ANSWERERS = ["admin", "county", "township_lead"];
const REVEALERS = ["admin", "county", "township_lead"];
const PEOPLE_PAGE = 30;

const signIn = (ctx) => { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; };

/** The links between the subsidy screens (the current one marked). */
export function tabs(user, here) {
  const links = [["/subsidies", "subs.tabPeople"], ["/subsidies/payments", "lists.payments"], ["/subsidies/policies", "pol.tab"],
    IMPORTERS.includes(user.role) ? ["/subsidies/import", "subs.tabImport"] : null,
    ["/subsidies/notices", "obj.tab"], ["/subsidies/cases", "subs.tabCases"], ["/comments", "subs.tabComments"]].filter(Boolean);
  return h("nav", { class: "tabs", "aria-label": t("subs.title") }, links.map(([href, key]) =>
    h("a", { href, "data-link": "", class: "tab", "aria-current": href === here ? "page" : null }, t(key))));
}

// ---- /subsidies --------------------------------------------------------------------------------

export async function renderHome(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("subs.title"));
  const q = ctx.query.get("q") || "";
  const region = regionParam(ctx);
  let data;
  try {
    data = await api("/subsidies/beneficiaries", { query: { q, region_id: region, per_page: PEOPLE_PAGE } });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const input = h("input", { id: "bq", type: "search", maxlength: 40, value: q, placeholder: t("subs.searchHint"), "data-testid": "people-search" });
  const items = data.items || [];
  const personItem = (b) => h("li", {},
    h("a", { href: `/subsidies/people/${b.id}`, "data-link": "", class: "pitem", "data-testid": "person" },
      h("span", { class: "pitem-name" }, b.name, h("span", { class: "muted", "data-testid": "item-place" },
        ` · ${[placeText(b, user), b.village].filter(Boolean).join(" · ")}`)),
      h("span", { class: "pitem-meta mono" }, h("span", {}, b.id_number), b.bank_card ? h("span", {}, b.bank_card) : null)));
  const list = h("ul", { class: "plist", "data-testid": "people" }, items.map(personItem));
  // A township has thousands of people: a page at a time, the next one on request, by key (the
  // server seeks past the last person shown; the count stops at 1,000, the list does not).
  let after = data.next;
  const more = h("button", { type: "button", class: "btn btn-block", "data-testid": "people-more",
    hidden: !after, onclick: async () => {
      more.disabled = true;
      try {
        const next = await api("/subsidies/beneficiaries", { query: { q, region_id: region, per_page: PEOPLE_PAGE, after } });
        after = next.next;
        list.append(...(next.items || []).map(personItem));
        more.hidden = !after;
      } catch (err) {
        more.after(h("p", { class: "error-box", role: "alert" }, err.message));
      } finally {
        more.disabled = false;
      }
    } }, t("subs.more"));
  return h("div", { class: "subsidies" },
    h("h1", { tabindex: "-1" }, t("subs.title")),
    tabs(user, "/subsidies"),
    IMPORTERS.includes(user.role) ? villageCodeSection(user) : null,
    h("form", { class: "search", role: "search", onsubmit: (event) => {
      event.preventDefault();
      const qs = new URLSearchParams();
      if (input.value.trim()) qs.set("q", input.value.trim());
      if (region) qs.set("region", region);
      ctx.navigate("/subsidies" + (qs.toString() ? "?" + qs : ""), { replace: true });
    } },
    h("label", { for: "bq", class: "sr-only" }, t("subs.search")),
    h("div", { class: "row" }, input, h("button", { type: "submit", class: "btn" }, t("home.find"))),
    h("div", { class: "filters" }, regionFilter(ctx))),
    h("p", { class: "muted small list-head", "aria-live": "polite" }, t("subs.total", { total: totalOf(data) }),
      exportLinks("/subsidies/beneficiaries", { q, region_id: region }, "people-export")),
    items.length ? [list, more] : h("p", { class: "empty", "data-testid": "people-empty" }, t("subs.empty")));
}

/** 一村一码 for a village's notice board: pick the village, get its code as a printable PNG. */
function villageCodeSection(user) {
  const body = h("div", {});
  const village = regionPicker({ id: "vc-village", testid: "vc-village", label: t("subs.vcVillage"), root: user.region,
    levels: ["village"] });
  const error = errorBox();
  const go = h("button", { type: "button", class: "btn btn-primary", "data-testid": "vc-get", onclick: async () => {
    showError(error, "");
    if (!village.value) { village.focus(); return showError(error, t("subs.vcPick")); }
    go.disabled = true;
    try {
      const c = await api(`/regions/${village.value}/village-code`, { method: "POST" });
      fill(body, h("figure", { class: "qr vcode", "data-testid": "vc-result" },
        h("img", { src: c.png_url, alt: t("subs.vcAlt", { name: c.village.name }), width: 220, height: 220, "data-testid": "vc-png" }),
        h("figcaption", {}, h("strong", {}, c.village.name), h("br"), h("code", { "data-testid": "vc-code" }, prettyCode(c.code)))),
      h("div", { class: "row wrap" },
        h("a", { href: c.png_url, download: `${c.village.name}-${c.code}.png`, class: "btn" }, t("subs.vcDownload")),
        h("a", { href: `/v/${encodeURIComponent(c.code)}`, "data-link": "", class: "btn", "data-testid": "vc-open" }, t("subs.vcOpen"))),
      h("p", { class: "muted small" }, t("subs.vcHint")));
    } catch (err) {
      showError(error, err.message);
    } finally {
      go.disabled = false;
    }
  } }, t("subs.vcGet"));
  // Folded at the top (a few times a year, but findable without scrolling past every person).
  return h("details", { class: "card fold", "data-testid": "village-code" },
    h("summary", { id: "vc-h" }, t("subs.vcTitle")),
    h("p", { class: "small" }, t("subs.vcIntro")),
    village.el, h("div", { class: "row" }, go), error, body);
}

// ---- /subsidies/policies -------------------------------------------------------------------------

export async function renderPolicies(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("pol.title"));
  let data;
  try {
    data = await api("/subsidies/policies");
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const items = data.items || [];
  const years = [...new Set(items.map((p) => p.year))];
  const result = h("div", { "aria-live": "polite" });
  const namedBy = (p) => items.filter((o) => o.year === p.year && o.id !== p.id && o.exclusive_with.includes(p.name)
    && !p.exclusive_with.includes(o.name)).map((o) => o.name);
  const policyItem = (p) => h("li", { class: "card policy", "data-testid": "policy", "data-id": p.id },
    h("p", { class: "pay-head" }, h("strong", {}, p.name),
      h("span", { class: "muted" }, `${formatMoney(p.standard_amount)} ${p.unit || ""}`)),
    h("p", { class: "muted small" }, [p.category, p.department].filter(Boolean).join(" · ")),
    h("p", { class: "small", "data-testid": "policy-exclusive" }, t("pol.exclusive"), "：",
      p.exclusive_with.length ? p.exclusive_with.join("、") : null,
      // The rule reads a pair from either side: a policy that names this one is shown too.
      namedBy(p).length ? h("span", { class: "muted" }, (p.exclusive_with.length ? "、" : "") + t("pol.namedBy", { names: namedBy(p).join("、") })) : null,
      p.exclusive_with.length || namedBy(p).length ? null : h("span", { class: "muted" }, t("pol.none"))),
    p.editable ? h("button", { type: "button", class: "btn", "data-testid": "policy-exclusive-edit",
      onclick: () => editExclusive(p) }, t("pol.edit")) : null);

  /** Tick the policies of the same year that may not be received together with ``p``. */
  function editExclusive(p) {
    const key = uuid();  // one per sheet: a retry is the same request
    const others = items.filter((o) => o.year === p.year && o.id !== p.id);
    const boxes = others.map((o) => h("input", { type: "checkbox", id: `ex-${o.id}`, value: o.id,
      checked: p.exclusive_with.includes(o.name), "data-testid": "exclusive-option" }));
    sheet({
      title: t("pol.editTitle", { name: p.name }), testid: "exclusive", okText: t("pol.save"),
      intro: others.length ? t("pol.editIntro", { year: p.year }) : t("pol.noOthers", { year: p.year }),
      fields: h("fieldset", { class: "choices" }, others.map((o, i) => h("label", { for: `ex-${o.id}`, class: "choice" }, boxes[i], o.name))),
      onOk: async () => {
        try {
          const saved = await api(`/subsidies/policies/${p.id}/exclusive`, { method: "POST", body: {
            client_uuid: key, exclusive_with: boxes.filter((b) => b.checked).map((b) => Number(b.value)) } });
          p.exclusive_with = saved.exclusive_with;
        } catch (err) {
          return err.message;
        }
        fill(list, years.map(yearSection));
        fill(result, h("p", { class: "toast", role: "status", "data-testid": "exclusive-saved" }, t("pol.saved", { name: p.name })));
        return null;
      },
    });
  }

  const yearSection = (year) => h("section", { "aria-labelledby": `py-${year}` },
    h("h2", { id: `py-${year}` }, t("pol.year", { year })),
    h("ul", { class: "plist policies" }, items.filter((p) => p.year === year).map(policyItem)));
  const list = h("div", { "data-testid": "policies" }, years.map(yearSection));
  return h("div", { class: "subsidies" },
    h("h1", { tabindex: "-1" }, t("pol.title")),
    tabs(user, "/subsidies/policies"),
    h("p", { class: "small" }, t("pol.intro")),
    result,
    items.length ? list : h("p", { class: "empty", "data-testid": "policies-empty" }, t("pol.empty")));
}

// ---- /subsidies/people/<id> ----------------------------------------------------------------------

export async function renderPerson(ctx) {
  const { user } = ctx.session;
  let b;
  try {
    b = await api(`/subsidies/beneficiaries/${encodeURIComponent(ctx.params[0])}`);
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  ctx.setTitle(b.name);
  const canReveal = REVEALERS.includes(user.role);
  const masked = (field, label) => {
    if (!b[field]) return fact(label, t("project.none"));
    const value = h("span", { class: "mono", "data-testid": `pf-${field}` }, b[field]);
    const btn = canReveal ? h("button", { type: "button", class: "btn btn-small", "data-testid": `reveal-${field}`,
      onclick: () => openReveal(b, field, label, value, btn) }, t("subs.reveal")) : null;
    return fact(label, h("span", { class: "row-inline" }, value, btn));
  };
  return h("div", { class: "subsidies" },
    h("p", {}, h("a", { href: "/subsidies", "data-link": "" }, t("subs.back"))),
    h("article", { class: "card", "data-testid": "person-card" },
      h("h1", { tabindex: "-1" }, b.name),
      h("p", { class: "muted" }, b.village),
      h("dl", { class: "facts" },
        masked("id_number", t("subs.idNumber")),
        masked("bank_card", t("subs.card")),
        masked("phone", t("subs.phone")),
        fact(t("subs.household"), b.household)),
      canReveal ? h("p", { class: "muted small" }, t("subs.revealNote")) : null),
    h("section", { class: "card", "aria-labelledby": "pp-h" },
      h("h2", { id: "pp-h" }, t("sc.payments", { n: (b.payments || []).length })),
      (b.payments || []).length ? h("ul", { class: "pay-list", "data-testid": "payments" }, b.payments.map((p) => h("li", { class: "pay", "data-status": p.status },
        h("p", { class: "pay-head" }, h("strong", {}, p.policy), h("span", { class: "pay-amount" }, formatMoney(p.amount))),
        h("p", { class: "pay-meta" }, h("span", { class: "pstatus", "data-status": p.status }, t(`pay.${p.status}`)),
          h("span", {}, t("sc.period", { period: p.period })), p.paid_on ? h("span", {}, t("sc.paidOn", { date: formatDate(p.paid_on) })) : null,
          p.voucher ? h("span", { class: "muted" }, t("subs.voucher", { v: p.voucher })) : null),
        p.reason ? h("p", { class: "small pay-reason" }, t("sc.reason", { reason: p.reason })) : null)))
        : h("p", { class: "empty small" }, t("sc.noPayments"))),
    h("section", { class: "card", "aria-labelledby": "pc-h" },
      h("h2", { id: "pc-h" }, t("subs.cases", { n: (b.cases || []).length })),
      (b.cases || []).length ? h("ul", { class: "case-list" }, b.cases.map((c) => h("li", { class: "case", "data-status": c.status },
        h("p", { class: "pay-head" }, h("strong", {}, c.policy), h("span", { class: "muted" }, c.period)),
        c.note ? h("p", { class: "small" }, c.note) : null,
        c.answer ? h("p", { class: "answer" }, c.answer) : h("p", { class: "flag warn" }, t("case.waiting")))))
        : h("p", { class: "empty small" }, t("sc.noCases"))));
}

/** 查看完整: a reason (audited), then the value shown in place — never stored on the phone. */
function openReveal(b, field, label, valueEl, btn) {
  const reason = h("textarea", { id: "rv-reason", rows: 2, maxlength: 200, required: true, "data-testid": "reveal-reason",
    placeholder: t("subs.revealHint") });
  sheet({
    title: t("subs.revealTitle", { field: label }), testid: "reveal", okText: t("subs.revealOk"),
    intro: t("subs.revealIntro"),
    fields: [h("label", { for: "rv-reason" }, t("subs.revealReason")), reason],
    onOk: async () => {
      if (!reason.value.trim()) { reason.focus(); return t("subs.revealNeedReason"); }
      try {
        const r = await api(`/subsidies/beneficiaries/${b.id}/reveal`, { method: "POST", body: { field, reason: reason.value.trim() } });
        valueEl.textContent = r.value || t("project.none");
        valueEl.classList.add("revealed");
        btn.remove();
        return null;
      } catch (err) {
        return err.message;
      }
    },
  });
}

// ---- /subsidies/import -------------------------------------------------------------------------

// ---- /subsidies/cases ---------------------------------------------------------------------------

export async function renderCases(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("cases.title"));
  const status = ["open", "answered", "all"].includes(ctx.query.get("status")) ? ctx.query.get("status") : "open";
  const region = regionParam(ctx); // the region filter, or the cockpit's ?region_id=
  const at = (s) => {
    const qs = new URLSearchParams(s === "open" ? {} : { status: s });
    if (region) qs.set("region", region);
    return "/subsidies/cases" + (qs.toString() ? "?" + qs : "");
  };
  let data;
  try {
    data = await api("/subsidies/cases", { query: { status, region_id: region, per_page: 100 } });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const items = data.items || [];
  const canAnswer = ANSWERERS.includes(user.role);
  return h("div", { class: "subsidies" },
    h("h1", { tabindex: "-1" }, t("cases.title")),
    tabs(user, "/subsidies/cases"),
    h("nav", { class: "chips", "aria-label": t("cases.filter") }, ["open", "answered", "all"].map((s) => h("a", {
      href: at(s), "data-link": "", class: "chip", "aria-current": s === status ? "true" : null }, t(`cases.${s}`)))),
    regionFilter(ctx),
    h("p", { class: "muted small" }, t("cases.total", { total: data.total || 0 })),
    items.length ? h("ul", { class: "case-list", "data-testid": "cases" }, items.map((c) => caseCard(c, canAnswer, ctx)))
      : h("p", { class: "empty", "data-testid": "cases-empty" },
        t({ open: "cases.empty", answered: "cases.emptyAnswered", all: "cases.emptyAll" }[status])));
}

function caseCard(c, canAnswer, ctx) {
  const p = c.person || {};
  return h("li", { class: "case card", "data-status": c.status, "data-testid": "case", "data-case-id": c.id },
    h("p", { class: "pay-head" }, h("strong", {}, c.policy), h("span", {}, c.period)),
    h("p", {}, h("a", { href: `/subsidies/people/${p.id}`, "data-link": "" }, p.name), h("span", { class: "muted" }, ` · ${p.village || ""}`)),
    h("p", { class: "muted small" }, t("case.reportedOn", { date: formatDate(c.created_at) }),
      c.disbursement_id ? "" : ` · ${t("cases.expected")}`),
    c.note ? h("p", { class: "small" }, t("cases.note", { note: c.note })) : null,
    c.status === "answered" ? h("div", { class: "answer" }, h("p", { class: "small muted" }, t("case.answeredOn", { date: formatDate(c.answered_at) })),
      h("p", {}, c.answer))
      : canAnswer ? answerForm({ testid: "case", url: `/api/v1/subsidies/cases/${c.id}/answer`, kind: "case_answer",
        label: { project_name: `${p.name} ${c.policy} ${c.period}` }, hint: t("cases.answerHint"), ctx }) : h("p", { class: "flag warn" }, t("case.waiting")));
}

/** An inline answer box (one client_uuid per box, so a retry is not a second answer). */
export function answerForm({ testid, url, kind, label, hint, ctx, done = t("cases.answered") }) {
  const clientUuid = uuid();
  const text = h("textarea", { rows: 3, maxlength: 1000, required: true, "data-testid": `${testid}-answer-text`, placeholder: hint,
    "aria-label": t("cases.answer") });
  const error = errorBox();
  const ok = h("button", { type: "submit", class: "btn btn-primary", "data-testid": `${testid}-answer-ok` }, t("cases.answerOk"));
  return h("form", { class: "form answer-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    if (!text.value.trim()) { text.focus(); return showError(error, t("cases.needAnswer")); }
    ok.disabled = true;
    const res = await sendWrite({ id: clientUuid, kind, method: "POST", url, json: { client_uuid: clientUuid, answer: text.value.trim() }, label });
    ok.disabled = false;
    if (res.state === "failed") return showError(error, res.message);
    ctx.flash(res.state === "queued" ? t("risks.queued") : done);
    ctx.navigate(location.pathname + location.search, { replace: true });
  } }, text, error, ok);
}
