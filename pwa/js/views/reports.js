// 一屏智报 — the report library: /reports?region_id= — a region's generated reports (six kinds, monthly,
// quarterly or yearly, PDF and Excel), newest first, each with its cut-off, rows hash and version; and
// a form that generates one: POST /reports answers 202 at once, the job's progress is shown while it
// runs (GET /reports/<id>), then the file is downloaded from the library. A desk screen (1366 px).
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { regionPicker } from "../region-picker.js";
import { errorPage, local } from "./common.js";

export const REPORT_READERS = ["admin", "province", "city", "county", "township_lead"];
const FORMATS = ["pdf", "xlsx"];
const LEVELS = ["province", "city", "county", "township"]; // (a report is of a township or above)
const moment = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit" });
const kindName = (r) => (document.documentElement.lang === "en" ? r.kind_en : r.kind_zh);

export async function render(ctx) {
  const me = ctx.session.user;
  ctx.setTitle(t("reports.title"));
  if (!REPORT_READERS.includes(me.role)) {
    return errorPage({ code: "role_forbidden", status: 403, message: t("reports.forbidden") }, ctx);
  }
  const regionId = Number(ctx.query.get("region_id")) || me.region.id;
  let lib;
  try {
    lib = await api("/reports", { query: { region_id: regionId, per_page: 50 } });
  } catch (err) {
    return errorPage(err, ctx);
  }
  // Any region from one's own down to the townships (a province's 1,360 among them): the region picker.
  const levels = LEVELS.slice(LEVELS.indexOf(me.region.level));
  const where = levels.length > 1 ? regionPicker({
    id: "rep-region", label: t("reports.region"), root: me.region, levels, value: lib.region,
    onChange: (region) => { if (region) ctx.navigate(`/reports?region_id=${region.id}`); },
  }) : null;
  if (where && lib.region.id !== me.region.id) api(`/regions/${lib.region.id}`).then((r) => where.set(r)).catch(() => {});

  const kind = h("select", { id: "rep-kind", "data-testid": "rep-kind" },
    lib.kinds.map((k) => h("option", { value: k.code }, local(k))));
  const period = h("input", { id: "rep-period", "data-testid": "rep-period", value: lib.last_month, size: 9,
    pattern: "\\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?", title: t("reports.periodHint") });
  const format = h("select", { id: "rep-format", "data-testid": "rep-format" },
    FORMATS.map((f) => h("option", { value: f }, f === "pdf" ? "PDF" : "Excel")));
  const status = h("div", { class: "rep-status", "data-testid": "rep-status", role: "status", "aria-live": "polite" });
  const bar = h("progress", { max: 100, value: 0, hidden: true, "data-testid": "rep-progress" });
  const button = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "rep-generate" }, t("reports.generate"));
  const form = h("form", { class: "card rep-form", "data-testid": "rep-form" },
    h("h2", null, t("reports.new")),
    h("div", { class: "rep-fields" },
      h("label", { for: "rep-kind" }, t("reports.kind")), kind,
      h("label", { for: "rep-period" }, t("reports.period")), period,
      h("label", { for: "rep-format" }, t("reports.format")), format, button),
    h("p", { class: "muted small" }, t("reports.periodHint")), bar, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = t("reports.queued");
    bar.hidden = false;
    bar.value = 5;
    try {
      let report = await api("/reports", { method: "POST",
        body: { region_id: lib.region.id, kind: kind.value, period: period.value.trim(), format: format.value } });
      while (report.status === "queued") {
        if (report.progress) {
          bar.value = report.progress.pct || bar.value;
          status.textContent = t(`reports.phase.${report.progress.phase}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 700));
        report = await api(`/reports/${report.id}`);
      }
      bar.value = 100;
      if (report.status === "done") {
        status.replaceChildren(t("reports.done"), " ",
          h("a", { href: report.download_url, download: "", "data-testid": "rep-download" }, t("reports.download")));
        table.replaceWith(table = libraryTable([report, ...items]));
        items.unshift(report);
      } else {
        status.textContent = t("reports.failed");
      }
    } catch (err) {
      status.textContent = err.message;
      bar.hidden = true;
    } finally {
      button.disabled = false;
    }
  });

  const items = [...lib.items];
  let table = libraryTable(items);
  return h("div", { class: "overview-page wide", "data-testid": "reports" },
    h("header", { class: "ov-head" },
      h("h1", { tabindex: "-1" }, `${lib.region.name} · ${t("reports.title")}`)),
    where ? h("div", { class: "card rep-where" }, where.el) : null,
    form,
    h("section", { class: "card" }, h("h2", null, t("reports.library")),
      h("p", { class: "muted small" }, t("reports.reproducible")), table));
}

function libraryTable(items) {
  if (!items.length) return h("p", { class: "muted", "data-testid": "rep-empty" }, t("reports.empty"));
  return h("div", { class: "table-wrap" }, h("table", { class: "table", "data-testid": "rep-library" },
    h("thead", null, h("tr", null, ["kind", "period", "format", "version", "cutOff", "hash", "by", "file"]
      .map((k) => h("th", null, t(`reports.col.${k}`))))),
    h("tbody", null, items.map((r) => h("tr", { "data-testid": "rep-row", "data-kind": r.kind, "data-format": r.format },
      h("td", null, kindName(r)), h("td", null, r.period), h("td", null, r.format === "pdf" ? "PDF" : "Excel"),
      h("td", null, `v${r.version}`), h("td", null, moment.format(new Date(r.cut_off_at))),
      h("td", { class: "mono small", title: r.rows_sha256 || "" }, (r.rows_sha256 || "").slice(0, 12)),
      h("td", null, r.created_by || t("reports.schedule")),
      h("td", null, r.status === "done"
        ? h("a", { href: r.download_url, download: "", "data-testid": "rep-file" }, t("reports.download"))
        : t(`reports.status.${r.status}`)))))));
}
