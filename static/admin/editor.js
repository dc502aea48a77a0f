// The campaign editor: a form whose inputs name their API paths (data-path), a live preview
// of the real widget in an iframe, and the server's field errors shown next to each field.
(function () {
  "use strict";
  var A = window.BatonAdmin, el = A.el;
  var root = document.querySelector(".editor");
  var form = document.getElementById("campaign-form");
  var frame = document.getElementById("preview");
  var message = document.getElementById("form-message");
  var campaignId = root.dataset.campaignId;
  var awarded = [];
  var currency = null;  // the shop's, for fixed-amount prizes; null until known (or no orders yet)

  var BLANK = {
    name: "", game: "wheel", status: "draft", code_prefix: "BATON", holdout_percent: 0,
    content: { headline: "Spin to win", body: "One spin per shopper. Your code works once, at checkout.", button_text: "Spin" },
    consent: { required: true, text: "Email me offers and news. Unsubscribe any time.", version: "v1" },
    triggers: { delay_seconds: 5 }, targeting: { visitor: "any" },
    frequency: { days_after_close: 7, never_after_signup: true },
    suppression: { known_subscribers: true, experience: "reminder" },
    prizes: [
      { label: "10% off", kind: "percentage", value: "10", weight: 60, code_expiry_days: 14 },
      { label: "Free shipping", kind: "free_shipping", weight: 30, code_expiry_days: 14 },
      { label: "Next time", kind: "none", weight: 10 }
    ],
    variants: [{ key: "A", weight: 1, content: {} }]
  };

  // ---- Paths: "prizes[0].weight" <-> nested objects ----
  function parts(path) { return path.replace(/\[(\d+)\]/g, ".$1").split("."); }
  function read(object, path) {
    return parts(path).reduce(function (at, key) { return at === null || at === undefined ? undefined : at[key]; }, object);
  }
  function write(object, path, value) {
    var keys = parts(path), at = object;
    keys.slice(0, -1).forEach(function (key, i) {
      if (at[key] === undefined) at[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
      at = at[key];
    });
    at[keys[keys.length - 1]] = value;
  }

  function valueOf(input) {
    var type = input.dataset.type || "text";
    if (type === "set") {
      return Array.prototype.filter.call(input.querySelectorAll("input"), function (c) { return c.checked; })
        .map(function (c) { return c.value; });
    }
    if (type === "bool") return input.checked;
    var raw = input.value.trim();
    if (type === "int") return raw === "" ? null : (/^-?\d+$/.test(raw) ? Number(raw) : raw);
    if (type === "amount" || type === "optional") return raw === "" ? null : raw;
    if (type === "datetime") return raw === "" ? null : new Date(raw).toISOString();
    if (type === "list") return raw === "" ? [] : raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    if (type === "lines") return raw === "" ? [] : raw.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
    return input.value;
  }

  function setValue(input, value) {
    var type = input.dataset.type || "text";
    if (type === "set") {
      input.querySelectorAll("input").forEach(function (c) { c.checked = (value || []).indexOf(c.value) >= 0; });
    } else if (type === "bool") {
      input.checked = !!value;
    } else if (type === "datetime") {
      input.value = value ? localInput(new Date(value)) : "";
    } else if (type === "list") {
      input.value = (value || []).join(", ");
    } else if (type === "lines") {
      input.value = (value || []).join("\n");
    } else {
      input.value = value === null || value === undefined ? "" : value;
    }
  }

  function localInput(date) {
    var shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return shifted.toISOString().slice(0, 16);
  }

  // ---- Repeating rows: prizes and variants ----
  function addRow(kind, data) {
    var holder = document.getElementById(kind);
    var row = document.getElementById(kind === "prizes" ? "prize-row" : "variant-row").content.firstElementChild.cloneNode(true);
    row.querySelector("[data-remove]").addEventListener("click", function () { row.remove(); reindex(kind); refreshPrizes(); changed(); });
    holder.appendChild(row);
    reindex(kind);
    row.querySelectorAll("[data-key]").forEach(function (input) { setValue(input, read(data || {}, input.dataset.key)); });
    if (kind === "prizes") refreshPrizes();
  }

  function reindex(kind) {
    Array.prototype.forEach.call(document.getElementById(kind).children, function (row, i) {
      row.querySelectorAll("[data-key]").forEach(function (input) {
        input.dataset.path = kind + "[" + i + "]." + input.dataset.key;
        input.id = "f-" + kind + "-" + i + "-" + input.dataset.key.replace(/\./g, "-");
        var label = input.closest(".field").querySelector("label");
        if (label) label.htmlFor = input.id;
      });
      var note = row.querySelector("[data-awarded]");
      if (note) note.textContent = awarded[i] ? "· " + awarded[i] + " awarded so far" : "";
    });
  }

  // ---- Prizes: only the fields a kind uses, and the odds the weights make ----
  var FIELDS_FOR = {
    percentage: ["value", "cap", "min_subtotal", "code_expiry_days"],
    fixed_amount: ["value", "cap", "min_subtotal", "code_expiry_days"],
    free_shipping: ["cap", "min_subtotal", "code_expiry_days"],
    none: []
  };
  var OPTIONAL = ["value", "cap", "min_subtotal", "code_expiry_days"];

  function refreshPrizes() {
    var rows = Array.prototype.slice.call(document.getElementById("prizes").children);
    rows.forEach(function (row) {
      var uses = FIELDS_FOR[row.querySelector('[data-key="kind"]').value] || OPTIONAL;
      OPTIONAL.forEach(function (key) {
        row.querySelector('[data-key="' + key + '"]').closest(".field").hidden = uses.indexOf(key) < 0;
      });
    });
    var weights = rows.map(function (row) { return Math.max(Number(row.querySelector('[data-key="weight"]').value) || 0, 0); });
    var total = weights.reduce(function (a, b) { return a + b; }, 0), winning = 0;
    rows.forEach(function (row, i) {
      var share = total ? weights[i] / total : 0;
      row.querySelector("[data-odds]").textContent = "Odds " + (Math.round(share * 1000) / 10) + "%";
      if (row.querySelector('[data-key="kind"]').value !== "none") winning += share;
    });
    document.getElementById("prize-summary").textContent = total
      ? "About " + Math.round(winning * 100) + " of every 100 plays win a code, until a capped prize runs out."
      : "Give at least one prize a weight above 0, or nobody can win.";
    document.getElementById("prize-cost").textContent = total ? givenAway(rows, weights, total) : "";
  }

  // What 100 plays give away: the codes each prize is expected to win (its odds times 100),
  // like prizes together, and what the fixed amounts add up to in money. Caps only lower it.
  function givenAway(rows, weights, total) {
    var groups = [], fixed = 0;
    rows.forEach(function (row, i) {
      var kind = row.querySelector('[data-key="kind"]').value;
      if (kind === "none" || !weights[i]) return;
      var value = kind === "free_shipping" ? null : amount(row.querySelector('[data-key="value"]').value);
      var expected = weights[i] / total * 100, key = kind + " " + value;
      var group = groups.filter(function (g) { return g.key === key; })[0];
      if (!group) groups.push(group = { key: key, kind: kind, value: value, expected: 0 });
      group.expected += expected;
      if (kind === "fixed_amount" && value !== null) fixed += expected * value;
    });
    if (!groups.length) return "";
    var items = groups.map(function (g, i) {
      var n = count(g.expected);
      return n + (i ? "" : (/^(1|under 1)$/.test(n) ? " code" : " codes")) + " for " + prizeValue(g.kind, g.value);
    });
    var sentence = "Per 100 plays, expect " + (/^under/.test(items[0]) ? "" : "about ") +
      (items.length > 1 ? items.slice(0, -1).join(", ") + " and " : "") + items[items.length - 1];
    if (groups.some(function (g) { return g.kind === "fixed_amount" && g.value !== null; })) {
      sentence += " (" + A.money(fixed, currency) + " in fixed-amount discounts" +
        (currency ? "" : ", in your store's currency") + ")";
    }
    return sentence + ".";
  }
  function amount(raw) {
    raw = String(raw || "").trim().replace(",", ".");
    return /^\d+(\.\d+)?$/.test(raw) && Number(raw) > 0 ? Number(raw) : null;
  }
  function count(expected) { return expected < 0.5 ? "under 1" : String(Math.round(expected)); }
  function prizeValue(kind, value) {
    if (kind === "free_shipping") return "free shipping";
    if (value === null) return kind === "percentage" ? "a percentage off still to fill in" : "an amount off still to fill in";
    if (kind === "percentage") return value.toLocaleString(undefined, { maximumFractionDigits: 2 }) + "% off";
    return A.money(value, currency) + " off";
  }

  function collect() {
    var data = {};
    form.querySelectorAll("[data-path]").forEach(function (input) {
      if (input.classList.contains("rows")) return;
      // A field the prize's kind does not use is not sent: a stale value must not be saved.
      var field = input.closest(".field");
      if (field && field.hidden) return;
      write(data, input.dataset.path, valueOf(input));
    });
    data.prizes = data.prizes || [];
    data.variants = (data.variants || []).map(function (variant) {
      variant.content = variant.content || {};
      return variant;
    });
    return data;
  }

  function fill(campaign) {
    form.querySelectorAll("[data-path]").forEach(function (input) {
      if (input.classList.contains("rows") || /^(prizes|variants)\[/.test(input.dataset.path)) return;
      setValue(input, read(campaign, input.dataset.path));
    });
    awarded = (campaign.prizes || []).map(function (p) { return p.awarded || 0; });
    ["prizes", "variants"].forEach(function (kind) {
      document.getElementById(kind).replaceChildren();
      (campaign[kind] || []).forEach(function (row) { addRow(kind, row); });
    });
    refreshVariants();
    changed();
  }

  // ---- The preview: the widget as a shopper would see it ----
  var ready = false, timer = null;
  function shownCampaign() {
    var data = collect();
    var chosen = document.getElementById("preview-variant").value;
    var variant = (data.variants || []).filter(function (v) { return v.key === chosen; })[0];
    var content = Object.assign({}, data.content);
    if (variant) Object.keys(variant.content || {}).forEach(function (k) { if (variant.content[k]) content[k] = variant.content[k]; });
    return {
      id: Number(campaignId) || 0, game: data.game, content: content,
      consent: { required: data.consent.required, text: data.consent.text, sms_text: data.consent.sms_text },
      slices: data.prizes.map(function (p, i) { return { position: i, label: p.label || "Prize " + (i + 1) }; })
    };
  }
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (ready) frame.contentWindow.postMessage({ type: "baton-preview", campaign: shownCampaign() }, location.origin);
    }, 120);
  }
  addEventListener("message", function (event) {
    if (event.origin === location.origin && event.data && event.data.type === "baton-preview-ready") { ready = true; changed(); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.closest("#prizes")) refreshPrizes();
    changed();
  });
  form.addEventListener("change", function () { refreshVariants(); refreshPrizes(); changed(); });
  document.getElementById("preview-variant").addEventListener("change", changed);
  // Desktop or phone: the same widget, in a frame of that width.
  ["desktop", "phone"].forEach(function (device) {
    document.getElementById("preview-" + device).addEventListener("click", function () {
      document.getElementById("preview-stage").dataset.device = device;
      ["desktop", "phone"].forEach(function (other) {
        document.getElementById("preview-" + other).setAttribute("aria-pressed", String(other === device));
      });
    });
  });

  function refreshVariants() {
    var select = document.getElementById("preview-variant"), keep = select.value;
    var keys = (collect().variants || []).map(function (v) { return v.key; }).filter(Boolean);
    select.replaceChildren.apply(select, [el("option", { value: "", text: "Base" })].concat(keys.map(function (k) { return el("option", { value: k, text: k }); })));
    if (keys.indexOf(keep) >= 0) select.value = keep;
  }

  document.getElementById("add-prize").addEventListener("click", function () { addRow("prizes", { kind: "percentage", weight: 10 }); changed(); });
  document.getElementById("add-variant").addEventListener("click", function () {
    addRow("variants", { key: String.fromCharCode(65 + document.getElementById("variants").children.length), weight: 1 });
    refreshVariants();
  });

  // ---- Saving ----
  function say(text, kind, links) {
    message.replaceChildren(text);
    if (links && links.length) {
      message.appendChild(el("ul", {}, links.map(function (link) { return el("li", {}, [link]); })));
    }
    message.className = "banner " + (kind || "success");
    message.hidden = false;
  }

  // Unsaved changes: the save bar says so, Discard brings back the saved campaign, and
  // leaving the page asks first. Inside Shopify the save bar is the admin's own (App Bridge's
  // ui-save-bar, shown while the form is dirty); elsewhere it is the sticky bar in the page.
  var SAVE_BAR = "campaign-save-bar";
  var appSaveBar = !!(window.shopify && window.shopify.saveBar && document.getElementById(SAVE_BAR));
  var saved = null, dirty = false;
  function setDirty(value) {
    if (appSaveBar && value !== dirty) window.shopify.saveBar[value ? "show" : "hide"](SAVE_BAR);
    dirty = value;
    document.getElementById("dirty-state").textContent = dirty ? "Unsaved changes" : "No unsaved changes";
    document.getElementById("discard").disabled = !dirty;
  }
  form.addEventListener("input", function () { setDirty(true); });
  form.addEventListener("change", function () { setDirty(true); });
  addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  function discard() {
    A.showFieldErrors(form, {});
    message.hidden = true;
    fill(saved || BLANK);
    setDirty(false);
    A.toast("Changes discarded");
  }
  document.getElementById("discard").addEventListener("click", discard);
  function submit() { form.requestSubmit(); }
  if (appSaveBar) {
    document.querySelector(".save-bar").setAttribute("data-app-bridge", "");
    document.getElementById("app-save").addEventListener("click", submit);
    document.getElementById("app-discard").addEventListener("click", discard);
  }

  // The summary links each problem to its field, which is then one click away.
  function problemLinks(fields) {
    return Object.keys(fields).map(function (path) {
      var input = form.querySelector('[data-path="' + CSS.escape(path) + '"]');
      var label = input && input.id ? (document.querySelector('label[for="' + input.id + '"]') || {}).textContent : null;
      var text = (label || path) + ": " + fields[path];
      if (!input || !input.id) return text;
      return el("a", { href: "#" + input.id, text: text, onclick: function (event) { event.preventDefault(); input.focus(); } });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var save = document.getElementById("save"), appSave = document.getElementById("app-save");
    save.disabled = true;
    if (appSave) appSave.setAttribute("loading", "");
    var path = campaignId ? "/admin/api/campaigns/" + campaignId : "/admin/api/campaigns";
    A.api(path, { method: campaignId ? "PUT" : "POST", body: collect() }).then(function (answer) {
      save.disabled = false;
      if (appSave) appSave.removeAttribute("loading");
      if (answer.ok) {
        A.showFieldErrors(form, {});
        message.hidden = true;
        saved = answer.data;
        fill(answer.data);
        setDirty(false);
        if (!campaignId) {
          campaignId = String(answer.data.id);
          root.dataset.campaignId = campaignId;
          history.replaceState(null, "", A.link("campaigns/" + campaignId));
          retitle("Edit campaign");
        }
        A.toast(answer.data.status === "live"
          ? "Campaign saved. It reaches the storefront within a minute." : "Campaign saved");
        return;
      }
      var error = answer.data.error || {};
      A.showFieldErrors(form, error.fields || {});
      say(error.message || "The campaign could not be saved.", "critical", problemLinks(error.fields || {}));
      var first = form.querySelector("[aria-invalid]");
      if (first) first.focus();
    });
  });

  function retitle(text) {
    var bar = document.querySelector("ui-title-bar");
    if (bar) bar.setAttribute("title", text);
    document.querySelector(".page-header h1").textContent = text;
  }

  var remove = document.getElementById("delete");
  if (remove) remove.addEventListener("click", function () {
    if (!confirm("Delete this campaign? Its plays, codes and figures go with it.")) return;
    setDirty(false);
    A.api("/admin/api/campaigns/" + campaignId, { method: "DELETE" }).then(function (answer) {
      if (answer.ok || answer.status === 204) location.href = A.link("campaigns");
    });
  });

  // The shop's currency comes with the analytics (the currency most of its orders are in).
  var known = A.api("/admin/api/analytics?days=1").then(function (answer) {
    currency = (answer.ok && answer.data.currency) || null;
    if (document.getElementById("prizes").children.length) refreshPrizes();
  });
  if (campaignId) {
    Promise.all([A.api("/admin/api/campaigns/" + campaignId), known]).then(function (answers) {
      var answer = answers[0];
      if (answer.ok) { saved = answer.data; fill(answer.data); setDirty(false); }
      else if (answer.status === 404) say("This campaign no longer exists.", "critical");
    });
  } else {
    fill(BLANK);
  }
})();
