// /q/<code> (anyone) and /p/<id> (signed in): the project card and its lifecycle, or a unit page.
// Signed-in inspectors and leads also see the project's open tasks, its recent inspections, what
// this phone still has to upload for it, and a big 记录巡查 button. Stage moves go through the outbox.
import { api, qrUrl } from "../api.js";
import { fill, h } from "../dom.js";
import { STAGES, apiLang, formatDate, formatMoney, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { opened } from "../recent.js";
import { errorBox, errorPage, fact, formatDistance, sendWrite, sheet, showError, stageBadge } from "./common.js";
import { commentsSection, photosSection } from "./project-public.js";

// The staff parts of the full view (tasks, warnings, 发起整改) come from the staff screens' modules,
// loaded only for a full view and without holding up the page: its sections fill in when they come.
// A villager's public page never downloads them.
let staffKit = null;
const staff = () => staffKit || (staffKit = Promise.all([import("./home.js"), import("./risks.js")])
  .then(([home, risks]) => ({ taskItem: home.taskItem, chinaDate: risks.chinaDate, inspectors: risks.inspectors,
    openRectify: risks.openRectify, riskRow: risks.riskRow }))
  .catch((err) => { staffKit = null; throw err; }));

const FIELD_ROLES = ["inspector", "township_lead"];
/** Who assigns inspections and orders rectifications from a problem inspection. */
const LEAD_ROLES = ["township_lead", "county"];

export async function renderCode(ctx) {
  const [code] = ctx.params;
  let data;
  try {
    data = await api(`/scan/${encodeURIComponent(code)}`);
  } catch (err) {
    return errorPage(err, ctx);
  }
  // 一村一码: a village's code opens its notice board.
  if (data.subject_type === "village") {
    ctx.navigate(`/v/${encodeURIComponent(data.code || code)}`, { replace: true });
    return null;
  }
  if (data.subject_type === "unit" && data.unit) return unitPage(data.unit, ctx);
  // 三资: an asset's or a contract's plaque (public facts only for anyone outside its region).
  if (data.subject_type === "asset" && data.asset) return (await import("./assets.js")).assetCard(data.asset);
  if (data.subject_type === "contract" && data.contract) return (await import("./assets.js")).contractCard(data.contract, ctx);
  return projectPage(data.project, ctx);
}

export async function renderProject(ctx) {
  try {
    return projectPage(await api(`/projects/${ctx.params[0]}`), ctx);
  } catch (err) {
    if (err.status === 401) {
      ctx.navigate("/login?next=" + encodeURIComponent(location.pathname), { replace: true });
      return null;
    }
    return errorPage(err, ctx);
  }
}

const stageName = (s) => t(`stage.${s}`);

function stageStrip(stage) {
  const at = STAGES.indexOf(stage);
  return h("div", { class: "strip-wrap" },
    h("ol", { class: "strip", "aria-label": t("stage.strip") }, STAGES.map((s, i) => h("li", {
      class: i < at ? "done" : i === at ? "now" : "todo",
      "aria-current": i === at ? "step" : null,
      title: stageName(s),
    }, h("span", { class: "sr-only" }, stageName(s)), h("span", { "aria-hidden": "true" }, t(`stageShort.${s}`))))),
    h("p", { class: "strip-caption" }, t("stage.step", { n: at + 1, stage: stageName(stage) }),
      at >= 0 && at < STAGES.length - 1 ? t("stage.next", { stage: stageName(STAGES[at + 1]) }) : ""));
}

/** A person in an event payload: a name string or {display_name}. */
const person = (x) => (x && typeof x === "object" ? x.display_name || x.username || "" : x || t("project.none"));

/** A rule's name from an event payload (rule_name_zh / rule_name_en), or its code. */
const ruleName = (p) => (apiLang() === "en" ? p.rule_name_en : p.rule_name_zh) || p.rule_name_zh || p.rule || "";
const reason = (p) => (p.reason ? t("ev.reason", { reason: p.reason }) : "");
// Why a warning was cleared is a code (rectified, cause_gone), never shown as such.
const resolvedWhy = (p) => (p.reason ? t("ev.resolvedWhy", { reason: t(`riskResolved.${p.reason}`) }) : "");

/** One readable sentence per lifecycle event. */
function sentence(ev, full) {
  const p = ev.payload || {};
  return plainSentence(ev, p, full) + (p.date_unknown ? t("ev.undated") : p.imported ? t("ev.imported") : "");
}

function plainSentence(ev, p, full) {
  switch (ev.kind) {
    case "contractor_corrected":
      return t("ev.contractorCorrected", { from: p.from || t("project.none"), to: p.to || t("project.none"), reason: p.reason || t("project.none") });
    case "payments_imported":
      return t("ev.paymentsImported", { count: p.count ?? 0, total: formatMoney(p.total) });
    case "created":
      return p.name ? t("ev.created", { name: p.name, budget: formatMoney(p.budget) }) + (p.unit ? t("ev.createdUnit", { unit: p.unit }) : "")
        : t("ev.createdShort");
    case "stage_changed":
      return t("ev.stage", { from: stageName(p.from), to: stageName(p.to) })
        + (p.contractor ? t("ev.stageContract", { contractor: p.contractor }) : "")
        + (p.contract_amount ? t("ev.stageAmount", { amount: formatMoney(p.contract_amount) }) : "")
        + (p.note ? t("ev.note", { note: p.note }) : "");
    case "payment_recorded":
      return t("ev.payment", { amount: formatMoney(p.amount), source: p.funding_source || t("project.none") })
        + (full && p.payee ? t("ev.paymentFull", { payee: p.payee, voucher: p.voucher_no || t("project.none") }) : "");
    case "code_issued":
      return t("ev.codeIssued", { code: pretty(p.code) });
    case "code_revoked":
      return t("ev.codeRevoked", { code: pretty(p.code), reason: p.reason || t("project.none") });
    case "code_reissued":
      return t("ev.codeReissued", { new: pretty(p.new), old: pretty(p.old), reason: p.reason || t("project.none") });
    case "inspection_recorded":
      return t("ev.inspection", { who: person(p.inspector), verdict: p.verdict ? t(`verdict.${p.verdict}`) : "" })
        + (p.off_site ? t("ev.offSite", { d: formatDistance(p.distance_m) || "?" })
          : p.distance_m != null ? t("ev.onSite", { d: formatDistance(p.distance_m) }) : "");
    case "photo_added":
      return t(p.reused ? "ev.photoReused" : "ev.photo", { hash: (p.sha256 || "").slice(0, 10) });
    case "task_assigned":
      return t("ev.taskAssigned", { who: person(p.assignee), date: formatDate(p.due_on) });
    case "task_done":
      return t("ev.taskDone", { id: p.task_id ?? "" });
    case "risk_raised":
      return t("ev.riskRaised", { level: p.level ? t(`level.${p.level}`) : "", rule: ruleName(p) });
    case "risk_resolved":
      return t("ev.riskResolved", { rule: ruleName(p) }) + resolvedWhy(p);
    case "risk_dismissed":
      return t("ev.riskDismissed", { rule: ruleName(p) }) + reason(p);
    case "rectification_opened":
      return t("ev.rectOpened", { id: p.rectification_id ?? "", requirement: p.requirement || "", who: person(p.responsible), date: formatDate(p.due_on) });
    case "rectification_submitted":
      return t("ev.rectSubmitted");
    case "rectification_approved":
      return t("ev.rectApproved");
    case "rectification_rejected":
      return t("ev.rectRejected") + reason(p);
    case "rectification_closed_unfixed":
      return t("ev.rectClosedUnfixed") + reason(p);
    case "rectification_reopened":
      return t("ev.rectReopened") + reason(p);
    case "rectification_escalated":
      return t("ev.rectEscalated", { date: formatDate(p.due_on) });
    default:
      return t("ev.other", { kind: ev.kind });
  }
}

function timeline(events, full) {
  const sorted = [...(events || [])].sort((a, b) => b.seq - a.seq);
  return h("section", { class: "card", "aria-labelledby": "tl-h" },
    h("h2", { id: "tl-h" }, t("project.timeline")),
    h("ol", { class: "timeline", "data-testid": "timeline", reversed: true }, sorted.map((ev) => h("li", {
      class: "tl-item", "data-testid": "timeline-item", "data-kind": ev.kind,
    },
      h("time", { datetime: ev.occurred_at }, formatDate(ev.kind === "payment_recorded" && ev.payload && ev.payload.paid_on || ev.occurred_at)),
      h("p", {}, sentence(ev, full)),
      full && (ev.actor || ev.hash) ? h("p", { class: "tl-meta muted" },
        ev.actor ? t("project.actor", { actor: ev.actor }) : "",
        ev.hash ? h("code", { title: ev.hash }, " #" + ev.hash.slice(0, 10)) : "") : null))));
}

function projectPage(p, ctx) {
  const full = p.view === "full";
  ctx.setTitle(p.name);
  // The region path is shown unless the address already spells it out.
  const path = (p.region_path || []).join(" › ");
  const place = [p.site_address, p.site_address && p.site_address.includes((p.region_path || []).join("")) ? null : path].filter(Boolean);
  const dates = p.planned_start_on || p.planned_end_on
    ? [h("span", { class: "nowrap" }, formatDate(p.planned_start_on)), ` ${t("project.dateTo")} `,
      h("span", { class: "nowrap" }, formatDate(p.planned_end_on))] : null;
  const progress = Number.isFinite(p.progress_pct)
    ? h("span", { class: "progress" }, h("progress", { max: 100, value: p.progress_pct, "aria-label": t("project.progress") }), ` ${p.progress_pct}%`) : null;

  const card = h("article", { class: "card project", "data-view": p.view, "data-testid": "project-card", "aria-labelledby": "pname" },
    h("div", { class: "project-head" },
      stageBadge(p.stage, "project-stage"),
      full ? h("span", { class: p.chain_intact ? "chain ok" : "chain bad", "data-testid": "chain",
        title: p.chain_intact ? t("project.chainOkLong", { n: p.event_count })
          : t("project.chainBadLong", { problems: (p.chain_problems || []).join("；") }) },
      p.chain_intact ? t("project.chainOk") : t("project.chainBad")) : null),
    h("h1", { id: "pname", tabindex: "-1", "data-testid": "project-name" }, p.name),
    full && !p.chain_intact ? h("p", { class: "error-box", role: "alert" },
      t("project.chainBadLong", { problems: (p.chain_problems || []).join("；") })) : null,
    stageStrip(p.stage),
    h("div", { class: "money" },
      h("div", {}, h("span", { class: "muted" }, t("project.budget")), h("strong", { "data-testid": "budget" }, formatMoney(p.budget))),
      h("div", {}, h("span", { class: "muted" }, t("project.paid")), h("strong", { "data-testid": "paid" }, formatMoney(p.paid_total)))),
    h("dl", { class: "facts" },
      full ? fact(t("project.refNo"), p.ref_no, { "data-testid": "ref-no" }) : null,
      fact(t("project.category"), p.category),
      full ? fact(t("project.contract"), p.contract_amount ? formatMoney(p.contract_amount) : null) : null,
      (p.funding_sources || []).length ? fact(t("project.funding"), h("ul", { class: "funds" },
        p.funding_sources.map((f) => h("li", {}, h("span", {}, f.source), h("span", {}, formatMoney(f.amount))))), { class: "fact wide" }) : null,
      fact(t("project.contractor"), p.contractor || t("project.none")),
      full ? fact(t("office.uscc"), p.contractor_uscc) : null,
      fact(t("project.site"), place.length ? place.map((line) => h("span", { class: "line" }, line)) : null),
      fact(t("project.unit"), p.unit_name),
      fact(t("project.dates"), dates),
      fact(t("project.progress"), progress),
      full ? fact(t("project.description"), p.description) : null),
    h("figure", { class: "qr" },
      h("img", { src: qrUrl(p.code), alt: t("project.qrAlt", { code: p.code }), width: 148, height: 148, loading: "lazy" }),
      h("figcaption", {}, t("project.code"), " ", h("code", {}, pretty(p.code)))));

  const user = ctx.session.user;
  const field = full && user && FIELD_ROLES.includes(user.role);
  const lead = full && user && LEAD_ROLES.includes(user.role);
  const page = h("div", { class: "scan has-dock" }, field ? pendingSection(p, ctx) : null, card);
  if (full) opened(p);
  if (lead) {
    card.append(h("p", {}, h("a", { href: `/office/projects/${p.id}`, "data-link": "", class: "btn", "data-testid": "open-office" },
      t("home.office"))));
  }
  if (full && user && user.role !== "inspector") page.append(risksSection(p));
  if (field || lead) page.append(tasksSection(p, user, page), inspectionsSection(p, lead ? ctx : null));
  page.append(photosSection(p), timeline(p.timeline, full), commentsSection(p));
  if (!full && user) {
    // Signed in, but the project is beside the user's region: signing in again would not help.
    page.append(h("div", { class: "dock", "data-testid": "outside-region" },
      h("p", {}, t("project.outsideRegion", { region: (p.region_path || []).slice(-2).join(""), mine: user.region ? user.region.name : "" })),
      h("a", { href: "/", "data-link": "", class: "btn btn-block" }, t("app.home"))));
    return page;
  }
  if (!full) {
    const back = location.pathname;
    page.append(h("div", { class: "dock", "data-testid": "public-note" },
      h("p", {}, t("project.publicNote")),
      h("a", { href: "/login?next=" + encodeURIComponent(back), "data-link": "", class: "btn btn-primary btn-block" }, t("project.signIn"))));
    return page;
  }
  const moves = (p.allowed_moves || []).map((to) => {
    const back = STAGES.indexOf(to) < STAGES.indexOf(p.stage);
    return h("button", {
      type: "button", class: back || field ? "btn" : "btn btn-primary", "data-testid": "move", "data-to": to,
      onclick: () => openMove(p, to, ctx, page),
    }, t(back ? "project.moveBack" : "project.moveTo", { stage: stageName(to) }));
  });
  if (!field && !moves.length) {
    page.classList.remove("has-dock");
    return page;
  }
  page.append(h("nav", { class: "dock", "aria-label": t("project.moves") },
    field ? h("a", { href: `/inspect/${p.id}`, "data-link": "", class: "btn btn-primary btn-block btn-big", "data-testid": "record-inspection" },
      t("inspect.record")) : null,
    moves.length ? h("div", { class: field ? "row wrap dock-more" : "row wrap" }, moves) : null));
  return page;
}

/** What this phone has not yet uploaded for this project (so the inspector sees it is not lost). */
function pendingSection(p, ctx) {
  const box = h("p", { class: "pending", role: "status", "data-testid": "project-pending", hidden: true });
  const draw = async () => {
    const [q, f] = await Promise.all([outbox.queued(), outbox.failed()]);
    const mine = (e) => e.label && Number(e.label.project_id) === Number(p.id);
    const nq = q.filter(mine).length, nf = f.filter(mine).length;
    fill(box, nq || nf ? h("a", { href: "/outbox", "data-link": "" },
      [nq ? t("project.pending", { n: nq }) : "", nf ? t("project.pendingFailed", { n: nf }) : ""].filter(Boolean).join(" · ")) : "");
    box.hidden = !(nq || nf);
    box.classList.toggle("bad", nf > 0);
  };
  ctx.onLeave(outbox.subscribe(() => { draw().catch(() => {}); }));
  return box;
}

/**
 * Open tasks for this project: an inspector's own, or all of them for a lead. Leads (township and
 * county) always see the block, with a 指派巡查 button; an inspector sees it only when there are tasks.
 */
function tasksSection(p, user, page) {
  const lead = LEAD_ROLES.includes(user.role);
  const body = h("div", {}, h("p", { class: "loading small" }, t("app.loading")));
  const section = h("section", { class: "card", "aria-labelledby": "ptasks-h", "data-testid": "project-tasks", hidden: !lead },
    h("h2", { id: "ptasks-h" }, t("project.tasks")), body,
    lead ? h("button", { type: "button", class: "btn btn-block section-action", "data-testid": "task-assign",
      onclick: () => openAssign(p, page, load) }, t("taskNew.assign")) : null);
  const query = { status: "open", project_id: p.id, per_page: 50 };
  if (user.role === "inspector") query.mine = "true";
  function load() {
    return Promise.all([api("/tasks", { query }), staff()]).then(([data, kit]) => {
      const items = (data.items || []).filter((x) => x.project && Number(x.project.id) === Number(p.id));
      if (!items.length) {
        fill(body, lead ? h("p", { class: "empty small", "data-testid": "tasks-empty" }, t("taskNew.none")) : null);
        return;
      }
      fill(body, h("ul", { class: "tasks" }, items.map((x) => {
        const li = kit.taskItem(x, { showProject: false });
        if (user.role !== "inspector" && x.assignee) li.prepend(h("span", { class: "task-name", "data-testid": "task-assignee-name" }, x.assignee.display_name || ""));
        // A county supervisor does not record inspections: no 记录巡查 on the task for them.
        if (!FIELD_ROLES.includes(user.role)) li.querySelector("[data-testid=task-inspect]")?.remove();
        return li;
      })));
      section.hidden = false;
    }).catch(() => {
      /* no tasks shown: the button below still records an inspection (or assigns one) */
      if (lead) fill(body, h("p", { class: "empty small", "data-testid": "tasks-empty" }, t("taskNew.none")));
    });
  }
  load();
  return section;
}

/** 指派巡查: inspector, due date (default +7 days), optional note → POST /tasks through the outbox. */
async function openAssign(p, page, reload) {
  const clientUuid = uuid();
  let people = [];
  let loadError = null;
  let kit;
  try { kit = await staff(); } catch { toast(page, t("err.network")); return; }
  try { people = await kit.inspectors(); } catch (err) { loadError = err.message; }
  const who = h("select", { id: "tk-who", required: true, "data-testid": "task-assignee" },
    h("option", { value: "" }, t("rectNew.pick")),
    people.map((u) => h("option", { value: u.id }, u.display_name || u.username)));
  if (people.length === 1) who.value = String(people[0].id);
  const due = h("input", { id: "tk-due", type: "date", required: true, value: kit.chinaDate(7), min: kit.chinaDate(0), "data-testid": "task-due" });
  const note = h("textarea", { id: "tk-note", rows: 2, maxlength: 500, "data-testid": "task-note", placeholder: t("taskNew.noteHint") });
  sheet({
    title: t("taskNew.title"), testid: "task", okText: t("taskNew.ok"),
    fields: [
      h("p", { class: "small" }, p.name),
      h("label", { for: "tk-who" }, t("taskNew.assignee")), who,
      loadError ? h("p", { class: "error-box" }, loadError) : !people.length ? h("p", { class: "notice small" }, t("rectNew.noInspectors")) : null,
      h("label", { for: "tk-due" }, t("taskNew.due")), due,
      h("label", { for: "tk-note" }, t("taskNew.note")), note],
    onOk: async () => {
      if (!who.value) { who.focus(); return t("taskNew.needAssignee"); }
      if (!due.value) { due.focus(); return t("taskNew.needDue"); }
      const json = { client_uuid: clientUuid, project_id: p.id, assignee_id: Number(who.value), due_on: due.value };
      if (note.value.trim()) json.note = note.value.trim();
      const whoName = who.selectedOptions[0] ? who.selectedOptions[0].textContent : "";
      const res = await sendWrite({ id: clientUuid, kind: "task", method: "POST", url: "/api/v1/tasks", json,
        label: { project_id: p.id, project_name: p.name, project_code: p.code, assignee: whoName } });
      if (res.state === "failed") return res.message;
      toast(page, res.state === "queued" ? t("taskNew.queued", { who: whoName }) : t("taskNew.done", { who: whoName, date: formatDate(due.value) }));
      if (res.state === "sent") reload();
      return null;
    },
  });
}

/** A message on top of the page (replacing the previous one), scrolled into view. */
function toast(page, message) {
  page.querySelector(":scope > .toast[data-testid=flash]")?.remove();
  page.prepend(h("p", { class: "toast", role: "status", "data-testid": "flash" }, message));
  window.scrollTo(0, 0);
}

/** "风险预警 N": this project's open warnings (hidden when there are none or the user may not see them). */
function risksSection(p) {
  const heading = h("h2", { id: "prisk-h" }, t("risks.blockTitle", { n: "" }));
  const body = h("div", {});
  const section = h("section", { class: "card risk-block", "aria-labelledby": "prisk-h", "data-testid": "project-risks", hidden: true }, heading, body);
  Promise.all([api("/risks", { query: { project_id: p.id, status: "open", per_page: 20 } }), staff()]).then(([data, kit]) => {
    const items = data.items || [];
    if (!items.length) return;
    heading.textContent = t("risks.blockTitle", { n: data.total || items.length });
    fill(body, h("ul", { class: "rlist" }, items.map((w) => kit.riskRow(w, { showProject: false }))));
    section.hidden = false;
  }).catch(() => { /* no access (inspectors) or offline without a cached copy */ });
  return section;
}

/** Whether an inspection calls for a rectification: a problem found, or flagged (off site, reused photo). */
const needsRectify = (x) => x.verdict === "problem" || x.off_site || x.reused_photo;

/**
 * The latest inspections of this project with their photo thumbnails. With ``ctx`` (a lead), each
 * inspection that found a problem gets 发起整改 (the requirement prefilled with its findings).
 */
function inspectionsSection(p, ctx) {
  const body = h("div", {});
  const section = h("section", { class: "card", "aria-labelledby": "pinsp-h", "data-testid": "project-inspections", hidden: true },
    h("h2", { id: "pinsp-h" }, t("project.inspections")), body);
  api("/inspections", { query: { project_id: p.id, per_page: 5 } }).then((data) => {
    const items = data.items || [];
    if (!items.length) return;
    fill(body, h("ul", { class: "insp-list" }, items.map((x) => h("li", { class: "insp", "data-testid": "inspection", "data-verdict": x.verdict },
      h("span", { class: "insp-head" },
        h("span", { class: `flag ${x.verdict === "problem" ? "" : "ok"}` }, t(`verdict.${x.verdict}`)),
        x.off_site ? h("span", { class: "flag warn", "data-testid": "off-site" }, t("inspect.offSite", { d: formatDistance(x.distance_m) || "?" })) : null,
        x.position_missing ? h("span", { class: "flag warn" }, t("inspect.noPosition")) : null,
        x.reused_photo ? h("span", { class: "flag warn", "data-testid": "reused-photo" }, t("rects.photoReused")) : null,
        h("span", { class: "muted" }, formatDate(x.recorded_at || x.created_at))),
      h("span", { class: "muted small" }, (x.inspector && x.inspector.display_name) || ""),
      x.findings ? h("span", { class: "insp-findings" }, x.findings) : null,
      (x.photos || []).length ? h("span", { class: "insp-photos" }, x.photos.map((ph) => h("a", { href: ph.url, target: "_blank", rel: "noopener" },
        h("img", { src: ph.thumb_url, alt: t("inspect.photoAltServer"), width: 64, height: 64, loading: "lazy", "data-testid": "inspection-photo" })))) : null,
      ctx && needsRectify(x) ? h("button", { type: "button", class: "btn btn-small insp-rectify", "data-testid": "inspection-rectify",
        "data-inspection-id": x.id,
        onclick: () => staff().then((kit) => kit.openRectify({
          inspection_id: x.id, project: { id: p.id, name: p.name }, requirement: x.findings || "",
          intro: t("rectNew.fromInspection", { date: formatDate(x.recorded_at || x.created_at), who: (x.inspector && x.inspector.display_name) || "" }),
        }, ctx)).catch((err) => console.warn(err)) }, t("inspRect.start")) : null))));
    section.hidden = false;
  }).catch(() => { /* the API may not be there yet, or offline without a cached copy */ });
  return section;
}

const pretty = (code) => (code || "").replace(/(.{4})(?=.)/g, "$1-");

const uuid = outbox.uuid;

/** Confirm a stage move in a dialog and POST it; one client_uuid per dialog so a retry is not a second move. */
function openMove(p, to, ctx, page) {
  const clientUuid = uuid();
  const needsContract = to === "contracted";
  const error = errorBox();
  const contractor = needsContract ? h("input", { id: "mv-contractor", required: true, autocomplete: "organization", "data-testid": "move-contractor" }) : null;
  const amount = needsContract ? h("input", { id: "mv-amount", inputmode: "decimal", placeholder: "0.00", "data-testid": "move-amount" }) : null;
  const note = h("textarea", { id: "mv-note", rows: 2, maxlength: 500 });
  const ok = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "move-confirm" }, t("move.ok"));
  const dialog = h("dialog", { class: "sheet", "aria-labelledby": "mv-h" });
  const close = () => { dialog.close(); dialog.remove(); };

  async function onsubmit(event) {
    event.preventDefault();
    showError(error, "");
    const body = { client_uuid: clientUuid, to_stage: to, expected_from: p.stage };
    if (note.value.trim()) body.note = note.value.trim();
    if (needsContract) {
      if (!contractor.value.trim()) { contractor.focus(); return showError(error, t("move.needContractor")); }
      body.contractor = contractor.value.trim();
      const amt = amount.value.normalize("NFKC").replace(/[,，¥￥元\s]/g, "");
      if (amt) {
        if (!/^\d+(\.\d{1,2})?$/.test(amt)) { amount.focus(); return showError(error, t("move.badAmount")); }
        body.contract_amount = amt;
      }
    }
    ok.disabled = true;
    ok.textContent = t("move.busy");
    // Through the outbox: sent at once when there is signal, kept and sent later when there is not.
    const result = await outbox.sendNow({ id: clientUuid, kind: "stage", method: "POST", url: `/api/v1/projects/${p.id}/stage`,
      json: body, label: { project_id: p.id, project_name: p.name, project_code: p.code, to } });
    if (result.state === "failed") {
      // Refused by the server: said right here, so it need not wait in the failed list.
      const m = result.entry.last_error;
      showError(error, (m && typeof m === "object" ? m[apiLang()] || m.zh : m) || t("err.title"));
      await outbox.discardFailed(clientUuid);
      ok.disabled = false;
      ok.textContent = t("move.ok");
      return;
    }
    close();
    if (result.state === "queued") {
      page.prepend(h("p", { class: "toast", role: "status", "data-testid": "move-queued" }, t("move.queued", { stage: stageName(to) })));
      window.scrollTo(0, 0);
      return;
    }
    let updated = result.body && result.body.stage ? result.body : null;
    if (!updated) { try { updated = await api(`/projects/${p.id}`); } catch { updated = null; } }
    if (!updated) { ctx.navigate(location.pathname + location.search, { replace: true }); return; }
    const fresh = projectPage(updated, ctx);
    fresh.prepend(h("p", { class: "toast", role: "status" }, t("move.done", { stage: stageName(updated.stage) })));
    page.replaceWith(fresh);
    fresh.querySelector("h1").focus();
  }

  dialog.append(h("form", { class: "form", novalidate: true, onsubmit },
    h("h2", { id: "mv-h" }, t("move.title")),
    h("p", {}, t("move.confirm", { from: stageName(p.stage), to: stageName(to) })),
    needsContract ? [h("label", { for: "mv-contractor" }, t("move.contractor")), contractor,
      h("label", { for: "mv-amount" }, t("move.amount")), amount] : null,
    h("label", { for: "mv-note" }, t("move.note")), note,
    error,
    h("div", { class: "row" },
      h("button", { type: "button", class: "btn", onclick: close }, t("move.cancel")), ok)));
  dialog.addEventListener("cancel", () => setTimeout(() => dialog.remove()));
  document.body.append(dialog);
  dialog.showModal();
}

function unitPage(u, ctx) {
  ctx.setTitle(u.name);
  const projects = u.projects || [];
  return h("div", { class: "scan" },
    h("article", { class: "card", "data-view": u.view, "data-testid": "unit-card", "aria-labelledby": "uname" },
      h("p", { class: "muted" }, t("unit.title")),
      h("h1", { id: "uname", tabindex: "-1", "data-testid": "unit-name" }, u.name),
      h("dl", { class: "facts" },
        fact(t("unit.kind"), u.kind),
        fact(t("unit.region"), u.region && u.region.name),
        fact(t("unit.address"), u.address),
        fact(t("unit.head"), u.head_name))),
    h("section", { class: "card", "aria-labelledby": "up-h" },
      h("h2", { id: "up-h" }, t("unit.projects", { n: projects.length })),
      h("ul", { class: "plist" }, projects.map((p) => h("li", {},
        h("a", { href: p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`, "data-link": "", class: "pitem" },
          h("span", { class: "pitem-name" }, p.name),
          h("span", { class: "pitem-meta" }, stageBadge(p.stage), h("span", {}, formatMoney(p.budget)))))))));
}
