// Tandem's service worker: lets a document page load again while the browser is
// offline, so edits kept in IndexedDB can be read and continued after a reload.
// Pages are network-first (always fresh when online); Next's hashed static
// assets are cache-first (their URLs change whenever their content does).
// The API, the sync endpoints and everything cross-origin pass straight through.

const PAGES = "tandem-pages-v1";
const ASSETS = "tandem-assets-v1";
const KEEP = new Set([PAGES, ASSETS]);

self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (!KEEP.has(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function isAsset(url) {
  return url.pathname.startsWith("/_next/static/") || url.pathname === "/icon.svg";
}

function isPage(request, url) {
  return request.mode === "navigate" && (url.pathname === "/" || url.pathname.startsWith("/d/"));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isAsset(url)) {
    event.respondWith(cacheFirst(request));
  } else if (isPage(request, url)) {
    event.respondWith(networkFirst(request));
  }
});

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(ASSETS);
    await cache.put(request, response.clone());
  }
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    // Only real pages are kept: a 404 or a server error must not replace a good copy.
    if (response.ok) {
      const cache = await caches.open(PAGES);
      await cache.put(request.url, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request.url, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

// The page that registered this worker loaded before the worker existed, so
// neither it nor its scripts went through the cache. It sends their URLs here.
self.addEventListener("message", (event) => {
  const data = event.data;
  if (data?.type !== "cache-urls" || !Array.isArray(data.urls)) return;
  event.waitUntil(
    (async () => {
      for (const raw of data.urls) {
        let url;
        try {
          url = new URL(raw, self.location.origin);
        } catch {
          continue;
        }
        if (url.origin !== self.location.origin) continue;
        const name = isAsset(url)
          ? ASSETS
          : url.pathname === "/" || url.pathname.startsWith("/d/")
            ? PAGES
            : null;
        if (!name) continue;
        const cache = await caches.open(name);
        if (name === ASSETS && (await cache.match(url.href))) continue;
        try {
          const response = await fetch(url.href, { credentials: "same-origin" });
          if (response.ok) await cache.put(url.href, response);
        } catch {
          // Offline already: nothing to add now; the next online load fills the cache.
        }
      }
      event.ports[0]?.postMessage({ type: "cached" });
    })(),
  );
});
