// The console's small enhancements; every page works without them (forms post, pages reload).
// Served as a file (CSP: script-src 'self'), no library.
(function () {
  "use strict";

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "Accept": "application/json" } })
      .then(function (r) {
        // An error page (HTML) is an answer too: the caller says what it can.
        return r.json().then(function (data) { return { ok: r.ok, data: data }; },
                             function () { return { ok: false, data: {} }; });
      });
  }

  function say(text) {
    var live = document.getElementById("signoff-status");
    if (live) { live.textContent = text; }
  }

  // Sign-off without reloading: the tapped row says who signed it, with an Undo for a minute.
  function signed(form, row, control, answer) {
    var keep = control.closest(".levels") || control;
    var original = keep.cloneNode(true);
    [original].concat(Array.prototype.slice.call(original.querySelectorAll("button")))
      .forEach(function (b) { b.disabled = false; });
    var done = document.createElement("span");
    done.className = "done";
    done.textContent = answer.signed;
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "secondary undo";
    undo.textContent = "Undo";
    keep.replaceWith(done);
    done.after(undo);
    var left = Math.max(0, Date.parse(answer.undo_until) - Date.now());
    var timer = setTimeout(function () { undo.remove(); }, left);
    undo.addEventListener("click", function () {
      var body = new FormData();
      body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
      answer.entries.forEach(function (id) { body.append("entry", String(id)); });
      undo.disabled = true;
      post(form.getAttribute("data-undo"), body).then(function (res) {
        if (!res.ok) { say(res.data.error || "The sign-off could not be undone."); undo.disabled = false; return; }
        clearTimeout(timer);
        undo.remove();
        done.replaceWith(original);
        say("Undone: " + answer.recorded.join(", ") + ".");
        (original.matches("button") ? original : original.querySelector("button")).focus();
      });
    });
    undo.focus();
    var issued = answer.issued.length ? " New credential issued: " + answer.issued.join(", ") + "." : "";
    say(answer.signed.replace("Signed off", "Signed off " + answer.recorded.join(", ") + ",") + "." + issued);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.signoff-form"), function (form) {
    form.addEventListener("submit", function (event) {
      var control = event.submitter;
      if (!control || !control.name || !window.fetch) { return; }
      event.preventDefault();
      var row = control.closest("li");
      var body = new FormData(form, control);   // before disabling it: a disabled button sends nothing
      control.disabled = true;
      post(form.action, body).then(function (res) {
        if (!res.ok) { control.disabled = false; say(res.data.error || "Not signed off: reload and try again."); return; }
        signed(form, row, control, res.data);
      }).catch(function () { control.disabled = false; say("Not signed off: the service cannot be reached."); });
    });
  });

  // A running batch's progress bar follows the batch by itself, with the console session.
  var batch = document.querySelector("[data-live]");
  if (batch && window.fetch) {
    var poll = function () {
      fetch(batch.getAttribute("data-live"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (b) {
          var bar = document.getElementById("batch-bar");
          bar.max = b.rows.valid || 1;
          bar.value = b.rows.done;
          document.getElementById("batch-count").textContent = b.rows.done + " of " + b.rows.valid + " rows";
          document.getElementById("batch-state").textContent = b.state + (b.message ? ": " + b.message : "");
          document.getElementById("batch-issued").textContent = String(b.credentials_issued);
          var rate = b.rate_rows_per_second ? " · " + b.rate_rows_per_second + " rows a second" : "";
          document.getElementById("batch-rate").textContent =
            rate + (b.eta_seconds ? " · about " + Math.round(b.eta_seconds) + " s left" : "");
          if (["validating", "approved", "running"].indexOf(b.state) >= 0) { setTimeout(poll, 1000); }
          else { window.location.reload(); }   // done: the page shows the results and the report
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    var hint = document.getElementById("batch-live");
    if (hint) { hint.textContent = "Updates by itself while it runs."; }
    setTimeout(poll, 1000);
  }
}());
