/* Console progressive enhancement: expand the area tree in place, confirm dangerous forms,
   copy a new token. Every page works without this file. */
(function () {
  "use strict";

  function toggleArea(button) {
    var node = button.closest(".area-node");
    var open = button.getAttribute("aria-expanded") === "true";
    var list = node.querySelector(":scope > .area-children");
    if (open) {
      button.setAttribute("aria-expanded", "false");
      if (list) list.hidden = true;
      return;
    }
    button.setAttribute("aria-expanded", "true");
    if (list) { list.hidden = false; return; }
    button.disabled = true;
    fetch(button.dataset.childrenUrl, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok) throw new Error(resp.status);
        return resp.text();
      })
      .then(function (html) {
        node.insertAdjacentHTML("beforeend", html);
        enhance(node.querySelector(":scope > .area-children"));
      })
      .catch(function () {
        button.setAttribute("aria-expanded", "false");
        window.location.href = node.querySelector(".area-name").href;
      })
      .finally(function () { button.disabled = false; });
  }

  function enhance(root) {
    if (!root) return;
    root.querySelectorAll(".area-toggle").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { toggleArea(button); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("[data-history-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
      });
    });
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        input.select();
        if (navigator.clipboard) navigator.clipboard.writeText(input.value);
        button.querySelector(".copied").hidden = false;
      });
    });
  });
})();
