// Sync health: the outbox, deliveries per hour, dead letters (retry, discard), intake failures.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;

  // An empty outbox means "all delivered" only when something is connected to deliver to.
  function idle(connected) {
    if (connected) return el("p", { class: "subdued", text: "Nothing waiting: every change has reached its platform." });
    return el("p", { class: "subdued" }, [
      "No email platform is connected yet, so nothing is sent anywhere. ",
      el("a", { href: A.link("connections"), text: "Connect Klaviyo or Mailchimp" }),
      " and leads, codes and consent start flowing here."
    ]);
  }

  function health() {
    A.api("/admin/api/sync/health").then(function (answer) {
      if (!answer.ok) return;
      var h = answer.data;
      document.getElementById("backlog").replaceChildren(h.backlog.length
        ? A.table(["Platform", "Operation", "Waiting", "Sending", "Dead"], h.backlog.map(function (b) { return [b.platform, b.operation, b.pending, b.sending, b.dead]; }))
        : idle(h.platforms.length));
      document.getElementById("platforms").textContent = h.platforms.map(function (p) { return p.platform + " last took something " + A.when(p.last_synced_at); }).join(" · ");
      document.getElementById("hourly").replaceChildren(h.per_hour.length
        ? A.table(["Hour (UTC)", "Klaviyo", "Mailchimp", "Shopify"], h.per_hour.map(function (row) { return [row.hour.replace("T", " "), row.klaviyo || 0, row.mailchimp || 0, row.shopify || 0]; }))
        : el("p", { class: "subdued", text: "Nothing delivered in the last 24 hours." }));
      var intake = document.getElementById("intake");
      var statuses = Object.keys(h.intake);
      intake.replaceChildren.apply(intake, statuses.length ? statuses.map(function (s) { return el("div", {}, [el("dt", { text: s }), el("dd", { text: A.number(h.intake[s]) })]); }) : [el("div", {}, [el("dt", { text: "Webhooks" }), el("dd", { class: "subdued", text: "none in the last 24 hours" })])]);
    });
  }

  function deadLetters() {
    A.api("/admin/api/sync/dead-letters").then(function (answer) {
      if (!answer.ok) return;
      var letters = answer.data.dead_letters, holder = document.getElementById("dead");
      if (!letters.length) { holder.replaceChildren(el("p", { class: "subdued", text: "None." })); return; }
      holder.replaceChildren(A.table(["Platform", "Operation", "About", "Attempts", "Platform said", ""], letters.map(function (task) {
        var act = function (verb) {
          return el("button", { type: "button", class: verb === "retry" ? "secondary" : "link", text: verb === "retry" ? "Retry" : "Discard", onclick: function () {
            A.api("/admin/api/sync/dead-letters/" + task.id + "/" + verb, { method: "POST" }).then(function () { deadLetters(); health(); });
          } });
        };
        return [task.platform, task.operation, task.subject, task.attempts, task.error, el("span", {}, [act("retry"), " ", act("discard")])];
      })));
    });
  }

  A.api("/admin/api/deliveries?status=failed").then(function (answer) {
    if (!answer.ok) return;
    var rows = answer.data.deliveries;
    document.getElementById("failed").replaceChildren(rows.length
      ? A.table(["Topic", "Received", "Attempts", "Error"], rows.map(function (d) { return [d.topic, A.when(d.received_at), d.attempts, d.error]; }))
      : el("p", { class: "subdued", text: "None failed." }));
  });
  health();
  deadLetters();
})();
