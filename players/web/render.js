/*
 * The browser player's screen: the programme (a picture, scrolling text on a canvas, the
 * fallback screen with name and clock, or black), takeover alerts and banner strips over the
 * programme, the identify overlay, the pairing screen's texts, screenshots. What airs comes
 * from schedule.js; the state it reads and keeps is player.js's `app`.
 */

import { ALERT_ROTATE_MS, SEVERITY, airingAt, tickerOffset, validTicker } from "./schedule.js";
import { KEY, load } from "./cache.js";
import { CONFIG, T, activeAlerts, alertImage, app, bannerOf, now, saveAlerts } from "./player.js";
import { receipt, recordPlay } from "./link.js";

const IDENTIFY_MS = 30000;

export function $(id) { return document.getElementById(id); }

export function showMode(mode) {
  $("stage").dataset.mode = mode;
  $("pairing").hidden = mode !== "pairing";
}

export function setNotice(text) {
  var el = $("notice");
  el.textContent = text || "";
  el.hidden = !text;
}

export function showTicket(ticket) {
  var c = ticket.pairing_code;
  $("pairing-code").textContent = c.slice(0, 3) + " " + c.slice(3);
  $("pairing-code").dataset.code = c;
}

export function applyProfile(profile) {
  var m = /(\d+)x(\d+)/.exec(profile || "");
  document.body.classList.toggle("led", !!m && parseInt(m[1], 10) < 640);
  document.body.dataset.profile = profile || "";
}

export function startRender() {
  clearInterval(app.timers.render);
  render();
  app.timers.render = setInterval(render, 250);
}

export function render() {
  if (app.mode !== "playing") return;
  var t = now();
  var airing = airingAt(app.manifest && app.manifest.manifest, t);
  var kind = airing.kind;
  var entry = airing.entry;
  var source = airing.source;
  // One play lasts while the same entry of the same loop airs (a one-entry loop: for ever).
  var key = kind + ":" + (entry ? entry.item + "/" + entry.revision + "/" + entry.url : "") + ":" + (airing.from === null ? "" : airing.from) + ":" + (source || "");
  if (!app.showing || app.showing.key !== key) {
    if (app.showing && app.showing.entry) recordPlay(app.showing.entry, app.showing.since, Date.now(), app.showing.source);
    app.showing = { key: key, kind: kind, entry: entry, since: Date.now(), source: source };
    show(kind, entry, source);
  }
  var scroll = kind === "programme" && validTicker(entry) ? key + JSON.stringify(entry.ticker) : "";
  if (scroll !== (app.ticker ? app.ticker.key : "")) startTicker(scroll, entry);
  else if (app.ticker) app.ticker.entry = entry; // perhaps from a newer manifest
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

// ---- scrolling text ------------------------------------------------------------------------
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

export function stopTicker() {
  if (app.ticker && app.ticker.raf) cancelAnimationFrame(app.ticker.raf);
  app.ticker = null;
  if (!tickerCanvas.hidden) {
    tickerCanvas.hidden = true;
    if (app.showing && app.showing.kind === "programme") $("frame").hidden = false; // the first frame
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

function startTicker(key, entry) {
  stopTicker();
  if (!key) return;
  var mine = app.ticker = { key: key, entry: entry, offset: -1, raf: 0 };
  $("stage").dataset.ticker = "loading";
  Promise.all([loaded(entry.url), loaded(entry.ticker.url)]).then(function (pictures) {
    if (app.ticker !== mine) return;
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
    if (app.ticker === mine) { mine.failed = true; $("stage").dataset.ticker = "still"; }
  });
}

function drawTicker() {
  var mine = app.ticker;
  if (!mine || !mine.strip) return;
  var t = now();
  var airing = airingAt(app.manifest && app.manifest.manifest, t);
  var ms = airing.entry === mine.entry ? t - airing.started : null; // null: not airing now
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
  return (app.manifest && app.manifest.manifest.tz) || "Asia/Ho_Chi_Minh";
}

export function drawFallbackText(t) {
  var d = new Date(t);
  var name = (app.manifest && app.manifest.manifest.fallback) || $("stage").dataset.name || "";
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

export function identify() {
  $("identify-code").textContent = load(KEY.board) || "";
  $("identify-name").textContent = $("stage").dataset.name || "";
  $("identify").hidden = false;
  clearTimeout(app.timers.identify);
  app.timers.identify = setTimeout(function () { $("identify").hidden = true; }, IDENTIFY_MS);
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

/** What the screen shows, drawn on a canvas (alert, image, fallback or black), as a PNG blob. */
export function screenshot() {
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
  } else if (app.showing && app.showing.kind === "programme" && !tickerCanvas.hidden) {
    var c = tickerCanvas, s = Math.min(w / c.width, h / c.height);
    ctx.imageSmoothingEnabled = !document.body.classList.contains("led");
    ctx.drawImage(c, (w - c.width * s) / 2, (h - c.height * s) / 2, c.width * s, c.height * s);
  } else if (app.showing && app.showing.kind === "programme" && $("frame").complete && $("frame").naturalWidth) {
    drawContain(ctx, $("frame"), w, h);
  } else if (app.showing && app.showing.kind === "fallback") {
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
      resolve(blob);
    }, "image/png");
  });
}

function mono() { return window.performance && performance.now ? performance.now() : Date.now(); }

// Rotation among equally severe alerts, as the Python player does (alerts.py): turns are
// counted from when each alert went on screen (monotonic clock), not in absolute buckets, and
// an alert that arrives or changes version among them shows at the next frame for a whole
// turn, then the rotation goes on from it. A less severe one still waits.

/** The takeover among `list` (held alerts, display order), keeping turns ALERT_ROTATE_MS long. */
function rotation(list) {
  var chosen = app.turns.pick(list.map(function (h) { return h.alert; }), mono());
  return list.filter(function (h) { return h.alert === chosen; })[0];
}

export function renderAlerts() {
  var all = app.mode === "playing" ? activeAlerts() : [];
  // Banners air in their strip only while no alert takes over the screen.
  var list = all.filter(function (h) { return !bannerOf(h.alert); });
  renderBanner(list.length ? [] : all.filter(function (h) { return !!bannerOf(h.alert); }));
  var box = $("alert");
  if (!list.length) {
    box.hidden = true;
    app.shownAlertKey = "";
    app.turns.reset();
    $("stage").dataset.alert = "";
    return;
  }
  var held = rotation(list);
  var a = held.alert;
  var key = a.id + ":" + a.version;
  box.hidden = false;
  $("stage").dataset.alert = String(a.id);
  if (key !== app.shownAlertKey) {
    app.shownAlertKey = key;
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
// ---- banners --------------------------------------------------------------------------------
// An alert with `mode: "banner"` and a valid `banner` for our profile airs in a strip over
// the programme (docs/protocol.md): the strip is pasted at row `y` of the rendition, on a
// canvas laid over the picture where the rendition's rows are on screen. A scrolling banner
// pastes its ticker strip from column ticker.x, `s` seconds after the banner went on screen,
// at -(floor(s * speed_px_s) mod strip_width): the Python player's arithmetic. Banners take
// turns like takeovers (most severe, then newest; a new one goes on screen at once) and wait
// while the screen is off. Anything else (another mode, a malformed banner) takes over.

var bannerCanvas = $("banner");

function pickBanner(list) {
  var top = SEVERITY[list[0].alert.severity] || 0;
  var peers = list.filter(function (h) { return (SEVERITY[h.alert.severity] || 0) === top; });
  var ids = peers.map(function (h) { return h.alert.id; });
  var fresh = peers.filter(function (h) { return !h.shown; });
  var at = ids.indexOf(app.bannerTurn.id);
  var chosen;
  if (fresh.length) chosen = fresh[0]; // new, or a new version: on screen at once
  else if (at >= 0 && Date.now() - app.bannerTurn.since < ALERT_ROTATE_MS) return peers[at];
  else if (at >= 0) chosen = peers[(at + 1) % peers.length];
  else chosen = peers[0];
  app.bannerTurn = { id: chosen.alert.id, since: Date.now() };
  return chosen;
}

function hideBanner() {
  if (app.banner && app.banner.raf) cancelAnimationFrame(app.banner.raf);
  app.banner = null;
  bannerCanvas.hidden = true;
  app.bannerTurn = { id: null, since: 0 };
  var stage = $("stage");
  delete stage.dataset.banner;
  delete stage.dataset.bannerOffset;
  delete stage.dataset.bannerAt;
}

function renderBanner(list) {
  if (!list.length || !app.showing || app.showing.kind === "off") return hideBanner();
  var held = pickBanner(list);
  var a = held.alert, spec = bannerOf(a);
  var key = a.id + ":" + a.version + ":" + JSON.stringify(spec);
  if (!app.banner || app.banner.key !== key) startBanner(key, held, spec);
  placeBanner(spec);
  if (!held.shown) {
    held.shown = true;
    saveAlerts();
    receipt(a, "displayed");
  }
}

function startBanner(key, held, spec) {
  if (app.banner && app.banner.raf) cancelAnimationFrame(app.banner.raf);
  var mine = app.banner = { key: key, held: held, spec: spec, since: app.bannerTurn.since, offset: -1, raf: 0 };
  $("stage").dataset.banner = "loading";
  var wanted = [loaded(spec.url)];
  if (spec.ticker) wanted.push(loaded(spec.ticker.url));
  Promise.all(wanted).then(function (pictures) {
    if (app.banner !== mine) return;
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
    if (app.banner !== mine) return;
    held.alert = Object.assign({}, held.alert, { mode: "takeover" });
    hideBanner();
    renderAlerts();
  });
}

function drawBanner() {
  var mine = app.banner;
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

