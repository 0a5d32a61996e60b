// Boot, the router (from location.pathname), the header, and service-worker registration.
import { api, setCsrf } from "./api.js";
import { getLang, setLang, t } from "./i18n.js";
import * as login from "./views/login.js";
import * as home from "./views/home.js";
import * as scan from "./views/scan.js";
import { h } from "./dom.js";
import { errorPage } from "./views/common.js";

const session = { user: null, checked: false };
const main = document.getElementById("main");

const ROUTES = [
  [/^\/$/, home.render, true],
  [/^\/projects\/?$/, home.render, true],
  [/^\/scan\/?$/, home.render, true],
  [/^\/login\/?$/, login.render, false],
  [/^\/q\/([^/]+)\/?$/, scan.renderCode, false],
  [/^\/p\/(\d+)\/?$/, scan.renderProject, true],
];

/** Go to an app URL without reloading; ``replace`` keeps the history entry. */
export function navigate(url, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"]({}, "", url);
  route();
}

function signedIn({ user, csrf_token }) {
  session.user = user;
  setCsrf(csrf_token);
  renderHeader();
}

async function signOut() {
  try { await api("/auth/logout", { method: "POST" }); } catch { /* signed out locally anyway */ }
  session.user = null;
  setCsrf(null);
  // Cached API answers belong to the user who signed out.
  if ("caches" in window) for (const name of await caches.keys()) if (name.startsWith("jicai-api")) await caches.delete(name);
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
}

let generation = 0;

async function route() {
  const mine = ++generation;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  const hit = ROUTES.find(([re]) => re.test(path));
  const ctx = {
    session, query, navigate, signedIn,
    params: hit ? path.match(hit[0]).slice(1).map(decodeURIComponent) : [],
    setTitle: (title) => { document.title = title ? `${title} · ${t("app.name")}` : t("app.name"); },
  };
  main.replaceChildren(h("p", { class: "loading" }, t("app.loading")));
  if (!hit) {
    ctx.setTitle(t("app.notFound"));
    main.replaceChildren(h("section", { class: "page-msg", "data-testid": "error" },
      h("h1", { tabindex: "-1" }, t("app.notFound")),
      h("a", { href: "/", "data-link": "", class: "btn" }, t("app.home"))));
    return;
  }
  const [, view, needsUser] = hit;
  if (needsUser && !session.user) {
    navigate("/login?next=" + encodeURIComponent(path + location.search), { replace: true });
    return;
  }
  // A view returns its page (or null after redirecting); a page that arrives late is dropped.
  let page;
  try {
    page = await view(ctx);
  } catch (err) {
    page = errorPage(err, ctx);
  }
  if (mine !== generation || !page) return;
  main.replaceChildren(page);
  window.scrollTo(0, 0);
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

document.getElementById("lang").addEventListener("click", () => {
  setLang(getLang() === "en" ? "zh-CN" : "en");
  renderHeader();
  route();
});
document.getElementById("logout").addEventListener("click", signOut);

function showOnline() {
  const bar = document.getElementById("offline");
  bar.textContent = t("app.offline");
  bar.hidden = navigator.onLine;
}
window.addEventListener("online", showOnline);
window.addEventListener("offline", showOnline);

async function boot() {
  setLang(getLang());
  renderHeader();
  showOnline();
  try {
    signedIn(await api("/auth/me"));
  } catch { /* 401 or offline: anonymous until sign-in */ }
  session.checked = true;
  await route();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch((err) => console.warn("service worker:", err));
  }
}

boot();
