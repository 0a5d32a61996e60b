// The township finance office's project desk (乡镇财政所 · 项目): register a project (立项), record a
// contract payment, correct the contractor (audited: old → new and the reason on the timeline),
// replace a damaged plaque (the old code then points to the new one), and choose which projects and
// villages go on a label sheet. For township leads and the county; every write carries a client_uuid.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { regionPage, regionPicker } from "../region-picker.js";
import { errorBox, errorPage, fact, sendWrite, sheet, showError, stageBadge } from "./common.js";

export const OFFICE_ROLES = ["township_lead", "county"];
const LEVELS = ["central", "province", "city", "county", "township", "self"];
const CATEGORIES = ["道路交通", "农田水利", "美丽乡村", "人居环境", "公共服务", "产业发展", "生态保护", "其他"];
const PAYABLE = ["contracted", "construction", "acceptance", "settlement", "audit"];
const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

// GB 32100-2015: the check character of a 统一社会信用代码, so a typo is caught before sending.
const USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
export function usccOk(text) {
  const s = (text || "").normalize("NFKC").toUpperCase().replace(/\s+/g, "");
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(s)) return false;
  const sum = USCC_WEIGHTS.reduce((acc, w, i) => acc + USCC_CHARS.indexOf(s[i]) * w, 0);
  return USCC_CHARS[(31 - (sum % 31)) % 31] === s[17];
}

const stageName = (s) => t(`stage.${s}`);
const yuan = (v) => Math.round(Number(v || 0) * 100);
const fromFen = (fen) => (fen / 100).toFixed(2);

function forbidden(ctx) {
  return errorPage({ code: "role_forbidden", status: 403, message: t("office.forbidden") }, ctx);
}

function field(id, labelKey, input, hint) {
  return [h("label", { for: id }, t(labelKey)), input, hint ? h("p", { class: "muted small" }, hint) : null];
}

/** A message on top of the page, scrolled into view. */
function toast(page, message) {
  page.querySelector(":scope > .toast[data-testid=flash]")?.remove();
  page.prepend(h("p", { class: "toast", role: "status", "data-testid": "flash" }, message));
  window.scrollTo(0, 0);
}

// ---- /office: the desk -----------------------------------------------------------------------------

export async function renderHome(ctx) {
  const user = ctx.session.user;
  ctx.setTitle(t("office.title"));
  if (!OFFICE_ROLES.includes(user.role)) return forbidden(ctx);
  const q = ctx.query.get("q") || "";
  let data;
  try {
    data = await api("/projects", { query: { q, per_page: 50 } });
  } catch (err) {
    return errorPage(err, ctx);
  }
  const qInput = h("input", { id: "office-q", type: "search", maxlength: 60, value: q, placeholder: t("office.searchPlaceholder"), "data-testid": "office-q" });
  return h("div", { class: "office wide" },
    h("h1", { tabindex: "-1" }, t("office.title")),
    h("p", { class: "muted" }, t("office.lead", { region: user.region ? user.region.name : "" })),
    h("nav", { class: "row wrap office-actions" },
      h("a", { href: "/office/new", "data-link": "", class: "btn btn-primary", "data-testid": "office-new" }, t("office.new")),
      h("a", { href: "/office/labels", "data-link": "", class: "btn", "data-testid": "office-labels" }, t("office.labels"))),
    h("form", { class: "users-search", role: "search", onsubmit: (event) => {
      event.preventDefault();
      ctx.navigate(qInput.value.trim() ? `/office?q=${encodeURIComponent(qInput.value.trim())}` : "/office");
    } }, h("label", { for: "office-q" }, t("office.search")),
    h("div", { class: "row" }, qInput, h("button", { type: "submit", class: "btn" }, t("home.find")))),
    data.items.length
      ? h("ul", { class: "plist office-list", "data-testid": "office-list" }, data.items.map((p) => h("li", {},
        h("a", { href: `/office/projects/${p.id}`, "data-link": "", class: "pitem", "data-testid": "office-project" },
          h("span", { class: "pitem-name" }, p.name),
          h("span", { class: "pitem-meta" }, stageBadge(p.stage), h("span", {}, formatMoney(p.budget)),
            h("span", {}, p.region && p.region.name), p.contractor ? h("span", {}, p.contractor) : null),
          h("span", { class: "pitem-ref muted" }, p.ref_no)))))
      : h("p", { class: "empty" }, t("home.empty")));
}

// ---- /office/new: 立项 ------------------------------------------------------------------------------

export async function renderNew(ctx) {
  const user = ctx.session.user;
  ctx.setTitle(t("office.newTitle"));
  if (!OFFICE_ROLES.includes(user.role)) return forbidden(ctx);
  const input = (id, attrs = {}) => h("input", { id, name: id, "data-testid": id, ...attrs });
  // Where: a township (a township-level project) or a village, found by name or stepped down to.
  const place = regionPicker({ id: "pj-place", testid: "pj-place", label: t("office.placePick"), root: user.region,
    levels: ["township", "village"], value: user.region.level === "township" ? user.region : null, onChange: () => fillTown() });
  const townOf = (r) => (r ? String(r.level === "township" ? r.id : r.parent_id) : "");
  const unit = h("select", { id: "pj-unit", "data-testid": "pj-unit" });
  const name = input("pj-name", { maxlength: 120, required: true, autocomplete: "off" });
  const category = h("select", { id: "pj-category", "data-testid": "pj-category" }, CATEGORIES.map((c) => h("option", { value: c }, c)));
  const funds = Object.fromEntries(LEVELS.map((l) => [l, input(`pj-fund-${l}`, { inputmode: "decimal", placeholder: "0.00", autocomplete: "off" })]));
  const total = h("output", { id: "pj-total", "data-testid": "pj-total", for: LEVELS.map((l) => `pj-fund-${l}`).join(" ") }, formatMoney("0"));
  const contractor = input("pj-contractor", { maxlength: 120, autocomplete: "organization" });
  const uscc = input("pj-uscc", { maxlength: 24, autocomplete: "off", autocapitalize: "characters", spellcheck: "false", placeholder: "91330185XXXXXXXXXX" });
  const contract = input("pj-contract", { inputmode: "decimal", autocomplete: "off" });
  const start = input("pj-start", { type: "date" });
  const end = input("pj-end", { type: "date" });
  const site = input("pj-site", { maxlength: 200, autocomplete: "off" });
  const description = h("textarea", { id: "pj-desc", rows: 3, maxlength: 2000, "data-testid": "pj-desc" });
  const error = errorBox();
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "pj-submit" }, t("office.register"));
  let units = [];
  let clientUuid = uuid();

  const sum = () => LEVELS.reduce((acc, l) => acc + (MONEY.test(funds[l].value.trim()) ? yuan(funds[l].value.trim()) : 0), 0);
  for (const l of LEVELS) funds[l].addEventListener("input", () => { total.value = formatMoney(fromFen(sum())); });

  function fillUnits() {
    // A unit manages its own place and everything below it: the township's offices, or the village's own.
    const fit = units.filter((u) => String(u.region.id) === townOf(place.region) || String(u.region.id) === place.value);
    unit.replaceChildren(...(fit.length ? fit.map((u) => h("option", { value: u.id }, u.name))
      : [h("option", { value: "" }, t("office.noUnits"))]));
  }
  let town = null;
  async function fillTown() {
    if (townOf(place.region) === town) return fillUnits(); // (another village of the same township)
    town = townOf(place.region);
    units = [];
    try {
      if (town) units = (await api("/units", { query: { region_id: town, per_page: 100 } })).items || [];
    } catch (err) {
      showError(error, err.message);
    }
    return fillUnits();
  }

  const form = h("form", { class: "form card office-form", novalidate: true, "data-testid": "pj-form", onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    const problem = (el, key) => { el.focus(); el.setAttribute("aria-invalid", "true"); showError(error, t(key)); return null; };
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    if (!place.value) { place.focus(); return showError(error, t("office.needPlace")); }
    if (!name.value.trim()) return problem(name, "office.needName");
    if (!unit.value) return problem(unit, "office.needUnit");
    for (const l of LEVELS) if (funds[l].value.trim() && !MONEY.test(funds[l].value.trim())) return problem(funds[l], "office.badMoney");
    if (sum() <= 0) return problem(funds.county, "office.needBudget");
    if (uscc.value.trim() && !usccOk(uscc.value)) return problem(uscc, "office.badUscc");
    if (uscc.value.trim() && !contractor.value.trim()) return problem(contractor, "office.needContractor");
    if (contract.value.trim() && !MONEY.test(contract.value.trim())) return problem(contract, "office.badMoney");
    if (start.value && end.value && end.value < start.value) return problem(end, "office.badDates");
    const json = {
      client_uuid: clientUuid, region_id: Number(place.value), unit_id: Number(unit.value),
      name: name.value.trim(), category: category.value, budget: fromFen(sum()),
      funding_sources: LEVELS.filter((l) => yuan(funds[l].value.trim()) > 0)
        .map((l) => ({ source: t(`fund.${l}`), level: l, amount: fromFen(yuan(funds[l].value.trim())) })),
    };
    if (contractor.value.trim()) json.contractor = contractor.value.trim();
    if (uscc.value.trim()) json.contractor_uscc = uscc.value.trim();
    if (contract.value.trim()) json.contract_amount = contract.value.trim();
    if (start.value) json.planned_start_on = start.value;
    if (end.value) json.planned_end_on = end.value;
    if (site.value.trim()) json.site_address = site.value.trim();
    if (description.value.trim()) json.description = description.value.trim();
    submit.disabled = true;
    const res = await sendWrite({ id: clientUuid, kind: "project_create", method: "POST", url: "/api/v1/projects", json,
      label: { project_name: json.name } });
    submit.disabled = false;
    if (res.state === "failed") return showError(error, res.message);
    clientUuid = uuid();
    if (res.state === "queued") return showError(error, t("office.queued"));
    ctx.navigate(`/office/projects/${res.body.id}?created=1`);
    return null;
  } },
  h("fieldset", {}, h("legend", {}, t("office.where")),
    place.el, field("pj-unit", "office.unit", unit)),
  h("fieldset", {}, h("legend", {}, t("office.what")),
    field("pj-name", "office.name", name), field("pj-category", "office.category", category),
    field("pj-site", "office.site", site), field("pj-desc", "office.description", description)),
  h("fieldset", { class: "funds-grid" }, h("legend", {}, t("office.funding")),
    LEVELS.map((l) => h("div", { class: "fund" }, field(`pj-fund-${l}`, `fund.${l}`, funds[l]))),
    h("p", { class: "fund-total" }, t("office.budgetTotal"), " ", total)),
  h("fieldset", {}, h("legend", {}, t("office.contract")),
    h("p", { class: "muted small" }, t("office.contractHint")),
    field("pj-contractor", "office.contractor", contractor), field("pj-uscc", "office.uscc", uscc),
    field("pj-contract", "office.contractAmount", contract)),
  h("fieldset", {}, h("legend", {}, t("office.plan")),
    h("div", { class: "row" }, h("div", {}, field("pj-start", "office.start", start)), h("div", {}, field("pj-end", "office.end", end)))),
  error, submit);
  await fillTown();
  return h("div", { class: "office wide" },
    h("p", {}, h("a", { href: "/office", "data-link": "" }, "‹ ", t("office.title"))),
    h("h1", { tabindex: "-1" }, t("office.newTitle")), form);
}

// ---- /office/projects/<id>: payments, contractor, plaque -------------------------------------------

export async function renderProject(ctx) {
  const id = Number(ctx.params[0]);
  const user = ctx.session.user;
  if (!OFFICE_ROLES.includes(user.role)) return forbidden(ctx);
  let p, pays;
  try {
    [p, pays] = await Promise.all([api(`/projects/${id}`), api(`/projects/${id}/payments`)]);
  } catch (err) {
    return errorPage(err, ctx);
  }
  ctx.setTitle(p.name);
  const reload = () => ctx.navigate(`/office/projects/${id}`, { replace: true });
  const page = h("div", { class: "office wide", "data-testid": "office-project-page", "data-project-id": String(p.id) });
  if (ctx.query.get("created")) page.append(h("p", { class: "toast", role: "status", "data-testid": "flash" }, t("office.created", { ref: p.ref_no })));
  const corrections = (p.timeline || []).filter((ev) => ev.kind === "contractor_corrected");
  page.append(...[
    h("p", {}, h("a", { href: "/office", "data-link": "" }, "‹ ", t("office.title"))),
    h("article", { class: "card" },
      h("div", { class: "project-head" }, stageBadge(p.stage, "project-stage")),
      h("h1", { tabindex: "-1", "data-testid": "project-name" }, p.name),
      h("dl", { class: "facts" },
        fact(t("project.refNo"), p.ref_no, { "data-testid": "ref-no" }),
        fact(t("office.place"), (p.region_path || []).join(" › ")),
        fact(t("project.unit"), p.unit_name),
        fact(t("project.budget"), formatMoney(p.budget), { "data-testid": "budget" }),
        (p.funding_sources || []).length ? fact(t("project.funding"), h("ul", { class: "funds" },
          p.funding_sources.map((f) => h("li", {}, h("span", {}, f.source), h("span", {}, formatMoney(f.amount))))), { class: "fact wide" }) : null,
        fact(t("project.contractor"), p.contractor || t("project.none"), { "data-testid": "contractor" }),
        fact(t("office.uscc"), p.contractor_uscc, { "data-testid": "contractor-uscc" }),
        fact(t("project.contract"), p.contract_amount ? formatMoney(p.contract_amount) : null),
        fact(t("project.paid"), formatMoney(pays.paid_total), { "data-testid": "paid" })),
      h("nav", { class: "row wrap" },
        h("a", { href: `/p/${p.id}`, "data-link": "", class: "btn", "data-testid": "open-timeline" }, t("office.timeline")),
        p.can_correct ? h("button", { type: "button", class: "btn", "data-testid": "correct-contractor",
          onclick: () => contractorSheet(p, page, reload) }, t("office.correct")) : null,
        p.code ? h("button", { type: "button", class: "btn", "data-testid": "reissue",
          onclick: () => reissueSheet(p, page, reload) }, t("office.reissue")) : null,
        p.code ? h("a", { href: labelsUrl(p.region.id, { projects: [p.id] }), target: "_blank", rel: "noopener", class: "btn",
          "data-testid": "print-plaque" }, t("office.printPlaque")) : null)),
    corrections.length ? h("section", { class: "card", "data-testid": "corrections" },
      h("h2", {}, t("office.corrections")),
      h("ul", {}, corrections.map((ev) => h("li", {}, formatDate(ev.occurred_at), " · ",
        t("ev.contractorCorrected", { from: ev.payload.from, to: ev.payload.to, reason: ev.payload.reason || "" }),
        ev.actor ? h("span", { class: "muted" }, " · ", ev.actor) : null)))) : null,
    paymentsSection(p, pays, page, reload)].filter(Boolean));
  return page;
}

function paymentsSection(p, pays, page, reload) {
  const section = h("section", { class: "card", "aria-labelledby": "pays-h", "data-testid": "payments" },
    h("h2", { id: "pays-h" }, t("office.payments"), " ", h("span", { class: "muted" }, formatMoney(pays.paid_total))));
  section.append((pays.items || []).length
    ? h("table", { class: "pays", "data-testid": "payment-list" },
      h("thead", {}, h("tr", {}, ["office.paidOn", "office.amount", "office.payee", "office.voucher", "office.source"]
        .map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, pays.items.map((x) => h("tr", { "data-testid": "payment", "data-voucher": x.voucher_no },
        h("td", {}, formatDate(x.paid_on)), h("td", { class: "num" }, formatMoney(x.amount)), h("td", {}, x.payee),
        h("td", { class: "mono" }, x.voucher_no), h("td", {}, x.funding_source)))))
    : h("p", { class: "empty" }, t("office.noPayments")));
  if (!p.can_pay) {
    section.append(h("p", { class: "muted small", "data-testid": "cannot-pay" },
      PAYABLE.includes(p.stage) ? t("office.cannotPayRole") : t("office.cannotPayStage", { stage: stageName(p.stage) })));
    return section;
  }
  const input = (id, attrs = {}) => h("input", { id, name: id, "data-testid": id, ...attrs });
  const amount = input("pay-amount", { inputmode: "decimal", autocomplete: "off", required: true });
  const paidOn = input("pay-date", { type: "date", required: true });
  const payee = input("pay-payee", { maxlength: 120, value: p.contractor || "", required: true });
  const voucher = input("pay-voucher", { maxlength: 40, autocomplete: "off", required: true });
  const source = h("select", { id: "pay-source", "data-testid": "pay-source" },
    ((p.funding_sources || []).length ? p.funding_sources.map((f) => f.source) : LEVELS.map((l) => t(`fund.${l}`)))
      .map((s) => h("option", { value: s }, s)));
  const note = input("pay-note", { maxlength: 200, autocomplete: "off" });
  const error = errorBox();
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "pay-submit" }, t("office.pay"));
  let clientUuid = uuid();
  section.append(h("form", { class: "form pay-form", novalidate: true, "data-testid": "pay-form", onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    if (!MONEY.test(amount.value.trim()) || yuan(amount.value.trim()) <= 0) { amount.focus(); return showError(error, t("office.badMoney")); }
    if (!paidOn.value) { paidOn.focus(); return showError(error, t("office.needDate")); }
    if (!payee.value.trim()) { payee.focus(); return showError(error, t("office.needPayee")); }
    if (!voucher.value.trim()) { voucher.focus(); return showError(error, t("office.needVoucher")); }
    const json = { client_uuid: clientUuid, amount: amount.value.trim(), paid_on: paidOn.value, payee: payee.value.trim(),
      voucher_no: voucher.value.trim(), funding_source: source.value };
    if (note.value.trim()) json.note = note.value.trim();
    submit.disabled = true;
    const res = await sendWrite({ id: clientUuid, kind: "project_payment", method: "POST", url: `/api/v1/projects/${p.id}/payments`,
      json, label: { project_id: p.id, project_name: p.name } });
    submit.disabled = false;
    if (res.state === "failed") return showError(error, res.message);
    clientUuid = uuid();
    if (res.state === "queued") return toast(page, t("office.queued"));
    reload();
    return null;
  } },
  h("h3", {}, t("office.newPayment")),
  h("div", { class: "pay-grid" },
    h("div", {}, field("pay-date", "office.paidOn", paidOn)), h("div", {}, field("pay-amount", "office.amount", amount)),
    h("div", {}, field("pay-payee", "office.payee", payee)), h("div", {}, field("pay-voucher", "office.voucher", voucher)),
    h("div", {}, field("pay-source", "office.source", source)), h("div", {}, field("pay-note", "office.note", note))),
  payee.value && h("p", { class: "muted small" }, t("office.payeeHint")),
  error, submit));
  return section;
}

function contractorSheet(p, page, reload) {
  const clientUuid = uuid();
  const name = h("input", { id: "cc-name", value: p.contractor || "", maxlength: 120, "data-testid": "cc-name" });
  const uscc = h("input", { id: "cc-uscc", value: p.contractor_uscc || "", maxlength: 24, autocapitalize: "characters", spellcheck: "false", "data-testid": "cc-uscc" });
  const reason = h("textarea", { id: "cc-reason", rows: 2, maxlength: 200, "data-testid": "cc-reason" });
  sheet({
    title: t("office.correctTitle"), intro: t("office.correctIntro", { name: p.contractor || "" }), testid: "cc",
    okText: t("office.correctOk"),
    fields: [h("label", { for: "cc-name" }, t("office.contractor")), name, h("label", { for: "cc-uscc" }, t("office.uscc")), uscc,
      h("label", { for: "cc-reason" }, t("office.reason")), reason],
    onOk: async () => {
      if (!name.value.trim()) { name.focus(); return t("office.needContractor"); }
      if (uscc.value.trim() && !usccOk(uscc.value)) { uscc.focus(); return t("office.badUscc"); }
      if (!reason.value.trim()) { reason.focus(); return t("office.needReason"); }
      const json = { client_uuid: clientUuid, contractor: name.value.trim(), reason: reason.value.trim() };
      if (uscc.value.trim()) json.contractor_uscc = uscc.value.trim();
      const res = await sendWrite({ id: clientUuid, kind: "contractor_correct", method: "POST", url: `/api/v1/projects/${p.id}/contractor`,
        json, label: { project_id: p.id, project_name: p.name } });
      if (res.state === "failed") return res.message;
      if (res.state === "queued") toast(page, t("office.queued"));
      else reload();
      return null;
    },
  });
}

function reissueSheet(p, page, reload) {
  const clientUuid = uuid();
  const reason = h("textarea", { id: "ri-reason", rows: 2, maxlength: 200, "data-testid": "ri-reason" });
  sheet({
    title: t("office.reissueTitle"), intro: t("office.reissueIntro"), testid: "ri", okText: t("office.reissueOk"),
    fields: [h("label", { for: "ri-reason" }, t("office.reason")), reason],
    onOk: async () => {
      if (!reason.value.trim()) { reason.focus(); return t("office.needReason"); }
      const res = await sendWrite({ id: clientUuid, kind: "code_reissue", method: "POST",
        url: `/api/v1/codes/${encodeURIComponent(p.code)}/reissue`, json: { client_uuid: clientUuid, reason: reason.value.trim() },
        label: { project_id: p.id, project_name: p.name } });
      if (res.state === "failed") return res.message;
      if (res.state === "queued") toast(page, t("office.queued"));
      else reload();
      return null;
    },
  });
}

// ---- /office/labels: choose what to print ---------------------------------------------------------

export function labelsUrl(regionId, { projects = [], villages = [], within = [] } = {}) {
  const qs = new URLSearchParams();
  if (projects.length) qs.set("projects", projects.join(","));
  if (villages.length) qs.set("villages", villages.join(","));
  if (within.length) qs.set("within", within.join(","));
  return `/api/v1/regions/${regionId}/labels?${qs}`;
}

const VILLAGE_PAGE = 50;

/**
 * The villages to print (一村一码), for a county of thousands: the region picker chooses a township
 * (or the whole county), its villages load 50 at a time, a search narrows them (GET /regions?under=
 * &level=village&q=), and "全选本乡镇" takes every village under it — sent as ``within`` (one id
 * however many villages), so the print link stays short. Ticks and whole townships survive moving to
 * another township. ``onChange()`` after every change; ``chosen()`` → { villages, within, n, capped }.
 */
function villageChooser(user, onChange) {
  let where = user.region; // the region whose villages are listed
  let items = [], next = null, total = 0, whereTotal = 0, whereCapped = false, asked = 0, timer = null;
  const ticked = new Map(); // village id → ids of its ancestors (to drop it when its township is taken whole)
  const whole = new Map(); // region id → { region, total, capped }
  const coveredBy = (ids) => ids.find((id) => whole.has(id));
  const upOf = (r) => [...(r.ancestors || []).map((a) => a.id), r.id];

  const listEl = h("ul", { class: "picks", "data-testid": "village-list", "aria-label": t("office.labelVillages") });
  const status = h("p", { class: "muted small", "aria-live": "polite", "data-testid": "village-status" });
  const more = h("button", { type: "button", class: "btn btn-small", hidden: true, "data-testid": "village-more",
    onclick: () => { if (!more.dataset.busy) load(true); } }, t("picker.more"));
  const q = h("input", { id: "lb-vq", type: "search", autocomplete: "off", maxlength: 40, "data-testid": "village-q",
    placeholder: t("office.villageSearch") });
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => load(false), 250); });
  const wholeBtn = h("button", { type: "button", class: "btn btn-small", "data-testid": "village-whole-add", onclick: takeWhole });
  const wholes = h("ul", { class: "chips", "data-testid": "village-wholes", "aria-label": t("office.wholeChosen") });
  const picker = user.region.level === "township" ? null : regionPicker({
    id: "lb-where", testid: "village-where", label: t("office.villagesWhere"), root: user.region, levels: ["township"],
    none: t("lists.regionAll", { region: user.region.name }),
    onChange: (region) => { where = region; q.value = ""; load(false); },
  });

  function takeWhole() {
    if (!whereTotal || coveredBy(upOf(where))) return;
    for (const id of [...whole.keys()]) if (whole.get(id).region.ancestors.some((a) => a.id === where.id)) whole.delete(id);
    whole.set(where.id, { region: { ...where, ancestors: where.ancestors || [] }, total: whereTotal, capped: whereCapped });
    for (const [id, up] of ticked) if (up.includes(where.id)) ticked.delete(id);
    changed();
  }

  function clearAll() {
    ticked.clear();
    whole.clear();
    changed();
  }

  function changed() {
    draw();
    onChange();
  }

  async function load(append) {
    const text = q.value.trim();
    const query = { under: where.id, level: "village", per_page: VILLAGE_PAGE, ...(text ? { q: text } : {}),
      ...(append && next ? { after: next } : {}) };
    const ask = ++asked;
    const data = await regionPage(query, { status, more, append, latest: () => ask === asked });
    if (!data) return;
    items = append ? [...items, ...data.items] : data.items;
    next = data.next;
    if (!append) { // (a page by key counts nothing: the first page said how many)
      total = data.total_capped ? `${data.total}+` : data.total;
      if (!text) { whereTotal = data.total; whereCapped = data.total_capped; }
    }
    draw();
  }

  function draw() {
    const text = q.value.trim();
    const under = coveredBy(upOf(where));
    listEl.replaceChildren(...items.map((v) => {
      const by = coveredBy(upOf(v));
      const box = h("input", { type: "checkbox", id: `lb-village-${v.id}`, value: String(v.id), "data-kind": "village",
        "data-testid": "pick-village", checked: Boolean(by) || ticked.has(v.id), disabled: Boolean(by) });
      box.addEventListener("change", () => {
        if (box.checked) ticked.set(v.id, upOf(v)); else ticked.delete(v.id);
        onChange();
      });
      const township = (v.ancestors || []).filter((a) => a.level === "township").map((a) => a.name);
      return h("li", { class: "pick" }, box, h("label", { for: box.id }, h("span", {}, v.name),
        h("span", { class: "muted small" }, [...township, v.code, by ? t("office.inWhole") : null].filter(Boolean).join(" · "))));
    }));
    status.textContent = !items.length ? t(text ? "picker.noMatch" : "office.noVillages")
      : t(text ? "picker.found" : "office.villagesHere", { n: total, shown: items.length, region: where.name });
    more.hidden = !next;
    wholeBtn.textContent = under ? t("office.wholeTaken", { region: where.name })
      : t("office.wholeAdd", { region: where.name, n: whereCapped ? `${whereTotal}+` : whereTotal });
    wholeBtn.disabled = Boolean(under) || !whereTotal;
    wholes.replaceChildren(...[...whole.values()].map(({ region, total: n, capped }) => h("li", { class: "chip", "data-testid": "village-whole" },
      t("office.wholeItem", { region: region.name, n: capped ? `${n}+` : n }), " ",
      h("button", { type: "button", class: "linkish", "aria-label": t("office.wholeRemove", { region: region.name }),
        "data-testid": "village-whole-remove", onclick: () => { whole.delete(region.id); changed(); } }, "×"))));
    wholes.hidden = !whole.size;
  }

  load(false);
  return {
    el: [picker ? picker.el : null,
      h("label", { for: "lb-vq" }, t("office.villageSearchLabel")), q,
      h("div", { class: "row wrap" }, wholeBtn,
        h("button", { type: "button", class: "btn btn-small", "data-testid": "village-none", onclick: clearAll }, t("office.none"))),
      wholes, status, listEl, more],
    chosen() {
      const villages = [...ticked.keys()];
      const sum = [...whole.values()].reduce((acc, w) => acc + w.total, 0);
      return { villages, within: [...whole.keys()], n: villages.length + sum, capped: [...whole.values()].some((w) => w.capped) };
    },
  };
}

const PROJECT_PAGE = 50;

/**
 * The projects to print, for a township of hundreds: 50 at a time ("显示更多" pages on with the
 * list's cursor), a search by name, reference, contractor or village (GET /projects?q=) that the
 * server answers, and ticks that survive searching and paging. "全选" ticks every project shown,
 * "全不选" drops every tick. ``onChange()`` after every change; ``chosen()`` → project ids.
 */
function projectChooser(q0, onChange) {
  let items = [], next = null, total = 0, asked = 0, timer = null;
  const ticked = new Set();
  const listEl = h("ul", { class: "picks", "data-testid": "project-list", "aria-label": t("office.labelProjects") });
  const status = h("p", { class: "muted small", "aria-live": "polite", "data-testid": "project-status" });
  const more = h("button", { type: "button", class: "btn btn-small", hidden: true, "data-testid": "project-more",
    onclick: () => { if (!more.dataset.busy) load(true); } }, t("picker.more"));
  const q = h("input", { id: "lb-q", type: "search", autocomplete: "off", maxlength: 60, value: q0, "data-testid": "project-q",
    placeholder: t("office.searchPlaceholder") });
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => load(false), 250); });
  // (Enter searches at once: a form, as before, but the ticks stay.)
  const form = h("form", { class: "users-search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    clearTimeout(timer);
    load(false);
  } }, h("label", { for: "lb-q" }, t("office.search")),
  h("div", { class: "row" }, q, h("button", { type: "submit", class: "btn" }, t("home.find"))));

  async function load(append) {
    const text = q.value.trim();
    const query = { per_page: PROJECT_PAGE, ...(text ? { q: text } : {}), ...(append && next ? { after: next } : {}) };
    const ask = ++asked;
    const data = await regionPage(query, { status, more, append, latest: () => ask === asked, path: "/projects" });
    if (!data) return;
    items = append ? [...items, ...data.items] : data.items;
    next = data.next;
    if (!append) total = data.total_capped ? `${data.total}+` : data.total; // (a page by key counts nothing)
    draw();
  }

  function tick(on) {
    if (on) for (const p of items) ticked.add(p.id);
    else ticked.clear();
    draw();
    onChange();
  }

  function draw() {
    const text = q.value.trim();
    listEl.replaceChildren(...items.map((p) => {
      const box = h("input", { type: "checkbox", id: `lb-project-${p.id}`, value: String(p.id), "data-kind": "project",
        "data-testid": "pick-project", checked: ticked.has(p.id) });
      box.addEventListener("change", () => {
        if (box.checked) ticked.add(p.id); else ticked.delete(p.id);
        onChange();
      });
      const meta = [p.region && p.region.name, stageName(p.stage), p.ref_no].filter(Boolean).join(" · ");
      return h("li", { class: "pick" }, box, h("label", { for: box.id }, h("span", {}, p.name),
        meta ? h("span", { class: "muted small" }, meta) : null));
    }));
    status.textContent = !items.length ? t(text ? "picker.noMatch" : "home.empty")
      : t(text ? "picker.found" : "office.projectsHere", { n: total, shown: items.length });
    more.hidden = !next;
  }

  load(false);
  return {
    el: [form,
      h("div", { class: "row wrap" },
        h("button", { type: "button", class: "btn btn-small", "data-testid": "project-all", onclick: () => tick(true) }, t("office.all")),
        h("button", { type: "button", class: "btn btn-small", "data-testid": "project-none", onclick: () => tick(false) }, t("office.none"))),
      status, listEl, more],
    chosen: () => [...ticked],
  };
}

export async function renderLabels(ctx) {
  const user = ctx.session.user;
  ctx.setTitle(t("office.labelsTitle"));
  if (!OFFICE_ROLES.includes(user.role)) return forbidden(ctx);
  const count = h("span", { "data-testid": "labels-count", "aria-live": "polite" });
  const print = h("a", { class: "btn btn-primary", target: "_blank", rel: "noopener", "data-testid": "labels-print" }, t("office.print"));
  const projects = projectChooser(ctx.query.get("q") || "", () => update());
  const villages = villageChooser(user, () => update());
  function update() {
    const pr = projects.chosen();
    const vi = villages.chosen();
    const n = pr.length + vi.n;
    count.textContent = t("office.chosen", { n: vi.capped ? `${n}+` : n });
    if (n) {
      print.href = labelsUrl(user.region.id, { projects: pr, villages: vi.villages, within: vi.within });
      print.removeAttribute("aria-disabled");
    } else {
      print.removeAttribute("href");
      print.setAttribute("aria-disabled", "true");
    }
  }
  const page = h("div", { class: "office wide" },
    h("p", {}, h("a", { href: "/office", "data-link": "" }, "‹ ", t("office.title"))),
    h("h1", { tabindex: "-1" }, t("office.labelsTitle")),
    h("p", { class: "muted" }, t("office.labelsLead")),
    h("div", { class: "label-columns" },
      h("section", { class: "card label-projects", "aria-labelledby": "lb-p-h", "data-testid": "label-projects" },
        h("h2", { id: "lb-p-h" }, t("office.labelProjects")),
        projects.el),
      h("section", { class: "card label-villages", "aria-labelledby": "lb-v-h", "data-testid": "label-villages" },
        h("h2", { id: "lb-v-h" }, t("office.labelVillages")),
        villages.el)),
    h("div", { class: "dock row" }, count, print));
  page.classList.add("has-dock");
  update();
  return page;
}
