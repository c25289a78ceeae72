/* The interactive curve (ECharts): the hype-cycle line, one dot per sub-field (colour:
   phase; opacity and whisker: confidence; diamond: an expert's placement), arrows from a
   compared edition. Tooltips are HTML, so every text in them is escaped (tc.esc). */
"use strict";
(function () {
  var PHASE_COLORS = { trigger: "#56B4E9", peak: "#E69F00", trough: "#D55E00",
                       slope: "#009E73", plateau: "#0072B2" };
  var GREY = "#9aa3b2";
  function color(phase) { return PHASE_COLORS[phase] || GREY; }
  var yAt = tc.yAt;
  function along(line, x0, x1) { return tc.along(line, x0, x1, 12); }
  function tooltip(L, d) {
    var sep = tc.esc(L.sep);
    return "<strong>" + tc.esc(d.name) + "</strong><br>" +
      tc.esc(L.domain) + sep + tc.esc(d.domain) + "<br>" +
      tc.esc(L.phase) + sep + tc.esc(d.phase_name) + "<br>" +
      tc.esc(L.confidence) + sep +
      (d.confidence === null ? (d.expert ? tc.esc(L.expert) : "—") : Math.round(d.confidence * 100) + "%") +
      "<br>" + tc.esc(L.band) + sep + tc.esc(d.band_name) +
      (d.expert && d.expert_who ? "<br>" + tc.esc(L.expert_by) + sep + tc.esc(d.expert_who) : "");
  }
  function draw() {
    var el = document.getElementById("curve");
    var data = tc.json("curve-data");
    if (!el || !data || !window.echarts) return;
    if (tc.curve) { tc.curve.dispose(); }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    tc.curve = chart;
    var L = data.labels, line = data.line, few = data.dots.length <= 40;
    var dots = data.dots.map(function (d) {
      /* an expert's placement: a ring (hollow, thick border in the phase's colour) */
      return d.expert
        ? { value: [d.x, d.y], dot: d, symbol: "circle", symbolSize: 17,
            itemStyle: { color: "#fff", opacity: 1, borderColor: color(d.phase), borderWidth: 4 } }
        : { value: [d.x, d.y], dot: d, symbol: "circle",
            itemStyle: { color: color(d.phase), opacity: d.opacity, borderColor: "#fff", borderWidth: 1 } };
    });
    var experts = data.dots.filter(function (d) { return d.expert && d.model_x !== null && d.model_x !== undefined; });
    var expertArrows = experts.filter(function (d) { return Math.abs(d.model_x - d.x) > 0.004; })
      .map(function (d) {
        return { coords: along(line, d.model_x, d.x).map(function (p) { return [p[0], p[1] - 0.06]; }) };
      });
    var modelGhosts = experts.map(function (d) { return [d.model_x, d.model_y]; });
    var whiskers = data.dots.filter(function (d) { return d.reach; }).map(function (d) {
      return { coords: along(line, Math.max(0, d.x - d.reach[0]), Math.min(1, d.x + d.reach[1])),
               lineStyle: { color: color(d.phase), opacity: 0.35, width: 7, cap: "round" } };
    });
    var arrows = data.moves.map(function (m) {
      /* drawn a little above the line so that it does not hide under it */
      return { coords: along(line, m.old_x, m.new_x).map(function (p) { return [p[0], p[1] + 0.06]; }) };
    });
    var ghosts = data.moves.map(function (m) { return [m.old_x, m.old_y]; });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 24, top: 24, bottom: 48 },
      xAxis: { type: "value", min: 0, max: 1, name: L.x_axis, nameLocation: "middle", nameGap: 28,
               axisLabel: { show: false }, splitLine: { show: false } },
      yAxis: { type: "value", min: 0, max: 1.32, name: L.y_axis, nameLocation: "middle", nameGap: 16,
               axisLabel: { show: false }, splitLine: { show: false } },
      tooltip: { trigger: "item", confine: true, formatter: function (p) {
        return p.data && p.data.dot ? tooltip(L, p.data.dot) : "";
      } },
      series: [
        { name: "line", type: "line", data: line, showSymbol: false, silent: true, smooth: false,
          lineStyle: { color: "#1a202c", width: 2 } },
        { name: "whiskers", type: "lines", polyline: true, coordinateSystem: "cartesian2d",
          silent: true, data: whiskers },
        { name: "ghosts", type: "scatter", data: ghosts, silent: true, symbolSize: 9,
          itemStyle: { color: GREY, opacity: 0.6 } },
        { name: "arrows", type: "lines", polyline: true, coordinateSystem: "cartesian2d", silent: true,
          symbol: ["none", "arrow"], symbolSize: 9, lineStyle: { color: "#5a6270", width: 1.5 },
          data: arrows },
        { name: "model", type: "scatter", data: modelGhosts, silent: true, symbolSize: 9,
          itemStyle: { color: "#fff", borderColor: "#5a6270", borderWidth: 1.5, opacity: 0.9 } },
        { name: "expert-arrows", type: "lines", polyline: true, coordinateSystem: "cartesian2d",
          silent: true, symbol: ["none", "arrow"], symbolSize: 8,
          lineStyle: { color: "#8a4b00", width: 1.5, type: "dashed" }, data: expertArrows },
        { name: "dots", type: "scatter", data: dots, symbolSize: 13, cursor: "pointer",
          label: { show: few, position: "right", fontSize: 11, color: "#333", opacity: 1,
                   formatter: function (p) { return p.data.dot.name; } },
          labelLayout: { hideOverlap: true }, emphasis: { scale: 1.4 } }
      ]
    });
    chart.on("click", function (p) {
      if (p.data && p.data.dot) {
        location.href = "/subfield/" + encodeURIComponent(p.data.dot.subfield_id) +
          "?lang=" + encodeURIComponent(document.body.getAttribute("data-lang"));
      }
    });
    var legend = document.querySelector(".legend");
    if (legend) {
      legend.textContent = "";
      data.phases.forEach(function (ph) {
        var li = document.createElement("li"), sw = document.createElement("span");
        sw.className = "swatch"; sw.style.background = color(ph[0]);
        li.appendChild(sw); li.appendChild(document.createTextNode(ph[1]));
        legend.appendChild(li);
      });
      if (experts.length) {
        var li = document.createElement("li"), sw = document.createElement("span");
        sw.className = "swatch ring"; li.id = "legend-expert";
        li.appendChild(sw); li.appendChild(document.createTextNode(L.legend_expert));
        legend.appendChild(li);
      }
    }
  }
  /* where a dot is on the screen (tests hover it) */
  tc.dotPixel = function (id) {
    var data = tc.json("curve-data");
    var d = data.dots.filter(function (x) { return x.subfield_id === id; })[0];
    if (!d || !tc.curve) return null;
    var p = tc.curve.convertToPixel({ seriesName: "dots" }, [d.x, d.y]);
    var r = document.getElementById("curve").getBoundingClientRect();
    return [r.left + p[0], r.top + p[1]];
  };
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", function () { if (tc.curve) tc.curve.resize(); });
})();
