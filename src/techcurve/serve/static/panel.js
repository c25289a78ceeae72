/* The facilitator's panel pages: copy an expert's link; filter the list of sub-fields a
   round is opened for and tick the ones shown. */
"use strict";
(function () {
  function copyButtons() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var el = document.getElementById(b.getAttribute("data-copy"));
        if (!el) return;
        var text = el.textContent;
        var done = function () { b.textContent = b.getAttribute("data-done"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {});
        } else {
          var r = document.createRange(); r.selectNodeContents(el);
          var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
          try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
        }
      });
    });
  }
  function chooser() {
    var list = document.getElementById("chooser");
    if (!list) return;
    var q = document.getElementById("choose-q"), dom = document.getElementById("choose-domain"),
        ph = document.getElementById("choose-phase"), all = document.getElementById("choose-all");
    function apply() {
      var text = q.value.trim().toLowerCase();
      list.querySelectorAll("li").forEach(function (li) {
        var show = (!dom.value || li.getAttribute("data-domain") === dom.value) &&
                   (!ph.value || li.getAttribute("data-phase") === ph.value) &&
                   (!text || li.getAttribute("data-text").indexOf(text) >= 0);
        li.hidden = !show;
      });
    }
    [q, dom, ph].forEach(function (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); });
    all.addEventListener("click", function () {
      list.querySelectorAll("li").forEach(function (li) {
        if (!li.hidden) li.querySelector("input").checked = true;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { copyButtons(); chooser(); });
})();
