// 一站监管: /overview (the signed-in supervisor's region) and /overview/<region_id>?year=&sort= — the
// region's health index with every point lost and where its records are, its figures 本级 and 辖区,
// the regions one level down side by side (every column sorts; a name drills down), and the flow
// figures month by month against last year. One request per view (GET /overview/<id>); the address
// holds region, year and sort, so it can be shared and the browser's back goes back up.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatMoney, t } from "../i18n.js";
import { errorPage, local } from "./common.js";

export const READERS = ["admin", "province", "city", "county", "township_lead"];
// The children's table: these figures (辖区) and derived rates, in this order.
const COLUMNS = [
  ["funds_issued", "total"], ["funds_arrived", "total"], ["funds_spent", "total"], ["spending_pct", "derived"],
  ["funds_idle", "total"], ["projects", "total"], ["projects_overdue", "total"], ["warnings_open_red", "total"],
  ["rect_overdue", "total"], ["subsidy_failed", "total"], ["receivables_overdue", "total"],
];
const GROUPS = ["funds", "projects", "subsidies", "risks", "assets"];
const TREND = ["funds_issued", "funds_arrived", "funds_spent", "project_paid", "subsidy_paid", "warnings_raised"];

const number = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 1 });
function show(value, unit) {
  if (value === null || value === undefined) return "—";
  if (unit === "yuan") return formatMoney(value);
  if (unit === "%" || unit === "pct") return `${number.format(Number(value))}%`;
  return number.format(Number(value));
}
const bandBadge = (band, testid = "health-band") => (band
  ? h("span", { class: "band", "data-band": band.code, "data-testid": testid }, local(band))
  : h("span", { class: "band muted", "data-testid": testid }, t("overview.noScore")));

export async function render(ctx) {
  const { user } = ctx.session;
  if (!READERS.includes(user.role)) {
    ctx.navigate("/", { replace: true });
    return null;
  }
  const regionId = ctx.params[0] || user.region.id;
  const thisYear = Number(new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
  const year = Number(ctx.query.get("year")) || thisYear;
  let doc;
  try {
    doc = await api(`/overview/${regionId}`, { query: { year } });
  } catch (err) {
    return errorPage(err, ctx);
  }
  ctx.setTitle(`${doc.region.name} · ${t("overview.title")}`);
  const href = (id, extra = {}) => {
    const qs = new URLSearchParams({ ...(year !== thisYear ? { year } : {}), ...extra });
    return `/overview/${id}` + (qs.toString() ? `?${qs}` : "");
  };
  const crumbs = h("nav", { class: "crumbs", "aria-label": t("overview.crumbs"), "data-testid": "crumbs" },
    doc.breadcrumbs.map((r) => [h("a", { href: href(r.id), "data-link": "" }, r.name), " › "]),
    h("span", { "aria-current": "page" }, doc.region.name));
  const years = h("select", { id: "ov-year", "data-testid": "overview-year", "aria-label": t("overview.year") },
    [thisYear, thisYear - 1, thisYear - 2].map((y) => h("option", { value: y, selected: y === year }, String(y))));
  years.addEventListener("change", () => ctx.navigate(href(doc.region.id, { year: years.value })));
  return h("div", { class: "overview-page wide", "data-testid": "overview" },
    crumbs,
    h("header", { class: "ov-head" },
      h("h1", { tabindex: "-1" }, `${doc.region.name} · ${t("overview.title")}`),
      h("label", { for: "ov-year" }, t("overview.year")), years),
    healthCard(doc),
    figuresCard(doc),
    doc.children.length ? childrenCard(doc, ctx, href) : null,
    trendCard(doc),
    h("p", { class: "muted" }, t("overview.asOf", { at: new Date(doc.as_of).toLocaleString(document.documentElement.lang) })));
}

function healthCard(doc) {
  const hl = doc.health;
  const rows = hl.indicators.map((i) => h("tr", { "data-testid": "indicator", "data-code": i.code },
    h("td", null, local({ zh: i.dimension_zh, en: i.dimension_en })),
    h("td", null, local(i)),
    h("td", { class: "num" }, i.value === null ? t("overview.noData") : show(i.value, i.unit === "%" ? "%" : "")),
    h("td", { class: "num" }, i.score === null ? "—" : show(i.score)),
    h("td", { class: "num" }, i.points_lost === null ? "—" : show(i.points_lost)),
    h("td", null, i.value === null ? "" : h("a", { href: i.records, "data-link": "" }, t("overview.records")))));
  return h("section", { class: "card ov-health", "data-testid": "health" },
    h("h2", null, t("overview.health")),
    h("p", { class: "ov-score" },
      h("strong", { "data-testid": "health-score" }, hl.score === null ? "—" : show(hl.score)), " ", bandBadge(hl.band),
      h("small", { class: "muted" }, ` ${t("overview.version", { v: hl.version })}`)),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, ["dimension", "indicator", "value", "score", "lost", "records"]
        .map((k) => h("th", { scope: "col" }, t(`overview.col.${k}`))))),
      h("tbody", null, rows))));
}

function figuresCard(doc) {
  const groups = GROUPS.map((g) => {
    const names = Object.keys(doc.figures).filter((n) => doc.figures[n].group === g && doc.figures[n].unit !== "yuan_days")
      .sort((a, b) => doc.figures[a].order - doc.figures[b].order);
    return h("div", { class: "ov-group" }, h("h3", null, t(`overview.group.${g}`)),
      h("table", { class: "data" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, t("overview.figure")),
          h("th", { scope: "col", class: "num" }, t("overview.own")), h("th", { scope: "col", class: "num" }, t("overview.total")))),
        h("tbody", null, names.map((n) => h("tr", { "data-testid": "figure", "data-name": n },
          h("th", { scope: "row" }, local(doc.figures[n])),
          h("td", { class: "num" }, show(doc.own[n], doc.figures[n].unit)),
          h("td", { class: "num" }, show(doc.total[n], doc.figures[n].unit)))))));
  });
  const d = doc.derived;
  const progress = h("p", { class: "ov-progress", "data-testid": "progress" },
    t("overview.progress", { spent: show(d.spending_pct, "%"), time: show(d.time_progress_pct, "%") }));
  return h("section", { class: "card" }, h("h2", null, t("overview.figures")), progress,
    h("div", { class: "ov-groups" }, groups));
}

function childrenCard(doc, ctx, href) {
  const sort = ctx.query.get("sort") || "health";
  const desc = ctx.query.get("dir") !== "asc";
  const value = (c, key, where) => (key === "health" ? c.health.score : key === "name" ? c.region.code : c[where][key]);
  const where = (key) => (COLUMNS.find(([k]) => k === key) || [key, "total"])[1];
  const rows = [...doc.children].sort((a, b) => {
    const x = value(a, sort, where(sort)); const y = value(b, sort, where(sort));
    if (sort === "name") return desc ? String(y).localeCompare(String(x)) : String(x).localeCompare(String(y));
    const nx = x === null ? -Infinity : Number(x); const ny = y === null ? -Infinity : Number(y);
    return desc ? ny - nx : nx - ny;
  });
  const head = (key, label) => {
    const active = key === sort;
    const next = active && desc ? "asc" : "desc";
    const qs = new URLSearchParams(ctx.query);
    qs.set("sort", key);
    qs.set("dir", next);
    return h("th", { scope: "col", class: key === "name" ? "" : "num", "aria-sort": active ? (desc ? "descending" : "ascending") : "none" },
      h("a", { href: `${location.pathname}?${qs}`, "data-link": "", "data-testid": `sort-${key}` }, label, active ? (desc ? " ▼" : " ▲") : ""));
  };
  const unitOf = (key) => (doc.figures[key] ? doc.figures[key].unit : "%");
  const label = (key) => (doc.figures[key] ? local(doc.figures[key]) : t(`overview.derived.${key}`));
  return h("section", { class: "card", "data-testid": "children" },
    h("h2", null, t(`overview.children.${doc.children[0].region.level}`)),
    h("div", { class: "table-wrap" }, h("table", { class: "data ov-children" },
      h("thead", null, h("tr", null, head("name", t("overview.region")), head("health", t("overview.health")),
        COLUMNS.map(([key]) => head(key, label(key))))),
      h("tbody", null, rows.map((c) => h("tr", { "data-testid": "child", "data-region": c.region.id },
        h("th", { scope: "row" }, c.region.level === "village"
          ? h("a", { href: `/projects?region_id=${c.region.id}`, "data-link": "" }, c.region.name)
          : h("a", { href: href(c.region.id), "data-link": "", "data-testid": "drill" }, c.region.name)),
        h("td", { class: "num" }, c.health.score === null ? "—" : show(c.health.score), " ", bandBadge(c.health.band, "child-band")),
        COLUMNS.map(([key, from]) => h("td", { class: "num" }, show(c[from][key], unitOf(key))))))))));
}

function trendCard(doc) {
  const months = Array.from({ length: 12 }, (_, i) => i + 1);
  return h("section", { class: "card", "data-testid": "trend" },
    h("h2", null, t("overview.trend", { year: doc.year })),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, t("overview.figure")),
        months.map((m) => h("th", { scope: "col", class: "num" }, t("overview.month", { m }))))),
      h("tbody", null, TREND.flatMap((n) => [
        h("tr", null, h("th", { scope: "row" }, local(doc.figures[n])),
          doc.trend.year[n].map((v) => h("td", { class: "num" }, show(v, doc.figures[n].unit)))),
        h("tr", { class: "muted" }, h("th", { scope: "row" }, t("overview.lastYear")),
          doc.trend.last_year[n].map((v) => h("td", { class: "num" }, show(v, doc.figures[n].unit)))),
      ])))));
}
