// /risks: the open risk warnings of the user's region, red first, with 红/橙/黄 chips (counts from
// /risks/summary), a rule filter and a region filter (?region=); each names its township (and county). /risks/<id>: the plain explanation, the evidence as a labelled
// list, the project, and what the user may do: a township lead orders a rectification (requirement,
// responsible inspector, due date); a county/city/province supervisor dismisses a false alarm with a
// written reason. Both writes go through the outbox.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { errorPage, exportLinks, fact, levelBadge, local, pageAsked, pager, placeTag, placeText, regionFilter, regionParam, sendWrite, sheet, totalOf } from "./common.js";

export const LEVELS = ["red", "orange", "yellow"];
const STATUSES = ["open", "resolved", "dismissed", "all"];
export const SUPERVISORS = ["county", "city", "province"];
const PER_PAGE = 20;

const projectHref = (p) => (p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`);
const ruleName = (rule) => local(rule, "name");

/** One warning as a list row (also used on the project page); ``placeFor``: the user to name its place for. */
export function riskRow(w, { showProject = true, placeFor = null } = {}) {
  return h("li", {},
    h("a", { href: `/risks/${w.id}`, "data-link": "", class: "ritem", "data-level": w.level, "data-status": w.status,
      "data-testid": "risk-row", "data-risk-id": w.id },
    h("span", { class: "ritem-head" }, levelBadge(w.level),
      h("span", { class: "ritem-rule" }, ruleName(w.rule)),
      w.status !== "open" ? h("span", { class: "flag ok" }, t(`riskStatus.${w.status}`)) : null,
      w.rectification_id ? h("span", { class: "flag warn" }, t("risks.rectOpen")) : null),
    showProject ? h("span", { class: "ritem-project" }, w.project ? w.project.name : (w.region && w.region.name) || t("risks.noProject")) : null,
    h("span", { class: "ritem-why" }, local(w, "explanation")),
    h("span", { class: "muted small" }, placeFor && placeText(w, placeFor) ? [placeTag(w, placeFor), " · "] : null,
      t("risks.firstSeen", { date: formatDate(w.first_seen_at) }))));
}

export async function renderList(ctx) {
  ctx.setTitle(t("risks.title"));
  const level = LEVELS.includes(ctx.query.get("level")) ? ctx.query.get("level") : "";
  const rule = ctx.query.get("rule") || "";
  const status = STATUSES.includes(ctx.query.get("status")) ? ctx.query.get("status") : "open";
  const { page, after } = pageAsked(ctx);
  const region = regionParam(ctx);
  const url = (over) => {
    const next = { level, rule, status: status === "open" ? "" : status, region, page: "", after: "", ...over };
    const qs = new URLSearchParams(Object.entries(next).filter(([, v]) => v !== "" && v != null));
    return "/risks" + (qs.toString() ? "?" + qs : "");
  };

  let summary = null, data;
  try {
    [summary, data] = await Promise.all([
      api("/risks/summary", { query: { region_id: region } }).catch((err) => { if (err.status === 401) throw err; return null; }),
      api("/risks", { query: { status, level, rule, region_id: region, page, after, per_page: PER_PAGE } }),
    ]);
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const byLevel = (summary && summary.by_level) || {};
  const openTotal = LEVELS.reduce((n, l) => n + (Number(byLevel[l]) || 0), 0);
  const chips = h("nav", { class: "chips", "aria-label": t("risks.levelFilter"), "data-testid": "level-chips" },
    h("a", { href: url({ level: "" }), "data-link": "", class: "chip", "aria-current": level ? null : "true", "data-testid": "chip-all" },
      t("risks.levelAll"), summary ? h("b", {}, ` ${openTotal}`) : null),
    LEVELS.map((l) => h("a", { href: url({ level: l }), "data-link": "", class: "chip", "data-level": l,
      "aria-current": level === l ? "true" : null, "data-testid": `chip-${l}` },
    t(`level.${l}`), summary ? h("b", {}, ` ${Number(byLevel[l]) || 0}`) : null)));

  const rules = (summary && summary.by_rule) || [];
  const ruleSelect = h("select", { "aria-label": t("risks.rule"), "data-testid": "rule-filter",
    onchange: () => ctx.navigate(url({ rule: ruleSelect.value }), { replace: true }) },
  h("option", { value: "" }, t("risks.ruleAll")),
  rules.map((r) => h("option", { value: r.code, selected: r.code === rule }, t("risks.ruleCount", { rule: ruleName(r), n: r.count }))),
  rule && !rules.some((r) => r.code === rule) ? h("option", { value: rule, selected: true }, rule) : null);
  const statusSelect = h("select", { "aria-label": t("risks.status"), "data-testid": "status-filter",
    onchange: () => ctx.navigate(url({ status: statusSelect.value === "open" ? "" : statusSelect.value }), { replace: true }) },
  STATUSES.map((s) => h("option", { value: s, selected: s === status }, s === "all" ? t("risks.statusAll") : t(`riskStatus.${s}`))));

  const items = data.items || [];
  return h("div", { class: "risks" },
    h("h1", { tabindex: "-1" }, t("risks.title")),
    chips,
    h("div", { class: "filters" }, ruleSelect, statusSelect, regionFilter(ctx)),
    h("p", { class: "muted small list-head", "aria-live": "polite" }, t("risks.total", { total: totalOf(data) }),
      exportLinks("/risks", { status, level, rule, region_id: region }, "risks-export")),
    items.length ? h("ul", { class: "rlist", "data-testid": "risk-list" }, items.map((w) => riskRow(w, { placeFor: ctx.session.user })))
      : h("p", { class: "empty", "data-testid": "risk-empty" }, t("risks.empty")),
    pager(data, page, PER_PAGE, url));
}

/** An evidence value made readable: numbers that look like money get ¥, lists are joined. */
function evidenceValue(key, value) {
  if (value === null || value === undefined || value === "") return t("project.none");
  if (Array.isArray(value)) return value.map((v) => (v && typeof v === "object" ? Object.values(v).join(" ") : String(v))).join("、");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join("；");
  if (/(amount|budget|paid|total|balance|money|yuan)/i.test(key) && /^-?\d+(\.\d+)?$/.test(String(value))) return formatMoney(value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}(T|$)/.test(value)) return formatDate(value);
  if (typeof value === "boolean") return value ? "✓" : "✗";
  if (key === "stage" && t(`stage.${value}`) !== `stage.${value}`) return t(`stage.${value}`);
  // A state is a code: shown by its name (a rectification's status in 整改逾期).
  if (key === "status" && t(`rectStatus.${value}`) !== `rectStatus.${value}`) return t(`rectStatus.${value}`);
  return String(value);
}

/** The evidence of a warning as a labelled list (labels from evidence_labels; unknown keys as they are). */
export function evidenceList(w) {
  const labels = w.evidence_labels || {};
  // Internal ids without a label (inspection_id, …) mean nothing to a reader.
  const entries = Object.entries(w.evidence || {}).filter(([k]) => labels[k] || !/_ids?$/.test(k));
  if (!entries.length) return null;
  return h("dl", { class: "facts evidence", "data-testid": "risk-evidence" },
    entries.map(([k, v]) => fact(local(labels[k]) || k, evidenceValue(k, v), { "data-key": k })));
}

export async function renderDetail(ctx) {
  let w;
  try {
    w = await api(`/risks/${encodeURIComponent(ctx.params[0])}`);
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  return detailPage(w, ctx);
}

function detailPage(w, ctx) {
  const user = ctx.session.user;
  ctx.setTitle(ruleName(w.rule));
  // Rectifications are about projects; a warning about a person (subsidies) is handled on the subsidy screens.
  const canRectify = user.role === "township_lead" && w.status === "open" && !w.rectification_id && !!w.project;
  const isCase = w.rule && w.rule.code === "subsidy_not_received";
  const canDismiss = SUPERVISORS.includes(user.role) && w.status === "open";
  const page = h("div", { class: "risk has-dock" },
    h("article", { class: "card risk-card", "data-level": w.level, "data-testid": "risk-card", "data-status": w.status },
      h("p", { class: "row-inline" }, levelBadge(w.level), h("span", { class: "muted" }, t(`levelLong.${w.level}`)),
        h("span", { class: `flag ${w.status === "open" ? "" : "ok"}`, "data-testid": "risk-status" }, t(`riskStatus.${w.status}`))),
      h("h1", { tabindex: "-1", "data-testid": "risk-rule" }, ruleName(w.rule)),
      h("p", { class: "risk-why", "data-testid": "risk-explanation" }, local(w, "explanation")),
      h("dl", { class: "facts" },
        fact(t("risks.project"), w.project ? h("a", { href: projectHref(w.project), "data-link": "", "data-testid": "risk-project" }, w.project.name) : null),
        fact(t("risks.region"), w.region && w.region.name),
        fact(t("risks.seen"), `${formatDate(w.first_seen_at)} / ${formatDate(w.last_seen_at)}`),
        fact(t("risks.resolvedAt"), w.resolved_at ? formatDate(w.resolved_at) : null),
        fact(t("risks.dismissedReason"), w.dismissed_reason, { "data-testid": "risk-dismissed-reason" }),
        fact(t("risks.rectification"), w.rectification_id
          ? h("a", { href: `/rectifications/${w.rectification_id}`, "data-link": "", "data-testid": "risk-rect-link" },
            t("risks.openRect", { id: w.rectification_id })) : null),
        w.person_id ? fact(t("risks.person"), h("a", { href: `/subsidies/people/${w.person_id}`, "data-link": "",
          "data-testid": "risk-person-link" }, t("risks.openPerson"))) : null,
        // A fund warning (资金): the budget line it is about.
        w.evidence && w.evidence.fund_id ? fact(t("funds.title"), h("a", { href: `/funds/${w.evidence.fund_id}`, "data-link": "",
          "data-testid": "risk-fund-link" }, w.evidence.fund || t("funds.title"))) : null,
        // 代领: the people paid on one card, each a link to their payments.
        !w.person_id && (w.people || []).length ? fact(t("risks.people"), h("span", { class: "row wrap" },
          w.people.map((p) => h("a", { href: `/subsidies/people/${p.id}`, "data-link": "", class: "chip",
            "data-testid": "risk-people-link" }, p.name)))) : null,
        isCase && w.status === "open" ? fact(t("risks.rectification"), h("a", { href: "/subsidies/cases", "data-link": "",
          "data-testid": "risk-case-link" }, t("risks.answerCase"))) : null)),
    evidenceList(w) ? h("section", { class: "card", "aria-labelledby": "ev-h" }, h("h2", { id: "ev-h" }, t("risks.evidence")), evidenceList(w)) : null,
    local(w.rule, "description") ? h("section", { class: "card", "aria-labelledby": "rd-h" },
      h("h2", { id: "rd-h" }, t("risks.ruleDesc")), h("p", { class: "small" }, local(w.rule, "description"))) : null);

  const refresh = (message) => {
    if (message) ctx.flash(message);
    ctx.navigate(location.pathname, { replace: true });
  };
  // A subsidy warning about a person: hold (停发) their payments, record a recovery (追回) — views/departments.js.
  if (w.rule && w.rule.code.startsWith("subsidy_")) {
    import("./departments.js").then((m) => m.warningActions(w, ctx)).then((panel) => { if (panel) page.insertBefore(panel, page.children[1] || null); });
  }
  if (!canRectify && !canDismiss) { page.classList.remove("has-dock"); return page; }
  page.append(h("nav", { class: "dock", "aria-label": t("risks.title") },
    canRectify ? h("button", { type: "button", class: "btn btn-primary btn-block btn-big", "data-testid": "risk-rectify",
      onclick: () => openRectify(w, ctx) }, t("risks.startRect")) : null,
    canDismiss ? h("button", { type: "button", class: canRectify ? "btn btn-block dock-more" : "btn btn-block btn-big", "data-testid": "risk-dismiss",
      onclick: () => openDismiss(w, refresh) }, t("risks.dismiss")) : null));
  return page;
}

function openDismiss(w, refresh) {
  const clientUuid = uuid();
  const reason = h("textarea", { id: "dm-reason", rows: 3, maxlength: 1000, required: true, "data-testid": "dismiss-reason" });
  sheet({
    title: t("risks.dismissTitle"), testid: "dismiss", okText: t("risks.dismissOk"),
    fields: [h("p", { class: "small" }, ruleName(w.rule), " · ", w.project ? w.project.name : ""),
      h("label", { for: "dm-reason" }, t("risks.dismissReason")), reason],
    onOk: async () => {
      if (!reason.value.trim()) { reason.focus(); return t("risks.needReason"); }
      const res = await sendWrite({ id: clientUuid, kind: "risk_dismiss", method: "POST", url: `/api/v1/risks/${w.id}/dismiss`,
        json: { client_uuid: clientUuid, reason: reason.value.trim() },
        label: { project_id: w.project && w.project.id, project_name: w.project ? w.project.name : ruleName(w.rule), risk_id: w.id } });
      if (res.state === "failed") return res.message;
      refresh(res.state === "queued" ? t("risks.queued") : t("risks.dismissed"));
      return null;
    },
  });
}

/** YYYY-MM-DD in China, ``days`` from today. */
export function chinaDate(days = 0) {
  return formatDate(new Date(Date.now() + days * 86400000).toISOString());
}

let inspectorsCache = null;
/** The inspectors the user may pick (GET /users?role=inspector), fetched once per page load. */
export async function inspectors() {
  if (inspectorsCache) return inspectorsCache;
  const data = await api("/users", { query: { role: "inspector", per_page: 100 } });
  inspectorsCache = data.items || [];
  return inspectorsCache;
}

/**
 * The lead orders a rectification: requirement, responsible inspector, due date (default +7 days).
 * ``source``: a warning, or {inspection_id, project, requirement?, intro?} (from a problem inspection),
 * or {project}.
 */
export async function openRectify(source, ctx) {
  const clientUuid = uuid();
  let people = [];
  let loadError = null;
  try { people = await inspectors(); } catch (err) { loadError = err.message; }
  const requirement = h("textarea", { id: "rq-text", rows: 4, maxlength: 2000, required: true, "data-testid": "rect-requirement",
    placeholder: t("rectNew.requirementHint") });
  if (source.requirement) requirement.value = source.requirement;
  const who = h("select", { id: "rq-who", required: true, "data-testid": "rect-responsible" },
    h("option", { value: "" }, t("rectNew.pick")),
    people.map((u) => h("option", { value: u.id }, u.display_name || u.username)));
  if (people.length === 1) who.value = String(people[0].id);
  const due = h("input", { id: "rq-due", type: "date", required: true, value: chinaDate(7), min: chinaDate(0), "data-testid": "rect-due" });
  const w = source.warning || (source.rule ? source : null);
  const project = w ? w.project : source.project;
  sheet({
    title: t("rectNew.title"), testid: "rectify", okText: t("rectNew.ok"),
    fields: [
      h("p", { class: "small" }, w ? [levelBadge(w.level), " ", ruleName(w.rule), " · "] : null, project ? project.name : ""),
      !w && source.intro ? h("p", { class: "small muted", "data-testid": "rect-source" }, source.intro) : null,
      h("label", { for: "rq-text" }, t("rectNew.requirement")), requirement,
      h("label", { for: "rq-who" }, t("rectNew.responsible")), who,
      loadError ? h("p", { class: "error-box" }, loadError) : !people.length ? h("p", { class: "notice small" }, t("rectNew.noInspectors")) : null,
      h("label", { for: "rq-due" }, t("rectNew.due")), due],
    onOk: async () => {
      if (!requirement.value.trim()) { requirement.focus(); return t("rectNew.needRequirement"); }
      if (!who.value) { who.focus(); return t("rectNew.needResponsible"); }
      if (!due.value) { due.focus(); return t("rectNew.needDue"); }
      const json = { client_uuid: clientUuid, requirement: requirement.value.trim(), responsible_id: Number(who.value), due_on: due.value };
      if (w) json.warning_id = w.id;
      else if (source.inspection_id) json.inspection_id = source.inspection_id;
      else if (project) json.project_id = project.id;
      const whoName = who.selectedOptions[0] ? who.selectedOptions[0].textContent : "";
      const res = await sendWrite({ id: clientUuid, kind: "rectification", method: "POST", url: "/api/v1/rectifications", json,
        label: { project_id: project && project.id, project_name: project ? project.name : "", assignee: whoName } });
      if (res.state === "failed") return res.message;
      if (res.state === "queued") { ctx.flash(t("risks.queued")); ctx.navigate(location.pathname, { replace: true }); return null; }
      ctx.flash(t("rectNew.created", { who: whoName }));
      if (res.body && res.body.id) ctx.navigate(`/rectifications/${res.body.id}`);
      else ctx.navigate(location.pathname, { replace: true });
      return null;
    },
  });
}
