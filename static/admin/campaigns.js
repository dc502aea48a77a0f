// Campaign list: status, game, prizes and this month's plays, each linking to its editor.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  document.querySelectorAll("[data-link]").forEach(function (a) { a.href = A.link(a.dataset.link); });
  Promise.all([A.api("/admin/api/campaigns"), A.api("/admin/api/analytics?days=30&by=campaign")]).then(function (answers) {
    var holder = document.getElementById("campaigns");
    if (!answers[0].ok) return;
    var plays = {};
    (answers[1].data.funnel || []).forEach(function (row) { plays[row.key] = row; });
    var campaigns = answers[0].data.campaigns;
    if (!campaigns.length) {
      holder.replaceChildren(el("p", { text: "No campaigns yet. Make one: a wheel, a scratch card or a gift box." }));
      return;
    }
    holder.replaceChildren(A.table(["Campaign", "Game", "Status", "Prizes", "Plays (30 days)", "Leads"], campaigns.map(function (c) {
      var stats = plays[String(c.id)] || {};
      return [
        el("a", { href: A.link("campaigns/" + c.id), text: c.name }),
        c.game, el("span", { class: "badge " + c.status, text: c.status }),
        c.prizes.map(function (p) { return p.label; }).join(", "),
        A.number(stats.plays), A.number(stats.leads)
      ];
    })));
  });
})();
