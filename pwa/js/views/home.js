// Home after sign-in. Inspectors get the field home: my open tasks (overdue first), nearby projects
// (by the phone's position, when allowed) and the projects recently opened on this phone (kept
// offline). Leads and supervisors get their region's project list (search — also by a township's or
// village's name —, stage and region filters, pages; each project names its township);
// /projects shows that list to everyone. A dock at the bottom: the 扫码 button and the code box.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { STAGES, formatDate, formatMoney, t } from "../i18n.js";
import { know, recent } from "../recent.js";
import { codeForm, exportLinks, formatDistance, pageAsked, pager, placeTag, regionFilter, regionParam, stageBadge, totalOf } from "./common.js";

const PER_PAGE = 10;

const projectHref = (p) => (p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`);

/** The dock: a big 扫码 button and the code box. */
function codeDock(ctx) {
  return codeForm(ctx, { before: h("a", { href: "/scan", "data-link": "", class: "btn btn-primary btn-block btn-big",
    "data-testid": "scan-open" }, t("scan.open")) });
}

function meCard(user, extra) {
  return h("section", { class: "me card", "aria-labelledby": "me-name" },
    h("h1", { id: "me-name", tabindex: "-1" }, t("home.hello", { name: user.display_name || user.username })),
    h("p", { class: "muted" }, t("home.scope", { role: t(`role.${user.role}`), region: user.region ? user.region.name : "" })),
    extra);
}

export async function render(ctx) {
  if (ctx.session.user.role === "inspector") return fieldHome(ctx);
  if (ctx.session.user.role === "department") { ctx.navigate("/dept-tasks", { replace: true }); return null; }
  return listHome(ctx, "/");
}

/** /projects: the list for everyone (inspectors reach it from the field home). */
export const renderList = (ctx) => listHome(ctx, "/projects");

/** Buttons to the risk warnings (leads, supervisors) and the rectifications; warning counts filled in when known. */
function workLinks(user) {
  const field = user.role === "inspector";
  const counts = h("span", { class: "work-count", "data-testid": "home-risk-counts" });
  const nav = h("nav", { class: "work", "aria-label": t("home.risks") },
    field ? null : h("a", { href: "/risks", "data-link": "", class: "btn", "data-testid": "home-risks" }, t("home.risks"), counts),
    h("a", { href: field ? "/rectifications?tab=mine" : "/rectifications", "data-link": "", class: "btn", "data-testid": "home-rects" },
      field ? t("home.myRects") : t("home.rects")),
    h("a", { href: "/inspections", "data-link": "", class: "btn", "data-testid": "home-inspections" }, t("lists.inspections")),
    // The subsidies and the public platform (villagers' cases, comments on projects): not field work.
    field ? null : h("a", { href: "/subsidies", "data-link": "", class: "btn", "data-testid": "home-subsidies" }, t("home.subsidies")),
    field ? null : h("a", { href: "/comments", "data-link": "", class: "btn", "data-testid": "home-comments" }, t("home.comments")),
    // The fund register (资金): the township records, supervisors read.
    ["admin", "province", "city", "county", "township_lead"].includes(user.role) ? h("a", { href: "/overview", "data-link": "", class: "btn btn-primary", "data-testid": "home-overview" }, t("overview.title")) : null,
    field ? null : h("a", { href: "/funds", "data-link": "", class: "btn", "data-testid": "home-funds" }, t("funds.title")),
    ["township_lead", "county"].includes(user.role) ? h("a", { href: "/office", "data-link": "", class: "btn", "data-testid": "home-office" }, t("home.office")) : null,
    ["township_lead", "county", "admin"].includes(user.role) ? h("a", { href: "/dept-tasks", "data-link": "", class: "btn", "data-testid": "home-dept-tasks" }, t("dt.title")) : null,
    field ? null : h("a", { href: "/assets", "data-link": "", class: "btn", "data-testid": "home-assets" }, t("assets.title")),
    ["admin", "county", "township_lead"].includes(user.role) ? h("a", { href: "/imports", "data-link": "", class: "btn", "data-testid": "home-imports" }, t("home.imports")) : null,
    ["admin", "county"].includes(user.role) ? h("a", { href: "/users", "data-link": "", class: "btn", "data-testid": "home-users" }, t("users.title")) : null,
    ["admin", "province", "city", "county"].includes(user.role) ? h("a", { href: "/audit", "data-link": "", class: "btn", "data-testid": "home-audit" }, t("home.audit")) : null,
    ["admin", "province", "city", "county", "township_lead"].includes(user.role) ? h("a", { href: "/coverage", "data-link": "", class: "btn", "data-testid": "home-coverage" }, t("home.coverage")) : null,
    ["admin", "province", "city", "county", "township_lead"].includes(user.role) ? h("a", { href: "/reports", "data-link": "", class: "btn", "data-testid": "home-reports" }, t("home.reports")) : null,
    ["admin", "province", "city", "county", "township_lead", "clerk"].includes(user.role) ? h("a", { href: "/bank", "data-link": "", class: "btn", "data-testid": "home-bank" }, t("bank.title")) : null,
    h("a", { href: "/password", "data-link": "", class: "btn", "data-testid": "home-password" }, t("pw.title")));
  if (!field) {
    api("/risks/summary").then((s) => {
      const b = (s && s.by_level) || {};
      // each level's count stays whole ("黄 39" never breaks): a line breaks only after a " · "
      const levels = ["red", "orange", "yellow"];
      counts.replaceChildren(...levels.flatMap((lv, i) => [
        h("span", { class: "nowrap", "data-testid": "home-risk-count" }, t(`home.riskCount.${lv}`, { n: b[lv] || 0 }) + (i < 2 ? " ·" : "")),
        i < 2 ? " " : ""]));
    }).catch(() => {});
  }
  return nav;
}

// ---- the inspector's field home ------------------------------------------------------------------

export function taskItem(task, { showProject = true } = {}) {
  const p = task.project || {};
  const overdue = Boolean(task.overdue);
  return h("li", { class: overdue ? "task overdue" : "task", "data-testid": "task", "data-overdue": overdue ? "true" : "false",
    "data-task-id": task.id },
    showProject ? h("a", { href: projectHref(p), "data-link": "", class: "task-name" }, p.name || t("project.title")) : null,
    h("span", { class: "task-meta" },
      overdue ? h("span", { class: "flag", "data-testid": "task-overdue" }, t("task.overdue")) : null,
      h("span", { class: "task-due" }, t("task.due", { date: formatDate(task.due_on) })),
      showProject && p.stage ? stageBadge(p.stage) : null),
    task.note ? h("span", { class: "task-note" }, task.note) : null,
    h("a", { href: `/inspect/${p.id}?task=${encodeURIComponent(task.id)}`, "data-link": "", class: "btn btn-small",
      "data-testid": "task-inspect" }, t("inspect.record")));
}

/** One open rectification the inspector must fix, drawn like a task (整改 instead of the stage). */
function rectItem(r) {
  const overdue = Boolean(r.overdue);
  const p = r.project || {};
  return h("li", { class: overdue ? "task rect-task overdue" : "task rect-task", "data-testid": "my-rect",
    "data-overdue": overdue ? "true" : "false", "data-rect-id": r.id },
    h("a", { href: `/rectifications/${r.id}`, "data-link": "", class: "task-name" }, p.name || t("rects.title")),
    h("span", { class: "task-meta" },
      h("span", { class: "flag warn" }, t("home.rectKind")),
      overdue ? h("span", { class: "flag", "data-testid": "task-overdue" }, t("task.overdue")) : null,
      h("span", { class: "task-due" }, t("task.due", { date: formatDate(r.due_on) }))),
    r.requirement ? h("span", { class: "task-note" }, r.requirement) : null,
    h("a", { href: `/rectifications/${r.id}?evidence=1`, "data-link": "", class: "btn btn-small", "data-testid": "my-rect-submit" },
      t("rectAct.submit")));
}

/** Tasks and rectifications together: overdue first, then by due date. */
function sortWork(items) {
  return [...items].sort((a, b) => (Number(Boolean(b.item.overdue)) - Number(Boolean(a.item.overdue)))
    || String(a.item.due_on || "9999").localeCompare(String(b.item.due_on || "9999")));
}

/** 我的任务: the inspections assigned to me and the rectifications I must fix, overdue first. */
async function tasksSection() {
  const body = h("div", {}, h("p", { class: "loading small" }, t("app.loading")));
  const section = h("section", { class: "card", "aria-labelledby": "tasks-h", "data-testid": "my-tasks" },
    h("h2", { id: "tasks-h" }, t("home.tasks")), body);
  const [tasks, rects] = await Promise.allSettled([
    api("/tasks", { query: { mine: "true", status: "open", per_page: 50 } }),
    api("/rectifications", { query: { mine: "true", status: "open", per_page: 50 } })]);
  if (tasks.status === "rejected" && rects.status === "rejected") {
    const err = tasks.reason;
    fill(body, h("p", { class: "error-box", role: "alert" }, err.code === "network" ? t("home.tasksOffline") : err.message));
    return section;
  }
  const taskItems = tasks.status === "fulfilled" ? tasks.value.items || [] : [];
  const rectItems = rects.status === "fulfilled" ? rects.value.items || [] : [];
  know([...taskItems.map((x) => x.project), ...rectItems.map((x) => x.project)].filter((p) => p && p.name && p.stage));
  const work = sortWork([...taskItems.map((item) => ({ kind: "task", item })), ...rectItems.map((item) => ({ kind: "rect", item }))]);
  const overdue = work.filter((w) => w.item.overdue).length;
  // Counted from the totals (the lists show the first 50 of each, overdue first).
  const nTasks = tasks.status === "fulfilled" ? Number(tasks.value.total) || taskItems.length : 0;
  const nRects = rects.status === "fulfilled" ? Number(rects.value.total) || rectItems.length : 0;
  const counts = [nTasks ? t("home.tasksCount", { n: nTasks }) : null,
    nRects ? t("home.rectsCount", { n: nRects }) : null].filter(Boolean).join(t("home.and"))
    + (overdue ? t("home.workOverdue", { n: overdue }) : "");
  fill(body,
    work.length ? h("p", { class: "muted small", "data-testid": "my-tasks-count" }, counts) : null,
    work.length ? h("ul", { class: "tasks" }, work.map((w) => (w.kind === "task" ? taskItem(w.item) : rectItem(w.item))))
      : h("p", { class: "empty small" }, t("home.noTasks")),
    rects.status === "rejected" ? h("p", { class: "muted small" }, t("home.rectsUnavailable")) : null);
  return section;
}

const projectLink = (p, extra) => h("li", {},
  h("a", { href: projectHref(p), "data-link": "", class: "pitem" },
    h("span", { class: "pitem-name" }, p.name),
    h("span", { class: "pitem-meta" }, p.stage ? stageBadge(p.stage) : null,
      p.region && p.region.name ? h("span", {}, p.region.name) : null, extra)));

function nearbySection() {
  const body = h("div", {});
  const button = h("button", { type: "button", class: "btn btn-block", "data-testid": "nearby-find" }, t("home.nearbyFind"));
  const section = h("section", { class: "card", "aria-labelledby": "near-h", "data-testid": "nearby" },
    h("h2", { id: "near-h" }, t("home.nearby")), body);

  async function locate() {
    if (!("geolocation" in navigator)) { fill(body, h("p", { class: "muted small" }, t("geo.unsupported"))); return; }
    fill(body, h("p", { class: "loading small" }, t("geo.locating")));
    let pos;
    try {
      pos = await new Promise((resolve, reject) => navigator.geolocation.getCurrentPosition(resolve, reject,
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 5 * 60 * 1000 }));
    } catch (err) {
      fill(body, h("p", { class: "muted small" }, err && err.code === 1 ? t("geo.denied") : t("geo.failed")), button);
      return;
    }
    try {
      const data = await api("/projects", { query: { near_lat: pos.coords.latitude.toFixed(6), near_lng: pos.coords.longitude.toFixed(6), per_page: 10 } });
      const items = data.items || [];
      know(items);
      fill(body, items.length
        ? h("ul", { class: "plist", "data-testid": "nearby-list" }, items.map((p) => projectLink(p,
          p.distance_m != null ? h("span", { class: "dist", "data-testid": "distance" }, formatDistance(p.distance_m)) : null)))
        : h("p", { class: "empty small" }, t("home.nearbyEmpty")));
    } catch (err) {
      fill(body, h("p", { class: "error-box", role: "alert" }, err.code === "network" ? t("home.nearbyOffline") : err.message), button);
    }
  }
  button.addEventListener("click", locate);
  body.append(button);
  // Ask for the position by itself only when the user already allowed it; otherwise wait for the tap.
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then((s) => { if (s.state === "granted") locate(); }).catch(() => {});
  }
  return section;
}

function recentSection() {
  const items = recent();
  return h("section", { class: "card", "aria-labelledby": "recent-h", "data-testid": "recent" },
    h("h2", { id: "recent-h" }, t("home.recent")),
    items.length ? h("ul", { class: "plist", "data-testid": "recent-list" }, items.map((p) => projectLink(p,
      h("span", { class: "muted" }, t("home.openedOn", { date: formatDate(p.opened_at) })))))
      : h("p", { class: "empty small" }, t("home.recentEmpty")));
}

async function fieldHome(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("home.title"));
  // Keep what the inspection form needs offline on the phone itself (not only in the service
  // worker's cache, which may not control the page yet on the very first visit).
  api("/checklists").then((data) => localStorage.setItem("jicai.checklists", JSON.stringify(data))).catch(() => {});
  return h("div", { class: "home has-dock tall-dock" },
    meCard(user, workLinks(user)),
    await tasksSection(),
    nearbySection(),
    recentSection(),
    h("p", { class: "center" }, h("a", { href: "/projects", "data-link": "", class: "btn", "data-testid": "all-projects" }, t("home.allProjects"))),
    codeDock(ctx));
}

// ---- the list (leads, supervisors; /projects for everyone) ------------------------------------------

async function listHome(ctx, base) {
  const { user } = ctx.session;
  ctx.setTitle(t("home.title"));
  const q = ctx.query.get("q") || "";
  const stage = STAGES.includes(ctx.query.get("stage")) ? ctx.query.get("stage") : "";
  const { page, after } = pageAsked(ctx);
  const region = regionParam(ctx);

  const listUrl = ({ page: p, after: next }) => {
    const qs = new URLSearchParams();
    if (q) qs.set("q", q);
    if (stage) qs.set("stage", stage);
    if (region) qs.set("region", region);
    if (p > 1) qs.set("page", p);
    if (next) qs.set("after", next);
    return base + (qs.toString() ? "?" + qs : "");
  };

  // Search.
  const qInput = h("input", { id: "q", name: "q", type: "search", maxlength: 60, value: q, placeholder: t("home.searchPlaceholder"), "data-testid": "search" });
  const stageSelect = h("select", { id: "stage", name: "stage", "aria-label": t("home.stage") },
    h("option", { value: "" }, t("home.stageAll")),
    STAGES.map((s) => h("option", { value: s, selected: s === stage }, t(`stage.${s}`))));
  const search = h("form", { class: "search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    const qs = new URLSearchParams();
    if (qInput.value.trim()) qs.set("q", qInput.value.trim());
    if (stageSelect.value) qs.set("stage", stageSelect.value);
    if (region) qs.set("region", region);
    ctx.navigate(base + (qs.toString() ? "?" + qs : ""), { replace: true });
  } },
    h("label", { for: "q", class: "sr-only" }, t("home.search")),
    h("div", { class: "row" }, qInput, h("button", { type: "submit", class: "btn" }, t("home.find"))),
    h("div", { class: "filters" }, stageSelect, regionFilter(ctx)));
  stageSelect.addEventListener("change", () => search.requestSubmit());

  // The list.
  let list;
  try {
    const data = await api("/projects", { query: { page, after, per_page: PER_PAGE, q, stage, region_id: region } });
    know(data.items);
    list = h("div", {},
      h("p", { class: "muted list-head", "aria-live": "polite" }, t("home.total", { total: totalOf(data) }),
        exportLinks("/projects", { q, stage, region_id: region }, "projects-export")),
      data.items.length
        ? h("ul", { class: "plist", "data-testid": "project-list" }, data.items.map((p) => h("li", {},
          h("a", { href: projectHref(p), "data-link": "", class: "pitem" },
            h("span", { class: "pitem-name" }, p.name),
            h("span", { class: "pitem-meta" }, stageBadge(p.stage),
              h("span", {}, formatMoney(p.budget)),
              placeTag(p, user),
              p.region && (!p.township || p.region.id !== p.township.id) ? h("span", {}, p.region.name) : null),
            h("span", { class: "pitem-ref muted" }, p.ref_no)))))
        : h("p", { class: "empty" }, t("home.empty")),
      pager(data, page, PER_PAGE, listUrl));
  } catch (err) {
    if (err.status === 401) {
      ctx.session.user = null;
      ctx.navigate("/login?next=" + encodeURIComponent(base), { replace: true });
      return null;
    }
    list = h("p", { class: "error-box", "data-testid": "error", role: "alert" }, err.message);
  }

  // Supervisors at a desk: the page takes the screen's width (the list in columns).
  const desk = ["admin", "province", "city", "county"].includes(user.role);
  return h("div", { class: desk ? "home has-dock tall-dock wide" : "home has-dock tall-dock" },
    // The printable plaque sheet for everything in the user's region (opens the A4 page to print).
    meCard(user, [workLinks(user), user.region && h("a", { href: `/api/v1/regions/${user.region.id}/labels`, target: "_blank", rel: "noopener",
      class: "btn", "data-testid": "labels-link" }, t("home.labels"))]),
    h("section", { "aria-labelledby": "plist-h" },
      h("h2", { id: "plist-h" }, t("home.projects")),
      search,
      list),
    codeDock(ctx));
}
