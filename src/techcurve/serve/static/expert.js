/* The expert's page: per sub-field a small hype curve (ECharts) with the model's
   position, the previous round's anonymised answers (faint marks, the median and the
   interquartile band) and the expert's own answer, a dot that can be dragged; the
   slider, the position field and the phase follow each other (the phase is the one
   the position lies in, as the library's rule says). No inline script: data comes from
   the JSON block #expert-data. */
"use strict";
(function () {
  var ORDER = ["trigger", "peak", "trough", "slope", "plateau"];
  var yAt = tc.yAt;
  function along(line, x0, x1) { return tc.along(line, x0, x1, 16); }
  function phaseAt(bounds, x) {
    for (var i = 0; i < ORDER.length; i++) {
      var b = bounds[ORDER[i]];
      if (x >= b[0] && x < b[1]) return ORDER[i];
    }
    return "plateau";
  }
  function round2(x) { return Math.round(x * 100) / 100; }

  function setup(data, item, section, el) {
    var line = data.line, bounds = data.bounds;
    var slider = section.querySelector(".f-slider");
    var pos = section.querySelector(".f-position");
    var phase = section.querySelector(".f-phase");
    var note = section.querySelector(".rationale-note");
    var modelPhase = section.getAttribute("data-model-phase");
    var chart = echarts.init(el, null, { renderer: "canvas" });
    el.tcChart = chart;
    /* where position x is on the screen (tests drag the dot there) */
    el.tcPixel = function (x) {
      var p = chart.convertToPixel({ gridIndex: 0 }, [x, yAt(line, x)]), r = el.getBoundingClientRect();
      return [r.left + p[0], r.top + p[1]];
    };
    function own() { return pos.value === "" ? null : Math.min(1, Math.max(0, parseFloat(pos.value))); }
    function marks() {
      var s = [];
      if (item.dist) {
        s.push({ name: "iqr", type: "lines", polyline: true, coordinateSystem: "cartesian2d", silent: true,
                 data: [{ coords: along(line, item.dist.q1, item.dist.q3) }],
                 lineStyle: { color: "#E69F00", opacity: 0.35, width: 10, cap: "round" } });
        s.push({ name: "others", type: "scatter", silent: true, symbolSize: 7,
                 data: item.dist.positions.map(function (x) { return [x, yAt(line, x) - 0.09]; }),
                 itemStyle: { color: "#5a6270", opacity: 0.45 } });
        s.push({ name: "median", type: "scatter", silent: true, symbol: "rect", symbolSize: [3, 16],
                 data: [[item.dist.median, yAt(line, item.dist.median)]], itemStyle: { color: "#8a4b00" } });
      }
      if (item.model !== null) {
        s.push({ name: "model", type: "scatter", silent: true, symbolSize: 12,
                 data: [[item.model, yAt(line, item.model)]],
                 itemStyle: { color: "#fff", borderColor: "#1a202c", borderWidth: 2 } });
      }
      if (item.earlier !== null) {
        s.push({ name: "earlier", type: "scatter", silent: true, symbol: "triangle", symbolSize: 11,
                 data: [[item.earlier, yAt(line, item.earlier) + 0.1]], itemStyle: { color: "#0072B2", opacity: 0.6 } });
      }
      var x = own();
      if (x !== null) {
        s.push({ name: "own", type: "scatter", symbolSize: 15, cursor: "grab",
                 data: [[x, yAt(line, x)]], itemStyle: { color: "#0072B2", borderColor: "#fff", borderWidth: 2 } });
      }
      return s;
    }
    function draw() {
      chart.setOption({
        animation: false,
        grid: { left: 8, right: 8, top: 8, bottom: 8 },
        xAxis: { type: "value", min: 0, max: 1, show: false },
        yAxis: { type: "value", min: -0.15, max: 1.32, show: false },
        series: [{ name: "line", type: "line", data: line, showSymbol: false, silent: true,
                   lineStyle: { color: "#1a202c", width: 2 },
                   markLine: { silent: true, symbol: "none", label: { show: false },
                               lineStyle: { color: "#e2e6ea", type: "dashed" },
                               data: ORDER.slice(1).map(function (p) { return { xAxis: bounds[p][0] }; }) } }]
                 .concat(marks())
      }, { replaceMerge: ["series"] });
    }
    function needRationale() {
      if (!note || !modelPhase || !phase.value) { if (note) note.classList.remove("needed"); return; }
      var far = Math.abs(ORDER.indexOf(phase.value) - ORDER.indexOf(modelPhase)) > 1;
      note.classList.toggle("needed", far);
    }
    function setPosition(x, from) {
      x = round2(Math.min(1, Math.max(0, x)));
      if (from !== "pos") pos.value = x;
      if (from !== "slider") slider.value = x;
      phase.value = phaseAt(bounds, x);
      needRationale();
      draw();
    }
    slider.addEventListener("input", function () { setPosition(parseFloat(slider.value), "slider"); });
    pos.addEventListener("input", function () {
      if (pos.value !== "" && !isNaN(parseFloat(pos.value))) setPosition(parseFloat(pos.value), "pos");
    });
    phase.addEventListener("change", function () {
      var x = own();
      if (phase.value && (x === null || phaseAt(bounds, x) !== phase.value)) {
        var b = bounds[phase.value];
        setPosition((b[0] + b[1]) / 2, "phase");
      } else { needRationale(); draw(); }
    });
    var dragging = false;
    function toX(ev) {
      var p = chart.convertFromPixel({ gridIndex: 0 }, [ev.offsetX, ev.offsetY]);
      return p ? p[0] : null;
    }
    chart.getZr().on("mousedown", function (ev) { dragging = true; var x = toX(ev); if (x !== null) setPosition(x); });
    chart.getZr().on("mousemove", function (ev) { if (dragging) { var x = toX(ev); if (x !== null) setPosition(x); } });
    chart.getZr().on("mouseup", function () { dragging = false; });
    chart.getZr().on("globalout", function () { dragging = false; });
    needRationale();
    draw();
  }
  function init() {
    var data = tc.json("expert-data");
    if (!data || !window.echarts) return;
    document.querySelectorAll("section.sf").forEach(function (section, i) {
      var item = data.items[i], el = section.querySelector(".mini-curve");
      if (item && el) setup(data, item, section, el);
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  window.addEventListener("resize", function () {
    document.querySelectorAll(".mini-curve").forEach(function (el) { if (el.tcChart) el.tcChart.resize(); });
  });
})();
