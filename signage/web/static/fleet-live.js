/* Live board status on the home page and the board list: the /console Socket.IO namespace sends
   `board_status` {board, status}; badges, map dots and the home counts follow without a reload.
   The pages are complete without this file (it only keeps them current). */
(function () {
  "use strict";
  var hook = document.getElementById("fleet-live");
  if (!hook || typeof window.io !== "function") return;
  var labels = JSON.parse(hook.dataset.labels || "{}");
  var statuses = hook.dataset.statuses ? JSON.parse(hook.dataset.statuses) : null;
  var KINDS = ["online", "offline", "never"];

  function paint(el, status) {
    KINDS.forEach(function (k) { el.classList.toggle("fleet-" + k, k === status); });
  }

  function recount() {
    if (!statuses) return;
    var counts = { online: 0, offline: 0, never: 0 };
    Object.keys(statuses).forEach(function (code) {
      if (counts[statuses[code]] !== undefined) counts[statuses[code]] += 1;
    });
    KINDS.forEach(function (k) {
      document.querySelectorAll('[data-count="' + k + '"]').forEach(function (el) {
        el.textContent = String(counts[k]);
      });
    });
  }

  function update(message) {
    if (!message || typeof message.board !== "string" || KINDS.indexOf(message.status) === -1) return;
    var code = message.board;
    document.querySelectorAll("[data-board-status]").forEach(function (badge) {
      if (badge.dataset.boardStatus !== code) return;
      paint(badge, message.status);
      badge.textContent = labels[message.status] || message.status;
    });
    document.querySelectorAll(".fleet-dot").forEach(function (dot) {
      if (dot.dataset.code === code) paint(dot, message.status);
    });
    if (statuses && Object.prototype.hasOwnProperty.call(statuses, code)) {
      statuses[code] = message.status;
      recount();
    }
    hook.dataset.lastEvent = code + ":" + message.status;
  }

  // console-live.js (every signed-in page) opened the socket already: one per page.
  var socket = window.signageConsole || window.io("/console", { transports: ["websocket", "polling"] });
  if (socket.connected) hook.dataset.connected = "true";
  socket.on("connect", function () { hook.dataset.connected = "true"; });
  socket.on("disconnect", function () { hook.dataset.connected = "false"; });
  socket.on("board_status", update);
})();
