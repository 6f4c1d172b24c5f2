/*
 * What airs at an instant: the browser player's pure scheduling logic (docs/protocol.md,
 * "Playing it", "Never blank" and the alert rules). No DOM, no window, no clock: every
 * function takes the instant `t` (milliseconds since the epoch, server time) and, for alert
 * turns, a monotonic `mono` (milliseconds). The same rules as the Python player
 * (players/signage_player/manifest.py `airing_at`, alerts.py `Turns`/`AlertSet`); both are
 * run over the golden manifests in tests/players/golden/.
 */

export const EPOCH = Date.parse("2000-01-01T00:00:00Z"); // a loop's start when nothing else fixes one
export const ALERT_ROTATE_MS = 10000;
export const SEVERITY = { extreme: 4, severe: 3, moderate: 2, minor: 1 };
export const FALLBACK_PLAYLIST = "fallback_playlist";
export const LAST_PROGRAMME = "last_programme";

/** An instant in ms as ISO 8601 UTC without milliseconds. */
export function iso(ms) { return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"); }

export function isCount(v, min) { return typeof v === "number" && isFinite(v) && Math.floor(v) === v && v >= min; }

function validPath(url) {
  return typeof url === "string" && /^\/[^\/\\]/.test(url) && url.indexOf("\\") < 0 && url.length <= 500;
}

/** A file reference the player may fetch: a path on the server and its SHA-256. */
export function validFile(f) {
  return !!(f && validPath(f.url) && typeof f.sha256 === "string" && /^[0-9a-f]{64}$/.test(f.sha256));
}

export function playable(e) {
  return !!(e && typeof e.url === "string" && /^\/[^\/\\]/.test(e.url) && typeof e.item === "number"
    && typeof e.duration_s === "number" && e.duration_s >= 1);
}

/** The entry's `ticker` when it is well formed (else the entry shows its first frame). */
export function validTicker(entry) {
  var t = entry && entry.ticker;
  return !!(t && validFile(t) && isCount(t.y, 0) && t.y <= 10000 && isCount(t.speed_px_s, 1)
    && t.speed_px_s <= 10000 && isCount(t.strip_width, 1) && t.strip_width <= 1000000);
}

/** Strip column at the band's left edge `ms` milliseconds after the entry started. */
export function tickerOffset(ms, spec) {
  return Math.floor((Math.max(0, ms) / 1000) * spec.speed_px_s) % spec.strip_width;
}

export function fallbackEntries(doc) {
  var f = doc && doc.fallback_playlist;
  return f && Array.isArray(f.entries) ? f.entries.filter(playable) : [];
}

/** Every file the manifest needs, the fallback playlist's too (it plays when the server is gone). */
export function mediaOf(doc) {
  var seen = {};
  var list = [];
  var lists = (doc.segments || []).map(function (seg) { return seg.entries || []; });
  lists.push(fallbackEntries(doc));
  lists.forEach(function (entries) {
    entries.forEach(function (e) {
      if (e.url && !seen[e.url]) { seen[e.url] = true; list.push({ url: e.url, sha256: e.sha256 }); }
      var strip = validTicker(e) ? e.ticker : null;
      if (strip && !seen[strip.url]) { seen[strip.url] = true; list.push({ url: strip.url, sha256: strip.sha256 }); }
    });
  });
  return list;
}

/** The segment covering t, or null before the first / after the last / in a hole. */
export function segmentAt(doc, t) {
  var segs = (doc && doc.segments) || [];
  for (var i = 0; i < segs.length; i++) {
    if (Date.parse(segs[i].start) <= t && t < Date.parse(segs[i].end)) return segs[i];
  }
  return null;
}

/** Where the manifest's timeline ends (ms): its last segment's end, or `to` if later. */
export function horizonMs(doc) {
  var segs = doc.segments || [];
  var ends = segs.map(function (s) { return Date.parse(s.end); });
  if (doc.to) ends.push(Date.parse(doc.to));
  ends = ends.filter(function (x) { return !isNaN(x); });
  return ends.length ? Math.max.apply(null, ends) : null;
}

/** In a hole of the timeline (before the first segment, or between the last and `to`): when
 * it ends, the next segment's start or the horizon. */
function holeEndMs(doc, t, horizon) {
  var starts = (doc.segments || []).map(function (s) { return Date.parse(s.start); })
    .filter(function (x) { return x > t; });
  return starts.length ? Math.min.apply(null, starts) : horizon;
}

function lastProgramme(doc) {
  var segs = (doc.segments || []).slice().sort(function (a, b) { return Date.parse(a.start) - Date.parse(b.start); });
  for (var i = segs.length - 1; i >= 0; i--) {
    if (segs[i].kind === "programme" && (segs[i].entries || []).filter(playable).length) return segs[i];
  }
  return null;
}

/**
 * The entry at t of `entries` looped from `start` (ms), cut at `end` (ms, null = for ever).
 * `from` is the loop's start: the same while the same loop airs (proof of play's identity).
 */
function loop(entries, start, end, t, source) {
  var lengths = entries.map(function (e) { return Math.max(1, e.duration_s) * 1000; });
  var cycle = lengths.reduce(function (s, x) { return s + x; }, 0);
  var offset = (t - start) % cycle;
  if (offset < 0) offset += cycle;
  var loopStart = t - offset;
  var at = 0;
  for (var i = 0; i < entries.length; i++) {
    if (offset < at + lengths[i]) {
      var until = loopStart + at + lengths[i];
      return {
        kind: "programme", entry: entries[i], source: source || null, from: start,
        started: Math.max(start, loopStart + at), until: end === null ? until : Math.min(end, until)
      };
    }
    at += lengths[i];
  }
  return { kind: "programme", entry: entries[entries.length - 1], source: source || null, from: start, started: t, until: end };
}

function screen(kind, from, until) {
  return { kind: kind, entry: null, source: null, from: from, started: null, until: until };
}

/**
 * What airs at t (ms) under the manifest `doc` (the `manifest` of the HTTP answer,
 * or null): {kind: programme | fallback | off, entry, source, started, until, from}.
 * `until` is when this entry (or screen) ends: the next change, null when unknown.
 *
 * Never blank: a gap (a `fallback` segment, or before the first segment) plays the fallback
 * playlist if there is one; past the horizon the fallback playlist, else the last programme,
 * loops from the horizon; only without either does the fallback screen show.
 */
export function airingAt(doc, t) {
  if (!doc) return screen("fallback", null, null);
  var seg = segmentAt(doc, t);
  if (seg && seg.kind === "programme" && (seg.entries || []).length) {
    return loop(seg.entries, Date.parse(seg.start), Date.parse(seg.end), t, null);
  }
  if (seg && seg.kind === "off") return screen("off", Date.parse(seg.start), Date.parse(seg.end));
  var fallback = fallbackEntries(doc);
  var horizon = horizonMs(doc);
  if (!seg && horizon !== null && t >= horizon) {
    if (fallback.length) return loop(fallback, horizon, null, t, FALLBACK_PLAYLIST);
    var last = lastProgramme(doc);
    if (last) return loop(last.entries.filter(playable), horizon, null, t, LAST_PROGRAMME);
    return screen("fallback", null, null);
  }
  if (fallback.length) {
    if (seg) return loop(fallback, Date.parse(seg.start), Date.parse(seg.end), t, FALLBACK_PLAYLIST);
    return loop(fallback, EPOCH, holeEndMs(doc, t, horizon), t, FALLBACK_PLAYLIST); // a hole
  }
  if (seg) return screen("fallback", Date.parse(seg.start), Date.parse(seg.end));
  return screen("fallback", null, horizon === null ? null : holeEndMs(doc, t, horizon));
}

// ---- alerts --------------------------------------------------------------------------------

export function validAlert(a) {
  return !!a && typeof a.id === "number" && typeof a.version === "number";
}

function validBanner(b) {
  if (!validFile(b) || !isCount(b.y, 0) || b.y > 16384 || !isCount(b.height, 1) || b.height > 16384) return false;
  var t = b.ticker;
  return t === undefined || t === null || (validFile(t) && isCount(t.x, 0) && t.x <= 16384
    && isCount(t.y, 0) && t.y <= 16384 && isCount(t.speed_px_s, 1) && t.speed_px_s <= 10000
    && isCount(t.strip_width, 1) && t.strip_width <= 1000000);
}

/** The alert's picture for a display profile, or null. */
export function alertImage(a, profile) {
  var images = (a && a.images) || {};
  return images[profile] || null;
}

/** The alert's banner for the profile, or null when it takes over the screen. */
export function bannerOf(a, profile) {
  if (!a || a.mode !== "banner") return null;
  var img = alertImage(a, profile);
  return img && validBanner(img.banner) ? img.banner : null;
}

export function expired(a, t) {
  return !!a.expires_at && Date.parse(a.expires_at) <= t;
}

/** Display order: most severe first, then newest (highest id). */
export function byRank(x, y) {
  return ((SEVERITY[y.severity] || 0) - (SEVERITY[x.severity] || 0)) || y.id - x.id;
}

/** Unexpired alerts at t, in display order. */
export function rankAlerts(alerts, t) {
  return alerts.filter(function (a) { return !expired(a, t); }).sort(byRank);
}

/**
 * Which of a group of alerts (takeovers, or banners) is on screen, and since when (`mono`,
 * monotonic ms). The most severe wins; equals take turns of ALERT_ROTATE_MS counted from when
 * each went on screen; a fresh one among them (new, or a new version) goes on screen at once.
 */
export class Turns {
  constructor() {
    this.onScreen = null;
    this.onSince = 0;
    this.fresh = new Set();
  }

  /** Mark alert ids as arrived or changed. */
  mark(ids) { ids.forEach(function (id) { this.fresh.add(id); }, this); }

  reset() {
    this.onScreen = null;
    this.fresh = new Set();
  }

  /** The alert to show among `ranked` (display order) at `mono`, or null. */
  pick(ranked, mono) {
    if (!ranked.length) { this.reset(); return null; }
    var top = ranked.filter(function (a) { return a.severity === ranked[0].severity; });
    var ids = top.map(function (a) { return a.id; });
    var fresh = top.filter(function (a) { return this.fresh.has(a.id); }, this);
    var i = ids.indexOf(this.onScreen);
    var chosen;
    if (fresh.length) chosen = fresh[0]; // the best ranked of those that just arrived
    else if (i >= 0 && mono - this.onSince >= 0 && mono - this.onSince < ALERT_ROTATE_MS) return top[i];
    else if (i >= 0) chosen = top[(i + 1) % top.length]; // the next one's turn
    else chosen = top[0];
    // Alone, an alert's turn just goes on.
    if (fresh.length || chosen.id !== this.onScreen) { this.onScreen = chosen.id; this.onSince = mono; }
    this.fresh.clear();
    return chosen;
  }
}

/** The full-screen alert at t: every unexpired alert but the banners this profile can show. */
export function takeoverAt(turns, alerts, t, mono, profile) {
  var ranked = rankAlerts(alerts, t).filter(function (a) { return !bannerOf(a, profile); });
  return turns.pick(ranked, mono);
}
