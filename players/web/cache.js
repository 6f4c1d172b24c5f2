/*
 * What the player keeps across reloads: the token, the last manifest, unsent proof of play and
 * active alerts in localStorage; media in CacheStorage (filled here as a manifest preloads,
 * served offline by sw.js, which this module registers).
 */

export const MEDIA_CACHE = "signage-media-v1";
export const KEY = {
  token: "signage.token",
  board: "signage.board",
  manifest: "signage.manifest",
  pairing: "signage.pairing",
  pending: "signage.pop.pending",
  batches: "signage.pop.batches",
  counter: "signage.pop.counter",
  alerts: "signage.alerts",
  outbox: "signage.outbox",
  profile: "signage.profile"
};

export function load(key) {
  try {
    var raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (e) {
    return null;
  }
}

export function save(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    console.warn("storage full or unavailable", e);
  }
}

function hex(buffer) {
  return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
    return ("0" + b.toString(16)).slice(-2);
  }).join("");
}

/** Fetch, verify (SHA-256 where the browser allows it), cache and decode every file. */
export function preload(files) {
  var cachePromise = window.caches ? caches.open(MEDIA_CACHE) : Promise.resolve(null);
  return cachePromise.then(function (cache) {
    return Promise.all(files.map(function (f) { return preloadOne(cache, f); }));
  });
}

function preloadOne(cache, file) {
  var lookup = cache ? cache.match(file.url) : Promise.resolve(null);
  return lookup.then(function (hit) {
    if (hit) return decode(file.url);
    return fetch(file.url).then(function (resp) {
      if (!resp.ok) throw new Error(file.url + " answered " + resp.status);
      return resp.clone().arrayBuffer().then(function (buf) {
        var check = window.crypto && crypto.subtle && file.sha256
          ? crypto.subtle.digest("SHA-256", buf).then(function (d) {
              if (hex(d) !== file.sha256) throw new Error(file.url + ": wrong SHA-256");
            })
          : Promise.resolve();
        return check.then(function () {
          return cache ? cache.put(file.url, resp) : null;
        });
      });
    }).then(function () { return decode(file.url); });
  });
}

function decode(url) {
  var img = new Image();
  img.src = url;
  return img.decode();
}

/** Cache these URLs if they are not yet (an alert's pictures); failures are ignored. */
export function cacheUrls(urls) {
  if (!window.caches) return;
  caches.open(MEDIA_CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return cache.match(url).then(function (hit) { return hit || cache.add(url); });
    }));
  }).catch(function () {});
}

/** Drop every cached medium whose path is not in `keep` ({path: true}). */
export function pruneMedia(keep) {
  if (!window.caches) return;
  caches.open(MEDIA_CACHE).then(function (cache) {
    cache.keys().then(function (requests) {
      requests.forEach(function (req) {
        var path = new URL(req.url).pathname;
        if (!keep[path]) cache.delete(req);
      });
    });
  });
}

export function registerServiceWorker(url, scope) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url, { scope: scope }).catch(function (e) {
    console.warn("service worker not registered:", e);
  });
}
