/* Live console pages through the /console Socket.IO namespace. The server names what changed
   (`board_status`, `board_seen`, `board_screenshot`, `alert_progress`, `approval_queue`); a page
   region that shows it (data-live-on="event ...", with data-live-board or data-live-alert) is
   fetched again from the server and swapped in, and the menu's approval count is re-read.
   Pages are complete without this file: a reload shows the same truth. */
(function () {
  "use strict";
  if (typeof window.io !== "function") return;
  var root = document.documentElement;
  var socket = window.io("/console", { transports: ["websocket", "polling"] });
  window.signageConsole = socket;
  var stale = {};
  var timer = null;

  function wanted(el, event, message) {
    if ((" " + el.dataset.liveOn + " ").indexOf(" " + event + " ") === -1) return false;
    if (el.dataset.liveBoard) {
      var code = el.dataset.liveBoard;
      return message.board === code || (Array.isArray(message.boards) && message.boards.indexOf(code) !== -1);
    }
    if (el.dataset.liveAlert) return String(message.alert) === el.dataset.liveAlert;
    return true;
  }

  function refresh() {
    timer = null;
    var ids = Object.keys(stale);
    stale = {};
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (resp) { if (!resp.ok) throw new Error(String(resp.status)); return resp.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
        root.dataset.liveRefreshed = String(Number(root.dataset.liveRefreshed || "0") + 1);
      })
      .catch(function () { /* the next event, or a reload, brings the page up to date */ });
  }

  function onEvent(event) {
    return function (message) {
      if (!message || typeof message !== "object") return;
      document.querySelectorAll("[data-live-on]").forEach(function (el) {
        if (el.id && wanted(el, event, message)) stale[el.id] = true;
      });
      // One fetch for a burst of events (several flushes, several boards).
      if (Object.keys(stale).length && timer === null) timer = window.setTimeout(refresh, 250);
    };
  }

  ["board_status", "board_seen", "board_screenshot", "alert_progress"].forEach(function (event) {
    socket.on(event, onEvent(event));
  });

  socket.on("approval_queue", function () {
    var badge = document.getElementById("nav-approvals");
    if (!badge) return;
    fetch(badge.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { if (!resp.ok) throw new Error(String(resp.status)); return resp.json(); })
      .then(function (data) {
        var count = typeof data.count === "number" ? data.count : 0;
        badge.textContent = String(count);
        badge.hidden = count === 0;
      })
      .catch(function () { /* shown right on the next page */ });
  });
  // Events sent between the page's rendering and this socket's (re)connection are lost: a player
  // paired a moment ago connects while its board's page is still loading. On each connect the
  // page's board and alert regions are read once more.
  socket.on("connect", function () {
    root.dataset.live = "connected";
    document.querySelectorAll("[data-live-board], [data-live-alert]").forEach(function (el) {
      if (el.id) stale[el.id] = true;
    });
    if (Object.keys(stale).length && timer === null) timer = window.setTimeout(refresh, 250);
  });
  socket.on("disconnect", function () { root.dataset.live = "disconnected"; });
})();
