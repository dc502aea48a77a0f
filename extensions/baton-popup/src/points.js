/* Baton points panel: a signed-in customer's balance, tier and next reward, their reward
   codes, a Redeem button and their referral link. The block renders only for a signed-in
   customer (Liquid's `customer`), so guests cause no request; the shop's app proxy signs
   logged_in_customer_id, so the panel can only ever show the signed-in customer's points. */
(function () {
  "use strict";
  var root = document.querySelector("[data-baton-points]");
  var node = document.getElementById("baton-points-config");
  if (!root || !node) { if (window.Baton) welcome(window.Baton); return; }
  if (root.dataset.started) return;
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

  /* A referred friend (the loader saw ?baton_ref=CODE): one small card, in its own shadow root
     so the theme cannot restyle it, asks for an email and shows the welcome code. */
  function welcome(Baton) {
    var ref = Baton.local.get("ref");
    if (!ref || ref.done || document.querySelector("baton-welcome")) return;
    var strings = Baton.embed.strings || {};
    var words = {
      title: Baton.embed.strings.welcome_title, body: Baton.embed.strings.welcome_body,
      claim: Baton.embed.strings.welcome_claim, code: Baton.embed.strings.welcome_code,
      email: Baton.embed.strings.email_label, close: Baton.embed.strings.close,
      failed: Baton.embed.strings.failed
    };
    var host = document.createElement("baton-welcome");
    host.setAttribute("style", "all:initial!important;display:block!important;");
    var shadow = host.attachShadow({ mode: "open" });
    var card = document.createElement("section");
    card.setAttribute("role", "dialog");
    card.setAttribute("aria-label", words.title || "Welcome");
    card.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483647;max-width:320px;padding:16px 18px;" +
      "border-radius:10px;background:#fff;color:#1f2124;box-shadow:0 6px 24px rgba(0,0,0,.25);font:15px/1.4 system-ui,sans-serif";
    card.innerHTML = '<h2 style="font-size:17px;margin:0 0 6px"></h2><p style="margin:0 0 10px"></p>' +
      '<form><label style="display:block;margin-bottom:4px"></label><input type="email" required autocomplete="email" ' +
      'style="box-sizing:border-box;width:100%;padding:8px;margin-bottom:8px;font:inherit">' +
      '<button type="submit" style="font:inherit;padding:8px 14px;border:0;border-radius:6px;background:#1f2124;color:#fff;cursor:pointer"></button></form>' +
      '<p role="status" aria-live="polite" style="margin:8px 0 0"></p>' +
      '<button type="button" data-close style="position:absolute;top:6px;right:8px;border:0;background:none;font-size:18px;cursor:pointer">×</button>';
    var title = card.querySelector("h2"), body = card.querySelector("p"), form = card.querySelector("form");
    var label = form.querySelector("label"), input = form.querySelector("input"), submit = form.querySelector("button");
    var status = card.querySelector("[role=status]"), close = card.querySelector("[data-close]");
    title.textContent = words.title || strings.headline;
    body.textContent = words.body || "";
    label.textContent = words.email;
    input.id = "baton-welcome-email";
    label.setAttribute("for", input.id);
    submit.textContent = words.claim;
    close.setAttribute("aria-label", words.close || "Close");
    close.addEventListener("click", function () { host.remove(); });
    shadow.appendChild(card);
    document.body.appendChild(host);

    function done(value) { Baton.local.set("ref", { code: ref.code, done: true, claimed: value || null }); }
    function show(reward) {
      var value = reward.value;
      try { value = new Intl.NumberFormat(Baton.embed.locale || undefined, { style: "currency", currency: Baton.embed.currency }).format(Number(reward.value)); } catch (e) { /* no currency: the bare amount */ }
      form.remove();
      status.textContent = (words.code || "").replace("{value}", value) + " ";
      var code = document.createElement("code");
      code.textContent = reward.code;
      code.style.cssText = "font:600 16px ui-monospace,monospace";
      status.appendChild(code);
      done(reward.code);
    }
    function poll(id, tries) {
      fetch(Baton.embed.proxy + "/loyalty/referrals/" + id + "?visitor_id=" + encodeURIComponent(Baton.visitor()), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          var reward = answer.welcome;
          if (reward && reward.status === "issued") return show(reward);
          if (reward && reward.status === "refused") { status.textContent = words.failed; return done(); }
          if (tries < 40) setTimeout(function () { poll(id, tries + 1); }, 1500);
        }, function () { if (tries < 40) setTimeout(function () { poll(id, tries + 1); }, 3000); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit.disabled = true;
      fetch(Baton.embed.proxy + "/loyalty/referrals", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ code: ref.code, email: input.value, visitor_id: Baton.visitor() })
      }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; }); })
        .then(function (answer) {
          if (answer.ok) { poll(answer.data.referral_id, 0); return; }
          submit.disabled = false;
          status.textContent = (answer.data.error && answer.data.error.message) || words.failed;
          if (answer.status === 409 || answer.status === 404) { form.remove(); done(); }
        }, function () { submit.disabled = false; status.textContent = words.failed; });
    });
  }
})();
