// Approval queue: the header checkbox ticks or clears every item of the page.
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  var form = document.getElementById("bulk-form");
  if (!all || !form) return;
  var boxes = form.querySelectorAll("input[name='item']");
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  form.addEventListener("change", function (event) {
    if (event.target === all) return;
    var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  });
})();
