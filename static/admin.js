// Fills the intake log. App Bridge's fetch adds the session token to same-origin requests.
(function () {
  "use strict";
  var body = document.querySelector("#deliveries tbody");
  if (!body) return;

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    return td;
  }

  function render(rows) {
    body.replaceChildren();
    if (!rows.length) {
      var empty = document.createElement("tr");
      var td = cell("No deliveries yet.");
      td.colSpan = 4;
      empty.appendChild(td);
      body.appendChild(empty);
      return;
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      [row.topic, row.status, row.received_at, row.error].forEach(function (value) {
        tr.appendChild(cell(value));
      });
      body.appendChild(tr);
    });
  }

  fetch("/admin/api/deliveries")
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(function (data) { render(data.deliveries); })
    .catch(function (error) {
      body.replaceChildren();
      var tr = document.createElement("tr");
      var td = cell("Could not load deliveries: " + error.message);
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
    });
})();
