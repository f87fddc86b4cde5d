/* Service worker of the walk app (version {{ version }}).
 * The app shell and MapLibre are cached at install; the basemap of the walk's area (style,
 * glyphs, sprite, tiles at zooms 13-17) is cached by the page (walk.js) and answered from that
 * cache when the network fails; pages and the walk API are answered from
 * the network when possible and from the cache otherwise (an answer of 404 or 410, a closed
 * walk's, removes the cached copy); uploads are never intercepted (the page's IndexedDB outbox
 * retries them).
 */
"use strict";
// Each page with a service worker (the walk app, the presence visit log) has its own caches.
var CACHE_PREFIX = "{{ cache|default:'trygg-walk' }}";
var SHELL_CACHE = CACHE_PREFIX + "-shell-{{ version }}";
var DATA_CACHE = CACHE_PREFIX + "-data";
var SHELL = {{ shell|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var API_PREFIXES = {{ api_prefixes|safe }};
var BASEMAP_PREFIXES = {{ basemap_prefixes|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf(CACHE_PREFIX + "-shell-") === 0 && key !== SHELL_CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(DATA_CACHE).then(function (cache) { cache.put(request, copy); });
    } else if (response.status === 404 || response.status === 410) {
      // A closed walk's code answers nothing any more: drop what the phone kept of it.
      caches.open(DATA_CACHE).then(function (cache) { cache.delete(request, { ignoreVary: true }); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      var url = new URL(request.url);
      return caches.match(url.pathname, { ignoreVary: true, ignoreSearch: true }).then(function (other) {
        return other || Response.error();
      });
    });
  });
}

/* The basemap: the network when there is one (nothing stored: the page decides which tiles are
 * kept), else what the page cached for the walk's area. */
function networkElseCache(request) {
  return fetch(request).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isBasemap = BASEMAP_PREFIXES.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
  if (isBasemap) {
    event.respondWith(networkElseCache(request));
    return;
  }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(cacheFirst(request));
    return;
  }
  var isApi = API_PREFIXES.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
  if (request.mode === "navigate" || isApi) {
    event.respondWith(networkFirst(request));
  }
});
