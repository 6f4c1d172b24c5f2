/*
 * Service worker of the browser player: keeps the shell (page, script modules, style, socket.io
 * client, font) and the media so that a reload while the server is down still plays.
 * Media URLs are content-addressed and immutable: cache first. The shell: network first,
 * so an upgraded server is picked up on the next load.
 */
"use strict";

var SHELL_CACHE = "signage-shell-v1";
var MEDIA_CACHE = "signage-media-v1"; // filled by the page as it preloads a manifest
var SHELL = [
  "/player",
  "/player/player.js",
  "/player/schedule.js",
  "/player/cache.js",
  "/player/link.js",
  "/player/render.js",
  "/player/player.css",
  "/player/vendor/socket.io/socket.io.min.js",
  "/player/font.ttf"
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n !== SHELL_CACHE && n !== MEDIA_CACHE;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request, key) {
  return fetch(request).then(function (resp) {
    if (resp.ok) {
      var copy = resp.clone();
      caches.open(SHELL_CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.open(SHELL_CACHE).then(function (cache) {
      return cache.match(key, { ignoreVary: true }).then(function (hit) {
        return hit || cache.match(key, { ignoreSearch: true, ignoreVary: true }).then(function (loose) {
          if (loose) return loose;
          throw new Error("offline and not cached: " + key);
        });
      });
    });
  });
}

function cacheFirst(request) {
  return caches.open(MEDIA_CACHE).then(function (cache) {
    return cache.match(request.url).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (resp) {
        if (resp.ok) cache.put(request.url, resp.clone());
        return resp;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/player" || url.pathname === "/player/") {
    // The page itself, whatever its ?lang: one cached copy per URL, any as a last resort.
    event.respondWith(networkFirst(request, url.pathname + url.search));
  } else if (url.pathname.indexOf("/player/") === 0 && url.pathname !== "/player/sw.js") {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (url.pathname.indexOf("/media/") === 0) {
    event.respondWith(cacheFirst(request));
  }
});
