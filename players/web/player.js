/*
 * Browser player for LCD kiosks: a plain client of docs/protocol.md (player protocol 1).
 *
 * Pairing over HTTP, then Socket.IO /player (websocket only) for state, manifest pushes,
 * commands, alerts, heartbeats and proof of play. The last manifest, the token, unsent proof
 * of play and active alerts live in localStorage; media in CacheStorage (see sw.js), so a
 * reload with the server down keeps playing.
 */
(function () {
  "use strict";

  var PROTOCOL = 1;
  var CONFIG = JSON.parse(document.getElementById("player-config").textContent);
  var T = CONFIG.strings;
  var MEDIA_CACHE = "signage-media-v1";
  var HEARTBEAT_MS = 30000;
  var ALERT_SYNC_MS = 5000; // `alert_sync`: the server answers what to show or drop
  var PAIRING_POLL_MS = 4000;
  var BACKOFF_BASE_S = 1;
  var BACKOFF_CAP_S = 60;
  var STABLE_MS = 60000; // a connection this long resets the backoff
  var POP_FLUSH_MS = 60000;
  var POP_BATCH_MAX = 500;
  var ALERT_ROTATE_MS = 10000;
  var IDENTIFY_MS = 30000;
  var SEVERITY = { extreme: 4, severe: 3, moderate: 2, minor: 1 };
  var KEY = {
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

  var $ = function (id) { return document.getElementById(id); };
  var NOT_PAIRED_YET = $("pairing-not-paired").textContent;
  var startedAt = Date.now();
  var skewMs = 0; // server time minus local time, from `state`
  var socket = null;
  var attempt = 0;
  var connectedAt = 0;
  var reconnectTimer = null;
  var heartbeatTimer = null;
  var alertSyncTimer = null;
  var pairingTimer = null;
  var identifyTimer = null;
  var renderTimer = null;
  var mode = "boot"; // boot | pairing | playing
  var manifest = load(KEY.manifest); // {version, manifest}
  var loading = null; // version being preloaded
  var showing = null; // {kind, entry, since, url}
  var alerts = load(KEY.alerts) || {}; // id -> {alert, shown}

  // ---- storage -----------------------------------------------------------------------------

  function load(key) {
    try {
      var raw = localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function save(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      console.warn("storage full or unavailable", e);
    }
  }

  function now() { return Date.now() + skewMs; }

  function iso(ms) { return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"); }

  function setNotice(text) {
    var el = $("notice");
    el.textContent = text || "";
    el.hidden = !text;
  }

  function setMode(next) {
    mode = next;
    $("stage").dataset.mode = next;
    $("pairing").hidden = next !== "pairing";
  }

  function authHeaders() {
    return { Authorization: "Bearer " + load(KEY.token) };
  }

  // ---- pairing -----------------------------------------------------------------------------

  function startPairing(reason) {
    stopSocket();
    stopTimers();
    save(KEY.token, null);
    save(KEY.board, null);
    save(KEY.manifest, null);
    save(KEY.alerts, null);
    save(KEY.batches, null);
    save(KEY.pending, null);
    save(KEY.outbox, null);
    manifest = null;
    alerts = {};
    stopTicker();
    renderAlerts();
    setMode("pairing");
    // Why we are pairing (revoked, not paired) stays up; the status line shows progress.
    $("pairing-not-paired").textContent = reason || NOT_PAIRED_YET;
    $("pairing-status").textContent = "";
    $("stage").dataset.paired = "no";
    var ticket = load(KEY.pairing);
    if (ticket && Date.parse(ticket.expires_at) > Date.now() + 15000) {
      showTicket(ticket);
      pollPairing();
    } else {
      requestPairing();
    }
  }

  function showTicket(ticket) {
    var c = ticket.pairing_code;
    $("pairing-code").textContent = c.slice(0, 3) + " " + c.slice(3);
    $("pairing-code").dataset.code = c;
  }

  function requestPairing() {
    save(KEY.pairing, null);
    $("pairing-code").textContent = "";
    $("pairing-code").dataset.code = "";
    $("pairing-status").textContent = T.requesting;
    fetch("/api/v1/pairing", { method: "POST", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (resp.status === 429) {
          $("pairing-status").textContent = T.rate_limited;
          pairingTimer = setTimeout(requestPairing, 60000);
          return null;
        }
        if (resp.status !== 201) throw new Error("pairing answered " + resp.status);
        return resp.json();
      })
      .then(function (ticket) {
        if (!ticket) return;
        save(KEY.pairing, ticket);
        showTicket(ticket);
        $("pairing-status").textContent = T.waiting;
        pairingTimer = setTimeout(pollPairing, PAIRING_POLL_MS);
      })
      .catch(function () {
        $("pairing-status").textContent = T.unreachable;
        pairingTimer = setTimeout(requestPairing, 5000);
      });
  }

  function pollPairing() {
    var ticket = load(KEY.pairing);
    if (!ticket) return requestPairing();
    fetch("/api/v1/pairing/" + encodeURIComponent(ticket.claim_id), { cache: "no-store" })
      .then(function (resp) {
        if (resp.status === 200) return resp.json();
        if (resp.status === 404 || resp.status === 409 || resp.status === 410) {
          requestPairing();
          return null;
        }
        throw new Error("poll answered " + resp.status);
      })
      .then(function (body) {
        if (!body) return;
        if (body.status === "paired" && body.token) {
          save(KEY.pairing, null);
          save(KEY.token, body.token);
          save(KEY.board, body.board);
          $("pairing-status").textContent = T.paired;
          startPlaying();
          return;
        }
        $("pairing-status").textContent = T.waiting;
        pairingTimer = setTimeout(pollPairing, PAIRING_POLL_MS);
      })
      .catch(function () {
        $("pairing-status").textContent = T.unreachable;
        pairingTimer = setTimeout(pollPairing, PAIRING_POLL_MS);
      });
  }

  // ---- socket ------------------------------------------------------------------------------

  function startPlaying() {
    clearTimeout(pairingTimer);
    setMode("playing");
    $("stage").dataset.paired = "yes";
    applyProfile(load(KEY.profile) || (manifest && manifest.manifest.profile) || "");
    startRender();
    connect();
    heartbeatTimer = setInterval(heartbeat, HEARTBEAT_MS);
    alertSyncTimer = setInterval(syncAlerts, ALERT_SYNC_MS);
  }

  function stopTimers() {
    clearTimeout(pairingTimer);
    clearTimeout(reconnectTimer);
    clearInterval(heartbeatTimer);
    heartbeatTimer = null;
    clearInterval(alertSyncTimer);
    alertSyncTimer = null;
  }

  function stopSocket() {
    if (socket) {
      socket.off();
      socket.io.off();
      socket.disconnect();
      socket = null;
    }
  }

  function heldAlerts() {
    return Object.keys(alerts).map(function (id) {
      return { id: alerts[id].alert.id, version: alerts[id].alert.version };
    });
  }

  function connect() {
    stopSocket();
    if (!load(KEY.token)) return startPairing("");
    // Reconnection is ours (full jitter), not socket.io's (its jitter is partial).
    socket = io("/player", {
      path: "/socket.io/",
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 20000,
      auth: function (cb) {
        cb({
          token: load(KEY.token) || "",
          protocol: PROTOCOL,
          player_version: CONFIG.version,
          manifest_version: manifest ? manifest.version : "",
          alerts: heldAlerts()
        });
      }
    });
    socket.on("connect", function () {
      connectedAt = Date.now();
      $("stage").dataset.connected = "yes";
    });
    socket.on("connect_error", function (err) {
      $("stage").dataset.connected = "no";
      var reason = err && err.message;
      if (reason === "unauthorized" || reason === "revoked") {
        startPairing(reason === "revoked" ? T.revoked : T.not_paired);
      } else if (reason === "unsupported_protocol" || reason === "invalid_auth") {
        console.error("connection refused:", reason);
        setNotice(T.update);
        scheduleReconnect(3600000);
      } else {
        scheduleReconnect();
      }
    });
    socket.on("disconnect", function (reason) {
      $("stage").dataset.connected = "no";
      if (mode !== "playing") return;
      if (connectedAt && Date.now() - connectedAt > STABLE_MS) attempt = 0;
      connectedAt = 0;
      scheduleReconnect();
    });
    socket.on("state", onState);
    socket.on("manifest", function (msg) {
      if (!manifest || !msg || msg.version !== manifest.version) fetchManifest();
    });
    socket.on("command", onCommand);
    socket.on("ack", onAck);
    socket.on("revoked", function () { startPairing(T.revoked); });
    socket.on("error", function (msg) {
      console.warn("server error event", msg);
      if (msg && msg.code === "invalid_message" && msg.batch_id) dropBatch(msg.batch_id);
    });
    socket.on("alert", onAlert);
    socket.on("alert_cancel", onAlertCancel);
  }

  /** Exponential backoff with full jitter: random(0, min(cap, base * 2^attempt)). */
  function scheduleReconnect(fixedMs) {
    stopSocket();
    clearTimeout(reconnectTimer);
    var ms = fixedMs;
    if (ms === undefined) {
      var ceiling = Math.min(BACKOFF_CAP_S, BACKOFF_BASE_S * Math.pow(2, attempt));
      ms = Math.random() * ceiling * 1000;
      attempt = Math.min(attempt + 1, 30);
    }
    $("stage").dataset.retryMs = String(Math.round(ms));
    reconnectTimer = setTimeout(connect, ms);
  }

  function onState(state) {
    setNotice("");
    if (state.server_time) skewMs = Date.parse(state.server_time) - Date.now();
    if (state.board) {
      save(KEY.board, state.board.code);
      $("stage").dataset.board = state.board.code;
      $("stage").dataset.name = state.board.name || "";
    }
    if (state.profile) {
      save(KEY.profile, state.profile);
      applyProfile(state.profile);
    }
    replaceAlerts(state.alerts || []);
    if (!manifest || manifest.version !== state.manifest_version) fetchManifest();
    flushOutbox();
    cutBatch();
    sendBatches();
    heartbeat();
  }

  function emit(event, payload, ack) {
    if (socket && socket.connected) {
      if (ack) socket.emit(event, payload, ack);
      else socket.emit(event, payload);
      return true;
    }
    return false;
  }

  /** Reconciliation: the ids and versions we show; the server sends `alert`/`alert_cancel`. */
  function syncAlerts() {
    emit("alert_sync", { alerts: heldAlerts().slice(0, 1000) });
  }

  function heartbeat() {
    var beat = {
      current_item: showing && showing.entry ? showing.entry.item : null,
      manifest_version: manifest ? manifest.version : "",
      player_version: CONFIG.version,
      uptime: Math.floor((Date.now() - startedAt) / 1000)
    };
    if (navigator.storage && navigator.storage.estimate) {
      navigator.storage.estimate().then(function (e) {
        if (e && e.quota !== undefined) beat.free_disk = Math.max(0, Math.floor(e.quota - (e.usage || 0)));
        emit("heartbeat", beat);
      }, function () { emit("heartbeat", beat); });
    } else {
      emit("heartbeat", beat);
    }
  }

  // ---- manifest ----------------------------------------------------------------------------

  /** Fetch the board's manifest; switch to it only once every image it needs is cached. */
  function fetchManifest(force) {
    var code = load(KEY.board);
    if (!code || !load(KEY.token)) return;
    var headers = authHeaders();
    var wanted = null; // the version this call preloads
    if (manifest && !force) headers["If-None-Match"] = '"' + manifest.version + '"';
    fetch("/api/v1/boards/" + encodeURIComponent(code) + "/manifest", { headers: headers, cache: "no-store" })
      .then(function (resp) {
        if (resp.status === 304) return null;
        if (resp.status === 401) { startPairing(T.not_paired); return null; }
        if (!resp.ok) throw new Error("manifest answered " + resp.status);
        return resp.json();
      })
      .then(function (doc) {
        if (!doc || (manifest && doc.version === manifest.version) || loading === doc.version) return;
        loading = wanted = doc.version;
        return preload(mediaOf(doc.manifest)).then(function () {
          if (loading !== wanted) return; // a newer manifest is on its way: it wins
          manifest = doc;
          save(KEY.manifest, doc);
          if (doc.manifest.profile) applyProfile(doc.manifest.profile);
          loading = null;
          pruneMedia();
          render();
          heartbeat();
        });
      })
      .catch(function (e) {
        if (wanted === null || loading === wanted) loading = null;
        console.warn("manifest not updated:", e);
        setTimeout(function () { if (socket && socket.connected) fetchManifest(); }, 30000);
      });
  }

  function mediaOf(doc) {
    var seen = {};
    var list = [];
    var lists = (doc.segments || []).map(function (seg) { return seg.entries || []; });
    lists.push(fallbackEntries(doc)); // cached now: it plays when the server is long gone
    lists.forEach(function (entries) {
      entries.forEach(function (e) {
        if (e.url && !seen[e.url]) { seen[e.url] = true; list.push({ url: e.url, sha256: e.sha256 }); }
        var strip = validTicker(e) ? e.ticker : null;
        if (strip && !seen[strip.url]) { seen[strip.url] = true; list.push({ url: strip.url, sha256: strip.sha256 }); }
      });
    });
    return list;
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /** Fetch, verify (SHA-256 where the browser allows it), cache and decode every file. */
  function preload(files) {
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

  function pruneMedia() {
    if (!window.caches || !manifest) return;
    var keep = {};
    mediaOf(manifest.manifest).forEach(function (f) { keep[f.url] = true; });
    Object.keys(alerts).forEach(function (id) {
      var images = alerts[id].alert.images || {};
      Object.keys(images).forEach(function (k) {
        keep[images[k].url] = true;
        var b = images[k].banner;
        if (b && typeof b.url === "string") keep[b.url] = true;
        if (b && b.ticker && typeof b.ticker.url === "string") keep[b.ticker.url] = true;
      });
    });
    caches.open(MEDIA_CACHE).then(function (cache) {
      cache.keys().then(function (requests) {
        requests.forEach(function (req) {
          var path = new URL(req.url).pathname;
          if (!keep[path]) cache.delete(req);
        });
      });
    });
  }

  // ---- playback ----------------------------------------------------------------------------

  function applyProfile(profile) {
    var m = /(\d+)x(\d+)/.exec(profile || "");
    document.body.classList.toggle("led", !!m && parseInt(m[1], 10) < 640);
    document.body.dataset.profile = profile || "";
  }

  function startRender() {
    clearInterval(renderTimer);
    render();
    renderTimer = setInterval(render, 250);
  }

  function currentSegment(t) {
    if (!manifest) return null;
    var segs = manifest.manifest.segments || [];
    for (var i = 0; i < segs.length; i++) {
      if (Date.parse(segs[i].start) <= t && t < Date.parse(segs[i].end)) return segs[i];
    }
    return null;
  }

  /** The entry of a programme segment playing at t: the playlist loops from the segment start. */
  function entryAt(seg, t) {
    var entries = seg.entries || [];
    var total = entries.reduce(function (s, e) { return s + Math.max(1, e.duration_s); }, 0);
    if (!total) return null;
    var offset = ((t - Date.parse(seg.start)) / 1000) % total;
    for (var i = 0; i < entries.length; i++) {
      offset -= Math.max(1, entries[i].duration_s);
      if (offset < 0) return entries[i];
    }
    return entries[entries.length - 1];
  }

  // ---- never blank ---------------------------------------------------------------------------
  // A gap in the schedule plays the area's fallback playlist (if the manifest has one); past the
  // horizon (the server unreachable for days) the fallback playlist, else the last programme,
  // loops from the horizon on; only without either the fallback screen (name and clock) shows.
  // Same rules as the Python player (docs/protocol.md, "Never blank").

  var EPOCH = "2000-01-01T00:00:00Z"; // a loop's start when nothing else fixes one

  function playable(e) {
    return !!(e && typeof e.url === "string" && /^\/[^\/\\]/.test(e.url) && typeof e.item === "number"
      && typeof e.duration_s === "number" && e.duration_s >= 1);
  }

  function fallbackEntries(doc) {
    var f = doc && doc.fallback_playlist;
    return f && Array.isArray(f.entries) ? f.entries.filter(playable) : [];
  }

  /** Where the manifest's timeline ends (ms): its last segment's end, or `to` if later. */
  function horizonMs(doc) {
    var segs = doc.segments || [];
    var ends = segs.map(function (s) { return Date.parse(s.end); });
    if (doc.to) ends.push(Date.parse(doc.to));
    ends = ends.filter(function (x) { return !isNaN(x); });
    return ends.length ? Math.max.apply(null, ends) : null;
  }

  function lastProgramme(doc) {
    var segs = doc.segments || [];
    for (var i = segs.length - 1; i >= 0; i--) {
      if (segs[i].kind === "programme" && (segs[i].entries || []).filter(playable).length) return segs[i];
    }
    return null;
  }

  /** A loop of entries from `start` (ISO): shaped like a programme segment for entryAt/ticker. */
  function loop(start, entries) { return { start: start, kind: "programme", entries: entries }; }

  /** What airs at t: {seg, kind, source}; seg is the programme (or loop) whose entry plays. */
  function airingAt(t) {
    var seg = currentSegment(t);
    if (seg && seg.kind === "programme" && (seg.entries || []).length) return { seg: seg, kind: "programme", source: null };
    if (seg && seg.kind === "off") return { seg: seg, kind: "off", source: null };
    if (!manifest) return { seg: null, kind: "fallback", source: null };
    var doc = manifest.manifest;
    var fallback = fallbackEntries(doc);
    var horizon = horizonMs(doc);
    if (!seg && horizon !== null && t >= horizon) {
      if (fallback.length) return { seg: loop(iso(horizon), fallback), kind: "programme", source: "fallback_playlist" };
      var last = lastProgramme(doc);
      if (last) return { seg: loop(iso(horizon), last.entries.filter(playable)), kind: "programme", source: "last_programme" };
      return { seg: null, kind: "fallback", source: null };
    }
    if (fallback.length) return { seg: loop(seg ? seg.start : EPOCH, fallback), kind: "programme", source: "fallback_playlist" };
    return { seg: seg, kind: "fallback", source: null };
  }

  function render() {
    if (mode !== "playing") return;
    var t = now();
    var airing = airingAt(t);
    var seg = airing.seg;
    var kind = airing.kind;
    var entry = kind === "programme" ? entryAt(seg, t) : null;
    if (kind === "programme" && !entry) kind = "fallback";
    var source = kind === "programme" ? airing.source : null;
    var key = kind + ":" + (entry ? entry.item + "/" + entry.revision + "/" + entry.url : "") + ":" + (seg ? seg.start : "") + ":" + (source || "");
    if (!showing || showing.key !== key) {
      if (showing && showing.entry) recordPlay(showing.entry, showing.since, Date.now(), showing.source);
      showing = { key: key, kind: kind, entry: entry, since: Date.now(), source: source };
      show(kind, entry, source);
    }
    var scroll = kind === "programme" && validTicker(entry) ? key + JSON.stringify(entry.ticker) : "";
    if (scroll !== (ticker ? ticker.key : "")) startTicker(scroll, seg, entry);
    else if (ticker) { ticker.seg = seg; ticker.entry = entry; } // perhaps from a newer manifest
    if (kind === "fallback") drawFallbackText(t);
    renderAlerts();
  }

  function show(kind, entry, source) {
    var stage = $("stage");
    var frame = $("frame");
    stage.dataset.kind = kind;
    stage.dataset.item = entry ? String(entry.item) : "";
    stage.dataset.source = source || "";
    $("fallback").hidden = kind !== "fallback";
    if (kind === "programme") {
      frame.src = entry.url;
      frame.hidden = false;
    } else {
      frame.hidden = true;
      frame.removeAttribute("src");
    }
  }

  // ---- scrolling text ----------------------------------------------------------------------
  // An entry with a `ticker` scrolls its strip as docs/protocol.md defines: s seconds after the
  // entry started, the strip is pasted at x = -(floor(s * speed_px_s) mod strip_width) and every
  // strip width to its right, at row y, over the first frame (black behind the band). The same
  // arithmetic as the server's renderer and the Python player, so frames match pixel for pixel.
  // The first frame (#frame) shows until both pictures are decoded, and whenever the ticker is
  // malformed or a picture fails.

  var tickerCanvas = document.createElement("canvas");
  tickerCanvas.id = "ticker";
  tickerCanvas.hidden = true;
  $("frame").insertAdjacentElement("afterend", tickerCanvas);
  var ticker = null; // {key, seg, entry, still, strip, offset, raf}

  function isCount(v, min) { return typeof v === "number" && isFinite(v) && Math.floor(v) === v && v >= min; }

  function validTicker(entry) {
    var t = entry && entry.ticker;
    return !!(t && typeof t.url === "string" && /^\/[^\/\\]/.test(t.url) && t.url.indexOf("\\") < 0 && t.url.length <= 500
      && typeof t.sha256 === "string" && /^[0-9a-f]{64}$/.test(t.sha256)
      && isCount(t.y, 0) && t.y <= 10000 && isCount(t.speed_px_s, 1) && t.speed_px_s <= 10000
      && isCount(t.strip_width, 1) && t.strip_width <= 1000000);
  }

  /** Milliseconds since `entry` (of programme `seg`) last started, at t; null if not airing. */
  function entryElapsedMs(seg, entry, t) {
    var entries = seg.entries || [];
    var totalMs = entries.reduce(function (s, e) { return s + Math.max(1, e.duration_s) * 1000; }, 0);
    var into = t - Date.parse(seg.start);
    if (!totalMs || into < 0) return null;
    var offset = into % totalMs;
    var at = 0;
    for (var i = 0; i < entries.length; i++) {
      var length = Math.max(1, entries[i].duration_s) * 1000;
      if (offset < at + length) return entries[i] === entry ? offset - at : null;
      at += length;
    }
    return null;
  }

  /** Strip column at the band's left edge `ms` milliseconds after the entry started. */
  function tickerOffset(ms, t) {
    return Math.floor((Math.max(0, ms) / 1000) * t.speed_px_s) % t.strip_width;
  }

  function stopTicker() {
    if (ticker && ticker.raf) cancelAnimationFrame(ticker.raf);
    ticker = null;
    if (!tickerCanvas.hidden) {
      tickerCanvas.hidden = true;
      if (showing && showing.kind === "programme") $("frame").hidden = false; // the first frame
    }
    var stage = $("stage");
    delete stage.dataset.ticker;
    delete stage.dataset.tickerOffset;
    delete stage.dataset.tickerAt;
  }

  function loaded(url) {
    var img = new Image();
    img.src = url;
    return img.decode().then(function () { return img; });
  }

  function startTicker(key, seg, entry) {
    stopTicker();
    if (!key) return;
    var mine = ticker = { key: key, seg: seg, entry: entry, offset: -1, raf: 0 };
    $("stage").dataset.ticker = "loading";
    Promise.all([loaded(entry.url), loaded(entry.ticker.url)]).then(function (pictures) {
      if (ticker !== mine) return;
      var still = pictures[0], strip = pictures[1];
      if (strip.naturalWidth !== entry.ticker.strip_width) throw new Error("strip width differs from the manifest");
      mine.still = still;
      mine.strip = strip;
      tickerCanvas.width = still.naturalWidth;
      tickerCanvas.height = still.naturalHeight;
      drawTicker();
      $("frame").hidden = true;
      tickerCanvas.hidden = false;
      $("stage").dataset.ticker = "on";
    }).catch(function (e) {
      console.warn("ticker shown as its first frame:", e);
      if (ticker === mine) { mine.failed = true; $("stage").dataset.ticker = "still"; }
    });
  }

  function drawTicker() {
    var mine = ticker;
    if (!mine || !mine.strip) return;
    var t = now();
    var ms = entryElapsedMs(mine.seg, mine.entry, t);
    if (ms !== null) {
      var spec = mine.entry.ticker;
      var offset = tickerOffset(ms, spec);
      if (offset !== mine.offset) {
        var ctx = tickerCanvas.getContext("2d");
        var w = tickerCanvas.width, band = mine.strip.naturalHeight;
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(mine.still, 0, 0);
        ctx.fillStyle = "#000";
        ctx.fillRect(0, spec.y, w, band);
        for (var x = -offset; x < w; x += mine.strip.naturalWidth) ctx.drawImage(mine.strip, x, spec.y);
        mine.offset = offset;
        var stage = $("stage");
        stage.dataset.tickerOffset = String(offset);
        stage.dataset.tickerAt = String(t); // the instant this frame shows (server time, ms)
      }
    }
    mine.raf = requestAnimationFrame(drawTicker);
  }

  function tzName() {
    return (manifest && manifest.manifest.tz) || "Asia/Ho_Chi_Minh";
  }

  function drawFallbackText(t) {
    var d = new Date(t);
    var name = (manifest && manifest.manifest.fallback) || $("stage").dataset.name || "";
    var clock, date;
    try {
      clock = new Intl.DateTimeFormat(CONFIG.lang, { timeZone: tzName(), hour: "2-digit", minute: "2-digit", hour12: false }).format(d);
      date = new Intl.DateTimeFormat(CONFIG.lang, { timeZone: tzName(), weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(d);
    } catch (e) {
      clock = d.toISOString().slice(11, 16) + " UTC";
      date = d.toISOString().slice(0, 10);
    }
    if ($("fallback-name").textContent !== name) $("fallback-name").textContent = name;
    if ($("fallback-clock").textContent !== clock) $("fallback-clock").textContent = clock;
    if ($("fallback-date").textContent !== date) $("fallback-date").textContent = date;
  }

  // ---- proof of play -----------------------------------------------------------------------

  /** One proof-of-play record; `source` marks a play no schedule asked for. */
  function recordPlay(entry, since, until, source) {
    if (!entry.item || !entry.revision) return;
    var pending = load(KEY.pending) || [];
    var record = {
      item_id: entry.item,
      revision_id: entry.revision,
      start: iso(since + skewMs),
      duration_s: Math.min(86400, Math.max(0, Math.round((until - since) / 100) / 10))
    };
    if (source) record.source = source;
    pending.push(record);
    save(KEY.pending, pending);
    if (pending.length >= 50) { cutBatch(); sendBatches(); }
  }

  /** Move pending records into numbered batches kept until the server acknowledges them. */
  function cutBatch() {
    var pending = load(KEY.pending) || [];
    if (!pending.length) return;
    var batches = load(KEY.batches) || {};
    while (pending.length) {
      var counter = (load(KEY.counter) || 0) + 1;
      save(KEY.counter, counter);
      var id = iso(Date.now()) + "-" + ("000" + counter).slice(-4);
      batches[id] = pending.splice(0, POP_BATCH_MAX);
    }
    save(KEY.batches, batches);
    save(KEY.pending, []);
  }

  function sendBatches() {
    var batches = load(KEY.batches) || {};
    Object.keys(batches).sort().forEach(function (id) {
      emit("proof_of_play", { batch_id: id, records: batches[id] }, function (ack) {
        if (ack && ack.batch_id) onAck(ack);
        else if (ack && ack.error && ack.error.code === "unavailable") retryBatches(ack.error.retry_after_s);
      });
    });
  }

  // The server could not store a batch now: send the unacknowledged ones again after its
  // retry_after_s (bounded to 1-120 s, with jitter), not only at the next minute's flush.
  var batchRetryTimer = null;
  function retryBatches(seconds) {
    if (batchRetryTimer) return;
    var s = Math.min(120, Math.max(1, Number(seconds) || 10)) * (1 + Math.random() / 2);
    batchRetryTimer = setTimeout(function () {
      batchRetryTimer = null;
      if (mode === "playing") sendBatches();
    }, s * 1000);
  }

  function onAck(ack) {
    if (ack && ack.batch_id) dropBatch(ack.batch_id);
  }

  function dropBatch(id) {
    var batches = load(KEY.batches) || {};
    if (batches[id]) {
      delete batches[id];
      save(KEY.batches, batches);
    }
  }

  // ---- commands ----------------------------------------------------------------------------

  function result(command, ok, detail) {
    emit("command_result", { command_id: command.id, ok: ok, detail: String(detail || "").slice(0, 1000) });
  }

  function onCommand(command) {
    if (!command || !command.id) return;
    if (command.name === "reload") {
      result(command, true, "reloading");
      setTimeout(function () { location.reload(); }, 500);
    } else if (command.name === "identify") {
      identify();
      result(command, true, "identified for 30 s");
    } else if (command.name === "screenshot") {
      screenshot().then(function (body) {
        result(command, true, body.url);
      }, function (e) {
        result(command, false, "screenshot failed: " + e);
      });
    } else {
      result(command, false, "unknown command " + command.name);
    }
  }

  function identify() {
    $("identify-code").textContent = load(KEY.board) || "";
    $("identify-name").textContent = $("stage").dataset.name || "";
    $("identify").hidden = false;
    clearTimeout(identifyTimer);
    identifyTimer = setTimeout(function () { $("identify").hidden = true; }, IDENTIFY_MS);
  }

  function drawContain(ctx, img, w, h) {
    var scale = Math.min(w / img.naturalWidth, h / img.naturalHeight);
    var dw = img.naturalWidth * scale, dh = img.naturalHeight * scale;
    ctx.imageSmoothingEnabled = !document.body.classList.contains("led");
    ctx.drawImage(img, (w - dw) / 2, (h - dh) / 2, dw, dh);
  }

  function drawLines(ctx, lines, w, h, colour) {
    ctx.fillStyle = colour;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    var y = h / 2 - ((lines.length - 1) * h * 0.09);
    lines.forEach(function (line) {
      ctx.font = "600 " + Math.round(line[1] * Math.min(w, h)) + "px 'Be Vietnam Pro', sans-serif";
      ctx.fillText(line[0], w / 2, y, w * 0.92);
      y += h * 0.18;
    });
  }

  /** What the screen shows, drawn on a canvas: alert, image, fallback or black. */
  function screenshot() {
    var w = Math.max(1, window.innerWidth), h = Math.max(1, window.innerHeight);
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, w, h);
    var alertImg = $("alert-image");
    if (!$("alert").hidden && !alertImg.hidden && alertImg.complete && alertImg.naturalWidth) {
      drawContain(ctx, alertImg, w, h);
    } else if (!$("alert").hidden) {
      ctx.fillStyle = "#c00";
      ctx.fillRect(0, 0, w, h);
      drawLines(ctx, [[$("alert-headline").textContent, 0.08], [$("alert-body").textContent, 0.045]], w, h, "#fff");
    } else if (showing && showing.kind === "programme" && !tickerCanvas.hidden) {
      var c = tickerCanvas, s = Math.min(w / c.width, h / c.height);
      ctx.imageSmoothingEnabled = !document.body.classList.contains("led");
      ctx.drawImage(c, (w - c.width * s) / 2, (h - c.height * s) / 2, c.width * s, c.height * s);
    } else if (showing && showing.kind === "programme" && $("frame").complete && $("frame").naturalWidth) {
      drawContain(ctx, $("frame"), w, h);
    } else if (showing && showing.kind === "fallback") {
      ctx.fillStyle = "#0b2545";
      ctx.fillRect(0, 0, w, h);
      drawLines(ctx, [[$("fallback-name").textContent, 0.06], [$("fallback-clock").textContent, 0.2], [$("fallback-date").textContent, 0.05]], w, h, "#fff");
    }
    if ($("alert").hidden && !bannerCanvas.hidden) {
      var r = bannerCanvas.getBoundingClientRect();
      ctx.imageSmoothingEnabled = !document.body.classList.contains("led");
      ctx.drawImage(bannerCanvas, r.left, r.top, r.width, r.height);
    }
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (!blob) return reject(new Error("canvas is empty"));
        var headers = authHeaders();
        headers["Content-Type"] = "image/png";
        fetch("/api/v1/boards/" + encodeURIComponent(load(KEY.board)) + "/screenshot", { method: "POST", headers: headers, body: blob })
          .then(function (resp) {
            if (resp.status !== 201) throw new Error("upload answered " + resp.status);
            return resp.json();
          })
          .then(resolve, reject);
      }, "image/png");
    });
  }

  // ---- alerts ------------------------------------------------------------------------------

  function saveAlerts() { save(KEY.alerts, alerts); }

  function receipt(alert, status) {
    var msg = { id: alert.id, version: alert.version, status: status };
    if (!emit("alert_receipt", msg)) {
      var outbox = load(KEY.outbox) || [];
      outbox.push(["alert_receipt", msg]);
      save(KEY.outbox, outbox.slice(-200));
    }
  }

  function flushOutbox() {
    var outbox = load(KEY.outbox) || [];
    save(KEY.outbox, []);
    outbox.forEach(function (m) { emit(m[0], m[1]); });
  }

  function validAlert(a) {
    return a && typeof a.id === "number" && typeof a.version === "number";
  }

  function onAlert(a) {
    if (!validAlert(a)) return;
    var held = alerts[a.id];
    if (held && held.alert.version > a.version) return;
    var sameVersion = held && held.alert.version === a.version;
    if (sameVersion) return confirmAlert(held); // a resend: the server lacks our receipt
    alerts[a.id] = { alert: a, shown: false, at: Date.now() };
    freshAlerts[a.id] = true; // on screen at the next frame, whatever the rotation
    saveAlerts();
    preloadAlert(a);
    renderAlerts();
  }

  /** The receipt for an alert we hold: `displayed` once it was on screen, else `received`. */
  function confirmAlert(held) {
    receipt(held.alert, held.shown ? "displayed" : "received");
  }

  function onAlertCancel(c) {
    if (!c || typeof c.id !== "number" || typeof c.version !== "number") return;
    if (alerts[c.id] === undefined) return receipt(c, "cleared"); // already gone: confirm again
    if (alerts[c.id].alert.version > c.version) return;
    var held = alerts[c.id].alert;
    delete alerts[c.id];
    saveAlerts();
    renderAlerts();
    receipt({ id: held.id, version: c.version || held.version }, "cleared");
  }

  /** `state.alerts` is the complete active set: replace ours, keeping what was shown. */
  function replaceAlerts(list) {
    var next = {};
    list.filter(validAlert).forEach(function (a) {
      var held = alerts[a.id];
      if (!held || held.alert.version !== a.version) freshAlerts[a.id] = true;
      next[a.id] = { alert: a, shown: !!(held && held.alert.version === a.version && held.shown), at: held ? held.at : Date.now() };
      preloadAlert(a);
    });
    alerts = next;
    saveAlerts();
    renderAlerts();
    Object.keys(alerts).forEach(function (id) { if (alerts[id].shown) confirmAlert(alerts[id]); });
  }

  function alertImage(a) {
    var profile = load(KEY.profile) || document.body.dataset.profile || "";
    var images = a.images || {};
    return images[profile] || null;
  }

  function preloadAlert(a) {
    var img = alertImage(a);
    if (!img || !window.caches) return;
    var urls = [img.url];
    var b = bannerOf(a);
    if (b) urls.push(b.url);
    if (b && b.ticker) urls.push(b.ticker.url);
    caches.open(MEDIA_CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); });
      }));
    }).catch(function () {});
  }

  function activeAlerts() {
    var t = now();
    var changed = false;
    var list = [];
    Object.keys(alerts).forEach(function (id) {
      var a = alerts[id].alert;
      if (a.expires_at && Date.parse(a.expires_at) <= t) {
        delete alerts[id];
        changed = true;
      } else {
        list.push(alerts[id]);
      }
    });
    if (changed) saveAlerts();
    list.sort(function (x, y) {
      var s = (SEVERITY[y.alert.severity] || 0) - (SEVERITY[x.alert.severity] || 0);
      return s || y.alert.id - x.alert.id;
    });
    return list;
  }

  var shownAlertKey = "";
  // Rotation among equally severe alerts, as the Python player does (alerts.py): turns are
  // counted from when each alert went on screen (monotonic clock), not in absolute buckets, and
  // an alert that arrives or changes version among them shows at the next frame for a whole
  // turn, then the rotation goes on from it. A less severe one still waits.
  var freshAlerts = {}; // id -> true: arrived or changed, not yet on screen
  var onScreen = null; // the alert id on screen since onSince (performance.now() ms)
  var onSince = 0;

  function mono() { return window.performance && performance.now ? performance.now() : Date.now(); }

  /** The alert to show among `list` (display order), keeping turns ALERT_ROTATE_MS long. */
  function rotation(list) {
    var top = SEVERITY[list[0].alert.severity] || 0;
    var peers = list.filter(function (h) { return (SEVERITY[h.alert.severity] || 0) === top; });
    var ids = peers.map(function (h) { return h.alert.id; });
    var fresh = peers.filter(function (h) { return freshAlerts[h.alert.id]; });
    var at = mono();
    var i = ids.indexOf(onScreen);
    var chosen;
    if (fresh.length) chosen = fresh[0]; // the best ranked of those that just arrived
    else if (i >= 0 && at - onSince >= 0 && at - onSince < ALERT_ROTATE_MS) return peers[i];
    else if (i >= 0) chosen = peers[(i + 1) % peers.length]; // the next one's turn
    else chosen = peers[0];
    freshAlerts = {};
    onScreen = chosen.alert.id;
    onSince = at;
    return chosen;
  }

  function renderAlerts() {
    var all = mode === "playing" ? activeAlerts() : [];
    // Banners air in their strip only while no alert takes over the screen.
    var list = all.filter(function (h) { return !bannerOf(h.alert); });
    renderBanner(list.length ? [] : all.filter(function (h) { return !!bannerOf(h.alert); }));
    var box = $("alert");
    if (!list.length) {
      box.hidden = true;
      shownAlertKey = "";
      freshAlerts = {};
      onScreen = null;
      $("stage").dataset.alert = "";
      return;
    }
    var held = rotation(list);
    var a = held.alert;
    var key = a.id + ":" + a.version;
    box.hidden = false;
    $("stage").dataset.alert = String(a.id);
    if (key !== shownAlertKey) {
      shownAlertKey = key;
      var img = alertImage(a);
      var imageEl = $("alert-image");
      $("alert-headline").textContent = a.headline || T.emergency;
      $("alert-body").textContent = a.body || "";
      if (img) {
        imageEl.hidden = false;
        $("alert-text").hidden = true;
        imageEl.onerror = function () { imageEl.hidden = true; $("alert-text").hidden = false; };
        imageEl.src = img.url;
      } else {
        imageEl.hidden = true;
        imageEl.removeAttribute("src");
        $("alert-text").hidden = false;
      }
    }
    if (!held.shown) {
      held.shown = true;
      saveAlerts();
      receipt(a, "displayed");
    }
  }

  // ---- banners -----------------------------------------------------------------------------
  // An alert with `mode: "banner"` and a valid `banner` for our profile airs in a strip over
  // the programme (docs/protocol.md): the strip is pasted at row `y` of the rendition, on a
  // canvas laid over the picture where the rendition's rows are on screen. A scrolling banner
  // pastes its ticker strip from column ticker.x, `s` seconds after the banner went on screen,
  // at -(floor(s * speed_px_s) mod strip_width): the Python player's arithmetic. Banners take
  // turns like takeovers (most severe, then newest; a new one goes on screen at once) and wait
  // while the screen is off. Anything else (another mode, a malformed banner) takes over.

  var bannerCanvas = $("banner");
  var banner = null; // {key, held, spec, since, strip, band, offset, raf}
  var bannerTurn = { id: null, since: 0 };

  function validFile(f) {
    return !!(f && typeof f.url === "string" && /^\/[^\/\\]/.test(f.url) && f.url.indexOf("\\") < 0
      && f.url.length <= 500 && typeof f.sha256 === "string" && /^[0-9a-f]{64}$/.test(f.sha256));
  }

  function validBanner(b) {
    if (!validFile(b) || !isCount(b.y, 0) || b.y > 16384 || !isCount(b.height, 1) || b.height > 16384) return false;
    var t = b.ticker;
    return t === undefined || t === null || (validFile(t) && isCount(t.x, 0) && t.x <= 16384
      && isCount(t.y, 0) && t.y <= 16384 && isCount(t.speed_px_s, 1) && t.speed_px_s <= 10000
      && isCount(t.strip_width, 1) && t.strip_width <= 1000000);
  }

  /** The alert's banner for our profile, or null when it takes over the screen. */
  function bannerOf(a) {
    if (!a || a.mode !== "banner") return null;
    var img = alertImage(a);
    return img && validBanner(img.banner) ? img.banner : null;
  }

  function pickBanner(list) {
    var top = SEVERITY[list[0].alert.severity] || 0;
    var peers = list.filter(function (h) { return (SEVERITY[h.alert.severity] || 0) === top; });
    var ids = peers.map(function (h) { return h.alert.id; });
    var fresh = peers.filter(function (h) { return !h.shown; });
    var at = ids.indexOf(bannerTurn.id);
    var chosen;
    if (fresh.length) chosen = fresh[0]; // new, or a new version: on screen at once
    else if (at >= 0 && Date.now() - bannerTurn.since < ALERT_ROTATE_MS) return peers[at];
    else if (at >= 0) chosen = peers[(at + 1) % peers.length];
    else chosen = peers[0];
    bannerTurn = { id: chosen.alert.id, since: Date.now() };
    return chosen;
  }

  function hideBanner() {
    if (banner && banner.raf) cancelAnimationFrame(banner.raf);
    banner = null;
    bannerCanvas.hidden = true;
    bannerTurn = { id: null, since: 0 };
    var stage = $("stage");
    delete stage.dataset.banner;
    delete stage.dataset.bannerOffset;
    delete stage.dataset.bannerAt;
  }

  function renderBanner(list) {
    if (!list.length || !showing || showing.kind === "off") return hideBanner();
    var held = pickBanner(list);
    var a = held.alert, spec = bannerOf(a);
    var key = a.id + ":" + a.version + ":" + JSON.stringify(spec);
    if (!banner || banner.key !== key) startBanner(key, held, spec);
    placeBanner(spec);
    if (!held.shown) {
      held.shown = true;
      saveAlerts();
      receipt(a, "displayed");
    }
  }

  function startBanner(key, held, spec) {
    if (banner && banner.raf) cancelAnimationFrame(banner.raf);
    var mine = banner = { key: key, held: held, spec: spec, since: bannerTurn.since, offset: -1, raf: 0 };
    $("stage").dataset.banner = "loading";
    var wanted = [loaded(spec.url)];
    if (spec.ticker) wanted.push(loaded(spec.ticker.url));
    Promise.all(wanted).then(function (pictures) {
      if (banner !== mine) return;
      if (spec.ticker && pictures[1].naturalWidth !== spec.ticker.strip_width) throw new Error("strip width differs from the alert");
      mine.strip = pictures[0];
      mine.band = pictures[1] || null;
      bannerCanvas.width = mine.strip.naturalWidth;
      bannerCanvas.height = mine.strip.naturalHeight;
      drawBanner();
      bannerCanvas.hidden = false;
      $("stage").dataset.banner = String(held.alert.id);
    }).catch(function (e) {
      // The strip is missing: the alert airs full screen instead (it must not go unseen).
      console.warn("banner shown full screen:", e);
      if (banner !== mine) return;
      held.alert = Object.assign({}, held.alert, { mode: "takeover" });
      hideBanner();
      renderAlerts();
    });
  }

  function drawBanner() {
    var mine = banner;
    if (!mine || !mine.strip) return;
    var t = now();
    var spec = mine.spec, tk = spec.ticker;
    var offset = tk ? Math.floor((Math.max(0, Date.now() - mine.since) / 1000) * tk.speed_px_s) % tk.strip_width : 0;
    if (offset !== mine.offset) {
      var ctx = bannerCanvas.getContext("2d");
      var w = bannerCanvas.width;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(mine.strip, 0, 0);
      if (tk && mine.band) {
        var bandH = mine.band.naturalHeight;
        ctx.save();
        ctx.beginPath();
        ctx.rect(tk.x, tk.y, w - tk.x, bandH);
        ctx.clip();
        ctx.fillStyle = "#000";
        ctx.fillRect(tk.x, tk.y, w - tk.x, bandH);
        for (var x = tk.x - offset; x < w; x += mine.band.naturalWidth) ctx.drawImage(mine.band, x, tk.y);
        ctx.restore();
      }
      mine.offset = offset;
      var stage = $("stage");
      stage.dataset.bannerOffset = String(offset);
      stage.dataset.bannerAt = String(t);
    }
    if (tk) mine.raf = requestAnimationFrame(drawBanner);
  }

  /** Lay the canvas over the rows `y`..`y + height` of the rendition as it shows on screen. */
  function placeBanner(spec) {
    var m = /(\d+)x(\d+)/.exec(document.body.dataset.profile || "");
    var W = window.innerWidth, H = window.innerHeight;
    var rw = m ? parseInt(m[1], 10) : W, rh = m ? parseInt(m[2], 10) : H;
    var scale = Math.min(W / rw, H / rh);
    var left = (W - rw * scale) / 2, top = (H - rh * scale) / 2 + spec.y * scale;
    var style = bannerCanvas.style;
    style.left = left + "px";
    style.top = top + "px";
    style.width = rw * scale + "px";
    style.height = spec.height * scale + "px";
  }

  // ---- boot --------------------------------------------------------------------------------

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(CONFIG.sw, { scope: CONFIG.scope }).catch(function (e) {
      console.warn("service worker not registered:", e);
    });
  }

  window.addEventListener("pagehide", function () {
    // Keep what was on screen until now: the record survives the reload in localStorage.
    if (mode === "playing" && showing && showing.entry) {
      recordPlay(showing.entry, showing.since, Date.now(), showing.source);
      showing = null;
    }
  });

  window.addEventListener("storage", function (e) {
    // Another tab of the same kiosk profile unpaired us.
    if (e.key === KEY.token && !e.newValue && mode === "playing") startPairing(T.not_paired);
  });

  registerServiceWorker();
  setInterval(function () {
    if (mode === "playing") { cutBatch(); sendBatches(); }
  }, POP_FLUSH_MS);
  if (load(KEY.token)) startPlaying();
  else startPairing("");
})();
