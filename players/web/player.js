/*
 * Browser player for LCD kiosks: a plain client of docs/protocol.md (player protocol 1).
 *
 * Pairing over HTTP, then Socket.IO /player (websocket only) for state, manifest pushes,
 * commands, alerts, heartbeats and proof of play. The last manifest, the token, unsent proof
 * of play and active alerts live in localStorage; media in CacheStorage (see sw.js), so a
 * reload with the server down keeps playing.
 *
 * The modules (ES modules, no build step):
 *   player.js    this file: the page's state (one object, `app`), the wiring, boot
 *   schedule.js  pure: what airs at an instant, alert ranking and turns (tested with node --test)
 *   cache.js     localStorage, the media cache, the service worker's registration
 *   link.js      the server: pairing, the socket, manifest fetches, receipts, proof of play, commands
 *   render.js    the DOM: the programme, scrolling text, alerts, banners, screenshots
 */

import * as S from "./schedule.js";
import { KEY, cacheUrls, load, pruneMedia as pruneCache, registerServiceWorker, save } from "./cache.js";
import {
  connect, cutBatch, fetchManifest, flushOutbox, heartbeat, pollPairing, receipt, recordPlay,
  requestPairing, sendBatches, stopSocket, syncAlerts
} from "./link.js";
import { $, applyProfile, render, renderAlerts, setNotice, showMode, showTicket, startRender, stopTicker } from "./render.js";

export const PROTOCOL = 1;
export const CONFIG = JSON.parse(document.getElementById("player-config").textContent);
export const T = CONFIG.strings;
const HEARTBEAT_MS = 30000;
const ALERT_SYNC_MS = 5000; // `alert_sync`: the server answers what to show or drop
const POP_FLUSH_MS = 60000;
const NOT_PAIRED_YET = $("pairing-not-paired").textContent;

/** Everything about the page that changes: one object, read and written by every module. */
export const app = {
  startedAt: Date.now(),
  skewMs: 0, // server time minus local time, from `state`
  mode: "boot", // boot | pairing | playing
  manifest: load(KEY.manifest), // {version, manifest}
  loading: null, // manifest version being preloaded
  showing: null, // {key, kind, entry, since, source}
  alerts: load(KEY.alerts) || {}, // id -> {alert, shown, at}
  // the socket and its reconnection
  socket: null,
  attempt: 0,
  connectedAt: 0,
  timers: { reconnect: null, heartbeat: null, alertSync: null, pairing: null, identify: null, render: null, batchRetry: null },
  // on screen
  turns: new S.Turns(), // takeover alerts: which one, since when
  shownAlertKey: "",
  ticker: null, // {key, entry, still, strip, offset, raf}
  banner: null, // {key, held, spec, since, strip, band, offset, raf}
  bannerTurn: { id: null, since: 0 }
};

/** Server time (ms). */
export function now() { return Date.now() + app.skewMs; }

export function setMode(next) {
  app.mode = next;
  showMode(next);
}

// ---- pairing and playing -------------------------------------------------------------------

export function startPairing(reason) {
  stopSocket();
  stopTimers();
  save(KEY.token, null);
  save(KEY.board, null);
  save(KEY.manifest, null);
  save(KEY.alerts, null);
  save(KEY.batches, null);
  save(KEY.pending, null);
  save(KEY.outbox, null);
  app.manifest = null;
  app.alerts = {};
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

export function startPlaying() {
  clearTimeout(app.timers.pairing);
  setMode("playing");
  $("stage").dataset.paired = "yes";
  applyProfile(load(KEY.profile) || (app.manifest && app.manifest.manifest.profile) || "");
  startRender();
  connect();
  app.timers.heartbeat = setInterval(heartbeat, HEARTBEAT_MS);
  app.timers.alertSync = setInterval(syncAlerts, ALERT_SYNC_MS);
}

function stopTimers() {
  clearTimeout(app.timers.pairing);
  clearTimeout(app.timers.reconnect);
  clearInterval(app.timers.heartbeat);
  app.timers.heartbeat = null;
  clearInterval(app.timers.alertSync);
  app.timers.alertSync = null;
}

export function onState(state) {
  setNotice("");
  if (state.server_time) app.skewMs = Date.parse(state.server_time) - Date.now();
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
  if (!app.manifest || app.manifest.version !== state.manifest_version) fetchManifest();
  flushOutbox();
  cutBatch();
  sendBatches();
  heartbeat();
}

/** A new manifest whose files are all cached: play it. */
export function activate(doc) {
  app.manifest = doc;
  save(KEY.manifest, doc);
  if (doc.manifest.profile) applyProfile(doc.manifest.profile);
  app.loading = null;
  pruneMedia();
  render();
  heartbeat();
}

/** Keep the files of the manifest and of the held alerts; drop the rest. */
function pruneMedia() {
  if (!app.manifest) return;
  var keep = {};
  S.mediaOf(app.manifest.manifest).forEach(function (f) { keep[f.url] = true; });
  Object.keys(app.alerts).forEach(function (id) {
    var images = app.alerts[id].alert.images || {};
    Object.keys(images).forEach(function (k) {
      keep[images[k].url] = true;
      var b = images[k].banner;
      if (b && typeof b.url === "string") keep[b.url] = true;
      if (b && b.ticker && typeof b.ticker.url === "string") keep[b.ticker.url] = true;
    });
  });
  pruneCache(keep);
}

// ---- alerts held ---------------------------------------------------------------------------

export function saveAlerts() { save(KEY.alerts, app.alerts); }

/** [{id, version}] of the alerts we hold (the connection's `auth`, `alert_sync`). */
export function heldAlerts() {
  return Object.keys(app.alerts).map(function (id) {
    return { id: app.alerts[id].alert.id, version: app.alerts[id].alert.version };
  });
}

export function profile() {
  return load(KEY.profile) || document.body.dataset.profile || "";
}

export function alertImage(a) { return S.alertImage(a, profile()); }

export function bannerOf(a) { return S.bannerOf(a, profile()); }

export function onAlert(a) {
  if (!S.validAlert(a)) return;
  var held = app.alerts[a.id];
  if (held && held.alert.version > a.version) return;
  var sameVersion = held && held.alert.version === a.version;
  if (sameVersion) return confirmAlert(held); // a resend: the server lacks our receipt
  app.alerts[a.id] = { alert: a, shown: false, at: Date.now() };
  app.turns.mark([a.id]); // on screen at the next frame, whatever the rotation
  saveAlerts();
  preloadAlert(a);
  renderAlerts();
}

/** The receipt for an alert we hold: `displayed` once it was on screen, else `received`. */
function confirmAlert(held) {
  receipt(held.alert, held.shown ? "displayed" : "received");
}

export function onAlertCancel(c) {
  if (!c || typeof c.id !== "number" || typeof c.version !== "number") return;
  if (app.alerts[c.id] === undefined) return receipt(c, "cleared"); // already gone: confirm again
  if (app.alerts[c.id].alert.version > c.version) return;
  var held = app.alerts[c.id].alert;
  delete app.alerts[c.id];
  saveAlerts();
  renderAlerts();
  receipt({ id: held.id, version: c.version || held.version }, "cleared");
}

/** `state.alerts` is the complete active set: replace ours, keeping what was shown. */
function replaceAlerts(list) {
  var next = {};
  list.filter(S.validAlert).forEach(function (a) {
    var held = app.alerts[a.id];
    if (!held || held.alert.version !== a.version) app.turns.mark([a.id]);
    next[a.id] = { alert: a, shown: !!(held && held.alert.version === a.version && held.shown), at: held ? held.at : Date.now() };
    preloadAlert(a);
  });
  app.alerts = next;
  saveAlerts();
  renderAlerts();
  Object.keys(app.alerts).forEach(function (id) { if (app.alerts[id].shown) confirmAlert(app.alerts[id]); });
}

function preloadAlert(a) {
  var img = alertImage(a);
  if (!img) return;
  var urls = [img.url];
  var b = bannerOf(a);
  if (b) urls.push(b.url);
  if (b && b.ticker) urls.push(b.ticker.url);
  cacheUrls(urls);
}

/** The held alerts not expired at server time, in display order (expired ones are dropped). */
export function activeAlerts() {
  var t = now();
  var changed = false;
  var list = [];
  Object.keys(app.alerts).forEach(function (id) {
    if (S.expired(app.alerts[id].alert, t)) {
      delete app.alerts[id];
      changed = true;
    } else {
      list.push(app.alerts[id]);
    }
  });
  if (changed) saveAlerts();
  list.sort(function (x, y) { return S.byRank(x.alert, y.alert); });
  return list;
}

// ---- boot ----------------------------------------------------------------------------------

window.addEventListener("pagehide", function () {
  // Keep what was on screen until now: the record survives the reload in localStorage.
  if (app.mode === "playing" && app.showing && app.showing.entry) {
    recordPlay(app.showing.entry, app.showing.since, Date.now(), app.showing.source);
    app.showing = null;
  }
});

window.addEventListener("storage", function (e) {
  // Another tab of the same kiosk profile unpaired us.
  if (e.key === KEY.token && !e.newValue && app.mode === "playing") startPairing(T.not_paired);
});

registerServiceWorker(CONFIG.sw, CONFIG.scope);
setInterval(function () {
  if (app.mode === "playing") { cutBatch(); sendBatches(); }
}, POP_FLUSH_MS);
if (load(KEY.token)) startPlaying();
else startPairing("");
