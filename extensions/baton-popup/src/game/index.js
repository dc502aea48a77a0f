/* Baton's games: the dialog, the email form, the three games, the result and the reminder bar.
   Loaded by the loader only once a trigger fires. Everything renders inside shadow roots, the
   dialog and the bar in the browser's top layer, so no theme style or z-index reaches them.
   Merchant text is only ever set as text, never parsed as HTML. */

import { api } from "./api.js";
import { el, mount, showOnTop } from "./dom.js";
import { giftboxes, openBox } from "./giftbox.js";
import { scratch, scratchOff } from "./scratch.js";
import { expiryMoment, strings } from "./strings.js";
import { spin, wheel } from "./wheel.js";

var B = window.Baton, embed = B.embed;
var t = strings(embed);
var server = api(B);
var reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
var FOCUSABLE = "a[href],button:not([disabled]),input:not([disabled]),[tabindex]:not([tabindex='-1'])";
var GAMES = {
  wheel: { stage: wheel, reveal: spin },
  scratch: { stage: scratch, reveal: scratchOff },
  giftbox: { stage: giftboxes, reveal: openBox }
};

function remember(campaign, change) {
  var key = "c" + campaign.id, mine = B.local.get(key) || {};
  Object.keys(change).forEach(function (k) { mine[k] = change[k]; });
  B.local.set(key, mine);
}

function open(campaign) {
  var query = "?campaign_id=" + campaign.id + "&visitor_id=" + B.visitor() + "&device=" + B.device();
  server.call("/offer" + query).then(function (answer) {
    var offer = answer.data;
    if (!answer.ok) return;
    if (offer.show === "game") return dialog(campaign, offer);
    B.session.set("off" + campaign.id, 1);
    if (offer.reason === "already_played") remember(campaign, { won: 1 });
    var win = B.local.get("win");
    if (offer.show === "reminder" && win) reminder(win);
  });
}

/* ---- The dialog: modal in the top layer, labelled, focus kept inside and given back. ---- */
function dialog(campaign, offer, quiet) {
  var shown = offer.campaign, content = shown.content || {}, consent = shown.consent || {};
  var opener = document.activeElement;
  var game = GAMES[shown.game] || GAMES.wheel;
  var stage = game.stage(shown, t);
  var place = mount("dialog", embed.assets.css);

  var email = el("input", { id: "baton-email", type: "email", name: "email", autocomplete: "email", required: true, "aria-describedby": "baton-email-error" });
  var emailError = el("p", { id: "baton-email-error", class: "baton-field-error" });
  var agree = el("input", { id: "baton-consent", type: "checkbox", name: "consent", "aria-describedby": "baton-consent-error" });
  var agreeError = el("p", { id: "baton-consent-error", class: "baton-field-error" });
  var phone = content.sms_field ? el("input", { id: "baton-phone", type: "tel", name: "phone", autocomplete: "tel", placeholder: "+44 7700 900123", "aria-describedby": "baton-phone-error" }) : null;
  var phoneError = el("p", { id: "baton-phone-error", class: "baton-field-error" });
  var sms = phone ? el("input", { id: "baton-sms", type: "checkbox", name: "sms_consent" }) : null;
  var submit = el("button", { type: "submit", class: "baton-primary", text: content.button_text || t("play") });
  var message = el("p", { class: "baton-message", role: "status", "aria-live": "polite" });
  var form = el("form", { class: "baton-form", novalidate: true }, [
    el("label", { for: "baton-email", text: t("email_label") }), email, emailError,
    phone && el("label", { for: "baton-phone", text: t("phone_label") }), phone, phone && phoneError,
    sms && el("div", { class: "baton-consent" }, [sms, el("label", { for: "baton-sms", text: consent.sms_text || t("sms_consent") })]),
    el("div", { class: "baton-consent" }, [agree, el("label", { for: "baton-consent", text: consent.text || t("consent") })]),
    agreeError, submit, message
  ]);
  var rules = embed.preview ? null : el("a", {
    class: "baton-rules", href: embed.proxy + "/rules?campaign_id=" + campaign.id,
    target: "_blank", rel: "noopener", text: t("rules")
  });
  var box = el("dialog", {
    class: "baton-dialog", "aria-labelledby": "baton-title", "aria-describedby": "baton-body",
    "data-game": shown.game
  }, [
    el("button", { type: "button", class: "baton-close", "aria-label": t("close"), text: "×", onclick: function () { box.close(); } }),
    el("div", { class: "baton-head" }, [
      content.logo_url ? el("img", { class: "baton-logo", src: content.logo_url, alt: "" }) : null,
      el("h2", { id: "baton-title", text: content.headline || t("headline") })
    ]),
    el("p", { id: "baton-body", text: content.body || "" }),
    stage.node, form, rules
  ]);
  [["--baton-accent", content.accent_colour], ["--baton-bg", content.background_colour], ["--baton-fg", content.text_colour]].forEach(function (pair) {
    if (/^#[0-9a-f]{6}$/i.test(pair[1] || "")) box.style.setProperty(pair[0], pair[1]);
  });
  place.root.appendChild(box);

  function fieldError(input, holder, text) {
    input.setAttribute("aria-invalid", "true");
    holder.textContent = text;
    input.focus({ preventScroll: true });
  }
  function clear(input, holder) {
    return function () { input.removeAttribute("aria-invalid"); holder.textContent = ""; };
  }
  email.addEventListener("input", clear(email, emailError));
  agree.addEventListener("change", clear(agree, agreeError));
  if (phone) phone.addEventListener("input", clear(phone, phoneError));

  function failed(answer) {
    var error = (answer.data && answer.data.error) || {};
    var text = error.code === "offline" ? t("offline") : error.message || t("failed");
    submit.disabled = false;
    message.textContent = "";
    if (error.code === "invalid_email" || error.code === "disposable_email") return fieldError(email, emailError, text);
    if (error.code === "consent_required") return fieldError(agree, agreeError, text);
    if (error.code === "invalid_phone" && phone) return fieldError(phone, phoneError, text);
    if (error.code === "already_played") { remember(campaign, { won: 1 }); submit.disabled = true; }
    if (error.code === "invalid_play_token" || error.code === "campaign_not_running") submit.disabled = true;
    message.textContent = text;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    [email, agree, phone].forEach(function (input) { if (input) input.removeAttribute("aria-invalid"); });
    emailError.textContent = agreeError.textContent = phoneError.textContent = message.textContent = "";
    if (!email.value.trim()) return fieldError(email, emailError, t("email_missing"));
    if (consent.required !== false && !agree.checked) return fieldError(agree, agreeError, t("consent_missing"));
    submit.disabled = true;
    message.textContent = t("good_luck");
    server.flush();
    // The cart's token ties this shopper to the cart staff see live (no cart: no token).
    server.cartToken().then(function (cartToken) {
      return server.call("/play", {
        campaign_id: campaign.id, play_token: offer.play_token, visitor_id: B.visitor(),
        email: email.value.trim(), consent: agree.checked, device: B.device(), cart_token: cartToken,
        phone: phone ? phone.value.trim() : "", sms_consent: !!(sms && sms.checked)
      });
    }).then(function (answer) {
      if (!answer.ok) return failed(answer);
      remember(campaign, { won: 1 });
      form.hidden = true;
      game.reveal(stage, answer.data, function () { result(box, answer.data, content); }, reduceMotion);
    });
  });

  // Tab and Shift+Tab go round the dialog's own controls.
  box.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") return;
    var items = Array.prototype.filter.call(box.querySelectorAll(FOCUSABLE), function (n) { return n.getClientRects().length; });
    var first = items[0], last = items[items.length - 1], now = place.root.activeElement;
    if (e.shiftKey && now === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && now === last) { e.preventDefault(); first.focus(); }
  });
  // Escape and the close button end here; the backdrop closes it too.
  box.addEventListener("close", function () {
    place.host.remove();
    remember(campaign, { closed: Date.now() / 1000 });
    if (opener && opener.focus && opener !== document.body) opener.focus({ preventScroll: true });
  });
  // A click on the backdrop (outside the dialog's box) closes it; one on its padding does not.
  box.addEventListener("click", function (e) {
    if (e.target !== box) return;
    var r = box.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) box.close();
  });

  // An open is the first touch of the game or the form; closing the dialog is not one.
  var opened = function (e) {
    if (e.target.closest(".baton-close") || e.key === "Escape" || e.key === "Tab") return;
    box.removeEventListener("pointerdown", opened);
    box.removeEventListener("keydown", opened);
    server.track(campaign, offer, "open");
  };
  box.addEventListener("pointerdown", opened);
  box.addEventListener("keydown", opened);

  place.ready.then(function () {
    if (!place.host.isConnected) return;
    // The editor's preview redraws as the merchant types: shown in place, it takes no focus.
    if (quiet) return box.setAttribute("open", "");
    box.showModal();
    server.track(campaign, offer, "impression");
    (stage.boxes ? stage.boxes[1] : email).focus({ preventScroll: true });
    box.scrollTop = 0;
  });
}

function preview(shown) {
  Array.prototype.forEach.call(document.querySelectorAll("baton-dialog"), function (node) { node.remove(); });
  dialog({ id: shown.id || 0 }, { campaign: shown, variant: "preview" }, true);
}

/* ---- After the win: the code, a copy button, and the code applied to the cart. ---- */
function result(box, won, content) {
  var panel = el("div", { class: "baton-result", role: "status", "aria-live": "polite" }, [
    el("p", { class: "baton-prize", text: won.code ? t("you_won", { prize: won.prize.label }) : won.prize.label })
  ]);
  if (won.code) {
    var applied = el("p", { class: "baton-fine", text: t("applying") });
    panel.appendChild(codeRow(won.code));
    if (won.expires_at) panel.appendChild(el("p", { class: "baton-fine", text: t("use_by", { date: expiryMoment(won.expires_at, embed) }) }));
    panel.appendChild(applied);
    B.local.set("win", { code: won.code, label: won.prize.label, expires: won.expires_at ? Date.parse(won.expires_at) / 1000 : null });
    server.applyToCart(won.code).then(function (ok) {
      applied.textContent = ok ? t("applied") : t("enter_at_checkout");
    });
  } else if (content.success_text) {
    panel.appendChild(el("p", { text: content.success_text }));
  }
  var done = el("button", { type: "button", class: "baton-primary", text: t("continue"), onclick: function () { box.close(); } });
  panel.appendChild(done);
  box.insertBefore(panel, box.querySelector(".baton-rules"));
  done.focus({ preventScroll: true });
}

function codeRow(code) {
  var copy = el("button", { type: "button", class: "baton-copy", text: t("copy") });
  copy.addEventListener("click", function () {
    var finish = function () { copy.textContent = t("copied"); };
    if (navigator.clipboard) navigator.clipboard.writeText(code).then(finish, finish);
    else finish();
  });
  return el("div", { class: "baton-code" }, [el("code", { text: code }), copy]);
}

/* ---- The reminder bar on later pages, until the code is used or expires. ---- */
function reminder(win) {
  if (document.querySelector("baton-bar")) return;
  var place = mount("bar", embed.assets.css);
  var bar = el("div", { class: "baton-bar", role: "region", "aria-label": t("bar_label"), popover: "manual" }, [
    el("span", { text: t("bar_text", { prize: win.label }) }), codeRow(win.code),
    el("button", { type: "button", class: "baton-close", "aria-label": t("hide_code"), text: "×", onclick: function () { B.session.set("bar-closed", 1); place.host.remove(); lift(null); } })
  ]);
  place.root.appendChild(bar);
  place.ready.then(function () { showOnTop(bar); lift(bar); });
  if (B.session.get("checked") === win.code) return;
  // Once per visit, ask Baton whether the code was used; only winners ever ask.
  server.call("/code?code=" + encodeURIComponent(win.code) + "&visitor_id=" + B.visitor()).then(function (answer) {
    if (!answer.ok) return;
    B.session.set("checked", win.code);
    if (answer.data.status !== "issued") { B.local.set("win", null); place.host.remove(); lift(null); }
  });
}

/* The teaser tab sits clear above the bar while the bar shows (the bar wraps on phones). */
function lift(bar) {
  var teaser = document.querySelector("baton-teaser");
  var tab = teaser && teaser.shadowRoot && teaser.shadowRoot.firstChild;
  if (tab) tab.style.bottom = (bar ? bar.getBoundingClientRect().height + 12 : 16) + "px";
}

window.BatonGame = { open: open, reminder: reminder, preview: preview };
