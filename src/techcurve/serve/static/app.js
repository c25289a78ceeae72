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
