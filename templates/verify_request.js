// The wallet request page (/verify/requests/<handle>): while it waits, ask its state.json every few
// seconds and, when the state changes (answered or expired), reload once to show it. The answer's
// heading then takes the focus, so a screen reader reads the verdict first. Without this script
// the page's "check now" link does the same by hand.
(function () {
  "use strict";
  var ARRIVED = "ler-request-arrived";
  var waiting = document.getElementById("waiting");
  if (!waiting) {
    var heading = document.getElementById("answer-heading") || document.getElementById("expired");
    if (heading && sessionStorage.getItem(ARRIVED) === location.pathname) {
      sessionStorage.removeItem(ARRIVED);
      if (!heading.hasAttribute("tabindex")) { heading.setAttribute("tabindex", "-1"); }
      heading.focus();
    }
    return;
  }
  var url = waiting.getAttribute("data-state-url");
  var expires = Date.parse(waiting.getAttribute("data-expires"));
  var note = document.getElementById("waiting-note");
  note.textContent = "This page checks every few seconds and shows the answer as soon as it arrives.";

  function schedule() {
    // Past the expiry the server says "expired" on the next ask; a failed ask is retried more slowly.
    window.setTimeout(poll, Date.now() > expires + 60000 ? 15000 : 3000);
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.state && body.state !== "waiting") {
          note.textContent = body.state === "answered" ? "The answer has arrived: showing it." : "The request has expired.";
          sessionStorage.setItem(ARRIVED, location.pathname);
          location.reload();
          return;
        }
        schedule();
      }, schedule);
  }
  schedule();
})();
