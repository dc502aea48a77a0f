/* Baton games: the dialog, the email form, the three games, the result and the reminder bar.
   Loaded by baton-loader.js only once a trigger fires. Merchant text is only ever set with
   textContent, never parsed as HTML. */
(function () {
  "use strict";
  var B = window.Baton, embed = B.embed;
  var reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  var FOCUSABLE = "a[href],button:not([disabled]),input:not([disabled]),[tabindex]:not([tabindex='-1'])";

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "class") node.className = props[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), props[key]);
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function call(path, body) {
    return fetch(embed.proxy + path, {
      method: body ? "POST" : "GET",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }, function () {
      return { ok: false, status: 0, data: { error: { code: "offline", message: "We could not reach the shop. Check your connection and try again." } } };
    });
  }

  function remember(campaign, change) {
    var key = "c" + campaign.id, mine = B.local.get(key) || {};
    Object.keys(change).forEach(function (k) { mine[k] = change[k]; });
    B.local.set(key, mine);
  }

  /* ---- Impressions and opens: batched, sent once as the page goes away (or after a play). ---- */
  var pending = [];
  function track(campaign, offer, type) {
    if (embed.preview) return;
    pending.push({ campaign_id: campaign.id, variant: offer.variant, type: type, beacon: offer.beacon });
  }
  function flush() {
    if (!pending.length) return;
    var body = JSON.stringify({ visitor_id: B.visitor(), device: B.device(), events: pending.splice(0, 20) });
    if (!(navigator.sendBeacon && navigator.sendBeacon(embed.proxy + "/events", body))) {
      fetch(embed.proxy + "/events", { method: "POST", body: body, keepalive: true, credentials: "same-origin" }).catch(function () {});
    }
  }
  addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });

  function open(campaign) {
    call("/offer?campaign_id=" + campaign.id + "&visitor_id=" + B.visitor() + "&device=" + B.device()).then(function (answer) {
      var offer = answer.data;
      if (!answer.ok) return;
      if (offer.show === "game") return dialog(campaign, offer);
      B.session.set("off" + campaign.id, 1);
      if (offer.reason === "already_played") remember(campaign, { won: 1 });
      var win = B.local.get("win");
      if (offer.show === "reminder" && win) reminder(win);
    });
  }

  /* ---- The dialog: labelled, focus kept inside, Escape closes, focus given back. ---- */
  function dialog(campaign, offer, quiet) {
    var content = offer.campaign.content || {}, consent = offer.campaign.consent || {};
    var opener = document.activeElement;
    var game = GAMES[offer.campaign.game] || GAMES.wheel;
    var backdrop, box, form, message, stage = game.stage(offer.campaign);

    function close() {
      document.removeEventListener("keydown", keys, true);
      backdrop.remove();
      remember(campaign, { closed: Date.now() / 1000 });
      if (opener && opener.focus) opener.focus();
    }
    function keys(e) {
      if (!backdrop.isConnected) return document.removeEventListener("keydown", keys, true);
      if (e.key === "Escape") { e.preventDefault(); close(); return; }
      if (e.key !== "Tab") return;
      var items = Array.prototype.filter.call(box.querySelectorAll(FOCUSABLE), function (n) { return n.offsetParent !== null; });
      var first = items[0], last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    }

    var email = el("input", { id: "baton-email", type: "email", name: "email", autocomplete: "email", required: "", "aria-describedby": "baton-email-error" });
    var emailError = el("p", { id: "baton-email-error", class: "baton-field-error" });
    var agree = el("input", { id: "baton-consent", type: "checkbox", name: "consent", "aria-describedby": "baton-consent-error" });
    var agreeError = el("p", { id: "baton-consent-error", class: "baton-field-error" });
    var phone = content.sms_field ? el("input", { id: "baton-phone", type: "tel", name: "phone", autocomplete: "tel", placeholder: "+44 7700 900123", "aria-describedby": "baton-phone-error" }) : null;
    var phoneError = el("p", { id: "baton-phone-error", class: "baton-field-error" });
    var sms = phone ? el("input", { id: "baton-sms", type: "checkbox", name: "sms_consent" }) : null;
    var submit = el("button", { type: "submit", class: "baton-primary", text: content.button_text || "Play" });
    message = el("p", { class: "baton-message", role: "status", "aria-live": "polite" });
    form = el("form", { class: "baton-form", novalidate: "" }, [
      el("label", { for: "baton-email", text: "Email address" }), email, emailError,
      phone && el("label", { for: "baton-phone", text: "Mobile number (optional)" }), phone, phone && phoneError,
      sms && el("div", { class: "baton-consent" }, [sms, el("label", { for: "baton-sms", text: consent.sms_text || "Text me offers." })]),
      el("div", { class: "baton-consent" }, [agree, el("label", { for: "baton-consent", text: consent.text || "Email me offers." })]),
      agreeError, submit, message
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      [email, agree, phone].forEach(function (input) { if (input) input.removeAttribute("aria-invalid"); });
      emailError.textContent = agreeError.textContent = phoneError.textContent = message.textContent = "";
      if (!email.value.trim()) return fieldError(email, emailError, "Please enter your email address.");
      if (consent.required !== false && !agree.checked) return fieldError(agree, agreeError, "Please tick the box to agree.");
      submit.disabled = true;
      message.textContent = "Good luck…";
      flush();
      // The cart's token ties this shopper to the cart staff see live (no cart: no token).
      fetch(embed.root + "cart.js", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (c) { return c.token; }, function () { return null; }).then(function (cartToken) {
        return call("/play", {
          campaign_id: campaign.id, play_token: offer.play_token, visitor_id: B.visitor(),
          email: email.value.trim(), consent: agree.checked, device: B.device(), cart_token: cartToken || null,
          phone: phone ? phone.value.trim() : "", sms_consent: !!(sms && sms.checked)
        });
      }).then(function (answer) {
        if (!answer.ok) return failed(answer);
        remember(campaign, { won: 1 });
        form.hidden = true;
        game.reveal(stage, answer.data, function () { result(box, answer.data, content); });
      });
    });

    function fieldError(input, holder, text) {
      input.setAttribute("aria-invalid", "true");
      holder.textContent = text;
      input.focus();
    }
    function failed(answer) {
      var error = (answer.data && answer.data.error) || {};
      var text = error.message || "Something went wrong. Please try again.";
      submit.disabled = false;
      message.textContent = "";
      if (error.code === "invalid_email" || error.code === "disposable_email") return fieldError(email, emailError, text);
      if (error.code === "consent_required") return fieldError(agree, agreeError, text);
      if (error.code === "invalid_phone" && phone) return fieldError(phone, phoneError, text);
      if (error.code === "already_played") { remember(campaign, { won: 1 }); submit.disabled = true; }
      if (error.code === "invalid_play_token" || error.code === "campaign_not_running") submit.disabled = true;
      message.textContent = text;
    }

    box = el("div", { class: "baton-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "baton-title", "aria-describedby": "baton-body", "data-game": offer.campaign.game }, [
      el("button", { type: "button", class: "baton-close", "aria-label": "Close", text: "×", onclick: close }),
      content.logo_url ? el("img", { class: "baton-logo", src: content.logo_url, alt: "" }) : null,
      el("h2", { id: "baton-title", text: content.headline || "Play to win" }),
      el("p", { id: "baton-body", text: content.body || "" }),
      stage.node, form
    ]);
    [["--baton-accent", content.accent_colour], ["--baton-bg", content.background_colour], ["--baton-fg", content.text_colour]].forEach(function (pair) {
      if (pair[1]) box.style.setProperty(pair[0], pair[1]);
    });
    backdrop = el("div", { class: "baton-backdrop", onclick: function (e) { if (e.target === backdrop) close(); } }, [box]);
    document.body.appendChild(backdrop);
    document.addEventListener("keydown", keys, true);
    track(campaign, offer, "impression");
    // An open is the first touch of the game or the form; closing the dialog is not one.
    var opened = function (e) {
      if (e.target.closest(".baton-close") || e.key === "Escape" || e.key === "Tab") return;
      box.removeEventListener("pointerdown", opened); box.removeEventListener("keydown", opened);
      track(campaign, offer, "open");
    };
    box.addEventListener("pointerdown", opened);
    box.addEventListener("keydown", opened);
    // The editor's preview redraws as the merchant types: it must not take their focus.
    if (!quiet) (game.firstFocus ? game.firstFocus(stage) : email).focus();
  }

  function preview(shown) {
    Array.prototype.forEach.call(document.querySelectorAll(".baton-backdrop"), function (node) { node.remove(); });
    dialog({ id: shown.id || 0 }, { campaign: shown, variant: "preview" }, true);
  }

  /* ---- After the win: the code, a copy button, and the code applied to the cart. ---- */
  function result(box, won, content) {
    var panel = el("div", { class: "baton-result", role: "status", "aria-live": "polite" }, [
      el("p", { class: "baton-prize", text: won.code ? "You won: " + won.prize.label : won.prize.label })
    ]);
    if (won.code) {
      var applied = el("p", { class: "baton-fine", text: "Adding it to your cart…" });
      panel.appendChild(codeRow(won.code));
      if (won.expires_at) panel.appendChild(el("p", { class: "baton-fine", text: "Use it by " + new Date(won.expires_at).toLocaleDateString() + "." }));
      panel.appendChild(applied);
      B.local.set("win", { code: won.code, label: won.prize.label, expires: won.expires_at ? Date.parse(won.expires_at) / 1000 : null });
      applyToCart(won.code).then(function (ok) {
        applied.textContent = ok ? "Applied to your cart: it is taken off at checkout." : "Enter the code at checkout.";
      });
    } else if (content.success_text) {
      panel.appendChild(el("p", { text: content.success_text }));
    }
    box.appendChild(panel);
    var done = el("button", { type: "button", class: "baton-primary", text: "Continue shopping", onclick: function () { box.querySelector(".baton-close").click(); } });
    panel.appendChild(done);
    done.focus();
  }

  function codeRow(code) {
    var copy = el("button", { type: "button", class: "baton-copy", text: "Copy" });
    copy.addEventListener("click", function () {
      var finish = function () { copy.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(code).then(finish, finish); else finish();
    });
    return el("div", { class: "baton-code" }, [el("code", { text: code }), copy]);
  }

  function applyToCart(code) {
    return fetch(embed.root + "cart/update.js", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ discount: code })
    }).then(function (r) {
      if (r.ok) return true;
      // Themes without cart discounts through AJAX: Shopify's shareable link sets it too.
      return fetch(embed.root + "discount/" + encodeURIComponent(code), { credentials: "same-origin" }).then(function (x) { return x.ok; });
    }).catch(function () { return false; });
  }

  /* ---- The reminder bar on later pages, until the code is used or expires. ---- */
  function reminder(win) {
    if (document.querySelector(".baton-bar")) return;
    var bar = el("div", { class: "baton-bar", role: "region", "aria-label": "Your discount code" }, [
      el("span", { text: win.label + " with code " }), codeRow(win.code),
      el("button", { type: "button", class: "baton-close", "aria-label": "Hide the code", text: "×", onclick: function () { B.session.set("bar-closed", 1); bar.remove(); } })
    ]);
    document.body.appendChild(bar);
    if (B.session.get("checked") === win.code) return;
    // Once per visit, ask Baton whether the code was used; only winners ever ask.
    call("/code?code=" + encodeURIComponent(win.code) + "&visitor_id=" + B.visitor()).then(function (answer) {
      if (!answer.ok) return;
      B.session.set("checked", win.code);
      if (answer.data.status !== "issued") { B.local.set("win", null); bar.remove(); }
    });
  }

  /* ---- The games. Each draws its stage, then shows the server's outcome. ---- */
  function wheel(campaign) {
    var slices = campaign.slices, n = slices.length, step = 360 / n, ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "-100 -100 200 200");
    svg.setAttribute("class", "baton-wheel");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Prize wheel: " + slices.map(function (s) { return s.label; }).join(", "));
    slices.forEach(function (slice, i) {
      var a = (i * step - 90) * Math.PI / 180, b = ((i + 1) * step - 90) * Math.PI / 180;
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", "M0 0L" + 96 * Math.cos(a) + " " + 96 * Math.sin(a) + "A96 96 0 " + (step > 180 ? 1 : 0) + " 1 " + 96 * Math.cos(b) + " " + 96 * Math.sin(b) + "Z");
      path.setAttribute("class", "baton-slice baton-slice-" + (i % 4));
      var label = document.createElementNS(ns, "text");
      var mid = i * step + step / 2 - 90;  // labels on the left half are turned upright
      label.setAttribute("transform", "rotate(" + mid + ") translate(58 0)" + (mid > 90 ? " rotate(180)" : ""));
      label.setAttribute("text-anchor", "middle");
      label.setAttribute("dominant-baseline", "middle");
      label.textContent = slice.label;
      svg.appendChild(path);
      svg.appendChild(label);
    });
    return { node: el("div", { class: "baton-stage" }, [el("div", { class: "baton-pointer", "aria-hidden": "true" }), svg]), svg: svg, slices: slices };
  }

  function spin(stage, won, done) {
    var index = Math.max(0, stage.slices.map(function (s) { return s.position; }).indexOf(won.prize.position));
    var step = 360 / stage.slices.length;
    var turn = 360 * 5 + 360 - (index + 0.5) * step;  // the chosen slice ends under the pointer
    if (reduceMotion) { stage.svg.style.transform = "rotate(" + turn + "deg)"; return done(); }
    var finished = false, finish = function () { if (!finished) { finished = true; done(); } };
    stage.svg.addEventListener("transitionend", finish);
    setTimeout(finish, 4500);
    requestAnimationFrame(function () { stage.svg.classList.add("baton-spinning"); stage.svg.style.transform = "rotate(" + turn + "deg)"; });
  }

  function scratch() {
    var prize = el("p", { class: "baton-hidden-prize", text: "?" });
    var coat = el("canvas", { class: "baton-coat", width: "280", height: "120", "aria-hidden": "true" });
    var reveal = el("button", { type: "button", class: "baton-reveal", text: "Reveal now", hidden: "" });
    var ctx = coat.getContext && coat.getContext("2d");
    if (ctx) { ctx.fillStyle = "#b9b9b9"; ctx.fillRect(0, 0, 280, 120); }
    return { node: el("div", { class: "baton-stage baton-card" }, [prize, coat, reveal]), prize: prize, coat: coat, reveal: reveal };
  }

  function scratchOff(stage, won, done) {
    var ctx = stage.coat.getContext("2d"), strokes = 0, shown = false;
    stage.prize.textContent = won.prize.label;
    var show = function () { if (!shown) { shown = true; stage.coat.remove(); stage.reveal.remove(); done(); } };
    if (reduceMotion || !ctx) return show();
    ctx.globalCompositeOperation = "destination-out";
    stage.coat.addEventListener("pointermove", function (e) {
      if (!e.buttons && e.pointerType === "mouse") return;
      var box = stage.coat.getBoundingClientRect();
      ctx.beginPath();
      ctx.arc((e.clientX - box.left) * 280 / box.width, (e.clientY - box.top) * 120 / box.height, 18, 0, 7);
      ctx.fill();
      if (++strokes > 40) show();
    });
    stage.reveal.hidden = false;
    stage.reveal.addEventListener("click", show);
    stage.reveal.focus();
  }

  function giftboxes() {
    var boxes = [1, 2, 3].map(function (i) {
      return el("button", { type: "button", class: "baton-box", "aria-pressed": i === 2 ? "true" : "false", "aria-label": "Gift box " + i, text: "🎁" });
    });
    boxes.forEach(function (box) {
      box.addEventListener("click", function () { boxes.forEach(function (b) { b.setAttribute("aria-pressed", b === box ? "true" : "false"); }); });
    });
    return { node: el("div", { class: "baton-stage baton-boxes", role: "group", "aria-label": "Pick a gift box" }, boxes), boxes: boxes };
  }

  function openBox(stage, won, done) {
    var chosen = stage.boxes.filter(function (b) { return b.getAttribute("aria-pressed") === "true"; })[0];
    stage.boxes.forEach(function (b) { b.disabled = true; });
    chosen.classList.add("baton-open");
    chosen.textContent = won.prize.label;
    setTimeout(done, reduceMotion ? 0 : 600);
  }

  var GAMES = {
    wheel: { stage: wheel, reveal: spin },
    scratch: { stage: scratch, reveal: scratchOff },
    giftbox: { stage: giftboxes, reveal: openBox }
  };

  window.BatonGame = { open: open, reminder: reminder, preview: preview };
})();
