// Charts, with their table one tap away. ECharts (npm, a custom build of bar + line, grid, tooltip,
// legend and the canvas renderer: vendor-src/echarts.js → /vendor/echarts.js) is loaded with the first
// chart a screen draws, never before; the service worker precaches it with the screens, so charts draw
// offline. A chart is drawn once its box has a size (a hidden one waits) and follows the box's size.
// Where the library cannot be loaded, the card shows its table instead.
import { h } from "./dom.js";
import { t } from "./i18n.js";

let library = null;
function echarts() {
  if (!library) library = import("../vendor/echarts.js").catch((err) => { library = null; throw err; });
  return library;
}

export const LEVEL_COLORS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825" };
export const PALETTE = ["#1565c0", "#9e9e9e", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457"];

// Numbers on axes, in Chinese units (1.2万, 3.4亿) whatever the interface language: money in China is read so.
const compact = new Intl.NumberFormat("zh-CN", { notation: "compact", maximumFractionDigits: 1 });
export const axisNumber = (value) => compact.format(value);

// The options every chart shares: a grid that leaves room for Chinese labels, a tooltip on the axis and
// the legend on top.
export function baseOption(option) {
  return {
    color: PALETTE,
    animation: false, // a cheap phone redraws once, and a screenshot shows the final chart
    textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif" },
    grid: { left: 8, right: 16, top: option.legend ? 36 : 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", confine: true },
    ...option,
  };
}

/** A chart element: draws `option` (an ECharts option) once it is shown; el.update(option) redraws.
 * data-drawn="true" once drawn; onFail() when the library cannot be loaded. */
export function chart(option, { label, onFail, testid = "chart" } = {}) {
  const el = h("div", { class: "chart", role: "img", "aria-label": label || "", "data-testid": testid });
  let instance = null;
  let current = option;
  let starting = false;
  const observer = new ResizeObserver(async () => {
    if (!el.isConnected) { observer.disconnect(); if (instance) instance.dispose(); instance = null; return; }
    if (!el.clientWidth || !el.clientHeight) return;
    if (instance) { instance.resize(); return; }
    if (starting) return;
    starting = true;
    try {
      const { init } = await echarts();
      instance = init(el, null, { renderer: "canvas" });
      instance.setOption(current);
      el.dataset.drawn = "true";
    } catch (err) {
      el.dataset.drawn = "failed";
      if (onFail) onFail(err);
    } finally {
      starting = false;
    }
  });
  observer.observe(el);
  el.update = (next) => {
    current = next;
    if (instance) instance.setOption(next, { notMerge: true });
  };
  return el;
}

/** True when no series of `option` has a value other than 0 or blank: drawn, that is an empty 0–1 axis. */
export function nothingToChart(option) {
  return (option.series || []).every((series) => (series.data || []).every((d) => {
    const value = d !== null && typeof d === "object" ? d.value : d;
    return value === null || value === undefined || value === "" || !Number(value);
  }));
}

/** A card with a chart and its table, and a 图表 | 表格 switch between them (chart first).
 * `controls`: elements beside the switch (e.g. which figure is drawn). While every value is 0 or
 * blank the chart pane says so (`empty()`: the sentence) with the table one tap away, rather than
 * drawing bars of nothing on a 0–1 axis. card.update(option) redraws. */
export function chartCard({ title, testid, option, table, controls = null, label, empty = () => t("charts.empty") }) {
  const panes = {};
  const buttons = ["chart", "table"].map((view) => h("button", {
    type: "button", class: "seg", "data-view": view, "data-testid": `${testid}-${view}`, "aria-pressed": "false",
  }, t(`charts.${view}`)));
  const show = (view) => {
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.view === view));
    panes.chart.hidden = view !== "chart";
    panes.table.hidden = view !== "table";
  };
  const drawing = chart(option, { label: label || title, onFail: () => show("table"), testid: `${testid}-canvas` });
  const sentence = h("p", { "data-testid": `${testid}-empty-text` });
  const nothing = h("div", { class: "chart-empty", role: "status", "data-testid": `${testid}-empty` }, sentence,
    h("button", { type: "button", class: "btn btn-small", "data-testid": `${testid}-empty-table`, onclick: () => show("table") },
      t("charts.showTable")));
  // (a hidden chart waits to draw, and draws when shown again: chart() above)
  const mark = (next) => {
    const blank = nothingToChart(next);
    drawing.hidden = blank;
    nothing.hidden = !blank;
    sentence.textContent = blank ? empty() : "";
  };
  panes.chart = h("div", { class: "chart-pane" }, drawing, nothing);
  panes.table = h("div", { class: "table-wrap" }, table);
  for (const b of buttons) b.addEventListener("click", () => show(b.dataset.view));
  mark(option);
  show("chart");
  const card = h("section", { class: "card chart-card", "data-testid": testid },
    h("div", { class: "chart-head" }, h("h2", null, title), controls,
      h("div", { class: "seg-group", role: "group", "aria-label": t("charts.view") }, buttons)),
    panes.chart, panes.table);
  card.chart = drawing;
  card.update = (next) => { mark(next); drawing.update(next); };
  card.setTable = (next) => panes.table.replaceChildren(next);
  return card;
}
