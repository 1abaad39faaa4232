// Draws every <canvas data-chart="…"> of the page with Chart.js (vendored, static/vendor/).
// The series come from the server as JSON in the attribute; the same numbers are in the table
// under each chart, which is what screen readers and keyboard users read.
"use strict";

(function () {
  const AREA_COLOUR = "#005595";
  const COUNTY_COLOUR = "#4d4d4d";
  const number = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 2 });
  Chart.defaults.color = "#1a1a1a"; // axis and legend text at the page's contrast
  Chart.defaults.font.size = 13;

  function draw(canvas) {
    const data = JSON.parse(canvas.dataset.chart);
    const share = data.unit === "share";
    const datasets = data.series.map(function (series) {
      const county = series.label === "county";
      const colour = county ? COUNTY_COLOUR : AREA_COLOUR;
      return {
        label: county ? "Stockholms län" : canvas.dataset.area,
        data: series.values,
        type: county ? "line" : data.kind,
        borderColor: colour,
        backgroundColor: county ? colour : "rgba(0, 85, 149, 0.75)",
        borderDash: county ? [6, 4] : [],
        borderWidth: 2,
        pointRadius: 3,
        spanGaps: true,
        order: county ? 0 : 1,
      };
    });
    new Chart(canvas, {
      type: data.kind,
      data: { labels: data.months, datasets: datasets },
      options: {
        locale: "sv-SE",
        animation: false,
        maintainAspectRatio: false,
        scales: {
          y: {
            beginAtZero: true,
            suggestedMax: share ? 100 : undefined,
            ticks: {
              callback: function (value) {
                return number.format(value) + (share ? " %" : "");
              },
            },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                const value = item.parsed.y;
                return item.dataset.label + ": " + number.format(value) + (share ? " %" : "");
              },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "true";
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
