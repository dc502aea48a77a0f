// Privacy: GDPR data requests and their exports.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  A.api("/admin/api/privacy/requests").then(function (answer) {
    if (!answer.ok) return;
    var rows = answer.data.requests, holder = document.getElementById("requests");
    if (!rows.length) { holder.replaceChildren(el("p", { class: "subdued", text: "No requests yet." })); return; }
    holder.replaceChildren(A.table(["Request", "Status", "Received", ""], rows.map(function (r) {
      var download = r.has_export
        ? el("button", { type: "button", class: "secondary", text: "Download export", onclick: function () {
            A.download("/admin/api/privacy/requests/" + r.id + "/export", "baton-data-request-" + r.id + ".json");
          } })
        : "";
      return [r.kind, r.status, A.when(r.received_at), download];
    })));
  });
})();
