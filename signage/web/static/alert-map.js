// The board map of the alert form: clicking a board adds it to the chosen boards, or removes it.
(function () {
  "use strict";
  var map = document.getElementById("board-map");
  var input = document.getElementById("boards");
  if (!map || !input) { return; }
  function codes() {
    return input.value.split(",").map(function (c) { return c.trim(); }).filter(Boolean);
  }
  function paint() {
    var chosen = codes();
    map.querySelectorAll(".board-dot").forEach(function (dot) {
      dot.classList.toggle("picked", chosen.indexOf(dot.dataset.code) !== -1);
    });
  }
  function toggle(dot) {
    var chosen = codes();
    var at = chosen.indexOf(dot.dataset.code);
    if (at === -1) { chosen.push(dot.dataset.code); } else { chosen.splice(at, 1); }
    input.value = chosen.join(", ");
    input.dispatchEvent(new Event("change", { bubbles: true }));  // alert-pickers.js lists it
    paint();
  }
  map.addEventListener("click", function (e) {
    if (e.target.classList.contains("board-dot")) { toggle(e.target); }
  });
  map.addEventListener("keydown", function (e) {
    if ((e.key === "Enter" || e.key === " ") && e.target.classList.contains("board-dot")) {
      e.preventDefault();
      toggle(e.target);
    }
  });
  input.addEventListener("input", paint);
  paint();
})();
