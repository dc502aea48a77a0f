// Email platforms: keys checked on save, list pickers, double opt-in, backfill progress.
(function () {
  "use strict";
  var A = window.BatonAdmin;

  function section(platform) {
    var root = document.getElementById(platform);
    var q = function (selector) { return root.querySelector(selector); };
    var form = q("[data-connect]"), error = q("[data-error]"), list = q("[data-path=list_id]");
    var polling = null;

    function show(problem, fields) {
      A.showFieldErrors(form, fields || {});
      error.textContent = problem || "";
      error.hidden = !problem;
    }

    function loadLists(selected) {
      var key = q("[data-path=api_key]").value.trim();
      if (!key) return show("Enter the key, then load its lists.", { api_key: "is required" });
      return A.api("/admin/api/connections/" + platform + "/lists", { method: "POST", body: { api_key: key } }).then(function (answer) {
        if (!answer.ok) { var e = answer.data.error || {}; return show(e.message, e.fields); }
        show("");
        var options = answer.data.lists.map(function (item) {
          return A.el("option", { value: item.id, text: item.name + (item.double_optin ? " (double opt-in)" : "") });
        });
        list.replaceChildren.apply(list, options.length ? options : [A.el("option", { value: "", text: "This account has no lists" })]);
        if (selected) list.value = selected;
      });
    }

    function render(connection) {
      var connected = !!connection;
      q("[data-state]").textContent = connected ? "Connected" : "Not connected";
      q("[data-state]").className = "badge " + (connected ? "live" : "draft");
      q("[data-disconnect]").hidden = !connected;
      q("[data-connected]").hidden = !connected;
      q("[data-summary]").textContent = connected
        ? "Sending to " + (connection.list_name || connection.list_id) + ". Last sync: " + A.when(connection.last_synced_at) + "."
        : "";
      if (connected && connection.webhook_url) {
        q("[data-webhook]").textContent = "For unsubscribes to reach Baton, add this URL under Audience › Settings › Webhooks (unsubscribes and cleaned): " + connection.webhook_url;
      }
      var double = q("[data-double]");
      if (double && connected) double.checked = !!connection.double_optin;
      if (connected && !list.value) {
        list.replaceChildren(A.el("option", { value: connection.list_id, text: connection.list_name || connection.list_id }));
      }
      progress(connected && connection.backfill);
    }

    function progress(run) {
      var text = q("[data-backfill]"), bar = q("[data-bar]"), holder = q(".progress");
      if (!run) { bar.style.width = "0"; return; }
      bar.style.width = run.percent + "%";
      holder.setAttribute("aria-valuenow", run.percent);
      text.textContent = run.status === "done"
        ? "Done: " + A.number(run.sent) + " customers sent, " + A.number(run.subscribed) + " subscribed, " + A.number(run.held_back) + " held back as suppressed."
        : run.status === "failed" ? "Stopped: " + (run.error || "unknown error")
        : "Sending… " + A.number(run.sent) + " of " + A.number(run.total) + " (" + run.percent + "%)" + (run.error ? " · " + run.error : "");
      q("[data-backfill-start]").disabled = run.status === "queued" || run.status === "running";
      clearTimeout(polling);
      if (run.status === "queued" || run.status === "running") polling = setTimeout(poll, 2000);
    }

    function poll() {
      A.api("/admin/api/connections/" + platform + "/backfill").then(function (answer) { if (answer.ok) progress(answer.data); });
    }

    q("[data-load-lists]").addEventListener("click", function () { loadLists(list.value); });
    var demoKey = q("[data-demo-key]");
    if (demoKey) demoKey.addEventListener("click", function () {
      q("[data-path=api_key]").value = demoKey.getAttribute("data-demo-key");
      loadLists();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { api_key: q("[data-path=api_key]").value.trim(), list_id: list.value };
      var double = q("[data-double]");
      if (double) body.double_optin = double.checked;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      A.api("/admin/api/connections/" + platform, { method: "PUT", body: body }).then(function (answer) {
        button.disabled = false;
        if (!answer.ok) { var e = answer.data.error || {}; return show(e.message, e.fields); }
        show("");
        q("[data-path=api_key]").value = "";
        render(answer.data);
      });
    });
    q("[data-disconnect]").addEventListener("click", function () {
      if (!confirm("Disconnect? Nothing more is sent until you connect again.")) return;
      A.api("/admin/api/connections/" + platform, { method: "DELETE" }).then(function () { render(null); });
    });
    q("[data-backfill-start]").addEventListener("click", function () {
      A.api("/admin/api/connections/" + platform + "/backfill", { method: "POST" }).then(function (answer) {
        if (answer.ok) progress(answer.data);
        else show((answer.data.error || {}).message);
      });
    });
    return render;
  }

  var renderers = { klaviyo: section("klaviyo"), mailchimp: section("mailchimp") };
  A.api("/admin/api/connections").then(function (answer) {
    if (!answer.ok) return;
    var found = {};
    answer.data.connections.forEach(function (c) { found[c.platform] = c; });
    Object.keys(renderers).forEach(function (platform) { renderers[platform](found[platform] || null); });
  });
})();
