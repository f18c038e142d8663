/* The dashboard's charts, drawn by Chart.js (served from static/vendor) from the figures the
   page carries in its #dashboard-data JSON block; each chart has a table with the same
   figures on the page, so nothing is lost without scripts. */
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  const data = JSON.parse(source.textContent);
  const number = new Intl.NumberFormat("en");
  const STATUS_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#7f7f7f", "#9467bd"];

  data.revenue.forEach(function (series) {
    const canvas = document.getElementById("chart-revenue-" + series.currency);
    if (!canvas) { return; }
    const money = new Intl.NumberFormat("en", { style: "currency", currency: series.currency });
    new Chart(canvas, {
      data: {
        labels: series.days,
        datasets: [
          { type: "bar", label: "Revenue (" + series.currency + ")", data: series.revenue.map(Number),
            backgroundColor: "rgba(31, 119, 180, 0.6)", yAxisID: "revenue" },
          { type: "line", label: "Orders", data: series.orders, borderColor: "#d62728",
            backgroundColor: "#d62728", pointRadius: 0, yAxisID: "orders" }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          revenue: { position: "left", beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } },
          orders: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            ticks: { callback: function (v) { return number.format(v); } } }
        }
      }
    });
  });

  const statuses = document.getElementById("chart-statuses");
  if (statuses) {
    new Chart(statuses, {
      type: "doughnut",
      data: {
        labels: data.statuses.labels,
        datasets: [{ label: "Orders", data: data.statuses.counts, backgroundColor: STATUS_COLOURS }]
      },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { position: "right" } } }
    });
  }
})();
