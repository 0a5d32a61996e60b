// Boot, the router (from location.pathname), the header, and service-worker registration.
import { ApiError, api, setCsrf } from "./api.js";
import { getLang, setLang, t } from "./i18n.js";
import * as outbox from "./outbox.js";
import { h } from "./dom.js";
import { errorPage, sheet } from "./views/common.js";
import { forgetUser, setUser } from "./recent.js";

const session = { user: null, checked: false };
const main = document.getElementById("main");

// The one list of screens: [address, the screen's module, the function that draws it, needs a
// signed-in user]. A module is imported the first time its screen is opened, so a villager on a
// plaque's public page downloads that page's code and not the staff screens'; the service worker
// precaches every module named here for offline use (it reads this table: sw.js, precacheModules).
const ROUTES = [
  // Signed in: the user's home; not signed in: the public front page (scan, a code, find a village).
  [/^\/$/, "./views/front.js", "render", false],
  [/^\/projects\/?$/, "./views/home.js", "renderList", true],
  [/^\/scan\/?$/, "./views/scanner.js", "render", false],
  [/^\/login\/?$/, "./views/login.js", "render", false],
  [/^\/q\/([^/]+)\/?$/, "./views/scan.js", "renderCode", false],
  [/^\/p\/(\d+)\/?$/, "./views/scan.js", "renderProject", true],
  [/^\/inspect\/(\d+)\/?$/, "./views/inspect.js", "render", true],
  // Open without a session too: unsent work can still be seen and exported after the session ended.
  [/^\/outbox\/?$/, "./views/outbox.js", "render", false],
  [/^\/risks\/?$/, "./views/risks.js", "renderList", true],
  [/^\/risks\/(\d+)\/?$/, "./views/risks.js", "renderDetail", true],
  [/^\/rectifications\/?$/, "./views/rectifications.js", "renderList", true],
  [/^\/rectifications\/(\d+)\/?$/, "./views/rectifications.js", "renderDetail", true],
  [/^\/inbox\/?$/, "./views/inbox.js", "render", true],
  // 一村一码: the village's notice board and the villager's self-check, for anyone.
  [/^\/v\/([^/]+)\/?$/, "./views/village.js", "render", false],
  [/^\/subsidies\/?$/, "./views/subsidies.js", "renderHome", true],
  [/^\/subsidies\/policies\/?$/, "./views/subsidies.js", "renderPolicies", true],
  [/^\/subsidies\/import\/?$/, "./views/imports.js", "renderImport", true],
  // Every kind of file, on the one import engine (/imports/funds preselects the kind).
  [/^\/imports\/?$/, "./views/imports.js", "renderImport", true],
  [/^\/imports\/([a-z_]+)\/?$/, "./views/imports.js", "renderImport", true],
  [/^\/subsidies\/cases\/?$/, "./views/subsidies.js", "renderCases", true],
  // A village's notice (公示) with the objections (异议) to it: recorded by the clerk, ruled on by the lead.
  [/^\/subsidies\/notices\/?$/, "./views/notices.js", "render", true],
  [/^\/subsidies\/payments\/?$/, "./views/lists.js", "renderPayments", true],
  [/^\/inspections\/?$/, "./views/lists.js", "renderInspections", true],
  [/^\/subsidies\/people\/(\d+)\/?$/, "./views/subsidies.js", "renderPerson", true],
  [/^\/comments\/?$/, "./views/comments.js", "render", true],
  [/^\/users\/?$/, "./views/users.js", "renderUsers", true],
  [/^\/password\/?$/, "./views/users.js", "renderPassword", true],
  [/^\/overview\/?$/, "./views/overview.js", "render", true],
  [/^\/overview\/(\d+)\/?$/, "./views/overview.js", "render", true],
  [/^\/overview\/(\d+)\/fund-flow\/?$/, "./views/fund_flow.js", "render", true],
  [/^\/funds\/?$/, "./views/funds.js", "renderList", true],
  [/^\/funds\/new\/?$/, "./views/funds.js", "renderNew", true],
  [/^\/funds\/(\d+)\/?$/, "./views/funds.js", "renderDetail", true],
  [/^\/office\/?$/, "./views/office.js", "renderHome", true],
  [/^\/office\/new\/?$/, "./views/office.js", "renderNew", true],
  [/^\/office\/projects\/(\d+)\/?$/, "./views/office.js", "renderProject", true],
  [/^\/office\/labels\/?$/, "./views/office.js", "renderLabels", true],
  // 三资: the village collectives' assets, resources and contracts.
  [/^\/assets\/?$/, "./views/assets.js", "renderAssets", true],
  [/^\/assets\/new\/?$/, "./views/assets.js", "renderAssetForm", true],
  [/^\/assets\/(\d+)\/?$/, "./views/assets.js", "renderAsset", true],
  [/^\/assets\/(\d+)\/edit\/?$/, "./views/assets.js", "renderAssetForm", true],
  [/^\/resources\/?$/, "./views/assets.js", "renderResources", true],
  [/^\/resources\/new\/?$/, "./views/assets.js", "renderResourceForm", true],
  [/^\/resources\/(\d+)\/?$/, "./views/assets.js", "renderResource", true],
  [/^\/resources\/(\d+)\/edit\/?$/, "./views/assets.js", "renderResourceForm", true],
  [/^\/contracts\/?$/, "./views/assets.js", "renderContracts", true],
  [/^\/contracts\/new\/?$/, "./views/assets.js", "renderContractForm", true],
  [/^\/contracts\/(\d+)\/?$/, "./views/assets.js", "renderContract", true],
  [/^\/contracts\/(\d+)\/edit\/?$/, "./views/assets.js", "renderContractForm", true],
  [/^\/regions\/?$/, "./views/regions.js", "renderRegions", true],
  // Oversight: the audit log (county and above) and field coverage per township.
  [/^\/audit\/?$/, "./views/oversight.js", "renderAudit", true],
  [/^\/coverage\/?$/, "./views/oversight.js", "renderCoverage", true],
  [/^\/coverage\/(\d+)\/?$/, "./views/oversight.js", "renderCoverage", true],
  [/^\/digests\/(\d{4}-\d{2}-\d{2})\/?$/, "./views/oversight.js", "renderDigest", true],
  // 一屏智报: the report library of a region (generate, progress, download).
  [/^\/reports\/?$/, "./views/reports.js", "render", true],
  // 部门协同: the tasks routed to departments (and townships), 派件 → 签收 → 办理 → 反馈 → 核查 → 销号.
  [/^\/dept-tasks\/?$/, "./views/departments.js", "renderTasks", true],
  [/^\/dept-tasks\/(\d+)\/?$/, "./views/departments.js", "renderTask", true],
  // 一键直连: payment batches to the bank, return files, failures and re-issue.
  [/^\/bank\/?$/, "./views/bank.js", "renderList", true],
  [/^\/bank\/failures\/?$/, "./views/bank.js", "renderFailures", true],
  [/^\/bank\/(\d+)\/?$/, "./views/bank.js", "renderBatch", true],
  // 一屏: a region on a meeting-room display (full screen, refreshes itself).
  [/^\/screen\/(\d+)\/?$/, "./views/screen.js", "render", true],
];

/** A one-time message shown on top of the next page (e.g. "saved, waiting to upload"). */
export function flash(message) {
  try { sessionStorage.setItem("jicai.flash", message); } catch { /* private mode: no message */ }
}

/** Go to an app URL without reloading; ``replace`` keeps the history entry. */
export function navigate(url, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"]({}, "", url);
  route();
}

function signedIn({ user, csrf_token }) {
  const again = session.checked; // a sign-in after boot: what waited for it can go now
  markLogout(false);
  session.user = user;
  setUser(user && user.id);
  outbox.setOwner(user && user.id);
  setCsrf(csrf_token);
  renderHeader();
  if (again) outbox.signedInAgain();
}

// A sign-out without signal ends the session on this phone at once and on the server at the next
// chance (boot or `online`): a shared office phone must not open signed in again.
const LOGOUT_PENDING = "jicai.logoutPending";
const pendingLogout = () => { try { return localStorage.getItem(LOGOUT_PENDING) === "1"; } catch { return false; } };
function markLogout(on) {
  try { if (on) localStorage.setItem(LOGOUT_PENDING, "1"); else localStorage.removeItem(LOGOUT_PENDING); } catch { /* private mode */ }
}

/** The server session a sign-out without signal left open, ended now (if it still is open). The
 * first requests after `online` often still fail (the radio wakes slowly): tried a few times. */
async function endLeftSession(tries = 5) {
  if (!pendingLogout() || !navigator.onLine) return;
  try {
    const me = await api("/auth/me");
    setCsrf(me.csrf_token);
    await api("/auth/logout", { method: "POST" });
    setCsrf(null);
    markLogout(false);
  } catch (err) {
    if (err && err.status === 401) markLogout(false); // already ended (expired or signed out elsewhere)
    else if (tries > 1 && !session.user) setTimeout(() => endLeftSession(tries - 1), 2000);
  }
}

/** Ask first when signing out would leave someone unable to work: no signal, or records not sent. */
function confirmSignOut() {
  const { queued = 0 } = outbox.getState();
  const offline = !navigator.onLine;
  if (!offline && !queued) return signOut();
  sheet({
    title: t("logout.title"), testid: "logout-confirm", okText: t("nav.logout"),
    intro: [offline ? t("logout.offline") : null, queued ? t("logout.queued", { n: queued }) : null].filter(Boolean).join(" "),
    onOk: async ({ close }) => { close(); await signOut(); return null; },
  });
}

async function signOut() {
  let ended = false;
  try { await api("/auth/logout", { method: "POST" }); ended = true; } catch { /* no signal: ended at the next chance */ }
  markLogout(!ended);
  const was = session.user;
  session.user = null;
  setCsrf(null);
  // Cached API answers belong to the user who signed out (the outbox stays: it is unsent work).
  if ("caches" in window) for (const name of await caches.keys()) if (name.startsWith("jicai-api")) await caches.delete(name);
  if (was) forgetUser(was.id);
  setUser(null);
  outbox.setOwner(null);
  renderHeader();
  navigate("/login", { replace: true });
}

function renderHeader() {
  const langBtn = document.getElementById("lang");
  langBtn.textContent = t("lang.switch");
  langBtn.setAttribute("aria-label", t("lang.switchLabel"));
  const logout = document.getElementById("logout");
  logout.textContent = t("nav.logout");
  logout.hidden = !session.user;
  document.querySelector(".skip").textContent = t("app.skip");
  document.querySelector(".brand span").textContent = t("app.name");
  renderOutboxCount(outbox.getState());
  renderBell();
}

// The bell: unread notifications, fetched on every page change (one tiny request) and every minute.
let unread = null;
function renderBell() {
  const bell = document.getElementById("inbox-bell");
  if (!bell) return;
  bell.hidden = !session.user;
  const count = bell.querySelector(".bell-count");
  count.textContent = unread ? (unread > 99 ? "99+" : String(unread)) : "";
  count.hidden = !unread;
  bell.setAttribute("aria-label", unread ? t("nav.inboxLabel", { n: unread }) : t("nav.inboxLabelNone"));
}
/** The number of unread notifications (null when it cannot be known right now). */
async function unreadCount() {
  try {
    const data = await api("/notifications", { query: { unread: "true", per_page: 1 } });
    return Number(data.total) || 0;
  } catch {
    return null;
  }
}
async function refreshInbox(delta) {
  // Signed out, or a reset password still to be changed (every other call is refused until then).
  if (!session.user || session.user.must_change_password) { unread = null; renderBell(); return; }
  if (typeof delta === "number" && unread !== null) { unread = Math.max(0, unread + delta); renderBell(); return; }
  const n = await unreadCount();
  if (n !== null) unread = n;
  renderBell();
}
setInterval(() => { if (document.visibilityState === "visible" && navigator.onLine !== false) refreshInbox(); }, 60000);

/** "3 待上传" in the header on every screen (tap → the outbox); red when something failed. */
function renderOutboxCount(state) {
  const link = document.getElementById("outbox-count");
  if (!link) return;
  const parts = [];
  if (state.queued) parts.push(t("outbox.badge", { n: state.queued }));
  if (state.failed) parts.push(t("outbox.badgeFailed", { n: state.failed }));
  if (state.auth && state.queued) parts.push(t("outbox.badgeAuth"));
  link.textContent = parts.join(" · ");
  link.hidden = !parts.length;
  link.classList.toggle("bad", Boolean(state.failed || (state.auth && state.queued)));
  link.classList.toggle("busy", Boolean(state.running && state.queued));
  link.setAttribute("aria-label", t("outbox.badgeLabel", { text: link.textContent }));
}

let generation = 0;
let leaving = [];

async function route() {
  const mine = ++generation;
  // The page being left stops what it started (camera, geolocation watch, timers).
  for (const fn of leaving.splice(0)) { try { fn(); } catch (err) { console.warn(err); } }
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  const hit = ROUTES.find(([re]) => re.test(path));
  const ctx = {
    session, query, navigate, signedIn,
    params: hit ? path.match(hit[0]).slice(1).map(decodeURIComponent) : [],
    onLeave: (fn) => { if (mine === generation) leaving.push(fn); else fn(); },
    flash, refreshInbox,
    setTitle: (title) => { document.title = title ? `${title} · ${t("app.name")}` : t("app.name"); },
  };
  main.replaceChildren(h("p", { class: "loading" }, t("app.loading")));
  document.body.classList.remove("screen-mode"); // (the one screen hides the header while it is shown)
  refreshInbox();
  if (!hit) {
    ctx.setTitle(t("app.notFound"));
    main.replaceChildren(h("section", { class: "page-msg", "data-testid": "error" },
      h("h1", { tabindex: "-1" }, t("app.notFound")),
      h("a", { href: "/", "data-link": "", class: "btn" }, t("app.home"))));
    return;
  }
  const [, file, draw, needsUser] = hit;
  if (needsUser && !session.user) {
    navigate("/login?next=" + encodeURIComponent(path + location.search), { replace: true });
    return;
  }
  // A password someone else set (a reset) is changed before anything else (the server insists too).
  if (session.user && session.user.must_change_password && !/^\/password\/?$/.test(path)) {
    navigate("/password?next=" + encodeURIComponent(path + location.search), { replace: true });
    return;
  }
  // A view returns its page (or null after redirecting); a page that arrives late is dropped.
  let page;
  try {
    // Loaded the first time, then from the module map; offline, from the service worker's cache.
    const screen = await import(file).catch((err) => {
      console.warn(`screen ${file}:`, err);
      throw new ApiError("network", 0, t("err.network"));
    });
    page = await screen[draw](ctx);
  } catch (err) {
    page = errorPage(err, ctx);
  }
  if (mine !== generation || !page) return;
  main.replaceChildren(page);
  let message = null;
  try { message = sessionStorage.getItem("jicai.flash"); sessionStorage.removeItem("jicai.flash"); } catch { /* none */ }
  if (message) main.prepend(h("p", { class: "toast", role: "status", "data-testid": "flash" }, message));
  // A link to a part of a page (/p/12#comments) lands on that part; any other page starts at the top.
  const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target) target.scrollIntoView({ block: "start" });
  else window.scrollTo(0, 0);
  const heading = main.querySelector("h1");
  if (heading && (document.activeElement === document.body || !document.activeElement)) heading.focus({ preventScroll: true });
}

// Same-origin links marked data-link are routed in the page.
document.addEventListener("click", (event) => {
  const a = event.target.closest("a[data-link]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", route);

document.getElementById("lang").addEventListener("click", async () => {
  setLang(getLang() === "en" ? "zh-CN" : "en");
  renderHeader();
  // The page is drawn again in the other language; what the person was typing stays. (Views with
  // more state than their fields — the inspection form, the villager's answer — keep it themselves.)
  const typed = [...main.querySelectorAll("input[id], textarea[id], select[id]")]
    .filter((el) => el.type !== "file" && el.type !== "hidden")
    .map((el) => [el.id, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value]);
  await route();
  for (const [id, value] of typed) {
    const el = document.getElementById(id);
    if (!el || !main.contains(el)) continue;
    if (typeof value === "boolean") el.checked = value;
    else if (value && !el.value) el.value = value;
  }
});
document.getElementById("logout").addEventListener("click", confirmSignOut);

function showOnline() {
  const bar = document.getElementById("offline");
  bar.textContent = t("app.offline");
  bar.hidden = navigator.onLine;
}
window.addEventListener("online", showOnline);
window.addEventListener("online", () => { if (!session.user) endLeftSession(); });
window.addEventListener("offline", showOnline);

async function boot() {
  setLang(getLang());
  renderHeader();
  showOnline();
  outbox.subscribe(renderOutboxCount);
  // The first screen's code downloads while the session is asked for (route() finds it loaded).
  const first = ROUTES.find(([re]) => re.test(location.pathname));
  if (first) import(first[1]).catch(() => { /* route() says so */ });
  if (pendingLogout()) await endLeftSession();
  else {
    try {
      signedIn(await api("/auth/me"));
    } catch { /* 401 or offline: anonymous until sign-in */ }
  }
  session.checked = true;
  await route();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch((err) => console.warn("service worker:", err));
  }
  // Unsent work goes out as soon as the app runs (and on `online`, a timer, and Background Sync).
  outbox.start();
}

boot();
