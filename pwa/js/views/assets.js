// 三资 (the village collectives' assets, resources and contracts): /assets, /resources, /contracts —
// the registers, searched, filtered and paged; a page for each row (a contract's schedule against its
// receipts, and what is overdue); forms to add and edit (township leads and the county), and
// 登记收款 on a contract. Supervisors read. Writes carry a client_uuid made when the form opens, so a
// second tap or a retry after a dropped connection is answered, not done twice.
import { api } from "../api.js";
import { prettyCode } from "../codes.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { regionPicker } from "../region-picker.js";
import { errorBox, errorPage, fact, pageAsked, pageHref, pager, sheet, showError, totalOf } from "./common.js";

export const WRITERS = ["admin", "county", "township_lead"];
export const READERS = ["admin", "province", "city", "county", "township_lead"];
const CATEGORIES = ["经营性", "非经营性", "公益性"];
const STATUSES = ["在用", "闲置", "出租", "处置"];
const KINDS = ["耕地", "园地", "林地", "草地", "水面", "荒地", "建设用地", "其他"];
const CONTRACT_KINDS = ["承包", "租赁"];
const PER_PAGE = 20;

const signIn = (ctx) => { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; };
const canWrite = (user) => WRITERS.includes(user.role);
const area = (v) => (v === null || v === undefined ? "" : t("assets.mu", { n: v }));

function tabs(here) {
  return h("nav", { class: "tabs", "aria-label": t("assets.title") },
    [["/assets", "assets.tabAssets"], ["/resources", "assets.tabResources"], ["/contracts", "assets.tabContracts"]].map(([href, key]) =>
      h("a", { href, "data-link": "", class: "tab", "aria-current": href === here ? "page" : null, "data-testid": `tab-${href.slice(1)}` }, t(key))));
}

/** The search row: a word and the filters ([name, values, label key prefix]); submits to ``base``. */
function searchForm(ctx, base, filters) {
  const q = h("input", { id: "reg-q", name: "q", type: "search", maxlength: 60, value: ctx.query.get("q") || "", placeholder: t("assets.searchHint"),
    autocomplete: "off", "data-testid": "reg-q" });
  const selects = filters.map(([name, values, label]) => h("select", { name, "aria-label": t(label), "data-testid": `reg-${name}` },
    h("option", { value: "" }, t(label)), values.map((v) => h("option", { value: v, selected: ctx.query.get(name) === v }, optionText(name, v)))));
  const form = h("form", { class: "users-search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    const qs = new URLSearchParams();
    if (q.value.trim()) qs.set("q", q.value.trim());
    for (const s of selects) if (s.value) qs.set(s.name, s.value);
    ctx.navigate(`${base}${[...qs].length ? "?" + qs : ""}`);
  } },
  h("label", { for: "reg-q" }, t("assets.search")),
  h("div", { class: "row" }, q, ...selects, h("button", { type: "submit", class: "btn", "data-testid": "reg-find" }, t("home.find"))));
  selects.forEach((s) => s.addEventListener("change", () => form.requestSubmit()));
  return form;
}

function optionText(name, v) {
  if (name === "status" && (v === "active" || v === "terminated")) return t(`assets.cstatus.${v}`);
  if (name === "overdue") return t("assets.onlyOverdue");
  return v;
}


async function registerPage(ctx, { base, path, title, filters, head, row, addKey }) {
  const { user } = ctx.session;
  ctx.setTitle(t(title));
  if (!READERS.includes(user.role)) return errorPage({ code: "role_forbidden", status: 403, message: t("assets.forbidden") }, ctx);
  const { page, after } = pageAsked(ctx);
  const query = { per_page: PER_PAGE, page, after, q: ctx.query.get("q") || "" };
  for (const [name] of filters) if (ctx.query.get(name)) query[name] = ctx.query.get(name);
  let data;
  try {
    data = await api(path, { query });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  return h("div", { class: "users wide assets" },
    h("h1", { tabindex: "-1" }, t("assets.title")),
    tabs(base),
    h("div", { class: "row reg-actions" },
      canWrite(user) ? h("a", { href: `${base}/new`, "data-link": "", class: "btn btn-primary", "data-testid": "reg-add" }, t(addKey)) : null,
      h("a", { href: `/api/v1/regions/${user.region ? user.region.id : ""}/labels?kind=${base === "/contracts" ? "contract" : "asset"}`,
        class: "btn", target: "_blank", rel: "noopener", hidden: base === "/resources", "data-testid": "reg-labels" }, t("assets.labels"))),
    searchForm(ctx, base, filters),
    h("p", { class: "muted", "aria-live": "polite", "data-testid": "reg-total" }, t("assets.total", { total: totalOf(data) })),
    data.items.length
      ? h("ul", { class: "user-list reg-list", "data-testid": "reg-list" },
        h("li", { class: "user user-head", "aria-hidden": "true" }, head.map((k) => h("span", {}, t(k)))),
        data.items.map(row))
      : h("p", { class: "empty" }, t("assets.empty")),
    pager(data, page, PER_PAGE, pageHref));
}

// ---- registers ---------------------------------------------------------------------------------------

export const renderAssets = (ctx) => registerPage(ctx, {
  base: "/assets", path: "/assets", title: "assets.tabAssets", addKey: "assets.addAsset",
  filters: [["category", CATEGORIES, "assets.category"], ["status", STATUSES, "assets.status"]],
  head: ["assets.name", "assets.category", "assets.status", "assets.netValue", "assets.village"],
  row: (a) => h("li", { class: "user card", "data-testid": "asset-row" },
    h("span", { class: "user-name" }, h("a", { href: `/assets/${a.id}`, "data-link": "" }, h("strong", {}, a.name)),
      a.asset_no ? h("span", { class: "muted mono" }, ` ${a.asset_no}`) : null),
    h("span", {}, a.category),
    h("span", {}, h("span", { class: "astatus", "data-status": a.status }, a.status)),
    h("span", { class: "num" }, formatMoney(a.net_value)),
    h("span", { class: "muted" }, a.region.name)),
});

export const renderResources = (ctx) => registerPage(ctx, {
  base: "/resources", path: "/resources", title: "assets.tabResources", addKey: "assets.addResource",
  filters: [["kind", KINDS, "assets.kind"]],
  head: ["assets.name", "assets.kind", "assets.area", "assets.location", "assets.village"],
  row: (r) => h("li", { class: "user card", "data-testid": "resource-row" },
    h("span", { class: "user-name" }, h("a", { href: `/resources/${r.id}`, "data-link": "" }, h("strong", {}, r.name)),
      r.resource_no ? h("span", { class: "muted mono" }, ` ${r.resource_no}`) : null),
    h("span", {}, r.kind), h("span", { class: "num" }, area(r.area)), h("span", {}, r.location || ""),
    h("span", { class: "muted" }, r.region.name)),
});

export const renderContracts = (ctx) => registerPage(ctx, {
  base: "/contracts", path: "/resource-contracts", title: "assets.tabContracts", addKey: "assets.addContract",
  filters: [["kind", CONTRACT_KINDS, "assets.ckind"], ["status", ["active", "terminated"], "assets.cstatus"], ["overdue", ["true"], "assets.overdueFilter"]],
  head: ["assets.subject", "assets.counterparty", "assets.term", "assets.annual", "assets.overdue"],
  row: (c) => h("li", { class: "user card", "data-testid": "contract-row" },
    h("span", { class: "user-name" }, h("a", { href: `/contracts/${c.id}`, "data-link": "" }, h("strong", {}, c.subject_name)),
      h("span", { class: "muted" }, ` ${c.kind}${c.contract_no ? " · " + c.contract_no : ""}`)),
    h("span", {}, c.counterparty),
    h("span", { class: "small" }, `${formatDate(c.starts_on)} – ${formatDate(c.ends_on)}`),
    h("span", { class: "num" }, formatMoney(c.annual_amount)),
    h("span", { class: "num" }, Number(c.overdue_amount) > 0
      ? h("span", { class: "flag warn", "data-testid": "contract-overdue" }, formatMoney(c.overdue_amount)) : h("span", { class: "muted" }, "—"))),
});

// ---- detail pages ------------------------------------------------------------------------------------

function codeLine(code) {
  return code ? h("p", { class: "muted mono", "data-testid": "asset-code" }, t("assets.code"), " ", prettyCode(code)) : null;
}

function contractList(items) {
  if (!items || !items.length) return h("p", { class: "muted" }, t("assets.noContracts"));
  return h("ul", { class: "plain" }, items.map((c) => h("li", {},
    h("a", { href: `/contracts/${c.id}`, "data-link": "" }, `${c.kind} · ${c.counterparty}`),
    h("span", { class: "muted" }, ` ${formatDate(c.starts_on)} – ${formatDate(c.ends_on)} · ${formatMoney(c.annual_amount)}/${t("assets.year")}`))));
}

async function load(ctx, path) {
  try {
    return await api(path);
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
}

export async function renderAsset(ctx) {
  const a = await load(ctx, `/assets/${ctx.params[0]}`);
  if (!a || a instanceof Node) return a;
  ctx.setTitle(a.name);
  return assetCard(a);
}

/** An asset: the full page, or what a scan from outside its region shows. */
export function assetCard(a) {
  const full = a.view === "full";
  return h("div", { class: "wide assets" },
    full ? tabs("/assets") : null,
    h("article", { class: "card", "data-testid": "asset-card", "data-view": a.view },
      h("p", { class: "muted" }, t("assets.assetTitle"), " · ", a.region_path.join(" · ")),
      h("h1", { tabindex: "-1", "data-testid": "asset-name" }, a.name),
      h("dl", { class: "facts" },
        fact(t("assets.category"), a.category),
        fact(t("assets.status"), h("span", { class: "astatus", "data-status": a.status, "data-testid": "asset-status" }, a.status)),
        full ? fact(t("assets.assetNo"), a.asset_no) : null,
        full ? fact(t("assets.originalValue"), formatMoney(a.original_value)) : null,
        full ? fact(t("assets.netValue"), formatMoney(a.net_value)) : null,
        full ? fact(t("assets.location"), a.location) : null,
        full ? fact(t("assets.acquiredOn"), a.acquired_on && formatDate(a.acquired_on)) : null,
        full ? fact(t("assets.statusSince"), formatDate(a.status_changed_on)) : null,
        full && a.project ? fact(t("assets.project"), h("a", { href: `/p/${a.project.id}`, "data-link": "" }, a.project.name)) : null,
        full && a.maintenance_projects.length ? fact(t("assets.maintainedBy"), a.maintenance_projects.map((p) => p.name).join("、")) : null,
        full ? fact(t("assets.note"), a.note) : null),
      codeLine(a.code),
      full && a.can_edit ? h("a", { href: `/assets/${a.id}/edit`, "data-link": "", class: "btn", "data-testid": "asset-edit" }, t("assets.edit")) : null),
    full ? h("section", { class: "card" }, h("h2", {}, t("assets.history")),
      h("ul", { class: "plain", "data-testid": "asset-history" }, a.history.map((s) => h("li", {},
        `${formatDate(s.changed_on)} `, s.from_status ? `${s.from_status} → ` : "", h("strong", {}, s.to_status))))) : null,
    full ? h("section", { class: "card" }, h("h2", {}, t("assets.contracts")), contractList(a.contracts)) : null);
}

export async function renderResource(ctx) {
  const r = await load(ctx, `/resources/${ctx.params[0]}`);
  if (!r || r instanceof Node) return r;
  ctx.setTitle(r.name);
  return h("div", { class: "wide assets" }, tabs("/resources"),
    h("article", { class: "card", "data-testid": "resource-card" },
      h("p", { class: "muted" }, t("assets.resourceTitle"), " · ", (r.region_path || []).join(" · ")),
      h("h1", { tabindex: "-1" }, r.name),
      h("dl", { class: "facts" }, fact(t("assets.kind"), r.kind), fact(t("assets.area"), area(r.area)),
        fact(t("assets.resourceNo"), r.resource_no), fact(t("assets.location"), r.location), fact(t("assets.note"), r.note)),
      r.can_edit ? h("div", { class: "row" },
        h("a", { href: `/resources/${r.id}/edit`, "data-link": "", class: "btn", "data-testid": "resource-edit" }, t("assets.edit")),
        h("a", { href: `/contracts/new?resource_id=${r.id}&region_id=${r.region.id}`, "data-link": "", class: "btn" }, t("assets.addContract"))) : null),
    h("section", { class: "card" }, h("h2", {}, t("assets.contracts")), contractList(r.contracts)));
}

export async function renderContract(ctx) {
  const c = await load(ctx, `/resource-contracts/${ctx.params[0]}`);
  if (!c || c instanceof Node) return c;
  ctx.setTitle(`${c.subject_name} · ${c.kind}`);
  return contractCard(c, ctx);
}

/** A contract: the schedule against the receipts and what is overdue; the public view names no one. */
export function contractCard(c, ctx) {
  const full = c.view === "full";
  const subjectLink = full ? h("a", { href: c.resource_id ? `/resources/${c.resource_id}` : `/assets/${c.asset_id}`, "data-link": "" }, c.subject_name) : c.subject_name;
  const overdue = full && Number(c.overdue_amount) > 0;
  return h("div", { class: "wide assets" },
    full ? tabs("/contracts") : null,
    h("article", { class: "card", "data-testid": "contract-card", "data-view": c.view },
      h("p", { class: "muted" }, t("assets.contractTitle"), " · ", c.region_path.join(" · ")),
      h("h1", { tabindex: "-1" }, subjectLink, ` · ${c.kind}`),
      overdue ? h("p", { class: "notice bad", role: "status", "data-testid": "contract-overdue-note" },
        t("assets.overdueNote", { amount: formatMoney(c.overdue_amount), day: formatDate(c.oldest_overdue_on), days: c.days_overdue })) : null,
      full && c.expired && c.status === "active" ? h("p", { class: "notice", "data-testid": "contract-expired-note" }, t("assets.expiredNote")) : null,
      h("dl", { class: "facts" },
        full ? fact(t("assets.contractNo"), c.contract_no) : null,
        full ? fact(t("assets.counterparty"), c.counterparty) : null,
        fact(t("assets.term"), `${formatDate(c.starts_on)} – ${formatDate(c.ends_on)}`),
        fact(t("assets.cstatus"), t(`assets.cstatus.${c.status}`)),
        full ? fact(t("assets.annual"), formatMoney(c.annual_amount)) : null,
        full ? fact(t("assets.floor"), c.floor_amount && formatMoney(c.floor_amount)) : null,
        full ? fact(t("assets.receivedTotal"), formatMoney(c.received_total)) : null,
        full ? fact(t("assets.dueToDate"), formatMoney(c.due_to_date)) : null,
        full ? fact(t("assets.note"), c.note) : null),
      codeLine(c.code),
      full && c.can_edit ? h("div", { class: "row" },
        h("button", { type: "button", class: "btn btn-primary", "data-testid": "receipt-add", onclick: () => receiptSheet(c, ctx) }, t("assets.addReceipt")),
        h("a", { href: `/contracts/${c.id}/edit`, "data-link": "", class: "btn", "data-testid": "contract-edit" }, t("assets.edit"))) : null),
    full ? h("section", { class: "card" }, h("h2", {}, t("assets.schedule")),
      h("table", { class: "sched", "data-testid": "schedule" },
        h("thead", {}, h("tr", {}, ["assets.dueOn", "assets.amount", "assets.received", "assets.open"].map((k, i) => h("th", { scope: "col", class: i ? "num" : null }, t(k))))),
        h("tbody", {}, c.schedule.map((s) => h("tr", { "data-overdue": String(s.overdue), "data-testid": "instalment" },
          h("td", {}, formatDate(s.due_on), s.overdue ? h("span", { class: "flag warn" }, ` ${t("assets.daysLate", { n: s.days_overdue })}`) : null),
          h("td", { class: "num" }, formatMoney(s.amount)), h("td", { class: "num" }, formatMoney(s.received)),
          h("td", { class: "num" }, Number(s.open) > 0 ? formatMoney(s.open) : "—")))))) : null,
    full ? h("section", { class: "card" }, h("h2", {}, t("assets.receipts")),
      c.receipts.length ? h("ul", { class: "plain", "data-testid": "receipts" }, c.receipts.map((r) => h("li", {},
        `${formatDate(r.received_on)} · `, h("strong", {}, formatMoney(r.amount)), h("span", { class: "muted mono" }, ` ${r.voucher_no}`),
        r.note ? h("span", { class: "muted" }, ` · ${r.note}`) : null)))
        : h("p", { class: "muted" }, t("assets.noReceipts"))) : null);
}

function receiptSheet(c, ctx) {
  const key = uuid();
  const day = h("input", { id: "rc-day", type: "date", required: true, value: new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10), "data-testid": "receipt-day" });
  const amount = h("input", { id: "rc-amount", inputmode: "decimal", required: true, placeholder: "12000.00", "data-testid": "receipt-amount" });
  const voucher = h("input", { id: "rc-voucher", required: true, maxlength: 40, placeholder: "记-2026-118", "data-testid": "receipt-voucher" });
  const note = h("input", { id: "rc-note", maxlength: 200 });
  sheet({
    title: t("assets.addReceipt"), testid: "receipt", okText: t("assets.save"),
    fields: [h("label", { for: "rc-day" }, t("assets.receivedOn")), day, h("label", { for: "rc-amount" }, t("assets.amountYuan")), amount,
      h("label", { for: "rc-voucher" }, t("assets.voucher")), voucher, h("label", { for: "rc-note" }, t("assets.note")), note],
    onOk: async () => {
      if (!amount.value.trim()) { amount.focus(); return t("assets.required", { field: t("assets.amountYuan") }); }
      if (!voucher.value.trim()) { voucher.focus(); return t("assets.required", { field: t("assets.voucher") }); }
      await api(`/resource-contracts/${c.id}/receipts`, { method: "POST", body: { client_uuid: key, received_on: day.value,
        amount: amount.value.trim(), voucher_no: voucher.value.trim(), ...(note.value.trim() ? { note: note.value.trim() } : {}) } });
      ctx.navigate(location.pathname, { replace: true });
      return null;
    },
  });
}

// ---- forms -------------------------------------------------------------------------------------------

/** A labelled input; ``opts.kind`` "select" takes ``opts.values``. */
function input(id, label, value, opts = {}) {
  const attrs = { id, name: id, "data-testid": `f-${id}`, required: opts.required || null };
  const el = opts.values
    ? h("select", attrs, opts.blank ? h("option", { value: "" }, opts.blank) : null,
      opts.values.map((v) => (Array.isArray(v)
        ? h("option", { value: v[0], selected: String(v[0]) === String(value ?? "") }, v[1])
        : h("option", { value: v, selected: v === value }, v))))
    : h(opts.textarea ? "textarea" : "input", { ...attrs, type: opts.type || "text", value: value ?? "", inputmode: opts.inputmode || null,
      maxlength: opts.max || null, placeholder: opts.placeholder || null, rows: opts.textarea ? 2 : null });
  return { el, row: h("div", { class: "field" }, h("label", { for: id }, label, opts.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null), el) };
}

/** The village a new asset, resource or contract belongs to, in the region picker (a county has
 * hundreds); the village of ?region_id= chosen at first. ``{ el, row }`` like ``input``. */
async function villageField(ctx, onChange) {
  const preset = ctx.query.get("region_id");
  const value = preset ? await api(`/regions/${encodeURIComponent(preset)}`) : null;
  const picker = regionPicker({ id: "region_id", testid: "f-region_id", label: t("assets.village"), root: ctx.session.user.region,
    levels: ["village"], value: value && value.level === "village" ? value : null, onChange });
  return { el: picker, row: h("div", { class: "field" }, picker.el) };
}

function needVillage(region) {
  if (region && !region.el.value) {
    region.el.focus();
    throw new Error(t("assets.required", { field: t("assets.village") }));
  }
}

async function formPage(ctx, { title, fields, submit, back }) {
  const key = uuid();
  const error = errorBox();
  const button = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "form-save" }, t("assets.save"));
  const form = h("form", { class: "card form asset-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    for (const el of form.querySelectorAll("[required]")) {
      if (!el.value.trim()) { el.focus(); return showError(error, t("assets.required", { field: form.querySelector(`label[for=${el.id}]`).firstChild.textContent })); }
    }
    button.disabled = true;
    try {
      const saved = await submit(key);
      ctx.flash(t("assets.saved"));
      ctx.navigate(saved, { replace: true });
    } catch (err) {
      showError(error, err.message);
      const path = err.fields && err.fields[0] && err.fields[0].path;
      const el = path && form.querySelector(`#${path.split(".")[1]}`);
      if (el) el.focus();
    } finally {
      button.disabled = false;
    }
  } }, fields, error, h("div", { class: "row" }, h("a", { href: back, "data-link": "", class: "btn" }, t("move.cancel")), button));
  ctx.setTitle(title);
  return h("div", { class: "wide assets" }, h("h1", { tabindex: "-1" }, title), form);
}

const val = (el) => el.value.trim();
const opt = (el) => (el.value.trim() ? el.value.trim() : null);

export async function renderAssetForm(ctx) {
  const { user } = ctx.session;
  if (!canWrite(user)) return errorPage({ code: "role_forbidden", status: 403, message: t("assets.forbidden") }, ctx);
  const id = ctx.params[0];
  let a = {};
  let region = null;
  try {
    if (id) a = await api(`/assets/${id}`);
    region = id ? null : await villageField(ctx, () => {});
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const f = {
    region_id: region,
    name: input("name", t("assets.name"), a.name, { required: true, max: 120 }),
    asset_no: input("asset_no", t("assets.assetNo"), a.asset_no, { max: 40 }),
    category: input("category", t("assets.category"), a.category, { values: CATEGORIES, required: true }),
    original_value: input("original_value", t("assets.originalValue"), a.original_value, { required: true, inputmode: "decimal", placeholder: "0.00" }),
    net_value: input("net_value", t("assets.netValue"), a.net_value, { required: true, inputmode: "decimal", placeholder: "0.00" }),
    location: input("location", t("assets.location"), a.location, { max: 200 }),
    status: input("status", t("assets.status"), a.status || "在用", { values: STATUSES }),
    status_changed_on: input("status_changed_on", t("assets.statusSince"), "", { type: "date" }),
    acquired_on: input("acquired_on", t("assets.acquiredOn"), a.acquired_on, { type: "date" }),
    project_id: input("project_id", t("assets.projectId"), a.project ? a.project.id : "", { inputmode: "numeric", placeholder: t("assets.projectIdHint") }),
    note: input("note", t("assets.note"), a.note, { textarea: true, max: 500 }),
  };
  return formPage(ctx, {
    title: id ? t("assets.editAsset", { name: a.name }) : t("assets.addAsset"), back: id ? `/assets/${id}` : "/assets",
    fields: [...Object.values(f).filter(Boolean).map((x) => x.row), h("p", { class: "muted small" }, t("assets.statusHint"))],
    submit: async (key) => {
      const body = { client_uuid: key, name: val(f.name.el), asset_no: opt(f.asset_no.el), category: f.category.el.value,
        original_value: val(f.original_value.el), net_value: val(f.net_value.el), location: opt(f.location.el),
        status: f.status.el.value, acquired_on: opt(f.acquired_on.el), note: opt(f.note.el),
        project_id: opt(f.project_id.el) ? Number(f.project_id.el.value) : null };
      if (opt(f.status_changed_on.el)) body.status_changed_on = f.status_changed_on.el.value;
      needVillage(f.region_id);
      if (!id) body.region_id = Number(f.region_id.el.value);
      const saved = await api(id ? `/assets/${id}` : "/assets", { method: id ? "PATCH" : "POST", body });
      return `/assets/${saved.id}`;
    },
  });
}

export async function renderResourceForm(ctx) {
  const { user } = ctx.session;
  if (!canWrite(user)) return errorPage({ code: "role_forbidden", status: 403, message: t("assets.forbidden") }, ctx);
  const id = ctx.params[0];
  let r = {};
  let region = null;
  try {
    if (id) r = await api(`/resources/${id}`);
    region = id ? null : await villageField(ctx, () => {});
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const f = {
    region_id: region,
    name: input("name", t("assets.name"), r.name, { required: true, max: 120 }),
    resource_no: input("resource_no", t("assets.resourceNo"), r.resource_no, { max: 40 }),
    kind: input("kind", t("assets.kind"), r.kind, { values: KINDS, required: true }),
    area: input("area", t("assets.areaMu"), r.area, { required: true, inputmode: "decimal", placeholder: "0.00" }),
    location: input("location", t("assets.location"), r.location, { max: 200 }),
    note: input("note", t("assets.note"), r.note, { textarea: true, max: 500 }),
  };
  return formPage(ctx, {
    title: id ? t("assets.editResource", { name: r.name }) : t("assets.addResource"), back: id ? `/resources/${id}` : "/resources",
    fields: Object.values(f).filter(Boolean).map((x) => x.row),
    submit: async (key) => {
      const body = { client_uuid: key, name: val(f.name.el), resource_no: opt(f.resource_no.el), kind: f.kind.el.value,
        area: val(f.area.el), location: opt(f.location.el), note: opt(f.note.el) };
      needVillage(f.region_id);
      if (!id) body.region_id = Number(f.region_id.el.value);
      const saved = await api(id ? `/resources/${id}` : "/resources", { method: id ? "PATCH" : "POST", body });
      return `/resources/${saved.id}`;
    },
  });
}

export async function renderContractForm(ctx) {
  const { user } = ctx.session;
  if (!canWrite(user)) return errorPage({ code: "role_forbidden", status: 403, message: t("assets.forbidden") }, ctx);
  const id = ctx.params[0];
  let c = {};
  let region = null;
  try {
    if (id) c = await api(`/resource-contracts/${id}`);
    region = id ? null : await villageField(ctx, () => { subject.el.value = ""; fillSubjects(); });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const presetResource = ctx.query.get("resource_id");
  const subjectType = id ? null : input("subject_type", t("assets.subjectType"), "resource", { values: [["resource", t("assets.tabResources")], ["asset", t("assets.tabAssets")]] });
  const subject = id ? null : input("subject", t("assets.subject"), presetResource || "", { values: [], required: true, blank: t("assets.pickSubject") });
  async function fillSubjects() {
    if (!region.el.value) return;
    const path = subjectType.el.value === "asset" ? "/assets" : "/resources";
    const data = await api(path, { query: { region_id: region.el.value, per_page: 100 } });
    const keep = subject.el.value || presetResource;
    subject.el.replaceChildren(h("option", { value: "" }, t("assets.pickSubject")),
      ...(data.items || []).map((x) => h("option", { value: String(x.id), selected: String(x.id) === keep }, `${x.name}${x.location ? " · " + x.location : ""}`)));
  }
  if (!id) {
    subjectType.el.addEventListener("change", () => { subject.el.value = ""; fillSubjects(); });
    fillSubjects().catch(() => {});
  }
  const f = {
    contract_no: input("contract_no", t("assets.contractNo"), c.contract_no, { max: 40 }),
    kind: input("kind", t("assets.ckind"), c.kind, { values: CONTRACT_KINDS, required: true }),
    counterparty: input("counterparty", t("assets.counterparty"), c.counterparty, { required: true, max: 120 }),
    starts_on: input("starts_on", t("assets.startsOn"), c.starts_on, { type: "date", required: true }),
    ends_on: input("ends_on", t("assets.endsOn"), c.ends_on, { type: "date", required: true }),
    annual_amount: input("annual_amount", t("assets.annual"), c.annual_amount, { required: true, inputmode: "decimal", placeholder: "0.00" }),
    floor_amount: input("floor_amount", t("assets.floor"), c.floor_amount, { inputmode: "decimal", placeholder: t("assets.floorHint") }),
    status: id ? input("status", t("assets.cstatus"), c.status, { values: [["active", t("assets.cstatus.active")], ["terminated", t("assets.cstatus.terminated")]] }) : null,
    note: input("note", t("assets.note"), c.note, { textarea: true, max: 500 }),
  };
  return formPage(ctx, {
    title: id ? t("assets.editContract") : t("assets.addContract"), back: id ? `/contracts/${id}` : "/contracts",
    fields: [...[region, subjectType, subject].filter(Boolean).map((x) => x.row), ...Object.values(f).filter(Boolean).map((x) => x.row),
      h("p", { class: "muted small" }, t("assets.scheduleHint"))],
    submit: async (key) => {
      const body = { client_uuid: key, contract_no: opt(f.contract_no.el), kind: f.kind.el.value, counterparty: val(f.counterparty.el),
        starts_on: f.starts_on.el.value, ends_on: f.ends_on.el.value, annual_amount: val(f.annual_amount.el),
        floor_amount: opt(f.floor_amount.el), note: opt(f.note.el) };
      needVillage(region);
      if (id) body.status = f.status.el.value;
      else {
        body.region_id = Number(region.el.value);
        body[subjectType.el.value === "asset" ? "asset_id" : "resource_id"] = Number(subject.el.value);
      }
      const saved = await api(id ? `/resource-contracts/${id}` : "/resource-contracts", { method: id ? "PATCH" : "POST", body });
      return `/contracts/${saved.id}`;
    },
  });
}
