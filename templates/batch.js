// The batch page: reads /api/v1/batches/<id> with the sponsor's key and refreshes while it runs.
(function () {
  "use strict";
  var id = document.getElementById("batch-id").textContent;
  var api = "/api/v1/batches/" + encodeURIComponent(id);
  var key = sessionStorage.getItem("ler-api-key") || "";
  var timer = null;

  function $(name) { return document.getElementById(name); }
  function headers() { return { "Authorization": "Bearer " + key, "Accept": "application/json" }; }
  function problem(text) { $("problem").textContent = text; $("problem").hidden = !text; }

  function render(b) {
    $("batch").hidden = false;
    var labels = { validating: "Validating", validated: "Validated: waiting for your approval",
                   approved: "Approved: waiting for a worker", running: "Issuing", done: "Done", failed: "Failed" };
    $("state").textContent = labels[b.state] || b.state;
    $("state").className = "status " + (b.state === "failed" ? "invalid" : b.state === "done" ? "valid" : "suspended");
    var todo = Math.max(b.rows.valid, 0);
    $("bar").max = todo || 1;
    $("bar").value = b.rows.done;
    $("filename").textContent = b.filename + " (" + b.kind + ")";
    $("rows").textContent = b.rows.done + " of " + todo + " done; " + b.rows.total + " in the file, "
      + b.rows.invalid + " invalid";
    $("issued").textContent = String(b.credentials_issued);
    $("errors").textContent = String(b.errors);
    $("rate").textContent = b.rate_rows_per_second ? b.rate_rows_per_second + " rows/s" : "-";
    $("eta").textContent = b.eta_seconds != null ? Math.ceil(b.eta_seconds) + " s" : "-";
    $("notified").textContent = String(b.notified);
    $("message").textContent = b.message || "";
    $("approve").hidden = b.state !== "validated";
    $("downloads").hidden = b.state === "validating";
    var body = $("error-table").querySelector("tbody");
    body.textContent = "";
    b.error_rows.forEach(function (e) {
      var tr = document.createElement("tr");
      [e.line, e.column || "", e.message || e.outcome].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = String(v); tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $("error-table").hidden = b.error_rows.length === 0;
    $("no-errors").hidden = b.error_rows.length !== 0;
    clearTimeout(timer);
    if (b.state === "approved" || b.state === "running" || b.state === "validating") { timer = setTimeout(load, 1000); }
  }

  function load() {
    fetch(api, { headers: headers() }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) { problem(res.body.detail || res.body.title); return; }
      problem(""); render(res.body);
    }).catch(function () { problem("The service cannot be reached."); });
  }

  $("key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    key = $("api-key").value.trim();
    sessionStorage.setItem("ler-api-key", key);
    load();
  });
  $("approve").addEventListener("click", function () {
    fetch(api + "/approve", { method: "POST", headers: headers() }).then(load);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-download]"), function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-download");
      fetch(api + "/" + name, { headers: { "Authorization": "Bearer " + key } }).then(function (r) {
        return r.blob();
      }).then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob); a.download = "batch-" + id + "-" + name;
        document.body.appendChild(a); a.click(); a.remove();
      });
    });
  });
  if (key) { load(); }
}());
