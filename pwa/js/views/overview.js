// 一站监管: /overview (the signed-in supervisor's region) and /overview/<region_id>?year=&sort= — the
// region's health index with every point lost and where its records are, its figures 本级 and 辖区,
// the regions one level down side by side (every column sorts; a name drills down), and the flow
// figures month by month against last year. One request per view (GET /overview/<id>); the address
// holds region, year and sort, so it can be shared and the browser's back goes back up. Charts (each
// with its table one tap away): the children side by side on the chosen figure (?figure=), open
// warnings by level per child (stacked), and a flow figure month by month against last year (?trend=).
import { api } from "../api.js";
import { axisNumber, baseOption, chartCard, LEVEL_COLORS } from "../charts.js";
import { h } from "../dom.js";
import { formatMinute, formatMoney, t } from "../i18n.js";
import { errorPage, local } from "./common.js";

export const READERS = ["admin", "province", "city", "county", "township_lead"];
// The children's table: these figures (辖区) and derived rates, in this order.
const COLUMNS = [
  ["funds_issued", "total"], ["funds_arrived", "total"], ["funds_spent", "total"], ["spending_pct", "derived"],
  ["funds_idle", "total"], ["projects", "total"], ["projects_overdue", "total"], ["warnings_open_red", "total"],
  ["rect_overdue", "total"], ["subsidy_failed", "total"], ["recon_differences", "total"], ["receivables_overdue", "total"],
];
const GROUPS = ["funds", "projects", "subsidies", "risks", "assets"];
// The records behind a figure's 辖区 value, where a list shows exactly them: the funds issued (下达) in
// the cockpit's year (the list's year is the issue year, as 下达资金 counts), and those arrived and not
// all spent now (到账未支出 is a state, of every year).
const FIGURE_RECORDS = {
  funds_issued: (doc) => `/funds?year=${doc.year}&region_id=${doc.region.id}`,
  funds_unspent: (doc) => `/funds?stage=unspent&region_id=${doc.region.id}`,
};
const TREND = ["funds_issued", "funds_arrived", "funds_spent", "project_paid", "subsidy_paid", "warnings_raised"];

const number = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 1 });
const NAMES = new Intl.Collator("zh-CN");  // region names in Chinese order (pinyin), whatever the language shown
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
  let year = Number(ctx.query.get("year")) || thisYear;
  let doc, refused = null;
  try {
    doc = await api(`/overview/${regionId}`, { query: { year } });
  } catch (err) {
    if (!(err.status === 400 && err.fields.some((f) => f.path === "query.year"))) return errorPage(err, ctx);
    // A year the address asks for that the server refuses (typed by hand, 1900): this year's cockpit,
    // saying so, instead of a dead end.
    refused = ctx.query.get("year");
    year = thisYear;
    try {
      doc = await api(`/overview/${regionId}`, { query: { year } });
    } catch (again) {
      return errorPage(again, ctx);
    }
  }
  ctx.setTitle(`${doc.region.name} · ${t("overview.title")}`);
  const href = (id, extra = {}) => {
    const qs = new URLSearchParams({ ...(year !== thisYear ? { year } : {}), ...extra });
    return `/overview/${id}` + (qs.toString() ? `?${qs}` : "");
  };
  const crumbs = h("nav", { class: "crumbs", "aria-label": t("overview.crumbs"), "data-testid": "crumbs" },
    doc.breadcrumbs.map((r) => [h("a", { href: href(r.id), "data-link": "" }, r.name), " › "]),
    h("span", { "aria-current": "page" }, doc.region.name));
  // The last three years, and the one shown if it is another (a shared address of 2019 says 2019).
  const choices = [...new Set([thisYear, thisYear - 1, thisYear - 2, year])].sort((a, b) => b - a);
  const years = h("select", { id: "ov-year", "data-testid": "overview-year", "aria-label": t("overview.year") },
    choices.map((y) => h("option", { value: y, selected: y === year }, String(y))));
  years.addEventListener("change", () => ctx.navigate(href(doc.region.id, { year: years.value })));
  return h("div", { class: "overview-page wide", "data-testid": "overview" },
    crumbs,
    h("header", { class: "ov-head" },
      h("h1", { tabindex: "-1" }, `${doc.region.name} · ${t("overview.title")}`),
      h("label", { for: "ov-year" }, t("overview.year")), years,
      h("a", { href: `/overview/${doc.region.id}/fund-flow?year=${year}`, "data-link": "", "data-testid": "fund-flow-link" },
        t("overview.fundFlow"))),
    refused === null ? null : h("p", { class: "error-box", role: "alert", "data-testid": "overview-bad-year" },
      t("overview.badYear", { year: refused, shown: year })),
    healthCard(doc),
    figuresCard(doc),
    doc.children.length ? compareChart(doc, ctx) : null,
    doc.children.length ? childrenCard(doc, ctx, href) : null,
    doc.children.length ? warningsChart(doc) : null,
    doc.region.level === "village" ? projectsCard(doc) : null,
    trendCard(doc, ctx),
    h("p", { class: "muted", "data-testid": "as-of" }, t("overview.asOf", { at: formatMinute(doc.as_of) })));
}

// An indicator's value with its unit: the spending gap is in percentage points and the answer time in
// days, and a bare "40" read as neither.
function indicatorValue(i) {
  if (i.unit === "%") return show(i.value, "%");
  if (i.unit === "pt" || i.unit === "d") return t(`overview.unit.${i.unit}`, { n: show(i.value) });
  return show(i.value);
}

function healthCard(doc) {
  const hl = doc.health;
  // On a phone the dimension goes above the indicator's name, so that value, score, points lost and
  // the records link stay in view (ov-dim / ov-dim-inline in app.css).
  const dimension = (i) => local({ zh: i.dimension_zh, en: i.dimension_en });
  const rows = hl.indicators.map((i) => h("tr", { "data-testid": "indicator", "data-code": i.code },
    h("td", { class: "ov-dim" }, dimension(i)),
    h("td", { class: "ov-ind" }, h("small", { class: "ov-dim-inline muted" }, dimension(i)), local(i)),
    h("td", { class: "num", "data-testid": "indicator-value" }, i.value === null ? t("overview.noData") : indicatorValue(i)),
    h("td", { class: "num ov-weight", "data-testid": "indicator-weight" }, show(i.weight)),
    h("td", { class: "num" }, i.score === null ? "—" : show(i.score)),
    h("td", { class: "num" }, i.points_lost === null ? "—" : show(i.points_lost)),
    h("td", null, i.value === null ? "" : h("a", { href: i.records, "data-link": "" }, t("overview.records")))));
  return h("section", { class: "card ov-health", "data-testid": "health" },
    h("h2", null, t("overview.health")),
    h("p", { class: "ov-score" },
      h("strong", { "data-testid": "health-score" }, hl.score === null ? "—" : show(hl.score)), " ", bandBadge(hl.band),
      h("small", { class: "muted" }, ` ${t("overview.version", { v: hl.version })}`)),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", null, h("tr", null, ["dimension", "indicator", "value", "weight", "score", "lost", "records"]
        .map((k) => h("th", { scope: "col", class: k === "dimension" ? "ov-dim" : k === "weight" ? "num ov-weight" : ["value", "score", "lost"].includes(k) ? "num" : null }, t(`overview.col.${k}`))))),
      h("tbody", null, rows))),
    formula(hl));
}

// How the index is made, in the app as in the README: each indicator scored 0–100 by straight lines
// between its points (from the formula the answer names), weighted, banded.
function formula(hl) {
  const point = (i, [value, score]) => t("overview.point", { value: indicatorValue({ ...i, value }), score: show(score) });
  const bands = hl.bands.map((b, k) => (k === 0 ? t("overview.bandTop", { floor: b.floor, band: local(b) })
    : k === hl.bands.length - 1 ? t("overview.bandLast", { below: hl.bands[k - 1].floor, band: local(b) })
      : t("overview.bandMid", { floor: b.floor, below: hl.bands[k - 1].floor, band: local(b) })));
  return h("details", { class: "ov-formula", "data-testid": "health-formula" },
    h("summary", null, t("overview.formula", { v: hl.version })),
    h("p", null, t("overview.formulaLead", { share: show(Number(hl.min_weight_with_data) * 100) })),
    h("p", { "data-testid": "health-bands" }, bands.join(t("overview.bandJoin"))),
    h("ul", null, hl.indicators.map((i) => h("li", { "data-testid": "indicator-rule" },
      h("strong", null, local(i)), t("overview.ruleWeight", { w: show(i.weight) }),
      (i.thresholds || []).map((p) => point(i, p)).join(t("overview.bandJoin"))))));
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
          h("td", { class: "num" }, FIGURE_RECORDS[n]
            ? h("a", { href: FIGURE_RECORDS[n](doc), "data-link": "", "data-testid": "figure-records" }, show(doc.total[n], doc.figures[n].unit))
            : show(doc.total[n], doc.figures[n].unit)))))));
  });
  const d = doc.derived;
  const progress = h("p", { class: "ov-progress", "data-testid": "progress" },
    t("overview.progress", { spent: show(d.spending_pct, "%"), time: show(d.time_progress_pct, "%") }));
  return h("section", { class: "card" }, h("h2", null, t("overview.figures")), progress,
    h("div", { class: "ov-groups" }, groups));
}

function childrenCard(doc, ctx, href) {
  // A name reads A→Z first (by the Chinese collation: pinyin, as a list of places is looked up); a
  // figure biggest first. A click on the sorted column turns it round.
  const firstDir = (key) => (key === "name" ? "asc" : "desc");
  const sort = ctx.query.get("sort") || "health";
  const desc = (ctx.query.get("dir") || firstDir(sort)) !== "asc";
  const value = (c, key, where) => (key === "health" ? c.health.score : c[where][key]);
  const where = (key) => (COLUMNS.find(([k]) => k === key) || [key, "total"])[1];
  const byName = (a, b) => NAMES.compare(a.region.name, b.region.name) || a.region.code.localeCompare(b.region.code);
  const rows = [...doc.children].sort((a, b) => {
    if (sort === "name") return desc ? byName(b, a) : byName(a, b);
    const x = value(a, sort, where(sort)); const y = value(b, sort, where(sort));
    if (x == null || y == null) return (x == null) - (y == null);  // 暂无数据 last, either way
    return desc ? Number(y) - Number(x) : Number(x) - Number(y);
  });
  const head = (key, label) => {
    const active = key === sort;
    const next = active ? (desc ? "asc" : "desc") : firstDir(key);
    // The address as it is when clicked: the charts' choices (?figure=, ?trend=) made since it was
    // drawn stay in it.
    const target = () => {
      const qs = new URLSearchParams(location.search);
      qs.set("sort", key);
      qs.set("dir", next);
      return `${location.pathname}?${qs}`;
    };
    return h("th", { scope: "col", class: key === "name" ? "" : "num", "aria-sort": active ? (desc ? "descending" : "ascending") : "none" },
      h("a", { href: target(), "data-link": "", "data-testid": `sort-${key}`, onclick: (event) => { event.currentTarget.href = target(); } },
        label, active ? (desc ? " ▼" : " ▲") : ""));
  };
  const unitOf = (key) => (doc.figures[key] ? doc.figures[key].unit : "%");
  const label = (key) => (doc.figures[key] ? local(doc.figures[key]) : t(`overview.derived.${key}`));
  return h("section", { class: "card", "data-testid": "children" },
    h("h2", null, t(`overview.children.${doc.children[0].region.level}`)),
    h("div", { class: "table-wrap" }, h("table", { class: "data ov-children" },
      h("thead", null, h("tr", null, head("name", t("overview.region")), head("health", t("overview.health")),
        COLUMNS.map(([key]) => head(key, label(key))))),
      h("tbody", null, rows.map((c) => h("tr", { "data-testid": "child", "data-region": c.region.id },
        h("th", { scope: "row" }, h("a", { href: href(c.region.id), "data-link": "", "data-testid": "drill" }, c.region.name)),
        h("td", { class: "num" }, c.health.score === null ? "—" : show(c.health.score), " ", bandBadge(c.health.band, "child-band")),
        COLUMNS.map(([key, from]) => h("td", { class: "num" }, show(c[from][key], unitOf(key))))))))));
}

// A village's cockpit ends the drill-down at its projects: each opens the project, the breadcrumbs
// above lead back up; the whole list (filters, export) is one link away.
function projectsCard(doc) {
  const list = h("ul", { class: "ov-projects", "data-testid": "village-projects" }, h("li", { class: "muted" }, t("overview.loading")));
  const more = h("p", null, h("a", { href: `/projects?region_id=${doc.region.id}`, "data-link": "", "data-testid": "village-projects-all" },
    t("overview.allProjects")));
  api("/projects", { query: { region_id: doc.region.id, per_page: 50 } }).then((page) => {
    list.replaceChildren(...(page.items.length ? page.items.map((p) => h("li", { "data-testid": "village-project" },
      h("a", { href: p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`, "data-link": "" }, p.name), " ",
      h("span", { class: "muted" }, `${t(`stage.${p.stage}`)} · ${formatMoney(p.budget)}`)))
      : [h("li", { class: "muted", "data-testid": "village-projects-none" }, t("overview.noProjects"))]));
    more.hidden = page.items.length === 0;
  }).catch((err) => list.replaceChildren(h("li", { class: "error-box" }, err.message)));
  return h("section", { class: "card", "data-testid": "village-projects-card" }, h("h2", null, t("overview.projects")), list, more);
}

// Remember a chart's choice in the address (?figure=, ?trend=) without a new history entry or a reload.
function remember(key, value) {
  const url = new URL(location.href);
  url.searchParams.set(key, value);
  history.replaceState(history.state, "", url);
}

function figureSelect(id, testid, names, label, selected, onChange) {
  const select = h("select", { id, "data-testid": testid, "aria-label": t("charts.figure") },
    names.map((n) => h("option", { value: n, selected: n === selected }, label(n))));
  select.addEventListener("change", () => onChange(select.value));
  return h("label", { class: "chart-pick", for: id }, t("charts.figure"), " ", select);
}

// The children side by side on one figure (辖区 or a derived rate), as horizontal bars: Chinese names
// read across, and twenty townships fit a phone.
function compareChart(doc, ctx) {
  const names = ["health", ...COLUMNS.map(([k]) => k)];
  const unitOf = (key) => (key === "health" ? "" : doc.figures[key] ? doc.figures[key].unit : "%");
  const label = (key) => (key === "health" ? t("overview.health") : doc.figures[key] ? local(doc.figures[key]) : t(`overview.derived.${key}`));
  const valueOf = (c, key) => {
    if (key === "health") return c.health.score;
    const from = (COLUMNS.find(([k]) => k === key) || [key, "total"])[1];
    return c[from][key];
  };
  const asked = ctx.query.get("figure") || ctx.query.get("sort");
  let figure = names.includes(asked) ? asked : "funds_issued";
  const kids = doc.children;
  const option = () => baseOption({
    tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" }, valueFormatter: (v) => show(v, unitOf(figure)) },
    xAxis: { type: "value", minInterval: unitOf(figure) === "count" ? 1 : 0, axisLabel: { formatter: axisNumber, hideOverlap: true } },
    yAxis: { type: "category", inverse: true, data: kids.map((c) => c.region.name), axisLabel: { width: 96, overflow: "truncate" } },
    series: [{ type: "bar", name: label(figure), data: kids.map((c) => (valueOf(c, figure) === null ? null : Number(valueOf(c, figure)))),
      barMaxWidth: 22 }],
  });
  const table = () => h("table", { class: "data", "data-testid": "compare-values" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("overview.region")), h("th", { scope: "col", class: "num" }, label(figure)))),
    h("tbody", null, kids.map((c) => h("tr", { "data-testid": "compare-row" }, h("th", { scope: "row" }, c.region.name),
      h("td", { class: "num" }, show(valueOf(c, figure), unitOf(figure)))))));
  const pick = figureSelect("ov-figure", "compare-figure", names, label, figure, (next) => {
    figure = next;
    remember("figure", next);
    card.update(option());
    card.setTable(table());
  });
  const card = chartCard({ title: t("charts.compare", { level: t(`overview.children.${kids[0].region.level}`) }), testid: "compare",
    option: option(), table: table(), controls: pick, empty: () => t("charts.emptyFigure", { figure: label(figure) }) });
  card.chart.style.height = `${Math.max(220, kids.length * 30 + 60)}px`;
  return card;
}

// Open warnings by level per child, stacked: where the red ones are.
function warningsChart(doc) {
  const levels = ["red", "orange", "yellow"];
  const kids = doc.children;
  const count = (c, lv) => Number(c.total[`warnings_open_${lv}`] || 0);
  const option = baseOption({
    legend: { top: 0 },
    tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: kids.map((c) => c.region.name), axisLabel: { width: 96, overflow: "truncate" } },
    series: levels.map((lv) => ({ type: "bar", stack: "warnings", name: t(`charts.level.${lv}`), color: LEVEL_COLORS[lv],
      data: kids.map((c) => count(c, lv)), barMaxWidth: 22 })),
  });
  const table = h("table", { class: "data", "data-testid": "warnings-values" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("overview.region")),
      levels.map((lv) => h("th", { scope: "col", class: "num" }, t(`charts.level.${lv}`))),
      h("th", { scope: "col", class: "num" }, t("charts.sum")))),
    h("tbody", null, kids.map((c) => h("tr", null, h("th", { scope: "row" }, c.region.name),
      levels.map((lv) => h("td", { class: "num" }, show(count(c, lv)))),
      h("td", { class: "num" }, show(levels.reduce((s, lv) => s + count(c, lv), 0)))))));
  const card = chartCard({ title: t("charts.warnings"), testid: "warnings-chart", option, table, empty: () => t("charts.emptyWarnings") });
  card.chart.style.height = `${Math.max(220, kids.length * 30 + 90)}px`;
  return card;
}

// A flow figure month by month, this year against last year, as two lines; the table has every flow.
function trendCard(doc, ctx) {
  const months = Array.from({ length: 12 }, (_, i) => i + 1);
  let figure = TREND.includes(ctx.query.get("trend")) ? ctx.query.get("trend") : TREND[0];
  const unit = () => doc.figures[figure].unit;
  const option = () => baseOption({
    legend: { top: 0 },
    tooltip: { trigger: "axis", confine: true, valueFormatter: (v) => show(v, unit()) },
    xAxis: { type: "category", boundaryGap: false, data: months.map((m) => t("overview.month", { m })) },
    yAxis: { type: "value", minInterval: unit() === "count" ? 1 : 0, axisLabel: { formatter: axisNumber } },
    series: [
      { type: "line", name: t("charts.thisYear", { year: doc.year }), data: doc.trend.year[figure].map(Number), symbolSize: 6 },
      { type: "line", name: t("charts.lastYear", { year: doc.year - 1 }), data: doc.trend.last_year[figure].map(Number),
        symbolSize: 6, lineStyle: { type: "dashed" } },
    ],
  });
  const table = h("table", { class: "data" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, t("overview.figure")),
      months.map((m) => h("th", { scope: "col", class: "num" }, t("overview.month", { m }))))),
    h("tbody", null, TREND.flatMap((n) => [
      h("tr", null, h("th", { scope: "row" }, local(doc.figures[n])),
        doc.trend.year[n].map((v) => h("td", { class: "num" }, show(v, doc.figures[n].unit)))),
      h("tr", { class: "muted" }, h("th", { scope: "row" }, t("overview.lastYear")),
        doc.trend.last_year[n].map((v) => h("td", { class: "num" }, show(v, doc.figures[n].unit)))),
    ])));
  const pick = figureSelect("ov-trend", "trend-figure", TREND, (n) => local(doc.figures[n]), figure, (next) => {
    figure = next;
    remember("trend", next);
    card.update(option());
  });
  const card = chartCard({ title: t("overview.trend", { year: doc.year }), testid: "trend", option: option(), table, controls: pick,
    empty: () => t("charts.emptyTrend", { figure: local(doc.figures[figure]) }) });
  return card;
}
