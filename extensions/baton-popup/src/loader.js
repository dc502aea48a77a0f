/* Baton loader: triggers and targeting run here; Baton hears nothing until a visitor engages.
   It ships on every page of the store, so it stays small: the games, their styles and their
   words load only once a trigger fires (baton-game.js). */
(function () {
  "use strict";
  var node = document.getElementById("baton-config");
  if (!node || window.Baton) return;
  var embed;
  try { embed = JSON.parse(node.textContent); } catch (e) { return; }
  var campaigns = (embed.config && embed.config.campaigns) || [];
  var now = Date.now() / 1000;

  function storage(name) {
    try { var s = window[name]; s.setItem("baton:t", "1"); s.removeItem("baton:t"); return s; }
    catch (e) { return null; }  // blocked storage: run without memory
  }
  var local = storage("localStorage"), session = storage("sessionStorage");
  function read(area, key) {
    try { return area ? JSON.parse(area.getItem("baton:" + key)) : null; } catch (e) { return null; }
  }
  function write(area, key, value) {
    if (!area) return;
    if (value == null) area.removeItem("baton:" + key); else area.setItem("baton:" + key, JSON.stringify(value));
  }
  function hostOf(url) { try { return new URL(url).hostname.toLowerCase(); } catch (e) { return ""; } }

  // Kept for the session, so UTM and referrer survive later pages.
  var visit = read(session, "visit");
  if (!visit) {
    var query = new URLSearchParams(location.search);
    visit = {
      pv: 0,
      src: (query.get("utm_source") || "").toLowerCase(),
      med: (query.get("utm_medium") || "").toLowerCase(),
      ref: hostOf(document.referrer) === location.hostname ? "" : hostOf(document.referrer),
      returning: !!read(local, "seen")
    };
    write(local, "seen", 1);
  }
  visit.pv += 1;
  write(session, "visit", visit);

  function device() {
    if (innerWidth < 768) return "mobile";
    return innerWidth <= 1024 && matchMedia("(pointer: coarse)").matches ? "tablet" : "desktop";
  }

  function visitorId() {
    var id = read(local, "vid");
    if (!id) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
      write(local, "vid", id);
    }
    return id;
  }

  function pathMatches(pattern, path) {
    if (/^https?:/.test(pattern)) pattern = new URL(pattern).pathname;
    if (pattern.indexOf("*") >= 0) {
      var parts = pattern.split("*").map(function (p) { return p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"); });
      return new RegExp("^" + parts.join(".*") + "$").test(path);
    }
    var base = pattern.replace(/\/$/, "");
    return path === pattern || path === base || path.indexOf(base + "/") === 0;
  }

  // Every rule set must hold; unset rules match everyone.
  function matches(t, c) {
    var has = function (list, value) { return list.indexOf(value) >= 0; };
    if (t.include_urls && !t.include_urls.some(function (p) { return pathMatches(p, c.path); })) return false;
    if (t.exclude_urls && t.exclude_urls.some(function (p) { return pathMatches(p, c.path); })) return false;
    if (t.devices && !has(t.devices, c.device)) return false;
    if (t.utm_source && t.utm_source.toLowerCase() !== c.src) return false;
    if (t.utm_medium && t.utm_medium.toLowerCase() !== c.med) return false;
    if (t.referrer && c.ref.indexOf(t.referrer.toLowerCase()) < 0) return false;
    if (t.countries && !has(t.countries, c.country)) return false;
    if (t.visitor === "new" && c.returning) return false;
    if (t.visitor === "returning" && !c.returning) return false;
    if (t.min_cart_value != null && c.cart < +t.min_cart_value) return false;
    if (t.max_cart_value != null && c.cart > +t.max_cart_value) return false;
    return true;
  }

  function eligible(campaign) {
    var f = campaign.frequency || {}, mine = read(local, "c" + campaign.id) || {};
    if (campaign.starts_at && now < campaign.starts_at) return false;
    if (campaign.ends_at && now >= campaign.ends_at) return false;
    if (mine.won && f.never_after_signup !== false) return false;
    if (mine.closed && f.days_after_close && now - mine.closed < f.days_after_close * 86400) return false;
    if (read(session, "off" + campaign.id)) return false;  // Baton said no, this visit
    return matches(campaign.targeting || {}, {
      path: location.pathname, device: device(), src: visit.src, med: visit.med, ref: visit.ref,
      country: embed.country || "", returning: visit.returning, cart: (embed.cart_total_cents || 0) / 100
    });
  }

  function load(done) {
    if (window.BatonGame) return done();
    if (!load.queue) {
      load.queue = [];
      // The game puts its stylesheet in its own shadow roots: none goes into the page.
      var script = document.createElement("script");
      script.src = embed.assets.game;
      script.async = true;
      script.onload = function () { load.queue.forEach(function (fn) { fn(); }); };
      document.head.appendChild(script);
    }
    load.queue.push(done);
  }

  var engaged = false;
  function engage(campaign) {
    if (engaged) return;  // one game per page view
    engaged = true;
    load(function () { window.BatonGame.open(campaign); });
  }

  function on(target, type, handler) { target.addEventListener(type, handler, { passive: type !== "click" }); }

  function exitIntent(fire) {
    if (device() === "desktop") {
      on(document, "mouseout", function (e) { if (!e.relatedTarget && e.clientY <= 0) fire(); });
      return;
    }
    // Touch screens: a fast flick back up, or the back button.
    var lastY = scrollY, lastT = Date.now();
    on(window, "scroll", function () {
      var t = Date.now();
      if (lastY - scrollY > 0.6 * (t - lastT) && lastY - scrollY > 80 && scrollY > 200) fire();
      lastY = scrollY; lastT = t;
    });
    on(document, "touchstart", function guard() {
      document.removeEventListener("touchstart", guard);
      history.pushState({ baton: 1 }, "");
      on(window, "popstate", function () { fire(); });
    });
  }

  /* The teaser tab: its own shadow root and the top layer, so the theme can neither restyle
     nor cover it; inline styles, so it needs no stylesheet before the visitor engages. */
  function teaser(campaign, fire) {
    var host = document.createElement("baton-teaser");
    host.setAttribute("style", "all:initial!important;display:block!important;position:static!important;");
    var tab = document.createElement("button");
    tab.type = "button";
    tab.textContent = campaign.teaser || (embed.strings && embed.strings.teaser) || "A gift for you";
    var accent = /^#[0-9a-f]{6}$/i.test(campaign.accent) ? campaign.accent : "#1f6feb";
    tab.setAttribute("popover", "manual");
    tab.style.cssText = "position:fixed;inset:auto auto 16px 16px;margin:0;padding:12px 18px;border:0;" +
      "border-radius:999px;font:600 15px/1.2 system-ui,sans-serif;letter-spacing:normal;text-transform:none;" +
      "color:#fff;background:" + accent + ";box-shadow:0 4px 14px rgba(0,0,0,.3);cursor:pointer;z-index:2147483647";
    // The game moves it above the reminder bar while the bar shows.
    host.attachShadow({ mode: "open" }).appendChild(tab);
    tab.addEventListener("click", function () { engaged = false; host.remove(); engage(campaign); });
    document.body.appendChild(host);
    try { tab.showPopover(); } catch (e) { /* no Popover API: the fixed tab still shows */ }
  }

  function arm(campaign) {
    var t = campaign.triggers || {}, armed = false;
    var fire = function () { engage(campaign); };
    if (t.page_views && visit.pv < t.page_views) return;
    if (t.delay_seconds != null) { setTimeout(fire, t.delay_seconds * 1000); armed = true; }
    if (t.scroll_percent) {
      on(window, "scroll", function () {
        var seen = (scrollY + innerHeight) / document.documentElement.scrollHeight * 100;
        if (seen >= t.scroll_percent) fire();
      });
      armed = true;
    }
    if (t.exit_intent) { exitIntent(fire); armed = true; }
    if (t.click_selector) {
      var clicked = function (target, event) {
        var hit = null;
        try { hit = target.closest && target.closest(t.click_selector); } catch (err) { return; }
        if (hit) { if (event) event.preventDefault(); engaged = false; engage(campaign); }
      };
      on(document, "click", function (e) { clicked(e.target, e); });
      earlyClicks.forEach(function (target) { clicked(target); });
      armed = true;
    }
    if (t.teaser_tab) { teaser(campaign, fire); armed = true; }
    if (!armed) fire();
  }

  window.Baton = {
    embed: embed, visitor: visitorId, device: device, matches: matches,
    local: { get: function (k) { return read(local, k); }, set: function (k, v) { write(local, k, v); } },
    session: { get: function (k) { return read(session, k); }, set: function (k, v) { write(session, k, v); } },
    load: load
  };

  // A won code stays in view on later pages until used or expired.
  var win = read(local, "win");
  if (win && win.expires && win.expires < now) { write(local, "win", null); win = null; }
  if (win && !read(session, "bar-closed")) load(function () { window.BatonGame.reminder(win); });

  // A member's referral link (/apps/baton/loyalty/r/CODE) lands with ?baton_ref=CODE: the
  // friend is offered their welcome code, once, by the points script.
  var ref = (new URLSearchParams(location.search).get("baton_ref") || "").toUpperCase();
  if (/^[A-Z0-9]{8}$/.test(ref) && !read(local, "ref")) write(local, "ref", { code: ref });
  var referral = read(local, "ref");
  if (referral && !referral.done && embed.assets.points) {
    var welcome = document.createElement("script");
    welcome.src = embed.assets.points;
    welcome.async = true;
    document.head.appendChild(welcome);
  }

  // The embed starts this loader after the page's load event and keeps the clicks made before
  // it arrived: a shopper who clicked "Spin" at once is answered, not ignored.
  var earlyClicks = window.BatonClicks || [];
  campaigns.filter(eligible).forEach(arm);
  earlyClicks.length = 0;
})();
