// The alert form's group and board pickers (templates/alerts/new.html): each choice becomes a
// removable chip and its code joins the comma-separated field the server reads, which is then
// hidden. The board map (alert-map.js) edits the same field; both stay in step through events.
(function () {
  "use strict";

  function setup(box) {
    var field = document.getElementById(box.dataset.codesFor);
    var chips = box.querySelector(".target-chips");
    var typed = box.querySelector(".target-typed");
    var picker = box.querySelector("[data-picker]");
    if (!field || !chips || !typed || !picker) { return; }
    var names = {};
    chips.querySelectorAll("li[data-code]").forEach(function (li) {
      names[li.dataset.code] = li.textContent.trim();
    });
    document.querySelectorAll("#board-map .board-dot").forEach(function (dot) {
      if (field.id === "boards" && dot.dataset.name) { names[dot.dataset.code] = dot.dataset.name; }
    });

    function codes() {
      return field.value.replace(/\n/g, ",").split(",")
        .map(function (c) { return c.trim(); }).filter(Boolean);
    }

    function save(list) {
      field.value = list.join(", ");
      field.dispatchEvent(new Event("input", { bubbles: true }));  // the map repaints
      render();
    }

    function render() {
      chips.textContent = "";
      codes().forEach(function (code) {
        var li = document.createElement("li");
        li.className = "list-inline-item badge text-bg-light border mb-1";
        li.dataset.code = code;
        var name = document.createElement("span");
        name.textContent = names[code] || code;
        li.appendChild(name);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close ms-1 align-middle";
        remove.setAttribute("aria-label", (box.dataset.remove || "%(name)s").replace("%(name)s", names[code] || code));
        remove.addEventListener("click", function () {
          save(codes().filter(function (c) { return c !== code; }));
          var input = picker.querySelector("input[role=combobox]");
          if (input) { input.focus(); }
        });
        li.appendChild(remove);
        chips.appendChild(li);
      });
    }

    picker.addEventListener("change", function (event) {
      var hidden = event.target;
      if (hidden.type !== "hidden") { return; }  // the visible input's own change on blur
      var input = picker.querySelector("input[role=combobox]");
      var code = (hidden.value || "").trim();
      if (!code || !input) { return; }
      names[code] = input.value;
      var list = codes();
      if (list.indexOf(code) === -1) { list.push(code); }
      hidden.value = "";
      input.value = "";
      save(list);
    });
    field.addEventListener("change", render);
    typed.hidden = true;
    render();
  }

  document.querySelectorAll("[data-codes-for]").forEach(setup);
})();
