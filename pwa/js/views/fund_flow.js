// 资金到达: /overview/<region_id>/fund-flow?year=&category=&page= — how the year's budget lines reached the
// region's townships. Each fund is a row with its hops 到账 → 分配 → 支出: the day, the days the hop took,
// the days since issue against the statutory limit, late hops marked; late funds come first. Above them
// the hops summed per child region (a name opens that region's fund flow) and per category, and the
// statutory limits. One request per view (GET /overview/<id>/fund-flow); the address holds the filters.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMinute, formatMoney, t } from "../i18n.js";
import { errorPage, local } from "./common.js";
import { READERS } from "./overview.js";

const HOPS = ["register", "allocate", "spend"];
const CATEGORIES = ["general_transfer", "special_transfer", "own"];
const PER_PAGE = 50;
const pct = (v) => (v === null || v === undefined ? "—" : `${v}%`);
const days = (v) => (v === null || v === undefined ? "—" : t("flow.nDays", { n: v }));

export async function render(ctx) {
  const { user } = ctx.session;
  if (!READERS.includes(user.role)) {
    ctx.navigate("/", { replace: true });
    return null;
  }
  const regionId = ctx.params[0];
  const thisYear = Number(new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
  const year = Number(ctx.query.get("year")) || thisYear;
  const category = CATEGORIES.includes(ctx.query.get("category")) ? ctx.query.get("category") : "";
  const page = Math.max(1, parseInt(ctx.query.get("page"), 10) || 1);
  let doc;
  try {
    doc = await api(`/overview/${regionId}/fund-flow`, { query: { year, page, per_page: PER_PAGE, ...(category ? { category } : {}) } });
  } catch (err) {
    return errorPage(err, ctx);
  }
  ctx.setTitle(`${doc.region.name} · ${t("flow.title")}`);
  const href = (id, extra = {}) => {
    const qs = new URLSearchParams({ year, ...(category ? { category } : {}), ...extra });
    return `/overview/${id}/fund-flow?${qs}`;
  };
  const years = h("select", { id: "flow-year", "data-testid": "flow-year" },
    [thisYear, thisYear - 1, thisYear - 2].map((y) => h("option", { value: y, selected: y === year }, String(y))));
  const cats = h("select", { id: "flow-category", "data-testid": "flow-category" },
    h("option", { value: "" }, t("funds.allCategories")),
    CATEGORIES.map((c) => h("option", { value: c, selected: c === category }, t(`funds.cat.${c}`))));
  const go = () => ctx.navigate(`/overview/${doc.region.id}/fund-flow?${new URLSearchParams({
    year: years.value, ...(cats.value ? { category: cats.value } : {}) })}`);
  years.addEventListener("change", go);
  cats.addEventListener("change", go);
  const pages = Math.max(1, Math.ceil(doc.total_funds / doc.per_page));
  return h("div", { class: "overview-page wide", "data-testid": "fund-flow" },
    h("nav", { class: "crumbs" }, h("a", { href: `/overview/${doc.region.id}?year=${year}`, "data-link": "", "data-testid": "flow-back" },
      `← ${doc.region.name} · ${t("overview.title")}`)),
    h("header", { class: "ov-head" },
      h("h1", { tabindex: "-1" }, `${doc.region.name} · ${t("flow.title")}`),
      h("label", { for: "flow-year" }, t("overview.year")), years,
      h("label", { for: "flow-category" }, t("funds.category")), cats),
    summaryCard(doc),
    sumsCard(t("flow.byChild"), "flow-by-child", doc.by_child, (row) => (row.own
      ? t("overview.own")
      : h("a", { href: href(row.region.id), "data-link": "" }, row.region.name))),
    sumsCard(t("flow.byCategory"), "flow-by-category", doc.by_category, (row) => local(row.category)),
    fundsCard(doc),
    pages > 1 ? h("nav", { class: "pager", "aria-label": t("home.page", { page, pages }) },
      page > 1 ? h("a", { href: href(doc.region.id, { page: page - 1 }), "data-link": "", class: "btn", rel: "prev" }, t("home.prev")) : h("span"),
      h("span", { class: "muted" }, t("home.page", { page, pages })),
      page < pages ? h("a", { href: href(doc.region.id, { page: page + 1 }), "data-link": "", class: "btn", rel: "next" }, t("home.next")) : h("span")) : null,
    h("p", { class: "muted", "data-testid": "as-of" }, t("overview.asOf", { at: formatMinute(doc.as_of) })));
}

function summaryCard(doc) {
  const s = doc.total;
  const limits = CATEGORIES.map((c) => h("li", null, t("flow.limitsOf", {
    category: t(`funds.cat.${c}`),
    limits: HOPS.map((hop) => t("flow.limitOf", { hop: t(`flow.hop.${hop}`), n: doc.limits[c][hop] })).join(t("flow.sep")),
  })));
  return h("section", { class: "card", "data-testid": "flow-summary" },
    h("p", { class: "ov-progress" }, t("flow.summary", {
      funds: s.funds, late: s.late_funds, due: s.hops_due, onTime: s.hops_on_time, pct: pct(s.on_time_pct) })),
    h("p", { class: "muted small" }, t("flow.limits")), h("ul", { class: "muted small" }, limits));
}

function sumsCard(title, testid, rows, name) {
  return h("section", { class: "card", "data-testid": testid },
    h("h2", null, title),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, t("flow.col.name")),
        ["funds", "late", "due", "onTime"].map((k) => h("th", { scope: "col", class: "num" }, t(`flow.col.${k}`))),
        HOPS.map((hop) => h("th", { scope: "col", class: "num" }, t("flow.col.avgDays", { hop: t(`flow.hop.${hop}`) }))))),
      h("tbody", null, rows.map((r) => h("tr", { "data-testid": `${testid}-row` },
        h("th", { scope: "row" }, name(r)),
        h("td", { class: "num" }, String(r.funds)),
        h("td", { class: r.late_funds ? "num flow-late" : "num" }, String(r.late_funds)),
        h("td", { class: "num" }, String(r.hops_due)),
        h("td", { class: "num" }, pct(r.on_time_pct)),
        HOPS.map((hop) => h("td", { class: "num" }, days(r.per_hop[hop].avg_days)))))))));
}

// One hop's cell: done on a day (the days it took; the days since issue against the limit), still
// waiting, or not due yet. Late ones are marked in words as well as in colour.
function hopCell(hop) {
  const limit = t("flow.elapsed", { n: hop.elapsed ?? "—", limit: hop.limit });
  const name = h("b", { class: "flow-hop-name" }, t("flow.hopName", { hop: t(`flow.hop.${hop.hop}`) })); // on a phone (rows are cards)
  if (hop.done_on) {
    return h("td", { class: hop.late ? "flow-late" : "flow-ok", "data-testid": "hop", "data-hop": hop.hop, "data-late": String(hop.late) },
      name, formatDate(hop.done_on), hop.late ? ` · ${t("flow.late")}` : "",
      h("small", null, `${t("funds.days", { n: hop.days })}${t("flow.sep")}${limit}`));
  }
  return h("td", { class: hop.late ? "flow-late" : "flow-wait", "data-testid": "hop", "data-hop": hop.hop, "data-late": String(hop.late) },
    name, hop.late ? t("flow.overdue", { date: formatDate(hop.due_on) }) : t("flow.dueBy", { date: formatDate(hop.due_on) }),
    hop.waiting !== null && hop.waiting !== undefined ? h("small", null, t("funds.waiting", { n: hop.waiting })) : null);
}

function fundsCard(doc) {
  return h("section", { class: "card", "data-testid": "flow-funds" },
    h("h2", null, t("flow.funds", { n: doc.total_funds })),
    doc.funds.length ? h("div", { class: "table-wrap" }, h("table", { class: "data flow-table" },
      h("thead", null, h("tr", null, ["fund", "region", "amount", "issued"].map((k) => h("th", { scope: "col", class: k === "amount" ? "num" : "" }, t(`flow.col.${k}`))),
        HOPS.map((hop) => h("th", { scope: "col" }, t(`flow.hop.${hop}`))))),
      h("tbody", null, doc.funds.map((f) => h("tr", { "data-testid": "flow-fund", "data-fund": f.id, "data-late": String(f.late) },
        h("th", { scope: "row" }, h("a", { href: `/funds/${f.id}`, "data-link": "" }, f.name), h("small", { class: "muted" }, ` ${f.doc_no}`)),
        h("td", { class: "flow-where" }, f.region.name),
        h("td", { class: "num" }, formatMoney(f.amount)),
        h("td", { class: "flow-issued" }, formatDate(f.issued_on), h("small", { class: "muted" }, ` ${local(f.category)}`)),
        f.hops.map(hopCell))))))
      : h("p", { class: "empty" }, t("flow.empty")));
}
