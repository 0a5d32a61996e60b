// 一屏: a region on one 1920×1080 meeting-room display — key figures, the children ranked by health
// index, the latest red warnings, overdue rectifications, failed payments awaiting 补发 and today's
// inspections. No header, no scrolling, big type on a dark ground; it asks the server again every
// N seconds (?every=60, at least 15) and shows when it last did. One JSON document: /api/v1/screen/<id>.
import { api } from "../api.js";
import { baseOption, chart } from "../charts.js";
import { h } from "../dom.js";
import { formatMoney, t } from "../i18n.js";

const BAND_COLORS = { good: "#43a047", fair: "#fdd835", weak: "#fb8c00", poor: "#e53935" };

const cut = (text, n) => { const s = String(text ?? ""); return s.length > n ? `${s.slice(0, n - 1)}…` : s; };
const clockText = (d) => d.toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });

function figureValue(f) {
  if (f.unit === "yuan") {
    const n = Number(f.value);
    if (n >= 1e8) return `${(n / 1e8).toFixed(2)}亿`;
    if (n >= 1e4) return `${(n / 1e4).toFixed(n >= 1e7 ? 0 : 1)}万`;
    return formatMoney(f.value);
  }
  return String(Math.round(Number(f.value)));
}

// A figure wider than its box (a long amount, a wide font) steps down in size until it fits: never cut.
function fit(root) {
  for (const el of root.querySelectorAll(".scr-fig b")) {
    let size = 40;
    el.style.fontSize = "";
    while (el.scrollWidth > el.clientWidth + 1 && size > 20) {
      size -= 2;
      el.style.fontSize = `${size}px`;
    }
  }
}

function fitWhenShown(page) {
  const step = () => (page.isConnected ? fit(page) : requestAnimationFrame(step));
  requestAnimationFrame(step);
}

function list(title, testid, count, items, cells) {
  return h("section", { class: "scr-card", "data-testid": testid },
    h("h2", {}, title, h("span", { class: "scr-count", "data-testid": `${testid}-count` }, String(count))),
    items.length
      ? h("table", { class: "scr-table" }, h("tbody", {}, ...items.map((item) =>
        h("tr", {}, ...cells(item).map(([text, cls]) => h("td", { class: cls || "" }, text))))))
      : h("p", { class: "scr-none" }, t("screen.none")));
}

function draw(doc, every) {
  const health = doc.health.score === null ? "—" : Number(doc.health.score).toFixed(0);
  const kids = doc.children.slice().reverse();
  const option = baseOption({
    textStyle: { color: "#e8eef5", fontSize: 20 },
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: { show: false },
    xAxis: { type: "value", max: 100, show: false },
    yAxis: { type: "category", data: kids.map((c) => `${c.rank}. ${cut(c.region.name, 7)}`),
      axisLabel: { color: "#e8eef5", fontSize: 22 }, axisLine: { show: false }, axisTick: { show: false } },
    series: [{ type: "bar", barMaxWidth: 26,
      data: kids.map((c) => ({ value: c.score === null ? 0 : Number(c.score), itemStyle: { color: BAND_COLORS[c.band] || "#90a4ae" } })),
      label: { show: true, position: "right", color: "#e8eef5", fontSize: 20, formatter: (p) => (p.value ? p.value.toFixed(0) : "—") } }],
  });
  return h("div", { class: "scr", "data-testid": "screen" },
    h("header", { class: "scr-head" },
      h("h1", { "data-testid": "screen-region" }, doc.region.name, h("small", {}, t("screen.title"))),
      h("div", { class: "scr-health", "data-testid": "screen-health" }, h("span", {}, t("screen.health")),
        h("b", { class: `band-${doc.health.band || "none"}` }, health)),
      h("div", { class: "scr-clock" }, h("b", { "data-testid": "screen-clock" }, clockText(new Date())),
        h("span", { "data-testid": "screen-as-of" }, t("screen.asOf", { time: clockText(new Date(doc.as_of)), n: every })))),
    h("div", { class: "scr-figures", "data-testid": "screen-figures" }, ...doc.figures.map((f) =>
      h("div", { class: "scr-fig" }, h("span", {}, f.zh), h("b", {}, figureValue(f))))),
    h("div", { class: "scr-body" },
      h("section", { class: "scr-card scr-rank", "data-testid": "screen-children" },
        h("h2", {}, t("screen.ranked"), h("span", { class: "scr-count" }, String(doc.children_count))),
        kids.length ? chart(option, { label: t("screen.ranked"), testid: "screen-rank-chart" }) : h("p", { class: "scr-none" }, t("screen.none"))),
      h("div", { class: "scr-col" },
        list(t("screen.red"), "screen-red", doc.red_warnings.count, doc.red_warnings.items,
          (w) => [[cut(w.rule_zh, 9)], [cut(w.subject || w.place, 8)], [cut(w.place, 5), "dim"]]),
        list(t("screen.overdue"), "screen-overdue", doc.overdue.count, doc.overdue.items,
          (r) => [[cut(r.project, 9)], [cut(r.responsible, 6)], [t("screen.days", { n: r.days_overdue }), "warn"]])),
      h("div", { class: "scr-col" },
        list(t("screen.failures"), "screen-failures", doc.failures.count, doc.failures.items,
          (d) => [[cut(d.person, 4)], [cut(d.policy, 8)], [cut(d.reason, 6), "dim"]]),
        list(t("screen.inspections"), "screen-inspections", doc.inspections.count, doc.inspections.items,
          (i) => [[cut(i.project, 9)], [cut(i.inspector, 6)],
            [i.verdict === "problem" ? t("screen.problem") : t("screen.normal"), i.verdict === "problem" ? "warn" : "ok"]]))));
}

export async function render(ctx) {
  const regionId = Number(ctx.params[0]);
  const every = Math.max(15, Number(new URLSearchParams(location.search).get("every")) || 60);
  const doc = await api(`/screen/${regionId}`);
  ctx.setTitle(`${doc.region.name} · ${t("screen.title")}`);
  document.body.classList.add("screen-mode");
  const page = h("div", { class: "scr-page", "data-testid": "screen-page", "data-refreshes": "0" }, draw(doc, every));
  fitWhenShown(page);
  let refreshes = 0;
  const tick = setInterval(() => {
    if (!page.isConnected) return;
    const el = page.querySelector("[data-testid=screen-clock]");
    if (el) el.textContent = clockText(new Date());
  }, 1000);
  const again = async () => {
    if (!page.isConnected) { clearInterval(tick); document.body.classList.remove("screen-mode"); return; }
    try {
      const fresh = await api(`/screen/${regionId}`);
      refreshes += 1;
      page.dataset.refreshes = String(refreshes);
      page.replaceChildren(draw(fresh, every));
      fit(page);
    } catch (err) {
      page.dataset.stale = "true"; // shown as it was; tried again next time
    }
    setTimeout(again, every * 1000);
  };
  setTimeout(again, every * 1000);
  return page;
}
