// Shared by every admin page: the session-token fetch, safe element building, formatting, toasts.
// Inside Shopify, App Bridge (window.shopify) hands out session tokens; the demo admin asks
// its own token route. Without either (App Bridge blocked, as in tests) pages say so plainly.
window.BatonAdmin = (function () {
  "use strict";
  var config = window.BATON_ADMIN || {};
  var token = null, tokenAt = 0;

  function sessionToken() {
    if (config.token_url) {
      if (token && Date.now() - tokenAt < 30000) return Promise.resolve(token);
      return fetch(config.token_url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { token = data.token; tokenAt = Date.now(); return token; });
    }
    if (window.shopify && window.shopify.idToken) return window.shopify.idToken();
    return Promise.resolve(null);
  }

  function request(path, options) {
    options = options || {};
    return sessionToken().then(function (bearer) {
      var headers = Object.assign({ Accept: options.accept || "application/json" }, options.headers || {});
      if (bearer) headers.Authorization = "Bearer " + bearer;
      if (options.body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(path, {
        method: options.method || "GET",
        headers: headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: "same-origin"
      });
    }).then(function (response) {
      if (response.status === 401) {
        fail("Open Baton from your Shopify admin: this page needs Shopify's session to load its data.");
      }
      return response;
    });
  }

  // JSON calls resolve to {ok, status, data}; a network failure is an answer, not a throw.
  function api(path, options) {
    return request(path, options).then(function (response) {
      var etag = response.headers.get("ETag");
      if (response.status === 304) return { ok: false, status: 304, data: {}, etag: etag };
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data, etag: etag };
      });
    }, function () {
      fail("Baton could not be reached. Check your connection, then reload the page.");
      return { ok: false, status: 0, data: {} };
    });
  }

  function text(path) {
    return request(path, { accept: "*/*" }).then(function (r) { return r.ok ? r.text() : ""; });
  }

  function download(path, filename) {
    toast("Export started: " + filename);
    return request(path, { accept: "text/csv" }).then(function (response) {
      if (!response.ok) {
        // The API's own words when it gave some (a bad date range); plain words otherwise.
        return response.json().catch(function () { return {}; }).then(function (data) {
          fail(((data || {}).error || {}).message || "The export could not be made. Try again in a minute.");
        });
      }
      return response.blob().then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: filename });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        toast("Export downloaded: " + filename);
      });
    });
  }

  // A short confirmation ("Campaign saved"). Inside Shopify it is the admin's own toast; outside
  // (the demo, or App Bridge blocked) an equivalent one in the page, read out politely by screen
  // readers and gone after five seconds. What must be read and acted on stays in the page.
  var TOAST_MS = 5000;
  function toast(message, options) {
    options = options || {};
    if (window.shopify && window.shopify.toast) {
      window.shopify.toast.show(message, { isError: !!options.error, duration: TOAST_MS });
      return;
    }
    var region = document.getElementById("toast-region");
    if (!region) return;
    var item = el("div", { class: "toast" + (options.error ? " critical" : "") }, [el("span", { text: message })]);
    function dismiss() { item.remove(); }
    item.appendChild(el("button", { type: "button", "aria-label": "Dismiss", text: "\u00d7", onclick: dismiss }));
    region.appendChild(item);
    setTimeout(dismiss, TOAST_MS);
  }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function fail(message) {
    var box = document.getElementById("page-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function link(path) {
    return config.base + (path ? "/" + path : "") + (config.query ? "?" + config.query : "");
  }

  // Field errors from the API ({"prizes[0].weight": "must be..."}) next to their inputs.
  function showFieldErrors(form, fields) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (n) { n.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
    var unplaced = [];
    Object.keys(fields || {}).forEach(function (path) {
      var input = form.querySelector('[data-path="' + CSS.escape(path) + '"]');
      if (!input) { unplaced.push(path + " " + fields[path]); return; }
      var id = "error-" + path.replace(/[^a-z0-9]+/gi, "-");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", id);
      var message = el("p", { class: "field-error", id: id, text: fields[path] });
      // Inside the field, under its own input: as a sibling it became a grid cell of its own.
      var field = input.closest(".field");
      if (field) field.appendChild(message);
      else input.insertAdjacentElement("afterend", message);
    });
    return unplaced;
  }

  function number(value) { return Number(value || 0).toLocaleString(); }
  function percent(rate) { return rate === null || rate === undefined ? "–" : (rate * 100).toFixed(1) + "%"; }
  // With the shop's currency when known ("€1,234.50"); a bare amount otherwise.
  function money(value, currency) {
    var options = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
    if (currency) { options.style = "currency"; options.currency = currency; }
    try { return Number(value || 0).toLocaleString(undefined, options); }
    catch (e) { return Number(value || 0).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  }
  // What stored values mean, for people: "giftbox" is a gift box, "live" is live.
  var LABELS = {
    wheel: "Spin-to-win wheel", scratch: "Scratch card", giftbox: "Gift box",
    live: "Live", paused: "Paused", draft: "Draft",
    desktop: "Desktop", mobile: "Mobile", tablet: "Tablet", unknown: "Unknown",
    klaviyo: "Klaviyo", mailchimp: "Mailchimp"
  };
  function label(value) { return LABELS[value] || value; }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : "–"; }

  // A column whose every cell is a figure (or a dash) is right-aligned, header included.
  var FIGURE = /^[-+]?(?:[A-Z]{1,3}\s?)?[^\sA-Za-z\d]{0,2}\s?[\d.,\u00a0\u202f]+\s?(?:%|[A-Z]{1,3}|[^\sA-Za-z\d]{1,2})?$|^[–-]$/;
  function numericColumns(rows) {
    var width = rows.length ? rows[0].length : 0, numeric = [];
    for (var i = 0; i < width; i++) {
      var cells = rows.map(function (row) { return row[i]; });
      numeric.push(cells.some(function (c) { return typeof c === "number" || (typeof c === "string" && /\d/.test(c)); })
        && cells.every(function (c) { return typeof c === "number" || (typeof c === "string" && FIGURE.test(c.trim())); }));
    }
    return numeric;
  }

  function table(head, rows) {
    var numeric = numericColumns(rows);
    return el("table", { class: "table" }, [
      el("thead", {}, [el("tr", {}, head.map(function (h, i) { return el("th", { scope: "col", class: numeric[i] ? "num" : null, text: h }); }))]),
      el("tbody", {}, rows.map(function (row) {
        return el("tr", {}, row.map(function (cell, i) {
          return el("td", { class: numeric[i] ? "num" : null }, [cell instanceof Node ? cell : String(cell === null || cell === undefined ? "" : cell)]);
        }));
      }))
    ]);
  }

  return {
    config: config, api: api, text: text, download: download, el: el, fail: fail, link: link, label: label,
    showFieldErrors: showFieldErrors, number: number, percent: percent, money: money, when: when,
    table: table, toast: toast
  };
})();
