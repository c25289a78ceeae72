/* A sub-field's evidence series as line charts (ECharts), fitted curves dashed. */
"use strict";
(function () {
  var COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];
  function draw() {
    var charts = tc.json("series-data");
    if (!charts || !window.echarts) return;
    document.querySelectorAll(".chart-series").forEach(function (el) {
      var c = charts[Number(el.getAttribute("data-index"))];
      if (!c || !c.lines.length) { el.classList.add("empty"); return; }
      var chart = echarts.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 56, right: 16, top: 36, bottom: 28 },
        legend: { top: 4, textStyle: { fontSize: 11 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : (Math.round(v * 100) / 100).toString();
        } },
        xAxis: { type: "value", min: "dataMin", max: "dataMax", minInterval: 1,
                 axisLabel: { hideOverlap: true, showMinLabel: true, showMaxLabel: true, formatter: function (v) { return String(Math.round(v)); } } },
        yAxis: { type: "value" },
        series: c.lines.map(function (l, i) {
          return { name: l.name, type: "line", showSymbol: !l.fit, symbolSize: 4,
                   connectNulls: false, smooth: l.fit,
                   data: l.xs.map(function (x, j) { return [x, l.ys[j]]; }),
                   lineStyle: { type: l.fit ? "dashed" : "solid", width: l.fit ? 2 : 1.5 },
                   color: COLORS[i % COLORS.length] };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
