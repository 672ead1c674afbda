// Polls a report job's status (JSON) every 2 seconds and updates the progress bar, the
// state text and the download link in place. Without JavaScript the page refreshes itself
// (meta refresh in <noscript>) and offers a "check again" link.
(function () {
  "use strict";
  var root = document.querySelector("[data-stats-report]");
  if (!root) {
    return;
  }
  var progress = root.querySelector("progress");
  var percent = root.querySelector("[data-stats-report-percent]");
  var state = root.querySelector("[data-stats-report-state]");
  var download = root.querySelector("[data-stats-report-download]");
  var again = root.querySelector("[data-stats-report-again]");
  var url = root.getAttribute("data-status-url");

  function show(data) {
    progress.value = data.progress;
    progress.textContent = data.progress + "%";
    percent.textContent = data.progress + "%";
    var text = data.state_label + (data.error ? ": " + data.error : "");
    if (state.textContent !== text) {
      state.textContent = text;
    }
    if (data.download_url) {
      download.querySelector("a").href = data.download_url;
      download.hidden = false;
    }
    if (data.finished && again) {
      again.hidden = true;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.finished) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        // Keep the "check again" link; try again a little later.
        window.setTimeout(poll, 5000);
      });
  }

  if (again === null) {
    return; // finished when the page was rendered
  }
  window.setTimeout(poll, 2000);
})();
