/* Talking to Baton through the shop's app proxy, and the impressions and opens the widget
   counts (sent together as the page goes away, or before a play). */

export function api(B) {
  var embed = B.embed, pending = [];

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
      return { ok: false, status: 0, data: { error: { code: "offline" } } };
    });
  }

  function track(campaign, offer, type) {
    if (embed.preview) return;
    pending.push({ campaign_id: campaign.id, variant: offer.variant, type: type, beacon: offer.beacon });
  }

  function flush() {
    if (!pending.length) return;
    var body = JSON.stringify({ visitor_id: B.visitor(), device: B.device(), events: pending.splice(0, 20) });
    if (!(navigator.sendBeacon && navigator.sendBeacon(embed.proxy + "/events", body))) {
      fetch(embed.proxy + "/events", { method: "POST", body: body, keepalive: true, credentials: "same-origin" })
        .catch(function () {});
    }
  }

  addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });

  /* The code goes into the cart: the AJAX API where the theme allows, else Shopify's
     shareable /discount/CODE link, which sets it too. */
  function applyToCart(code) {
    return fetch(embed.root + "cart/update.js", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ discount: code })
    }).then(function (response) {
      if (response.ok) return true;
      return fetch(embed.root + "discount/" + encodeURIComponent(code), { credentials: "same-origin" })
        .then(function (link) { return link.ok; });
    }).catch(function () { return false; });
  }

  function cartToken() {
    return fetch(embed.root + "cart.js", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (cart) { return cart.token || null; }, function () { return null; });
  }

  return { call: call, track: track, flush: flush, applyToCart: applyToCart, cartToken: cartToken };
}
