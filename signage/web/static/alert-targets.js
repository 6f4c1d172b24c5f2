// The targets of the alert form: an accent-insensitive filter over the areas ("hoan kiem" finds
// "Hoàn Kiếm"), and one rule made visible: a ticked unit unticks the whole area above it, and
// ticking the whole area unticks its units; a note says what changed.
(function () {
  "use strict";
  var box = document.getElementById("target-areas");
  var filter = document.getElementById("area-filter");
  var note = document.getElementById("target-note");
  var none = document.getElementById("target-none");
  if (!box) { return; }
  var messages = box.closest("form").dataset;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().replace(/\s+/g, " ").trim();
  }
  function say(template, names) {
    var text = template;
    Object.keys(names).forEach(function (key) { text = text.split("%(" + key + ")s").join(names[key]); });
    note.textContent = text;
  }

  box.addEventListener("change", function (e) {
    var input = e.target;
    if (input.type !== "checkbox" || !input.checked) { return; }
    if (input.dataset.parent) {
      var parent = document.getElementById("area-" + input.dataset.parent);
      if (parent && parent.checked) {
        parent.checked = false;
        say(messages.childRule, { parent: parent.dataset.name, child: input.dataset.name });
      }
      return;
    }
    var unticked = [];
    box.querySelectorAll('input[data-parent="' + input.value + '"]').forEach(function (child) {
      if (child.checked) { child.checked = false; unticked.push(child.dataset.name); }
    });
    if (unticked.length) {
      say(messages.parentRule, { parent: input.dataset.name, units: unticked.join(", ") });
    }
  });

  function apply() {
    var wanted = fold(filter.value);
    var shown = 0;
    box.querySelectorAll(".target-parent").forEach(function (row) {
      var code = row.dataset.area;
      var input = row.querySelector("input");
      var own = !wanted || fold(input.dataset.name).indexOf(wanted) !== -1;
      var group = box.querySelector('.target-children[data-parent="' + code + '"]');
      var childHits = 0;
      if (group) {
        group.querySelectorAll(".target-child").forEach(function (child) {
          var hit = !wanted || own || fold(child.querySelector("input").dataset.name).indexOf(wanted) !== -1;
          child.hidden = !hit;
          if (hit && wanted) { childHits += 1; }
        });
        if (wanted && childHits) { group.open = true; }
        group.hidden = Boolean(wanted) && !own && !childHits;
      }
      row.hidden = Boolean(wanted) && !own && !childHits;
      if (!row.hidden) { shown += 1; }
    });
    if (none) { none.hidden = shown > 0; }
  }
  if (filter) { filter.addEventListener("input", apply); }
})();
