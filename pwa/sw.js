// Service worker: the app shell precached (cache-first, so bump VERSION on every release),
// navigations network-first with the cached shell offline, API reads network-first with the
// last good copy as fallback. Non-GET requests are never touched: writes go through the outbox,
// which this worker also replays on a Background Sync ("outbox"), with the page's own code.
importScripts("/js/outbox-core.js");

const VERSION = "v27";
const SHELL_CACHE = `jicai-shell-${VERSION}`;
const API_CACHE = `jicai-api-${VERSION}`;
const SHELL = [
  "/index.html",
  "/manifest.webmanifest",
  "/css/app.css",
  "/js/app.js",
  "/js/api.js",
  "/js/codes.js",
  "/js/dom.js",
  "/js/drafts.js",
  "/js/i18n.js",
  "/js/outbox.js",
  "/js/outbox-core.js",
  "/js/photo.js",
  "/js/recent.js",
  "/js/views/comments.js",
  "/js/views/common.js",
  "/js/views/home.js",
  "/js/views/inbox.js",
  "/js/views/inspect.js",
  "/js/views/login.js",
  "/js/views/outbox.js",
  "/js/views/photo-picker.js",
  "/js/views/project-public.js",
  "/js/views/rectifications.js",
  "/js/views/risks.js",
  "/js/views/scan.js",
  "/js/views/scanner.js",
  "/js/views/subsidies.js",
  "/js/views/village.js",
  "/icons/favicon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/icons/apple-touch-icon.png",
];
// The QR decoder (npm jsqr, copied to pwa/vendor/ at install time) is not precached: it is 57 KB
// gzipped and most visits never open the scanner. It is cached the first time the scanner loads it
// and works offline from then on (the phone's own camera and the code box work offline regardless).
const RUNTIME_CACHED = /^\/vendor\//;
// Page routes of the app (the server answers them with the shell; the worker does too when offline,
// and for a route the server does not know yet).
const APP_ROUTES = [/^\/$/, /^\/projects\/?$/, /^\/scan\/?$/, /^\/login\/?$/, /^\/q\/[^/]+\/?$/, /^\/p\/\d+\/?$/,
  /^\/inspect\/\d+\/?$/, /^\/outbox\/?$/, /^\/risks\/?$/, /^\/risks\/\d+\/?$/, /^\/rectifications\/?$/,
  /^\/rectifications\/\d+\/?$/, /^\/inbox\/?$/, /^\/v\/[^/]+\/?$/, /^\/subsidies\/?$/, /^\/subsidies\/import\/?$/,
  /^\/subsidies\/cases\/?$/, /^\/subsidies\/people\/\d+\/?$/, /^\/comments\/?$/];

self.addEventListener("install", (event) => {
  // "no-cache" revalidates with the server: files the page has just loaded come back as 304s instead
  // of being downloaded a second time, and a stale HTTP-cached copy never enters the shell cache.
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" }))))
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
