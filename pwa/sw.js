// Service worker: the app shell precached (cache-first, so bump VERSION on every release),
// navigations network-first with the cached shell offline, API reads network-first with the
// last good copy as fallback. Non-GET requests are never touched.
const VERSION = "v2";
const SHELL_CACHE = `jicai-shell-${VERSION}`;
const API_CACHE = `jicai-api-${VERSION}`;
const SHELL = [
  "/index.html",
  "/manifest.webmanifest",
  "/css/app.css",
  "/js/app.js",
  "/js/api.js",
  "/js/dom.js",
  "/js/i18n.js",
  "/js/views/common.js",
  "/js/views/login.js",
  "/js/views/home.js",
  "/js/views/scan.js",
  "/icons/favicon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/icons/apple-touch-icon.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const keep = [SHELL_CACHE, API_CACHE];
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("jicai-") && !keep.includes(n)).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return; // writes go straight to the network, never cached
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/index.html", { cacheName: SHELL_CACHE })));
  } else if (url.pathname.startsWith("/api/")) {
    event.respondWith(networkFirst(request));
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
