// Loyalty: the program's rules (validated by the API, each wrong field shown by its input),
// its members and their balances, what the points outstanding are worth, and referrals with
// the reason any was refused.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  var form = document.getElementById("program");
  var currency = null;

  function tiersText(tiers) {
    return tiers.map(function (t) {
      return [t.name, t.min_orders || "", t.min_spend || "", t.free_shipping_monthly ? "yes" : "no"].join(", ");
    }).join("\n");
  }

  function tiersFrom(text) {
    return text.split("\n").filter(function (line) { return line.trim(); }).map(function (line) {
      var cells = line.split(",").map(function (c) { return c.trim(); });
      return {
        name: cells[0] || "",
        min_orders: cells[1] ? Number(cells[1]) : null,
        min_spend: cells[2] || null,
        free_shipping_monthly: /^(yes|y|true)$/i.test(cells[3] || "")
      };
    });
  }

  function fill(program) {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || !(input.name in program)) return;
      if (input.type === "checkbox") input.checked = !!program[input.name];
      else if (input.name === "tiers") input.value = tiersText(program.tiers);
      else input.value = program[input.name] === null ? "" : program[input.name];
    });
  }

  function read() {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) return;
      var kind = input.dataset.kind, value = input.value.trim();
      if (input.type === "checkbox") body[input.name] = input.checked;
      else if (input.name === "tiers") body.tiers = tiersFrom(input.value);
      else if (kind === "int") body[input.name] = value === "" ? null : Number(value);
      else if (kind === "int-or-empty") body[input.name] = value === "" ? null : Number(value);
      else body[input.name] = value;
    });
    return body;
  }

  function liability() {
    A.api("/admin/api/loyalty/liability").then(function (answer) {
      if (!answer.ok) return;
      var d = answer.data, holder = document.getElementById("liability");
      holder.replaceChildren.apply(holder, [
        ["Points outstanding", A.number(d.outstanding_points)], ["Members holding points", A.number(d.members_holding)],
        ["Worth, at the reward's rate", A.money(d.value, currency)]
      ].map(function (p) { return el("div", {}, [el("dt", { text: p[0] }), el("dd", { text: p[1] })]); }));
    });
  }

  function members(q) {
    A.api("/admin/api/loyalty/members" + (q ? "?q=" + encodeURIComponent(q) : "")).then(function (answer) {
      var holder = document.getElementById("members");
      if (!answer.ok) { holder.replaceChildren(el("p", { class: "field-error", text: "Members could not be loaded." })); return; }
      if (!answer.data.members.length) { holder.replaceChildren(el("p", { class: "subdued", text: q ? "No member matches “" + q + "”." : "No members yet: they join with their first points." })); return; }
      holder.replaceChildren(A.table(["Member", "Points", "Tier", "Orders"], answer.data.members.map(function (m) {
        var base = A.link("customers"), search = "q=" + encodeURIComponent(m.email || m.name || "");
        var story = el("a", { href: base + (base.indexOf("?") >= 0 ? "&" : "?") + search, text: m.email || m.name || "customer " + m.customer_id });
        return [story, A.number(m.balance), m.tier || "–", A.number(m.orders_count)];
      })));
    });
  }

  function referrals() {
    A.api("/admin/api/loyalty/referrals").then(function (answer) {
      var holder = document.getElementById("referrals");
      if (!answer.ok) return;
      if (!answer.data.referrals.length) { holder.replaceChildren(el("p", { class: "subdued", text: "No referrals yet." })); return; }
      holder.replaceChildren(A.table(["Friend", "Status", "Why", "Started"], answer.data.referrals.map(function (r) {
        return [r.friend_email || "–", A.label(r.status), r.explanation || "–", A.when(r.created_at)];
      })));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    A.api("/admin/api/loyalty/program", { method: "PUT", body: read() }).then(function (answer) {
      if (answer.ok) { A.showFieldErrors(form, {}); fill(answer.data); A.toast("Program saved"); liability(); return; }
      var unplaced = A.showFieldErrors(form, (answer.data.error || {}).fields || {});
      A.toast(unplaced.length ? unplaced.join("; ") : "Check the highlighted fields", { error: true });
    });
  });
  document.getElementById("member-search").addEventListener("submit", function (event) {
    event.preventDefault();
    members(event.target.q.value.trim());
  });

  A.api("/admin/api/shop").then(function (answer) { currency = (answer.data || {}).currency || null; liability(); });
  A.api("/admin/api/loyalty/program").then(function (answer) { if (answer.ok) fill(answer.data); });
  members("");
  referrals();
})();
