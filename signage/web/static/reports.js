/* Reports: draw the chart of a report page from the JSON the page carries (no inline script). */
(function () {
  "use strict";
  var data = document.getElementById("plays-chart-data");
  var canvas = document.getElementById("plays-chart");
  if (!data || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var chart = JSON.parse(data.textContent);
  var horizontal = chart.kind === "bar";
  new window.Chart(canvas, {
    type: chart.kind,
    data: {
      labels: chart.labels,
      datasets: [{ label: chart.label, data: chart.plays, backgroundColor: "rgba(13, 110, 253, 0.6)", borderColor: "#0d6efd", fill: false, maxBarThickness: 36 }],
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
    },
  });
  canvas.dataset.drawn = "1";
})();
