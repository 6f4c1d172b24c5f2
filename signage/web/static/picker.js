/* Pickers (templates/_pickers.html): search areas, boards, groups, playlists and items by name
   instead of typing their code. The visible input keeps the field's name until this script runs,
   so without it a code typed by hand still works. ARIA 1.2 combobox with a listbox popup. */
(function () {
  "use strict";

  var DELAY_MS = 150;

  function setup(root) {
    var input = root.querySelector("input[role=combobox]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[role=status]");
    if (!input || !list || input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
    root.hidden = false;  // a picker that needs this script is hidden until it runs

    // The code travels in a hidden input under the field's name; the visible one shows a label.
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name || input.dataset.name;
    hidden.value = input.value;
    input.removeAttribute("name");
    input.after(hidden);
    if (input.dataset.label) input.value = input.dataset.label;
    var chosenLabel = input.value;

    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;
    var kindFrom = root.dataset.kindFrom ? document.getElementById(root.dataset.kindFrom) : null;

    function kind() {
      return kindFrom ? kindFrom.value + "s" : root.dataset.kind;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
        li.classList.toggle("active", i === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var li = options[index];
      if (!li) return;
      hidden.value = li.dataset.value;
      input.value = li.dataset.label;
      chosenLabel = input.value;
      close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
      var form = input.form;
      var button = form && root.dataset.submit ? form.querySelector(root.dataset.submit) : null;
      if (button) form.requestSubmit(button);
    }

    function show(found, first) {
      list.textContent = "";
      options = found.map(function (c, i) {
        var li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "list-group-item list-group-item-action";
        li.dataset.value = c.value;
        li.dataset.label = c.label;
        var name = document.createElement("span");
        name.textContent = c.label;
        li.appendChild(name);
        if (c.path && c.path !== c.label) {
          var path = document.createElement("small");
          path.className = "d-block text-muted";
          path.textContent = c.path;
          li.appendChild(path);
        }
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the input
          choose(i);
        });
        list.appendChild(li);
        return li;
      });
      if (!options.length) {
        var none = document.createElement("li");
        none.className = "list-group-item text-muted";
        none.textContent = root.dataset.empty || "";
        list.appendChild(none);
      }
      if (status) status.textContent = options.length ? "" : (root.dataset.empty || "");
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(first && options.length ? 0 : -1);
    }

    function search(first) {
      var ticket = ++asked;
      var url = root.dataset.url.replace("__kind__", encodeURIComponent(kind()));
      var params = new URLSearchParams({ q: input.value.slice(0, 100) });
      if (root.dataset.right) params.set("right", root.dataset.right);
      fetch(url + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      })
        .then(function (resp) {
          if (!resp.ok) throw new Error(resp.status);
          return resp.json();
        })
        .then(function (found) { if (ticket === asked) show(found, first); })
        .catch(function () { if (ticket === asked) close(); });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    }

    input.addEventListener("input", function () {
      // Typed text that was not picked is sent as typed: a code still works.
      hidden.value = input.value;
      later();
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { clearTimeout(timer); search(true); return; }
        if (open) highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        } else if (root.dataset.submit) {
          event.preventDefault();  // the form's first button is not this picker's
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () {
      clearTimeout(timer);
      close();
    });
    input.addEventListener("focus", function () {
      if (input.value === chosenLabel) input.select();
    });
    if (kindFrom) {
      kindFrom.addEventListener("change", function () {
        hidden.value = "";
        input.value = "";
        chosenLabel = "";
        close();
      });
    }
  }

  function start() {
    document.querySelectorAll("[data-picker]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
