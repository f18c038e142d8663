/* A job's page: fill the progress bar, then ask the server for the job's progress every
   second and show it, until the job has finished; then load the page again for the report. */
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) { return; }
  const bar = document.getElementById("job-bar");
  const number = new Intl.NumberFormat("en");

  function setText(id, text) {
    const element = document.getElementById(id);
    if (element) { element.textContent = text; }
  }

  function show(progress) {
    bar.style.width = progress.percent + "%";
    bar.setAttribute("aria-valuenow", String(progress.percent));
    bar.textContent = progress.percent + "%";
    setText("job-state", progress.state_label);
    setText("job-done", number.format(progress.done));
    setText("job-skipped", number.format(progress.skipped));
    setText("job-total", number.format(progress.total));
    setText("job-rate", progress.rate ? "· " + number.format(Math.round(progress.rate)) + " per second" : "");
    setText("job-left", progress.seconds_left !== null ? "· about " + number.format(progress.seconds_left) + " s left" : "");
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) { window.setTimeout(poll, 5000); return; }
        show(progress);
        if (progress.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  bar.style.width = bar.dataset.percent + "%";
  if (box.dataset.finished !== "true") { window.setTimeout(poll, 500); }
}());
