// The number of target adjustments waiting for the user, in the navigation's 目标调整 link
// (docs/adjustments.md). Fetched after the page has loaded so that no page pays for it; without
// JavaScript the link works, without the number.
(function () {
  var link = document.querySelector("a.adjustments-link[data-pending-url]");
  if (!link || !window.fetch) return;
  fetch(link.getAttribute("data-pending-url"), {credentials: "same-origin",
                                                headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.pending) return;
      var badge = link.querySelector(".adjustments-pending");
      badge.textContent = String(data.pending);
      badge.classList.remove("d-none");
    })
    .catch(function () { /* the link stays as it is */ });
})();
