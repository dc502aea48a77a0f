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
      var action = step.action.url
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

  A.api("/admin/api/analytics?days=30").then(function (answer) {
    if (!answer.ok) return;
    var t = answer.data.totals;
    var month = document.getElementById("month");
    month.replaceChildren.apply(month, [
      ["Impressions", A.number(t.impressions)], ["Plays", A.number(t.plays)], ["Leads", A.number(t.leads)],
      ["Codes redeemed", A.number(t.codes_redeemed)], ["Attributed revenue", A.money(t.revenue)]
    ].map(function (pair) { return el("div", {}, [el("dt", { text: pair[0] }), el("dd", { text: pair[1] })]); }));
  });
  A.text("/admin/api/analytics/charts/funnel.svg?days=30").then(function (svg) {
    document.getElementById("home-funnel").innerHTML = svg;  // our own SVG, labels escaped
  });
})();
