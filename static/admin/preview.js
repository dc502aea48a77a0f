// The editor's preview frame: the widget's own code, fed by the editor instead of the shop.
(function () {
  "use strict";
  var shown = null;
  var memory = {};
  window.Baton = {
    embed: {
      proxy: "/admin/preview/shop", root: "/admin/preview/shop/", preview: true,
      assets: { css: document.body.getAttribute("data-widget-css") }
    },
    visitor: function () { return "preview-visitor"; },
    device: function () { return innerWidth < 600 ? "mobile" : "desktop"; },
    local: { get: function (k) { return memory[k]; }, set: function (k, v) { memory[k] = v; } },
    session: { get: function () { return null; }, set: function () {} },
    load: function (done) { done(); }
  };

  // A play in the preview wins the first prize, answered here: no play, no code spent.
  var realFetch = window.fetch.bind(window);
  window.fetch = function (url, options) {
    if (String(url).indexOf("/admin/preview/shop/") !== 0) return realFetch(url, options);
    var slice = (shown && shown.slices && shown.slices[0]) || { position: 0, label: "Your prize" };
    var body = String(url).slice(-5) === "/play"
      ? { play_id: 0, prize: { id: 0, label: slice.label, kind: "preview", value: "0", position: slice.position },
          code: "PREVIEW-CODE", expires_at: null }
      : {};
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } }));
  };

  function draw() {
    if (!shown || !window.BatonGame) return;
    var waiting = document.getElementById("preview-waiting");
    if (waiting) waiting.remove();
    window.BatonGame.preview(shown);
    document.body.setAttribute("data-previewed", shown.content && shown.content.headline || "");
  }

  addEventListener("message", function (event) {
    if (event.origin !== location.origin || !event.data || event.data.type !== "baton-preview") return;
    shown = event.data.campaign;
    draw();
  });
  addEventListener("load", function () {
    draw();
    parent.postMessage({ type: "baton-preview-ready" }, location.origin);
  });
})();
