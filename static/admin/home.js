// Home: the setup checklist and the month at a glance.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  document.querySelectorAll("[data-link]").forEach(function (a) { a.href = A.link(a.dataset.link); });

  A.api("/admin/api/setup").then(function (answer) {
    if (!answer.ok) return;
    var list = document.getElementById("setup");
    document.getElementById("setup-count").textContent = answer.data.done + " of " + answer.data.total + " done";
    list.replaceChildren.apply(list, answer.data.steps.map(function (step) {
      var state = step.done === true ? "done" : step.done === false ? "todo" : "unknown";
      var action = step.action.api
        ? el("button", { type: "button", class: "secondary", text: step.action.label, onclick: function (event) { startImport(event.target); } })
        : step.action.url
        ? el("a", { href: step.action.url, target: "_top", text: step.action.label })
        : el("a", { href: A.link(step.action.page), text: step.action.label });
      return el("li", { class: "step " + state, "data-step": step.key }, [
        el("span", { class: "mark", "aria-hidden": "true", text: state === "done" ? "✓" : state === "todo" ? "○" : "?" }),
        el("span", { class: "step-title" }, [
          step.title,
          el("span", { class: "visually-hidden", text: state === "done" ? " (done)" : state === "todo" ? " (to do)" : " (could not check)" })
        ]),
        step.detail ? el("span", { class: "subdued", text: " · " + step.detail }) : null,
        state === "done" ? null : action
      ]);
    }));
  });

  // The history import: started from the checklist, followed with a progress bar.
  function startImport(button) {
    button.disabled = true;
    A.api("/admin/api/backfill", { method: "POST" }).then(function (answer) {
      if (!answer.ok) { button.disabled = false; A.fail((answer.data.error || {}).message || "The import could not start; try again."); return; }
      follow(button.closest("li"), answer.data.run);
    });
  }

  function follow(item, run) {
    var holder = item.querySelector(".import-progress") || item.appendChild(el("div", { class: "import-progress" }));
    var bar = el("progress", { max: "100", value: String(run.percent || 0), "aria-label": "History import" });
    var words = run.status === "completed"
      ? "Imported " + A.number(run.objects_done) + " customers and orders" + (run.skipped ? ", " + A.number(run.skipped) + " skipped (see the log)" : "") + "."
      : run.status === "failed"
      ? "The import stopped before the end. Start it again: it picks up what is missing."
      : "Importing " + (run.phase || "") + "… " + (run.percent || 0) + "%";
    holder.replaceChildren(bar, el("span", { class: "subdued", role: "status", text: " " + words }));
    if (run.status === "completed") {
      item.className = "step done";
      item.querySelector(".mark").textContent = "✓";
      var button = item.querySelector("button"); if (button) button.remove();
      return;
    }
    if (run.status === "failed") { var again = item.querySelector("button"); if (again) again.disabled = false; return; }
    setTimeout(function () {
      A.api("/admin/api/backfill").then(function (answer) { if (answer.ok && answer.data.run) follow(item, answer.data.run); });
    }, 1500);
  }

  A.api("/admin/api/analytics?days=30").then(function (answer) {
    if (!answer.ok) return;
    var t = answer.data.totals;
    var month = document.getElementById("month");
    month.replaceChildren.apply(month, [
      ["Impressions", A.number(t.impressions)], ["Plays", A.number(t.plays)], ["Leads", A.number(t.leads)],
      ["Codes redeemed", A.number(t.codes_redeemed)], ["Attributed revenue", A.money(t.revenue, answer.data.currency)]
    ].map(function (pair) { return el("div", {}, [el("dt", { text: pair[0] }), el("dd", { text: pair[1] })]); }));
  });
  A.text("/admin/api/analytics/charts/funnel.svg?days=30").then(function (svg) {
    document.getElementById("home-funnel").innerHTML = svg;  // our own SVG, labels escaped
  });
})();
