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

/* No inline script or on… handler anywhere (the Content-Security-Policy forbids them): the
   behaviours a template asks for with a data attribute, wired here, for content added later too.
   - data-autosubmit on a form's field: changing it submits the form (the period selects; a
     <noscript> button does it without JavaScript).
   - data-confirm="问题" on a submit button: the form is sent only when the user confirms. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.closest || !field.closest("[data-autosubmit]") || !field.form) return;
    field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
})();
