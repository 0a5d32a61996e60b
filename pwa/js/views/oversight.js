// Oversight of the system itself (issue 12):
// /audit — the audit log of the region for county supervisors and above: who revealed which ID,
//   who dismissed which warning, who withdrew which import, who signed in (and failed to); filters
//   in the address (kind, user, region one level down, days), older pages by key, the same entries
//   as a CSV for Excel. A table at a desk (1366 px); it scrolls sideways on a phone.
// /coverage (a region picker for the township) and /coverage/<township> — field coverage: inspections per inspector in the last 30
//   days and the projects under way nobody inspected on site in that time.
import { api } from "../api.js";
import { h } from "../dom.js";
import { apiLang, formatDate, t } from "../i18n.js";
import { regionPicker } from "../region-picker.js";
import { errorBox, errorPage, exportLinks, local, showError } from "./common.js";

const LEVELS = ["province", "city", "county", "township", "village"];

export const AUDIT_READERS = ["admin", "province", "city", "county"];
export const COVERAGE_READERS = ["admin", "province", "city", "county", "township_lead"];
const KINDS = ["reveal", "dismiss", "withdraw", "sign_in"];
const FILTERS = ["action", "username", "region_id", "since", "until"];

const moment = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });

export async function renderAudit(ctx) {
  const me = ctx.session.user;
  ctx.setTitle(t("audit.title"));
  if (!AUDIT_READERS.includes(me.role)) return errorPage({ code: "role_forbidden", status: 403, message: t("audit.forbidden") }, ctx);
  const filters = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) || ""]));
  const before = ctx.query.get("before") || "";
  let data, refused = null;
  try {
    data = await api("/audit", { query: { ...filters, before, per_page: 50 } });
  } catch (err) {
    if (err.status !== 400) return errorPage(err, ctx);
    // An address with a filter the server refuses (typed or edited by hand): the form stays, with the
    // refused fields marked and said in words, and no entries until they are put right.
    refused = err;
    try {
      data = { ...(await api("/audit", { query: { per_page: 1 } })), items: [], next_before: null };
    } catch (again) {
      return errorPage(again, ctx);
    }
  }
  const set = (values) => new URLSearchParams(Object.entries(values).filter(([, v]) => v));
  const kind = h("select", { id: "audit-action", name: "action", "data-testid": "audit-action" },
    h("option", { value: "" }, t("audit.allKinds")),
    KINDS.map((k) => h("option", { value: k, selected: k === filters.action }, local(data.kinds[k]))));
  // Any region under the supervisor's, at any depth (a county's 300 townships, a province's villages):
  // typed or stepped down; applied with the other filters.
  let regionId = filters.region_id;
  const region = regionPicker({
    id: "audit-region", label: t("audit.region"), root: me.region, none: t("audit.allRegions", { region: me.region.name }),
    levels: LEVELS.slice(LEVELS.indexOf(me.region.level) + 1),
    value: regionId ? { id: Number(regionId), name: `#${regionId}`, ancestors: [] } : null,
    onChange: (chosen) => { regionId = chosen ? String(chosen.id) : ""; clear.hidden = !regionId; },
  });
  const clear = h("button", { type: "button", class: "btn btn-small rp-clear", hidden: !regionId, "data-testid": "audit-region-clear",
    onclick: () => { regionId = ""; region.set(null); clear.hidden = true; } }, t("lists.regionClear"));
  const line = region.el.querySelector(".rp-chosen");  // the choice and 清除 on one line, as the lists' filter
  const head = h("div", { class: "rp-filter-head" });
  line.replaceWith(head);
  head.append(line, clear);
  if (regionId) api(`/regions/${regionId}`).then((r) => region.set(r)).catch(() => {});
  const username = h("input", { id: "audit-user", name: "username", value: filters.username, autocomplete: "off",
    maxlength: 64, placeholder: t("audit.userPlaceholder"), "data-testid": "audit-user" });
  const since = h("input", { id: "audit-since", name: "since", type: "date", value: filters.since, "data-testid": "audit-since" });
  const until = h("input", { id: "audit-until", name: "until", type: "date", value: filters.until, "data-testid": "audit-until" });
  const field = (label, input) => h("label", { class: "audit-field" }, h("span", {}, label), input);
  const box = errorBox();
  const inputs = { action: [kind, t("audit.kind")], username: [username, t("audit.user")], region_id: [region.el.querySelector("input"), t("audit.region")],
    since: [since, t("audit.since")], until: [until, t("audit.until")], before: [null, t("audit.older")] };
  const mark = (problems) => {  // [[filter, words]]: each field marked, all said in the box
    for (const [input] of Object.values(inputs)) if (input) input.removeAttribute("aria-invalid");
    for (const [name] of problems) if (inputs[name] && inputs[name][0]) inputs[name][0].setAttribute("aria-invalid", "true");
    const en = apiLang() === "en";
    const said = ([name, words]) => (inputs[name] ? `${inputs[name][1]}${en ? ": " : "："}${words}` : words);
    showError(box, problems.length ? t("audit.badFilters", { list: problems.map(said).join(en ? "; " : "；") }) : "");
  };
  const form = h("form", { class: "audit-filters card", role: "search", "data-testid": "audit-filters", onsubmit: (event) => {
    event.preventDefault();
    if (since.value && until.value && until.value < since.value) {
      mark([["until", t("audit.untilBeforeSince")]]);
      until.focus();
      return;
    }
    const qs = set({ action: kind.value, username: username.value.trim(), region_id: regionId, since: since.value, until: until.value });
    ctx.navigate(`/audit${[...qs].length ? `?${qs}` : ""}`);
  } },
  field(t("audit.kind"), kind), h("div", { class: "audit-field audit-region" }, region.el), field(t("audit.user"), username),
  field(t("audit.since"), since), field(t("audit.until"), until), box,
  h("div", { class: "audit-actions" },
    h("button", { type: "submit", class: "btn btn-primary", "data-testid": "audit-apply" }, t("audit.apply")),
    h("a", { href: `/api/v1/audit.csv?${set(filters)}`, download: "", class: "btn", "data-testid": "audit-csv" }, t("audit.csv")),
    h("a", { href: `/api/v1/audit/export?${set({ ...filters, format: "xlsx" })}`, download: "", class: "btn",
      "data-testid": "audit-xlsx" }, t("export.excel"))));
  const rows = data.items.map((e) => h("tr", { "data-testid": "audit-entry", "data-action": e.action, "data-kind": e.kind || "" },
    h("td", { class: "mono" }, moment.format(new Date(e.at))),
    h("td", {}, e.kind_name ? local(e.kind_name) : ""),
    h("td", {}, local(e.action_name)),
    h("td", {}, e.user ? [e.user.display_name, " ", h("span", { class: "muted mono" }, e.user.username)]
      : h("span", { class: "muted mono" }, e.details.username || "")),
    h("td", {}, e.region ? e.region.name : "—"),
    h("td", {}, e.subject ? (e.subject.link ? h("a", { href: e.subject.link, "data-link": "" }, local(e.subject, "name")) : local(e.subject, "name")) : ""),
    h("td", { class: "audit-note" }, local(e.note)),
    h("td", { class: "mono muted" }, e.ip || "")));
  if (refused) {
    // (a kind that is not one: the server lists the codes it takes; the list is the dropdown's)
    const words = (name, f) => (name === "action" ? t("audit.badKind") : apiLang() === "en" ? f.message : (f.zh || f.message));
    const named = refused.fields.map((f) => [f.path.replace(/^query\./, ""), words(f.path.replace(/^query\./, ""), f)]);
    mark(named.length ? named : [["", refused.message]]);
  }
  const older = data.next_before
    ? h("a", { href: `/audit?${set({ ...filters, before: String(data.next_before) })}`, "data-link": "", class: "btn", rel: "next", "data-testid": "audit-older" }, t("audit.older"))
    : null;
  return h("div", { class: "audit-page wide", "data-testid": "audit" },
    h("h1", { tabindex: "-1" }, t("audit.title")),
    h("p", { class: "muted" }, t("audit.lead", { region: me.region.name })),
    form,
    refused ? null : data.items.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "data audit-table", "data-testid": "audit-table" },
        h("thead", {}, h("tr", {}, ["at", "kind", "action", "user", "region", "subject", "note", "ip"].map((c) => h("th", { scope: "col" }, t(`audit.col.${c}`))))),
        h("tbody", {}, rows)))
      : h("p", { class: "empty", "data-testid": "audit-empty" }, t("audit.empty")),
    h("nav", { class: "pager" }, before ? h("a", { href: `/audit?${set(filters)}`, "data-link": "", class: "btn" }, t("audit.newest")) : h("span"), older));
}

export async function renderCoverage(ctx) {
  const me = ctx.session.user;
  ctx.setTitle(t("coverage.title"));
  if (!COVERAGE_READERS.includes(me.role)) return errorPage({ code: "role_forbidden", status: 403, message: t("coverage.forbidden") }, ctx);
  const id = ctx.params[0];
  if (!id) {
    if (me.region.level === "township") {
      ctx.navigate(`/coverage/${me.region.id}`, { replace: true });
      return null;
    }
    return pickTownship(ctx, me);
  }
  let doc;
  try {
    doc = await api(`/coverage/${id}`);
  } catch (err) {
    return errorPage(err, ctx);
  }
  ctx.setTitle(`${doc.region.name} · ${t("coverage.title")}`);
  const people = doc.inspectors.map((p) => h("tr", { "data-testid": "coverage-inspector", "data-username": p.user.username },
    h("td", {}, p.user.display_name, " ", h("span", { class: "muted mono" }, p.user.username)),
    h("td", { class: "num" }, String(p.inspections)), h("td", { class: "num" }, String(p.on_site)),
    h("td", { class: "num" }, String(p.off_site)), h("td", { class: "num" }, String(p.reused_photo)),
    h("td", { class: "num" }, String(p.projects)),
    h("td", {}, p.last_inspection_on ? formatDate(p.last_inspection_on) : t("coverage.never"))));
  const stale = doc.not_inspected.map((p) => h("li", { class: "card", "data-testid": "coverage-project", "data-id": String(p.id) },
    h("a", { href: p.link, "data-link": "" }, h("strong", {}, p.name)), " ",
    h("span", { class: "muted mono" }, p.ref_no), h("br"),
    h("span", { class: "muted" }, `${p.region_name} · ${t(`stage.${p.stage}`)} · `,
      p.last_on_site_on ? t("coverage.lastOnSite", { date: formatDate(p.last_on_site_on), days: p.days_since_on_site }) : t("coverage.neverOnSite"))));
  return h("div", { class: "coverage-page wide", "data-testid": "coverage" },
    h("h1", { tabindex: "-1" }, `${doc.region.name} · ${t("coverage.title")}`),
    h("p", { class: "muted" }, t("coverage.lead", { days: doc.days, since: formatDate(doc.since) })),
    h("p", { "data-testid": "coverage-covered" }, t("coverage.covered", { n: doc.projects_covered, total: doc.projects_active })),
    h("section", { class: "card" }, h("h2", {}, t("coverage.inspectors")),
      doc.inspectors.length
        ? h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "coverage-inspectors" },
          h("thead", {}, h("tr", {}, ["who", "inspections", "onSite", "offSite", "reused", "projects", "last"]
            .map((c) => h("th", { scope: "col", class: c === "who" || c === "last" ? "" : "num" }, t(`coverage.col.${c}`))))),
          h("tbody", {}, people)))
        : h("p", { class: "empty" }, t("coverage.noInspectors"))),
    h("section", { class: "card" },
      h("h2", {}, t("coverage.notInspected", { n: doc.not_inspected_count, total: doc.projects_active })),
      stale.length ? h("ul", { class: "plain-list", "data-testid": "coverage-projects" }, stale) : h("p", { class: "empty" }, t("coverage.allInspected")),
      doc.complete ? null : h("p", { class: "muted" }, t("coverage.truncated", { n: doc.not_inspected.length }))));
}

/** /coverage for a county and above: the region picker (typing part of a name or code, or stepping
 * down), so a county of 300 townships or a province reaches every one; choosing opens its page. */
function pickTownship(ctx, me) {
  const picker = regionPicker({
    id: "coverage-region", label: t("coverage.pick", { region: me.region.name }), root: me.region, levels: ["township"],
    onChange: (region) => ctx.navigate(`/coverage/${region.id}`),
  });
  return h("div", { class: "coverage-page wide", "data-testid": "coverage-pick" },
    h("h1", { tabindex: "-1" }, t("coverage.title")),
    h("section", { class: "card" }, picker.el));
}

// /digests/<day> — the daily digest a city or province supervisor got (the inbox message opens it):
// per region one level down, the warnings raised the day before, rectifications overdue and
// subsidy payments failed, each a link to the records.
const DIGEST_FIGURES = [["red_new", "risks"], ["yellow_new", "risks"], ["rect_overdue", "rectifications"], ["subsidy_failed", "disbursements"]];

export async function renderDigest(ctx) {
  let doc;
  try {
    doc = await api(`/digests/${encodeURIComponent(ctx.params[0])}`);
  } catch (err) {
    return errorPage(err, ctx);
  }
  ctx.setTitle(`${t("digest.title")} ${doc.day}`);
  const link = (row, name) => (name === "yellow_new" ? row.links.risks.replace("level=red", "level=yellow") : row.links[DIGEST_FIGURES.find(([n]) => n === name)[1]]);
  return h("div", { class: "digest-page wide", "data-testid": "digest" },
    h("h1", { tabindex: "-1" }, `${t("digest.title")} · ${doc.day}`),
    h("p", { class: "muted" }, t("digest.lead", { region: doc.region.name, covers: doc.covers })),
    h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "digest-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("digest.region")),
        DIGEST_FIGURES.map(([n]) => h("th", { scope: "col", class: "num" }, t(`digest.${n}`))))),
      h("tbody", {}, doc.rows.map((row) => h("tr", { "data-testid": "digest-row", "data-region": String(row.region.id) },
        h("th", { scope: "row" }, h("a", { href: row.links.overview, "data-link": "" }, row.own ? t("digest.own", { region: row.region.name }) : row.region.name)),
        DIGEST_FIGURES.map(([n]) => h("td", { class: "num" }, row[n] ? h("a", { href: link(row, n), "data-link": "" }, String(row[n])) : "0"))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("digest.total")),
        DIGEST_FIGURES.map(([n]) => h("td", { class: "num" }, String(doc.totals[n]))))))));
}
