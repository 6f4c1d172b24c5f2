// Live progress of an alert: refresh the receipt counts while it is on air.
(function () {
  "use strict";
  var box = document.getElementById("alert-progress");
  if (!box || box.dataset.live !== "1") { return; }
  var url = box.dataset.url;
  // console-live.js may swap the box for a fresh copy: look it up on every round.
  var failures = 0;
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { if (!resp.ok) { throw new Error(resp.status); } return resp.json(); })
      .then(function (data) {
        failures = 0;
        box = document.getElementById("alert-progress") || box;
        Object.keys(data.receipts || {}).forEach(function (key) {
          var el = box.querySelector('[data-count="' + key + '"]');
          if (el) { el.textContent = data.receipts[key]; }
        });
        if (data.state !== "active") { window.location.reload(); return; }
        // While the console socket is up (console-live.js), receipts arrive as events: poll
        // only for the end of the alert, every 10 s; without it, every second as before.
        window.setTimeout(refresh, document.documentElement.dataset.live === "connected" ? 10000 : 1000);
      })
      .catch(function () { failures += 1; window.setTimeout(refresh, Math.min(30000, 1000 * Math.pow(2, failures))); });
  }
  window.setTimeout(refresh, 1000);
})();
