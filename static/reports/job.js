// The progress of a unit's report zip (docs/reports.md): polls the job's status.json, given in
// the panel's data-status-url, and shows the count; once finished, reloads the page, which
// then shows the download link or the error. Without JavaScript a <meta refresh> does it.
(function () {
  var panel = document.getElementById("report-job");
  if (!panel || panel.getAttribute("data-finished") === "1" || !window.fetch) return;
  var url = panel.getAttribute("data-status-url");
  var status = document.getElementById("job-status");
  var count = document.getElementById("job-count");
  var progress = document.getElementById("job-progress");
  var bar = progress.querySelector(".progress-bar");

  function show(data) {
    status.textContent = data.status_label;
    count.textContent = data.done + " / " + data.total;
    progress.setAttribute("aria-valuenow", String(data.percent));
    bar.style.width = data.percent + "%";
    bar.textContent = data.percent + "%";
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        show(data);
        if (data.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
