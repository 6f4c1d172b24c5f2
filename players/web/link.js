/*
 * The browser player's side of the server (docs/protocol.md): pairing over HTTP, the /player
 * Socket.IO connection with our own reconnection backoff, manifest fetches, heartbeats, alert
 * receipts (queued in an outbox while offline), proof of play in acknowledged batches, and
 * the operator's commands.
 */

import { iso, mediaOf } from "./schedule.js";
import { KEY, load, preload, save } from "./cache.js";
import {
  CONFIG, PROTOCOL, T, activate, app, heldAlerts, onAlert, onAlertCancel, onState, startPairing,
  startPlaying
} from "./player.js";
import { $, identify, screenshot, setNotice, showTicket } from "./render.js";

const PAIRING_POLL_MS = 4000;
const BACKOFF_BASE_S = 1;
const BACKOFF_CAP_S = 60;
const STABLE_MS = 60000; // a connection this long resets the backoff
const POP_BATCH_MAX = 500;

export function authHeaders() {
  return { Authorization: "Bearer " + load(KEY.token) };
}

export function requestPairing() {
  save(KEY.pairing, null);
  $("pairing-code").textContent = "";
  $("pairing-code").dataset.code = "";
  $("pairing-status").textContent = T.requesting;
  fetch("/api/v1/pairing", { method: "POST", headers: { Accept: "application/json" } })
    .then(function (resp) {
      if (resp.status === 429) {
        $("pairing-status").textContent = T.rate_limited;
        app.timers.pairing = setTimeout(requestPairing, 60000);
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
      app.timers.pairing = setTimeout(pollPairing, PAIRING_POLL_MS);
    })
    .catch(function () {
      $("pairing-status").textContent = T.unreachable;
      app.timers.pairing = setTimeout(requestPairing, 5000);
    });
}

export function pollPairing() {
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
      app.timers.pairing = setTimeout(pollPairing, PAIRING_POLL_MS);
    })
    .catch(function () {
      $("pairing-status").textContent = T.unreachable;
      app.timers.pairing = setTimeout(pollPairing, PAIRING_POLL_MS);
    });
}

export function stopSocket() {
  if (app.socket) {
    app.socket.off();
    app.socket.io.off();
    app.socket.disconnect();
    app.socket = null;
  }
}

export function connect() {
  stopSocket();
  if (!load(KEY.token)) return startPairing("");
  // Reconnection is ours (full jitter), not socket.io's (its jitter is partial).
  app.socket = io("/player", {
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
        manifest_version: app.manifest ? app.manifest.version : "",
        alerts: heldAlerts()
      });
    }
  });
  app.socket.on("connect", function () {
    app.connectedAt = Date.now();
    $("stage").dataset.connected = "yes";
  });
  app.socket.on("connect_error", function (err) {
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
  app.socket.on("disconnect", function (reason) {
    $("stage").dataset.connected = "no";
    if (app.mode !== "playing") return;
    if (app.connectedAt && Date.now() - app.connectedAt > STABLE_MS) app.attempt = 0;
    app.connectedAt = 0;
    scheduleReconnect();
  });
  app.socket.on("state", onState);
  app.socket.on("manifest", function (msg) {
    if (!app.manifest || !msg || msg.version !== app.manifest.version) fetchManifest();
  });
  app.socket.on("command", onCommand);
  app.socket.on("ack", onAck);
  app.socket.on("revoked", function () { startPairing(T.revoked); });
  app.socket.on("error", function (msg) {
    console.warn("server error event", msg);
    if (msg && msg.code === "invalid_message" && msg.batch_id) dropBatch(msg.batch_id);
  });
  app.socket.on("alert", onAlert);
  app.socket.on("alert_cancel", onAlertCancel);
}

/** Exponential backoff with full jitter: random(0, min(cap, base * 2^attempt)). */
function scheduleReconnect(fixedMs) {
  stopSocket();
  clearTimeout(app.timers.reconnect);
  var ms = fixedMs;
  if (ms === undefined) {
    var ceiling = Math.min(BACKOFF_CAP_S, BACKOFF_BASE_S * Math.pow(2, app.attempt));
    ms = Math.random() * ceiling * 1000;
    app.attempt = Math.min(app.attempt + 1, 30);
  }
  $("stage").dataset.retryMs = String(Math.round(ms));
  app.timers.reconnect = setTimeout(connect, ms);
}

export function emit(event, payload, ack) {
  if (app.socket && app.socket.connected) {
    if (ack) app.socket.emit(event, payload, ack);
    else app.socket.emit(event, payload);
    return true;
  }
  return false;
}

/** Reconciliation: the ids and versions we show; the server sends `alert`/`alert_cancel`. */
export function syncAlerts() {
  emit("alert_sync", { alerts: heldAlerts().slice(0, 1000) });
}

export function heartbeat() {
  var beat = {
    current_item: app.showing && app.showing.entry ? app.showing.entry.item : null,
    manifest_version: app.manifest ? app.manifest.version : "",
    player_version: CONFIG.version,
    uptime: Math.floor((Date.now() - app.startedAt) / 1000)
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

/** Fetch the board's manifest; switch to it only once every image it needs is cached. */
export function fetchManifest(force) {
  var code = load(KEY.board);
  if (!code || !load(KEY.token)) return;
  var headers = authHeaders();
  var wanted = null; // the version this call preloads
  if (app.manifest && !force) headers["If-None-Match"] = '"' + app.manifest.version + '"';
  fetch("/api/v1/boards/" + encodeURIComponent(code) + "/manifest", { headers: headers, cache: "no-store" })
    .then(function (resp) {
      if (resp.status === 304) return null;
      if (resp.status === 401) { startPairing(T.not_paired); return null; }
      if (!resp.ok) throw new Error("manifest answered " + resp.status);
      return resp.json();
    })
    .then(function (doc) {
      if (!doc || (app.manifest && doc.version === app.manifest.version) || app.loading === doc.version) return;
      app.loading = wanted = doc.version;
      return preload(mediaOf(doc.manifest)).then(function () {
        if (app.loading !== wanted) return; // a newer manifest is on its way: it wins
        activate(doc);
      });
    })
    .catch(function (e) {
      if (wanted === null || app.loading === wanted) app.loading = null;
      console.warn("manifest not updated:", e);
      setTimeout(function () { if (app.socket && app.socket.connected) fetchManifest(); }, 30000);
    });
}

export function receipt(alert, status) {
  var msg = { id: alert.id, version: alert.version, status: status };
  if (!emit("alert_receipt", msg)) {
    var outbox = load(KEY.outbox) || [];
    outbox.push(["alert_receipt", msg]);
    save(KEY.outbox, outbox.slice(-200));
  }
}

export function flushOutbox() {
  var outbox = load(KEY.outbox) || [];
  save(KEY.outbox, []);
  outbox.forEach(function (m) { emit(m[0], m[1]); });
}

/** One proof-of-play record; `source` marks a play no schedule asked for. */
export function recordPlay(entry, since, until, source) {
  if (!entry.item || !entry.revision) return;
  var pending = load(KEY.pending) || [];
  var record = {
    item_id: entry.item,
    revision_id: entry.revision,
    start: iso(since + app.skewMs),
    duration_s: Math.min(86400, Math.max(0, Math.round((until - since) / 100) / 10))
  };
  if (source) record.source = source;
  pending.push(record);
  save(KEY.pending, pending);
  if (pending.length >= 50) { cutBatch(); sendBatches(); }
}

/** Move pending records into numbered batches kept until the server acknowledges them. */
export function cutBatch() {
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

export function sendBatches() {
  var batches = load(KEY.batches) || {};
  Object.keys(batches).sort().forEach(function (id) {
    emit("proof_of_play", { batch_id: id, records: batches[id] }, function (ack) {
      if (ack && ack.batch_id) onAck(ack);
      else if (ack && ack.error && ack.error.code === "unavailable") retryBatches(ack.error.retry_after_s);
    });
  });
}

function retryBatches(seconds) {
  if (app.timers.batchRetry) return;
  var s = Math.min(120, Math.max(1, Number(seconds) || 10)) * (1 + Math.random() / 2);
  app.timers.batchRetry = setTimeout(function () {
    app.timers.batchRetry = null;
    if (app.mode === "playing") sendBatches();
  }, s * 1000);
}

export function onAck(ack) {
  if (ack && ack.batch_id) dropBatch(ack.batch_id);
}

export function dropBatch(id) {
  var batches = load(KEY.batches) || {};
  if (batches[id]) {
    delete batches[id];
    save(KEY.batches, batches);
  }
}

function result(command, ok, detail) {
  emit("command_result", { command_id: command.id, ok: ok, detail: String(detail || "").slice(0, 1000) });
}

export function onCommand(command) {
  if (!command || !command.id) return;
  if (command.name === "reload") {
    result(command, true, "reloading");
    setTimeout(function () { location.reload(); }, 500);
  } else if (command.name === "identify") {
    identify();
    result(command, true, "identified for 30 s");
  } else if (command.name === "screenshot") {
    screenshot().then(uploadScreenshot).then(function (body) {
      result(command, true, body.url);
    }, function (e) {
      result(command, false, "screenshot failed: " + e);
    });
  } else {
    result(command, false, "unknown command " + command.name);
  }
}

/** POST a screenshot (a PNG blob); the server's answer ({url}). */
function uploadScreenshot(blob) {
  var headers = authHeaders();
  headers["Content-Type"] = "image/png";
  return fetch("/api/v1/boards/" + encodeURIComponent(load(KEY.board)) + "/screenshot", { method: "POST", headers: headers, body: blob })
    .then(function (resp) {
      if (resp.status !== 201) throw new Error("upload answered " + resp.status);
      return resp.json();
    });
}
