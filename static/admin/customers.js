// Customers: "what has this person already done with us", across every channel.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  var form = document.getElementById("search");

  // Shopify's state when it has one; a pop-up lead's consent is the play's, until Shopify
  // confirms the address.
  function emailConsent(c, s) {
    if (c.email_consent) return c.email_consent.replace(/_/g, " ");
    if (s.popup_consent_at) return "given in a pop-up, " + A.when(s.popup_consent_at);
    return "not given";
  }

  var opened = 0;
  function open(id) {
    var mine = ++opened;
    A.api("/admin/api/customers/" + id).then(function (answer) {
      // A slower answer for someone opened earlier must not replace the story on screen.
      if (!answer.ok || mine !== opened) return;
      var s = answer.data, c = s.customer, story = document.getElementById("story");
      document.getElementById("story-title").textContent = (c.name ? c.name + " · " : "") + (c.email || "no email");
      var segments = Object.keys(s.segments).filter(function (k) { return s.segments[k]; }).map(function (k) { return k.replace(/_/g, " ").replace(/\bpopup\b/, "pop-up"); });
      var facts = document.getElementById("story-facts");
      facts.replaceChildren.apply(facts, [
        ["Orders", A.number(c.orders_count)], ["Spent", A.money(c.total_spent, s.currency)], ["Email consent", emailConsent(c, s)],
        ["Segments", segments.join(", ") || "none"], ["Suppressed", s.suppressed || "no"]
      ].map(function (p) { return el("div", {}, [el("dt", { text: p[0] }), el("dd", { text: p[1] })]); }));
      document.getElementById("story-codes").replaceChildren(s.codes.length
        ? A.table(["Code", "Status", "Issued", "Expires", "Redeemed", "Revenue"], s.codes.map(function (code) {
            return [code.code, code.status, A.when(code.issued_at), A.when(code.expires_at), A.when(code.redeemed_at), code.revenue ? A.money(code.revenue, s.currency) : "–"];
          }))
        : el("p", { class: "subdued", text: "No codes won." }));
      var points = document.getElementById("story-points");
      if (s.points) {
        var p = s.points, heading = el("h3", { text: "Points" });
        var summary = el("p", { text: A.number(p.balance) + " points" + (p.tier ? " · " + p.tier : "") + " · " + A.number(p.lifetime) + " earned in all" });
        var ledger = p.entries.length
          ? A.table(["When", "Entry", "Points", "For"], p.entries.map(function (e) {
              return [A.when(e.at), e.kind, (e.points > 0 ? "+" : "") + e.points, e.source.replace(/_/g, " ") + (e.order_id ? " · order " + e.order_id : "")];
            }))
          : el("p", { class: "subdued", text: "No points yet." });
        var next = p.next_reward, redeem = null;
        if (next && next.points_missing === 0) {
          // Staff redeem for the customer (on the phone, at the till): the code is limited to them.
          redeem = el("button", { type: "button", class: "secondary", text: "Redeem " + A.number(next.points) + " points for " + A.money(next.value, s.currency) + " off, for them",
            onclick: function () {
              redeem.disabled = true;
              A.api("/admin/api/loyalty/members/" + c.id + "/redemptions", { method: "POST" }).then(function (answer) {
                if (!answer.ok) { redeem.disabled = false; A.toast((answer.data.error || {}).message || "Could not redeem.", { error: true }); return; }
                A.toast("Points redeemed: the code appears here once Shopify has made it.");
                setTimeout(function () { open(c.id); }, 2000);
              });
            } });
        }
        var codes = p.rewards.length
          ? A.table(["Reward code", "Value", "Status", "Expires"], p.rewards.map(function (r) {
              return [r.code || "–", r.kind === "free_shipping" ? "free shipping" : A.money(r.value, s.currency), r.status, A.when(r.ends_at)];
            }))
          : null;
        points.replaceChildren.apply(points, [heading, summary, redeem, codes, ledger].filter(Boolean));
      } else {
        points.replaceChildren();
      }
      var timeline = document.getElementById("story-timeline");
      timeline.replaceChildren.apply(timeline, s.timeline.map(function (item) {
        return el("li", { "data-kind": item.kind }, [
          el("span", { class: "badge channel", text: item.channel }), " ",
          el("span", { text: item.summary }), " ",
          el("time", { class: "subdued", datetime: item.at, text: A.when(item.at) })
        ]);
      }));
      story.hidden = false;
    });
  }

  // A code's journey: shown when and where, sent to which platforms, redeemed by which order.
  function journey(code) {
    document.getElementById("journey-title").textContent = "Code " + code.code + " · " + code.state;
    document.getElementById("journey-why").textContent = code.why;
    var shown = code.shown, used = code.redeemed;
    var sent = code.platforms.map(function (p) { return A.label(p.platform) + " " + (p.status === "done" ? A.when(p.at) : p.status); }).join(" · ");
    var facts = document.getElementById("journey-facts");
    facts.replaceChildren.apply(facts, [
      ["Shown", shown ? A.when(shown.at) + " · " + (shown.campaign || "a pop-up") + (shown.device ? " · " + A.label(shown.device) : "") : "not handed out by a pop-up"],
      ["Expires", A.when(code.expires_at)],
      ["Sent to", sent || "no email platform"],
      ["Redeemed", used ? A.when(used.at) + (used.order ? " · order " + used.order : "") : "not yet"]
    ].map(function (p) { return el("div", {}, [el("dt", { text: p[0] }), el("dd", { text: p[1] })]); }));
    document.getElementById("journey").hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = form.q.value.trim();
    // A new search starts from a clean page: the last person's story goes with their results.
    opened++;
    document.getElementById("story").hidden = true;
    document.getElementById("journey").hidden = true;
    A.api("/admin/api/customers?q=" + encodeURIComponent(q)).then(function (answer) {
      var results = document.getElementById("results");
      if (!answer.ok) { results.replaceChildren(el("p", { class: "field-error", text: (answer.data.error || {}).message || "Search failed." })); return; }
      var code = answer.data.code;
      if (code) {
        journey(code);
        results.replaceChildren();
        if (code.shown && code.shown.customer_id) open(code.shown.customer_id);
        return;
      }
      if (!answer.data.customers.length) { results.replaceChildren(el("p", { class: "subdued", text: "Nobody and no code matches “" + q + "”." })); return; }
      results.replaceChildren(A.table(["Customer", "Orders", "Spent", "Email consent"], answer.data.customers.map(function (c) {
        return [el("button", { type: "button", class: "link", text: c.email || c.name, onclick: function () { open(c.id); } }),
          A.number(c.orders_count), A.money(c.total_spent, answer.data.currency), c.email_consent || "–"];
      })));
      if (answer.data.customers.length === 1) open(answer.data.customers[0].id);
    });
  });
  var preset = new URLSearchParams(location.search).get("q");
  if (preset) { form.q.value = preset; form.requestSubmit(); }
})();
