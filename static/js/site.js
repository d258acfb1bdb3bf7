/* 绩效通, every page: a table box that scrolls sideways (.table-responsive, .table-scroll) can be
   reached and scrolled with the keyboard (WCAG 2.1.1): it takes focus and is named as a region
   while, and only while, it is wider than its box. */
(function () {
  "use strict";
  var SELECTOR = ".table-responsive, .table-scroll, .table-container";

  function label(box) {
    var caption = box.querySelector("caption");
    var name = caption ? caption.textContent.trim() : "";
    return (name || "表格") + "（可左右滚动）";
  }

  function update() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", label(box));
        box.dataset.scrollFocus = "on";
      } else if (!scrolls && box.dataset.scrollFocus === "on") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollFocus;
      }
    });
  }

  var pending = null;
  function later() {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(update);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
  window.addEventListener("load", update);
  window.addEventListener("resize", later);
})();
