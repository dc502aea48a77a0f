// Analytics: charts drawn by the server, the funnel table, the journey KPIs and CSV exports.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  var form = document.getElementById("range");

  function query() { return "days=" + form.days.value + "&by=" + form.by.value; }

  function kpi(label, value, note) {
    // A definition list holds only dt and dd: the note goes inside the dd, on a line of its own.
    return el("div", { class: "kpi" }, [el("dt", { text: label }), el("dd", {}, [value, note ? el("span", { class: "hint kpi-note", text: note }) : null])]);
  }

  function load() {
    document.querySelectorAll("[data-chart]").forEach(function (holder) {
      A.text("/admin/api/analytics/charts/" + holder.dataset.chart + ".svg?" + query()).then(function (svg) {
        holder.innerHTML = svg;  // our own SVG, every label escaped on the server
      });
    });
    A.api("/admin/api/analytics?" + query()).then(function (answer) {
      if (!answer.ok) return;
      var data = answer.data, currency = data.currency;
      var money = function (value) { return A.money(value, currency); };
      var rows = data.funnel.concat([data.totals]).map(function (r) {
        var lift = r.lift ? (r.lift.lift === null ? "no holdout orders yet" : A.percent(r.lift.lift)) : "–";
        return [A.label(r.label), A.number(r.impressions), A.number(r.opens), A.number(r.plays), A.number(r.leads),
          A.number(r.codes_issued), A.number(r.codes_redeemed), money(r.revenue), money(r.code_cost), lift];
      });
      document.getElementById("funnel-table").replaceChildren(A.table(
        [form.by.options[form.by.selectedIndex].text, "Impressions", "Opens", "Plays", "Leads", "Codes issued", "Redeemed", "Revenue", "Code cost", "Lift"], rows));
      var k = data.kpis, l2p = k.lead_to_purchase, cart = k.cart_recovery, vs = k.leads_against_others;
      document.getElementById("kpis").replaceChildren(el("dl", { class: "stats" }, [
        kpi("Lead to purchase", A.percent(l2p.rate), A.number(l2p.purchased) + " of " + A.number(l2p.leads) + " leads; median " + (l2p.median_hours_to_first_purchase === null ? "–" : l2p.median_hours_to_first_purchase + " h") + " to the first order"),
        kpi("Redemption rate", A.percent(k.redemption.rate), A.number(k.redemption.redeemed) + " of " + A.number(k.redemption.issued) + " codes"),
        kpi("Cart recovery", A.percent(cart.rate), "emailed " + A.percent(cart.emailed.rate) + " · not emailed " + A.percent(cart.not_emailed.rate)),
        kpi("Repeat purchase, pop-up leads", A.percent(vs.popup_leads.repeat_purchase_rate), "others " + A.percent(vs.other_customers.repeat_purchase_rate)),
        kpi("Revenue per pop-up lead", money(vs.popup_leads.revenue_per_person), "per other customer " + money(vs.other_customers.revenue_per_person)),
        kpi("Assisted-session revenue", money(k.carts.assisted.revenue), A.number(k.carts.assisted.orders) + " orders finished with staff"),
        kpi("Cross-device completion", A.percent(k.carts.cross_device.share), A.number(k.carts.cross_device.cross_device_orders) + " of " + A.number(k.carts.cross_device.orders_with_known_device) + " orders with a known device")
      ]));
      var byDevice = k.carts.recovery_by_device, devices = Object.keys(byDevice);
      document.getElementById("recovery-devices").replaceChildren(devices.length
        ? A.table(["Device", "Abandoned checkouts", "Recovered", "Recovery rate"], devices.map(function (d) {
            return [A.label(d), A.number(byDevice[d].abandoned), A.number(byDevice[d].recovered), A.percent(byDevice[d].rate)];
          }))
        : el("p", { class: "subdued", text: "No abandoned checkouts in this period." }));
    });
    A.api("/admin/api/analytics/loyalty?days=" + form.days.value).then(function (answer) {
      if (!answer.ok) return;
      var k = answer.data.kpis, m = k.members, o = k.others;
      var money = function (value) { return A.money(value, answer.data.currency); };
      document.getElementById("loyalty-kpis").replaceChildren(el("dl", { class: "stats" }, [
        kpi("Points redemption rate", A.percent(k.points_redemption_rate), A.number(k.points_redeemed) + " of " + A.number(k.points_earned) + " points earned"),
        kpi("Referral completion", A.percent(k.referral_completion_rate), A.number(k.referrals_completed) + " of " + A.number(k.referrals_welcomed) + " friends ordered"),
        kpi("Repeat purchase, members", A.percent(m.repeat_purchase_rate), "others " + A.percent(o.repeat_purchase_rate)),
        kpi("Average order, members", money(m.average_order_value), "others " + money(o.average_order_value)),
        kpi("Comeback revenue", money(k.comeback_revenue), "orders that used a comeback code")
      ]));
    });
  }

  form.addEventListener("change", load);
  document.querySelectorAll("[data-export]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.export;
      A.download("/admin/api/exports/" + kind + ".csv?" + query(), "baton-" + kind + ".csv");
    });
  });
  load();
})();
