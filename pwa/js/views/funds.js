// Funds (资金): /funds the register of budget lines (search, filters, pages), /funds/<id> one budget
// line with its chain 下达 → 到账 → 分配 → 支出 and the days each hop took, and the township's forms —
// /funds/new (a budget line), and on the detail page 登记到账 (with the receipt), 分配 and 支出 as
// bottom sheets. Supervisors read; the township lead and the county write. Writes go through the
// outbox with a client UUID (the server answers a replay, never does it twice).
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { regionPicker } from "../region-picker.js";
import { errorBox, errorPage, fact, levelBadge, local, pageAsked, pageHref, pager, regionFilter, regionParam, sendWrite, sheet, showError, totalOf } from "./common.js";

export const WRITERS = ["admin", "county", "township_lead"];
const CATEGORIES = ["general_transfer", "special_transfer", "own"];
const SOURCES = ["central", "province", "city", "county", "township"];
const STAGES = ["issued", "arrived", "allocated", "spent"];
// The list's filter also has "unspent" (arrived, not all spent: arrived or allocated), the funds behind
// 到账未支出 and the cockpit's 执行 indicator.
const FILTER_STAGES = [...STAGES, "unspent"];
const PER_PAGE = 20;

// The years offered in the filter: this year and the four before, and whatever year the address asks
// for (the cockpit's links carry theirs).
const thisYear = () => Number(new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
const signIn = (ctx) => { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; };
const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
const stageBadge = (stage) => h("span", { class: "badge fstage", "data-stage": stage, "data-testid": "fund-stage" }, t(`funds.stage.${stage}`));
const pct = (part, whole) => (Number(whole) > 0 ? Math.round((Number(part) / Number(whole)) * 100) : 0);

/** A labelled input (id and label tied), for the forms and sheets. */
function field(id, label, input, hint) {
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("small", { class: "muted" }, hint) : null);
}
const select = (name, values, prefix, { all = null, value = "" } = {}) => h("select", { name, "data-testid": `f-${name}` },
  all ? h("option", { value: "" }, all) : null,
  values.map((v) => h("option", { value: v, selected: v === value }, t(`${prefix}.${v}`))));

/** Marks the field the server named (json.amount → the amount input) and says why. */
function markField(form, err) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const f of (err && err.fields) || []) {
    const el = form.querySelector(`[name="${String(f.path || "").replace(/^json\./, "")}"]`);
    if (el) el.setAttribute("aria-invalid", "true");
  }
}

// ---- /funds ---------------------------------------------------------------------------------------

export async function renderList(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("funds.title"));
  const get = (k, allowed) => { const v = ctx.query.get(k) || ""; return !allowed || allowed.includes(v) ? v : ""; };
  // year: funds issued (下达) that year, in China's calendar — what the cockpit's 下达资金 counts
  const year = /^\d{4}$/.test(ctx.query.get("year") || "") ? ctx.query.get("year") : "";
  const filters = { q: get("q"), category: get("category", CATEGORIES), stage: get("stage", FILTER_STAGES), source_level: get("source_level", SOURCES), year };
  const { page, after } = pageAsked(ctx);
  const region = regionParam(ctx); // the region filter, or the cockpit's ?region_id=
  const url = (f) => {
    const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
    if (region) qs.set("region", region);
    return "/funds" + (qs.toString() ? "?" + qs : "");
  };
  let data;
  try {
    data = await api("/funds", { query: { ...filters, region_id: region, page, after, per_page: PER_PAGE } });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const q = h("input", { name: "q", type: "search", maxlength: 100, value: filters.q, placeholder: t("funds.searchHint"), "data-testid": "fund-search" });
  const selects = [select("category", CATEGORIES, "funds.cat", { all: t("funds.allCategories"), value: filters.category }),
    select("stage", FILTER_STAGES, "funds.stage", { all: t("funds.allStages"), value: filters.stage }),
    select("source_level", SOURCES, "funds.src", { all: t("funds.allSources"), value: filters.source_level }),
    yearSelect(year)];
  selects[0].setAttribute("aria-label", t("funds.category"));
  selects[1].setAttribute("aria-label", t("funds.stageLabel"));
  selects[2].setAttribute("aria-label", t("funds.source"));
  selects[3].setAttribute("aria-label", t("funds.year"));
  q.id = "fq";
  const form = h("form", { class: "search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    const f = { q: q.value.trim(), category: selects[0].value, stage: selects[1].value, source_level: selects[2].value, year: selects[3].value };
    ctx.navigate(url(f), { replace: true });
  } },
  h("label", { for: "fq", class: "sr-only" }, t("funds.search")),
  h("div", { class: "row" }, q, h("button", { type: "submit", class: "btn", "data-testid": "fund-find" }, t("home.find"))),
  h("div", { class: "filters ffilters" }, selects), regionFilter(ctx));
  for (const s of selects) s.addEventListener("change", () => form.requestSubmit());
  const items = data.items || [];
  return h("div", { class: "funds-page wide" },
    h("div", { class: "fhead" },
      h("h1", { tabindex: "-1" }, t("funds.title")),
      WRITERS.includes(user.role) ? h("a", { href: "/funds/new", "data-link": "", class: "btn btn-primary", "data-testid": "fund-new" }, t("funds.new")) : null),
    h("p", { class: "muted small" }, t("funds.intro")),
    form,
    h("p", { class: "muted small", "aria-live": "polite", "data-testid": "fund-total" }, t("funds.total", { total: totalOf(data) })),
    items.length ? h("ul", { class: "plist fgrid", "data-testid": "fund-list" }, items.map(fundItem))
      : h("p", { class: "empty", "data-testid": "fund-empty" }, t("funds.empty")),
    pager(data, page, PER_PAGE, pageHref));
}

function yearSelect(value) {
  const years = Array.from({ length: 5 }, (_, i) => String(thisYear() - i));
  if (value && !years.includes(value)) years.push(value);
  years.sort((a, b) => b - a);
  return h("select", { name: "year", "data-testid": "f-year" }, h("option", { value: "" }, t("funds.allYears")),
    years.map((y) => h("option", { value: y, selected: y === value }, t("funds.issuedIn", { year: y }))));
}

function fundItem(f) {
  return h("li", {}, h("a", { href: `/funds/${f.id}`, "data-link": "", class: "pitem fitem", "data-testid": "fund" },
    h("span", { class: "pitem-name" }, f.name),
    h("span", { class: "pitem-ref muted mono" }, f.doc_no),
    h("span", { class: "pitem-meta" }, stageBadge(f.stage), h("strong", { class: "nowrap" }, formatMoney(f.amount)),
      h("span", {}, local(f.category)), h("span", { class: "muted" }, f.region.name)),
    h("span", { class: "pitem-meta small muted" },
      h("span", {}, t("funds.issuedOn", { date: formatDate(f.issued_on) })),
      h("span", {}, t("funds.allocatedPct", { n: pct(f.allocated, f.amount) })),
      h("span", {}, t("funds.spentPct", { n: pct(f.spent, f.amount) })))));
}

// ---- /funds/<id> ----------------------------------------------------------------------------------

export async function renderDetail(ctx) {
  let f;
  try {
    f = await api(`/funds/${encodeURIComponent(ctx.params[0])}`);
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  ctx.setTitle(f.name);
  const canWrite = f.can_write && WRITERS.includes(ctx.session.user.role);
  const left = Number(f.amount) - Number(f.allocated);
  const unspentAllocated = Number(f.allocated) - Number(f.spent);
  const actions = canWrite ? h("div", { class: "row wrap factions" },
    !f.arrived_on ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "act-arrival", onclick: () => arrivalSheet(ctx, f) }, t("funds.actArrival")) : null,
    f.arrived_on && left > 0 ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "act-allocate", onclick: () => allocationSheet(ctx, f) }, t("funds.actAllocate")) : null,
    f.arrived_on && unspentAllocated > 0 ? h("button", { type: "button", class: "btn", "data-testid": "act-spend", onclick: () => expenditureSheet(ctx, f) }, t("funds.actSpend")) : null) : null;
  return h("div", { class: "funds-page fund-detail" },
    h("p", {}, h("a", { href: "/funds", "data-link": "" }, t("funds.back"))),
    h("article", { class: "card", "data-testid": "fund-card" },
      h("h1", { tabindex: "-1" }, f.name),
      h("p", { class: "mono", "data-testid": "fund-doc" }, f.doc_no),
      h("p", { class: "row-inline fbadges" }, stageBadge(f.stage), h("span", { class: "badge" }, local(f.category)),
        h("span", { class: "badge" }, t("funds.fromLevel", { level: local(f.source_level) }))),
      h("div", { class: "money" },
        h("div", {}, h("span", {}, t("funds.amount")), h("strong", { "data-testid": "fund-amount" }, formatMoney(f.amount))),
        h("div", {}, h("span", {}, t("funds.allocated")), h("strong", { "data-testid": "fund-allocated" }, formatMoney(f.allocated))),
        h("div", {}, h("span", {}, t("funds.spent")), h("strong", { "data-testid": "fund-spent" }, formatMoney(f.spent))),
        h("div", {}, h("span", {}, t("funds.unspent")), h("strong", { "data-testid": "fund-unspent" }, formatMoney(f.unspent)))),
      chainView(f),
      f.warnings.length ? h("ul", { class: "rlist fwarn", "data-testid": "fund-warnings" }, f.warnings.map((w) => h("li", {},
        h("a", { href: `/risks/${w.id}`, "data-link": "", class: "ritem", "data-level": w.level }, h("span", {}, levelBadge(w.level), " ", local(w.name)))))) : null,
      actions,
      h("dl", { class: "facts" },
        fact(t("funds.township"), f.region.name),
        fact(t("funds.issued"), formatDate(f.issued_on)),
        fact(t("funds.arrived"), f.arrived_on ? formatDate(f.arrived_on) : t("funds.notYet")),
        fact(t("funds.receipt"), f.receipt_no, { "data-testid": "fund-receipt" }),
        fact(t("funds.registeredBy"), f.registered_by),
        fact(t("funds.note"), f.note)),
      f.arrived_on ? receiptFiles(ctx, f, canWrite) : null),
    h("section", { class: "card", "aria-labelledby": "alloc-h" },
      h("h2", { id: "alloc-h" }, t("funds.allocations"), " ", h("span", { class: "muted small" }, t("funds.leftToAllocate", { amount: formatMoney(left) }))),
      f.allocations.length ? h("ul", { class: "flines", "data-testid": "allocations" }, f.allocations.map((a) => h("li", {},
        h("span", { class: "fline-main" }, h("strong", {}, local(a.target)), " ",
          a.project ? h("a", { href: `/p/${a.project.id}`, "data-link": "" }, a.project.name) : a.policy ? a.policy.name : a.purpose || ""),
        h("span", { class: "fline-meta muted" }, formatDate(a.allocated_on), " · ", t("funds.spentOf", { spent: formatMoney(a.spent) })),
        h("strong", { class: "fline-amount" }, formatMoney(a.amount)))))
        : h("p", { class: "muted" }, t("funds.noAllocations"))),
    h("section", { class: "card", "aria-labelledby": "spend-h" },
      h("h2", { id: "spend-h" }, t("funds.expenditures")),
      f.expenditures.length ? h("ul", { class: "flines", "data-testid": "expenditures" }, f.expenditures.map((e) => h("li", {},
        h("span", { class: "fline-main" }, h("strong", {}, e.payee), e.project ? h("span", { class: "muted" }, ` · ${e.project.name}`) : null),
        h("span", { class: "fline-meta muted" }, formatDate(e.spent_on), " · ", t("funds.voucher"), " ", h("span", { class: "mono" }, e.voucher_no)),
        h("strong", { class: "fline-amount" }, formatMoney(e.amount)))))
        : h("p", { class: "muted" }, t("funds.noExpenditures"))));
}

/** The receipt (信息接收回执) as files — the issuing system's PDF, a scan or a photo of the paper —
 * each a download; the township adds one (a better scan goes beside the first, never over it). */
function receiptFiles(ctx, f, canWrite) {
  const error = errorBox();
  const input = h("input", { type: "file", accept: ".pdf,application/pdf,image/jpeg,image/png,image/webp", hidden: true,
    "data-testid": "receipt-file-input", onchange: async () => {
      if (!input.files.length) return;
      const body = new FormData();
      body.append("client_uuid", uuid());
      body.append("file", input.files[0]);
      button.disabled = true;
      button.textContent = t("funds.receiptUploading");
      showError(error, "");
      try {
        await api(`/funds/${f.id}/receipt-files`, { method: "POST", form: body });
        ctx.flash(t("funds.receiptUploaded"));
        ctx.navigate(location.pathname, { replace: true });
      } catch (err) {
        showError(error, err.message);
        button.disabled = false;
        button.textContent = t("funds.receiptUpload");
        input.value = "";
      }
    } });
  const button = h("button", { type: "button", class: "btn", "data-testid": "receipt-upload", onclick: () => input.click() },
    t("funds.receiptUpload"));
  const files = f.receipt_files || [];
  return h("section", { class: "receipt-files", "aria-labelledby": `rf-h-${f.id}` },
    h("h2", { id: `rf-h-${f.id}` }, t("funds.receiptFiles")),
    files.length ? h("ul", { class: "flines", "data-testid": "receipt-files" }, files.map((r) => h("li", {},
      h("span", { class: "fline-main" }, h("a", { href: r.url, download: "", "data-testid": "receipt-file" }, r.filename)),
      h("span", { class: "fline-meta muted" }, t("funds.receiptBy", { who: r.uploaded_by || "", date: formatDate(r.uploaded_at) })))))
      : h("p", { class: "muted small" }, t("funds.receiptNoFile")),
    canWrite ? h("div", { class: "row wrap" }, button, input, h("small", { class: "muted" }, t("funds.receiptFileHint"))) : null,
    error);
}

/** 下达 → 到账 → 分配 → 支出: each step's day, the days the hop took, or how long it has waited. */
function chainView(f) {
  return h("ol", { class: "fchain", "data-testid": "fund-chain", "aria-label": t("funds.chain") }, f.chain.map((s) => {
    const done = Boolean(s.on);
    const full = Boolean(s.done_on);
    return h("li", { class: `fstep ${full ? "done" : done ? "part" : "todo"}`, "data-step": s.step, "data-testid": `step-${s.step}` },
      h("span", { class: "fstep-name" }, t(`funds.step.${s.step}`)),
      h("span", { class: "fstep-date" }, done ? formatDate(s.on) : t("funds.notYet")),
      s.days !== null && s.days !== undefined ? h("span", { class: "fstep-days", "data-testid": `days-${s.step}` }, t("funds.days", { n: s.days })) : null,
      done && !full ? h("span", { class: "fstep-wait" }, t("funds.partly")) : null,
      s.waiting_days !== null && s.waiting_days !== undefined ? h("span", { class: "fstep-wait", "data-testid": `wait-${s.step}` }, t("funds.waiting", { n: s.waiting_days })) : null,
      full && s.step !== "issued" && s.done_on !== s.on ? h("span", { class: "fstep-full muted" }, t("funds.fullOn", { date: formatDate(s.done_on) })) : null);
  }));
}

/** Send one write for this fund; the page is drawn again with the server's answer. */
async function write(ctx, f, path, json, what, form) {
  const key = uuid();
  const res = await sendWrite({ id: key, kind: "fund", method: "POST", url: `/api/v1/funds/${f.id}${path}`,
    json: { client_uuid: key, ...json }, label: { fund_name: f.name, action: what } });
  if (res.state === "failed") {
    markField(form, { fields: res.fields });
    return res.message;
  }
  ctx.flash(res.state === "queued" ? t("funds.queued") : t(`funds.done.${what}`));
  ctx.navigate(location.pathname, { replace: true });
  return null;
}

const dateInput = (name, value = today()) => h("input", { name, type: "date", value, max: today(), required: true, "data-testid": `f-${name}` });
const moneyInput = (name, value = "") => h("input", { name, inputmode: "decimal", autocomplete: "off", value, placeholder: "0.00", required: true, "data-testid": `f-${name}` });
const textInput = (name, max, extra = {}) => h("input", { name, maxlength: max, autocomplete: "off", "data-testid": `f-${name}`, ...extra });
const money = (v) => String(v || "").replace(/[,，\s¥￥元]/g, "");

function arrivalSheet(ctx, f) {
  const day = dateInput("arrived_on");
  const receipt = textInput("receipt_no", 60, { required: true });
  const dialog = sheet({ title: t("funds.actArrival"), intro: t("funds.arrivalIntro", { date: formatDate(f.issued_on) }), testid: "arrival",
    fields: [field("fa-day", t("funds.arrived"), day), field("fa-receipt", t("funds.receipt"), receipt, t("funds.receiptHint"))],
    onOk: () => {
      if (!receipt.value.trim()) { receipt.focus(); return t("funds.receiptMissing"); }
      return write(ctx, f, "/arrival", { arrived_on: day.value, receipt_no: receipt.value.trim() }, "arrival", dialog);
    } });
}

function allocationSheet(ctx, f) {
  const target = select("target", ["project", "policy", "own"], "funds.target");
  const project = h("select", { name: "project_id", "data-testid": "f-project_id" }, h("option", { value: "" }, t("funds.pickProject")));
  const policy = h("select", { name: "policy_id", "data-testid": "f-policy_id" }, h("option", { value: "" }, t("funds.pickPolicy")));
  const purpose = textInput("purpose", 200);
  const amount = moneyInput("amount", (Number(f.amount) - Number(f.allocated)).toFixed(2));
  const day = dateInput("allocated_on");
  const rows = { project: field("fl-project", t("funds.target.project"), project), policy: field("fl-policy", t("funds.target.policy"), policy),
    own: field("fl-purpose", t("funds.purpose"), purpose) };
  const show = () => { for (const [k, el] of Object.entries(rows)) el.hidden = k !== target.value; };
  target.addEventListener("change", show);
  show();
  api("/projects", { query: { region_id: f.region.id, per_page: 100 } }).then((d) => {
    for (const p of d.items || []) project.append(h("option", { value: p.id }, `${p.name}（${p.ref_no}）`));
  }).catch(() => {});
  api("/subsidies/policies").then((d) => {
    for (const p of d.items || []) policy.append(h("option", { value: p.id }, `${p.name}（${p.year}）`));
  }).catch(() => {});
  const dialog = sheet({ title: t("funds.actAllocate"), intro: t("funds.leftToAllocate", { amount: formatMoney(Number(f.amount) - Number(f.allocated)) }),
    testid: "allocate",
    fields: [field("fl-target", t("funds.targetLabel"), target), rows.project, rows.policy, rows.own,
      field("fl-amount", t("funds.amountYuan"), amount), field("fl-day", t("funds.allocatedOn"), day)],
    onOk: () => {
      const json = { target: target.value, amount: money(amount.value), allocated_on: day.value };
      if (target.value === "project") { if (!project.value) return t("funds.pickProject"); json.project_id = Number(project.value); }
      if (target.value === "policy") { if (!policy.value) return t("funds.pickPolicy"); json.policy_id = Number(policy.value); }
      if (target.value === "own") { if (!purpose.value.trim()) { purpose.focus(); return t("funds.purposeMissing"); } json.purpose = purpose.value.trim(); }
      return write(ctx, f, "/allocations", json, "allocate", dialog);
    } });
}

function expenditureSheet(ctx, f) {
  const alloc = h("select", { name: "allocation_id", "data-testid": "f-allocation_id" }, h("option", { value: "" }, t("funds.anyAllocation")),
    f.allocations.filter((a) => Number(a.amount) > Number(a.spent)).map((a) => h("option", { value: a.id },
      `${local(a.target)} ${a.project ? a.project.name : a.policy ? a.policy.name : a.purpose || ""} · ${formatMoney(Number(a.amount) - Number(a.spent))}`)));
  const amount = moneyInput("amount");
  const day = dateInput("spent_on");
  const payee = textInput("payee", 120, { required: true });
  const voucher = textInput("voucher_no", 40, { required: true });
  const note = textInput("note", 200);
  const dialog = sheet({ title: t("funds.actSpend"), intro: t("funds.leftToSpend", { amount: formatMoney(Number(f.allocated) - Number(f.spent)) }),
    testid: "spend",
    fields: [field("fs-alloc", t("funds.allocation"), alloc), field("fs-amount", t("funds.amountYuan"), amount),
      field("fs-day", t("funds.spentOn"), day), field("fs-payee", t("funds.payee"), payee),
      field("fs-voucher", t("funds.voucher"), voucher), field("fs-note", t("funds.note"), note)],
    onOk: () => {
      if (!money(amount.value)) { amount.focus(); return t("funds.amountMissing"); }
      if (!payee.value.trim() || !voucher.value.trim()) return t("funds.payeeMissing");
      const json = { amount: money(amount.value), spent_on: day.value, payee: payee.value.trim(), voucher_no: voucher.value.trim() };
      if (alloc.value) json.allocation_id = Number(alloc.value);
      if (note.value.trim()) json.note = note.value.trim();
      return write(ctx, f, "/expenditures", json, "spend", dialog);
    } });
}

// ---- /funds/new -----------------------------------------------------------------------------------

export async function renderNew(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("funds.new"));
  if (!WRITERS.includes(user.role)) return errorPage({ code: "role_forbidden", message: t("funds.readOnly") }, ctx);
  // The township the money is for, found by name or stepped down to (a county's may pass 100).
  const region = regionPicker({ id: "fn-region", testid: "f-region", label: t("funds.township"), root: user.region, levels: ["township"],
    value: user.region.level === "township" ? user.region : null });
  const docNo = textInput("doc_no", 60, { required: true, placeholder: "浙财农〔2026〕12号" });
  const name = textInput("name", 100, { required: true });
  const category = select("category", CATEGORIES, "funds.cat");
  const source = select("source_level", SOURCES, "funds.src", { value: "county" });
  const amount = moneyInput("amount");
  const issued = dateInput("issued_on");
  const arrived = h("input", { name: "arrived_on", type: "date", max: today(), "data-testid": "f-arrived_on" });
  const receipt = textInput("receipt_no", 60);
  const error = errorBox();
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "fund-save" }, t("funds.save"));
  const form = h("form", { class: "form card", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    if (!region.value) { region.focus(); return showError(error, t("funds.needTownship")); }
    if (!docNo.value.trim() || !name.value.trim() || !money(amount.value)) return showError(error, t("funds.required"));
    const key = uuid();
    const json = { client_uuid: key, region_id: Number(region.value), doc_no: docNo.value.trim(), name: name.value.trim(),
      category: category.value, source_level: source.value, amount: money(amount.value), issued_on: issued.value };
    if (arrived.value) { json.arrived_on = arrived.value; json.receipt_no = receipt.value.trim() || null; }
    submit.disabled = true;
    const res = await sendWrite({ id: key, kind: "fund", method: "POST", url: "/api/v1/funds", json, label: { fund_name: json.name, action: "create" } });
    submit.disabled = false;
    if (res.state === "failed") { markField(form, { fields: res.fields }); return showError(error, res.message); }
    ctx.flash(res.state === "queued" ? t("funds.queued") : t("funds.done.create"));
    ctx.navigate(res.body && res.body.id ? `/funds/${res.body.id}` : "/funds", { replace: true });
  } },
  region.el,
  field("fn-doc", t("funds.docNo"), docNo),
  field("fn-name", t("funds.name"), name),
  h("div", { class: "filters" }, field("fn-cat", t("funds.category"), category), field("fn-src", t("funds.source"), source)),
  h("div", { class: "filters" }, field("fn-amount", t("funds.amountYuan"), amount), field("fn-issued", t("funds.issued"), issued)),
  h("fieldset", { class: "fset" }, h("legend", {}, t("funds.arrivedAlready")),
    h("div", { class: "filters" }, field("fn-arrived", t("funds.arrived"), arrived), field("fn-receipt", t("funds.receipt"), receipt))),
  error, submit);
  return h("div", { class: "funds-page" },
    h("p", {}, h("a", { href: "/funds", "data-link": "" }, t("funds.back"))),
    h("h1", { tabindex: "-1" }, t("funds.new")),
    form);
}
