/* Baton points panel: a signed-in customer's balance, tier and next reward, their reward
   codes, a Redeem button and their referral link. The block renders only for a signed-in
   customer (Liquid's `customer`), so guests cause no request; the shop's app proxy signs
   logged_in_customer_id, so the panel can only ever show the signed-in customer's points. */
(function () {
  "use strict";
  var root = document.querySelector("[data-baton-points]");
  var node = document.getElementById("baton-points-config");
  if (!root || !node || root.dataset.started) return;
  root.dataset.started = "1";
  var config;
  try { config = JSON.parse(node.textContent); } catch (e) { return; }
  var words = config.strings || {};
  var polls = 0, timer = null;

  function say(key, values) {
    return (words[key] || key).replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? values[name] : ""; });
  }
  function money(value) {
    try { return new Intl.NumberFormat(config.locale || undefined, { style: "currency", currency: config.currency || "USD" }).format(Number(value)); }
    catch (e) { return value; }
  }
  function day(iso) { return new Date(iso).toLocaleDateString(config.locale || undefined); }
  function node_(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") el.textContent = attrs[name];
      else if (name === "onclick") el.addEventListener("click", attrs[name]);
      else el.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) el.appendChild(child); });
    return el;
  }
  function call(method, path) {
    return fetch(config.proxy + path, { method: method, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
      }, function () { return { ok: false, status: 0, data: {} }; });
  }

  var status = node_("p", { class: "baton-points__status", role: "status", "aria-live": "polite" });

  function reward(r) {
    if (r.status === "pending") return node_("li", { text: say("pending") });
    if (r.status === "refused") return node_("li", { text: say("refused") });
    var label = r.kind === "free_shipping" ? say("free_shipping") : money(r.value);
    return node_("li", {}, [
      node_("code", { text: r.code }),
      document.createTextNode(" " + say("code", { value: label, date: day(r.ends_at) }))
    ]);
  }

  function referral(url) {
    var copy = node_("button", { type: "button", class: "baton-points__copy", text: say("copy"), onclick: function () {
      var done = function () { copy.textContent = say("copied"); };
      if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, done); else done();
    } });
    return node_("div", { class: "baton-points__refer" }, [
      node_("p", { text: say("refer") }),
      node_("input", { type: "text", readonly: "readonly", value: url, "aria-label": say("refer_label") }),
      copy
    ]);
  }

  function render(panel) {
    if (!panel.enabled) { root.hidden = true; return; }
    root.hidden = false;
    var next = panel.next_reward, parts = [
      node_("h2", { class: "baton-points__title", text: say("title") }),
      node_("p", { class: "baton-points__balance", text: say("balance", { points: panel.balance }) }),
      panel.tier ? node_("p", { class: "baton-points__tier", text: say("tier", { tier: panel.tier }) }) : null
    ];
    if (next && next.points_missing > 0) {
      parts.push(node_("p", { text: say("next_reward", { points: next.points_missing, value: money(next.value) }) }));
    } else if (next) {
      parts.push(node_("button", { type: "button", class: "baton-points__redeem", onclick: redeem,
        text: say("redeem", { points: next.points, value: money(next.value) }) }));
    }
    if (panel.rewards && panel.rewards.length) parts.push(node_("ul", { class: "baton-points__codes" }, panel.rewards.map(reward)));
    if (panel.referral_url) parts.push(referral(panel.referral_url));
    parts.push(status);
    root.replaceChildren.apply(root, parts);
    var waiting = (panel.rewards || []).some(function (r) { return r.status === "pending"; });
    clearTimeout(timer);
    if (waiting && polls < 40) { polls += 1; timer = setTimeout(load, 1500); }
  }

  function load() {
    return call("GET", "/loyalty").then(function (answer) {
      if (answer.ok) render(answer.data); else status.textContent = say("failed");
    });
  }

  function redeem(event) {
    event.target.disabled = true;
    status.textContent = say("redeeming");
    call("POST", "/loyalty/redemptions").then(function (answer) {
      if (!answer.ok) {
        event.target.disabled = false;
        status.textContent = (answer.data.error && answer.data.error.message) || say("failed");
        return;
      }
      polls = 0;
      load().then(function () { status.textContent = say("pending"); });
    });
  }

  load();
})();
