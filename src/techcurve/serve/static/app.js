/* techcurve dashboard: what every page needs. No inline script anywhere (the
   Content-Security-Policy forbids it): data arrives as JSON blocks or from /api. */
"use strict";
window.tc = window.tc || {};
/* Text for HTML: every name, title or label a script puts into HTML goes through this. */
tc.esc = function (s) {
  return String(s === null || s === undefined ? "" : s).replace(/[&<>"'`]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" }[c];
  });
};
/* The hype-cycle line as [x, y] points: y at x (linear between points), and n + 1 points
   along it from x0 to x1 (arrows and bands that follow the curve). */
tc.yAt = function (line, x) {
  for (var i = 1; i < line.length; i++) {
    if (line[i][0] >= x) {
      var a = line[i - 1], b = line[i], f = (x - a[0]) / ((b[0] - a[0]) || 1);
      return a[1] + f * (b[1] - a[1]);
    }
  }
  return line[line.length - 1][1];
};
tc.along = function (line, x0, x1, n) {
  var pts = [];
  for (var i = 0; i <= n; i++) { var x = x0 + (x1 - x0) * i / n; pts.push([x, tc.yAt(line, x)]); }
  return pts;
};
tc.json = function (id) {
  var el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
};
tc.swatches = function (root) {
  (root || document).querySelectorAll(".swatch[data-color]").forEach(function (el) {
    var c = el.getAttribute("data-color");
    if (/^#[0-9a-fA-F]{3,8}$/.test(c)) el.style.background = c;
  });
};
document.addEventListener("DOMContentLoaded", function () { tc.swatches(); });
/* htmx requests carry the CSRF token (forms that change something need it). */
document.addEventListener("htmx:configRequest", function (ev) {
  var b = document.body;
  ev.detail.headers[b.getAttribute("data-csrf-header")] = b.getAttribute("data-csrf");
});
document.addEventListener("htmx:afterSettle", function (ev) { tc.swatches(ev.target); });
