// Service worker: the app shell precached (cache-first, so bump VERSION on every release),
// navigations network-first with the cached shell offline, API reads network-first with the
// last good copy as fallback. Non-GET requests are never touched: writes go through the outbox,
// which this worker also replays on a Background Sync ("outbox"), with the page's own code.
importScripts("/js/outbox-core.js");

const VERSION = "v59";
const SHELL_CACHE = `jicai-shell-${VERSION}`;
const API_CACHE = `jicai-api-${VERSION}`;
// The shell's files besides its scripts; the scripts are found by reading the app (precacheModules).
const SHELL = [
  "/index.html",
  "/manifest.webmanifest",
  "/css/app.css",
  "/icons/favicon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/icons/apple-touch-icon.png",
];
// Every module the app can load: js/app.js, each screen module its table of screens names (loaded
// by the page only when first opened, precached here so every screen works offline), and what those
// import in turn. Any "./x.js" or "../x.js" string in a module is a module, so a new screen is one
// row in app.js's table and nothing here. Each module is fetched once: read for its references and
// put in the cache.
const MODULE_REF = /["'](\.{1,2}\/[\w./-]+\.js)["']/g;
async function precacheModules(cache) {
  const found = new Set(["/js/app.js"]);
  let level = ["/js/app.js"];
  while (level.length) {
    const texts = await Promise.all(level.map(async (url) => {
      const response = await fetch(new Request(url, { cache: "no-cache" }));
      if (!response.ok) throw new Error(`precache ${url}: ${response.status}`);
      await cache.put(url, response.clone());
      return response.text();
    }));
    const next = [];
    texts.forEach((text, i) => {
      for (const [, ref] of text.matchAll(MODULE_REF)) {
        const path = new URL(ref, self.location.origin + level[i]).pathname;
        if (!found.has(path)) { found.add(path); next.push(path); }
      }
    });
    level = next;
  }
}
// The cockpit's charts (/vendor/echarts.js, a custom ECharts build) are precached like a module:
// js/charts.js names "../vendor/echarts.js", so a cockpit opened offline draws its charts from the
// last data the API answered (API reads are network-first, the cached copy when offline).
// The QR decoder (npm jsqr, copied to pwa/vendor/ at install time) is not precached: it is 57 KB
// gzipped and most visits never open the scanner. It is cached the first time the scanner loads it
// and works offline from then on (the phone's own camera and the code box work offline regardless).
const RUNTIME_CACHED = /^\/vendor\//;
// Page routes of the app (the server answers them with the shell; the worker does too when offline,
// and for a route the server does not know yet).
const APP_ROUTES = [/^\/$/, /^\/projects\/?$/, /^\/scan\/?$/, /^\/login\/?$/, /^\/q\/[^/]+\/?$/, /^\/p\/\d+\/?$/,
  /^\/inspect\/\d+\/?$/, /^\/outbox\/?$/, /^\/risks\/?$/, /^\/risks\/\d+\/?$/, /^\/rectifications\/?$/,
  /^\/rectifications\/\d+\/?$/, /^\/inbox\/?$/, /^\/v\/[^/]+\/?$/, /^\/subsidies\/?$/, /^\/subsidies\/import\/?$/,
  /^\/subsidies\/cases\/?$/, /^\/subsidies\/people\/\d+\/?$/, /^\/comments\/?$/, /^\/funds\/?$/, /^\/funds\/new\/?$/,
  /^\/funds\/\d+\/?$/, /^\/regions\/?$/, /^\/imports(\/[a-z_]+)?\/?$/,
  /^\/subsidies\/policies\/?$/, /^\/office(\/new|\/labels|\/projects\/\d+)?\/?$/,
  /^\/(assets|resources|contracts)(\/new|\/\d+(\/edit)?)?\/?$/, /^\/subsidies\/payments\/?$/, /^\/inspections\/?$/,
  /^\/overview(\/\d+(\/fund-flow)?)?\/?$/, /^\/bank(\/failures|\/\d+)?\/?$/, /^\/screen\/\d+\/?$/];

self.addEventListener("install", (event) => {
  // "no-cache" revalidates with the server: files the page has just loaded come back as 304s instead
  // of being downloaded a second time, and a stale HTTP-cached copy never enters the shell cache.
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => Promise.all([cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" }))),
      precacheModules(cache)]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const keep = [SHELL_CACHE, API_CACHE];
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("jicai-") && !keep.includes(n)).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

const shell = () => caches.match("/index.html", { cacheName: SHELL_CACHE });

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return; // writes go straight to the network, never cached
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    const appRoute = APP_ROUTES.some((re) => re.test(url.pathname));
    event.respondWith(fetch(request)
      .then((response) => (response.status === 404 && appRoute ? shell().then((hit) => hit || response) : response))
      .catch(() => shell()));
  } else if (url.pathname.startsWith("/api/")) {
    event.respondWith(networkFirst(request));
  } else if (RUNTIME_CACHED.test(url.pathname)) {
    event.respondWith(caches.open(SHELL_CACHE).then((cache) => cache.match(request).then((hit) => hit
      || fetch(request).then((response) => { if (response.ok) cache.put(request, response.clone()); return response; }))));
  } else {
    event.respondWith(caches.match(request, { cacheName: SHELL_CACHE, ignoreSearch: true })
      .then((hit) => hit || fetch(request)));
  }
});

async function networkFirst(request) {
  const cache = await caches.open(API_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (err) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw err;
  }
}

// Background Sync: the browser wakes this worker when the phone is back online (even with the app
// closed) and the worker sends the outbox itself. A rejected promise asks the browser to retry later.
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(self.JicaiOutbox.replay({ force: true }).then(async (summary) => {
    const clients = await self.clients.matchAll({ type: "window" });
    for (const client of clients) client.postMessage({ type: "outbox-changed", summary });
    if (summary && (summary.stopped === "network" || summary.stopped === "wait") && summary.remaining > 0) {
      throw new Error("outbox: still waiting for the network");
    }
  }));
});

// A page can ask the worker to replay (e.g. right before it is closed).
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "outbox-replay") event.waitUntil(self.JicaiOutbox.replay({ force: true }));
});
