// Live carts: polled with the ETag the server gave, so an unchanged list costs a bodiless 304;
// polling pauses while the tab is hidden. A cart opens to its story and the assisted checkout.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  var filters = document.getElementById("cart-filters");
  var status = document.getElementById("live-status");
  var etag = null, carts = [], timer = null, selected = null, every = 5000;
  var WHO = { popup_lead: "Pop-up lead", customer: "Customer", anonymous: "Anonymous" };

  function query() {
    var parts = [];
    ["minutes", "min_value", "identified", "has_code"].forEach(function (name) {
      var value = filters.elements[name].value;
      if (value !== "") parts.push(name + "=" + encodeURIComponent(value));
    });
    return parts.join("&");
  }

  function ago(iso) {
    var seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    return Math.floor(seconds / 3600) + " h ago";
  }

  function short(token) { return token.length > 12 ? "…" + token.slice(-8) : token; }

  function who(cart) {
    var label = WHO[cart.identity];
    if (cart.customer && cart.customer.email) {
      // A pop-up email was typed by whoever held the browser: say so.
      label += " · " + cart.customer.email + (cart.customer.email_verified ? "" : " (unverified)");
    }
    if (cart.customer && cart.customer.orders_count) label += " · " + cart.customer.orders_count + " orders";
    if (cart.loyalty) label += " · " + A.number(cart.loyalty.points) + " points" + (cart.loyalty.tier ? " · " + cart.loyalty.tier : "");
    return label;
  }

  function render() {
    var holder = document.getElementById("live-carts");
    if (!carts.length) { holder.replaceChildren(el("p", { class: "subdued", text: "No carts in this window. They appear here as shoppers add to them." })); return; }
    holder.replaceChildren(A.table(["Cart", "Items", "Value", "Changed", "Shopper", "Device", "Code"], carts.map(function (c) {
      return [
        // The accessible name starts with what is visible, as speech users say it.
        el("button", { type: "button", class: "link", title: c.token, "data-cart": c.token, onclick: function () { open(c.token); } }, [
          el("span", { class: "visually-hidden", text: "Open cart " }), short(c.token)
        ]),
        A.number(c.items), A.money(c.value, c.currency),
        el("time", { datetime: c.changed_at, "data-ago": c.changed_at, text: ago(c.changed_at) }),
        who(c), c.device ? A.label(c.device) : "–",
        c.code ? c.code.code + " (" + c.code.status + ")" : "–"
      ];
    })));
  }

  function poll() {
    clearTimeout(timer);
    if (document.visibilityState === "hidden") return;  // resumes on visibilitychange
    A.api("/admin/api/carts/live?" + query(), { headers: etag ? { "If-None-Match": etag } : {} }).then(function (answer) {
      if (answer.status === 304) {
        status.textContent = "Up to date · checked " + new Date().toLocaleTimeString();
      } else if (answer.ok) {
        etag = answer.etag;
        carts = answer.data.carts;
        every = (answer.data.poll_seconds || 5) * 1000;
        render();
        status.textContent = carts.length + " active · updated " + new Date().toLocaleTimeString();
        if (selected) refreshDetail();
      } else if (answer.status === 400) {
        status.textContent = (answer.data.error || {}).message || "Check the filters.";
      }
      timer = setTimeout(poll, every);
    });
  }

  // "Changed 30 s ago" keeps moving between polls without asking the server.
  setInterval(function () {
    document.querySelectorAll("[data-ago]").forEach(function (t) { t.textContent = ago(t.dataset.ago); });
  }, 1000);

  function open(token) {
    selected = token;
    document.getElementById("cart-detail").hidden = false;
    refreshDetail();
  }

  function refreshDetail() {
    A.api("/admin/api/carts/" + encodeURIComponent(selected)).then(function (answer) {
      if (!answer.ok) return;
      var d = answer.data, c = d.cart;
      document.getElementById("detail-title").textContent = "Cart " + short(c.token) + " · " + A.money(c.value, c.currency);
      var parts = [
        A.table(["Item", "Qty", "Price"], c.lines.map(function (l) { return [l.title || "Item", l.quantity, A.money(l.price, c.currency)]; })),
        el("p", {}, [who(c) + " · " + (c.device ? A.label(c.device) : "device unknown") + (c.source ? " · " + c.source : "")]),
        c.code ? el("p", {}, ["Baton code ", el("code", { text: c.code.code }), " is " + c.code.status + (c.code.expires_at ? " (until " + A.when(c.code.expires_at) + ")" : "")]) : null,
        d.recovery_url ? el("p", {}, ["Checkout recovery link: ", el("a", { href: d.recovery_url, target: "_blank", rel: "noopener", text: "open" })]) : null,
        d.order ? el("p", { class: "banner success", text: "Ordered: " + d.order.name + " · " + A.money(d.order.total, d.order.currency || c.currency) + (d.order.assisted ? " (assisted)" : "") }) : null
      ];
      if (d.story) {
        parts.push(el("h3", { text: "Their story" }));
        parts.push(el("ol", { class: "timeline" }, d.story.timeline.slice(0, 12).map(function (item) {
          return el("li", { "data-kind": item.kind }, [el("span", { class: "badge channel", text: item.channel }), " " + item.summary + " ", el("time", { class: "subdued", text: A.when(item.at) })]);
        })));
      }
      document.getElementById("detail-body").replaceChildren.apply(document.getElementById("detail-body"), parts.filter(Boolean));
      var email = document.getElementById("draft-email");
      if (!email.value && c.customer && c.customer.email_verified) email.value = c.customer.email;
      var useCode = document.getElementById("use-code");
      useCode.disabled = !(c.code && c.code.status === "valid");
      document.getElementById("code-label").textContent = c.code ? "The shopper's Baton code " + c.code.code + (useCode.disabled ? " (" + c.code.status + ")" : "") : "The shopper's Baton code (none)";
      if (!useCode.disabled && !document.querySelector("input[name=discount]:checked:not([value=none])")) useCode.checked = true;
      showDraft(c.draft, c.code);
    });
  }

  function showDraft(draft, code) {
    var state = document.getElementById("draft-state");
    document.getElementById("draft-create").hidden = !!(draft && draft.status !== "failed");
    document.getElementById("draft-invoice").hidden = !(draft && (draft.status === "open" || draft.status === "invoice_sent"));
    document.getElementById("draft-copy").hidden = !(draft && draft.invoice_url);
    if (!draft) { state.textContent = ""; return; }
    state.textContent = "Draft " + (draft.name || "") + ": " + draft.status.replace("_", " ") +
      (draft.invoice_sent_at ? " · invoice sent " + A.when(draft.invoice_sent_at) : "") +
      (draft.error ? " · " + draft.error : "");
  }

  function say(text, kind) {
    var box = document.getElementById("draft-message");
    box.textContent = text;
    box.className = "banner " + (kind || "success");
    box.hidden = !text;
  }

  document.getElementById("draft-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, choice = form.querySelector("input[name=discount]:checked").value, discount = null;
    if (choice === "code") discount = { kind: "code", code: (carts.filter(function (c) { return c.token === selected; })[0] || {}).code.code };
    if (choice === "percentage" || choice === "amount") discount = { kind: choice, value: document.getElementById("staff-value").value };
    var button = document.getElementById("draft-create");
    button.disabled = true;  // a second click waits; the server makes one draft regardless
    A.api("/admin/api/carts/" + encodeURIComponent(selected) + "/draft-order", {
      method: "POST", body: { email: document.getElementById("draft-email").value.trim() || null, discount: discount }
    }).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) {
        var error = answer.data.error || {};
        A.showFieldErrors(form, error.fields || {});
        return say(error.message || "The draft order could not be made.", "critical");
      }
      A.showFieldErrors(form, {});
      say(answer.data.created ? "Draft order created in Shopify." : "This cart already has a draft order.");
      showDraft(answer.data.draft);
    });
  });

  document.getElementById("draft-invoice").addEventListener("click", function () {
    A.api("/admin/api/carts/" + encodeURIComponent(selected) + "/draft-order/invoice", {
      method: "POST", body: { to: document.getElementById("draft-email").value.trim() || null }
    }).then(function (answer) {
      if (!answer.ok) return say((answer.data.error || {}).message || "The invoice was not sent.", "critical");
      say("");
      A.toast("Invoice sent by Shopify");
      showDraft(answer.data.draft);
    });
  });

  document.getElementById("draft-copy").addEventListener("click", function () {
    A.api("/admin/api/carts/" + encodeURIComponent(selected)).then(function (answer) {
      var url = answer.ok && answer.data.cart.draft && answer.data.cart.draft.invoice_url;
      if (url && navigator.clipboard) navigator.clipboard.writeText(url).then(function () { A.toast("Invoice link copied"); }, function () { say(url); });
      else if (url) say(url);
    });
  });

  document.getElementById("export-carts").addEventListener("click", function () {
    A.download("/admin/api/exports/carts.csv?days=30", "baton-carts.csv");
  });
  filters.addEventListener("change", function () { etag = null; poll(); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") poll(); });
  poll();
})();
