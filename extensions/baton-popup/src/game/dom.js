/* Building the widget's DOM: elements with text (never HTML), SVG, and the shadow roots that
   keep every part of the widget out of the theme's reach. */

export var SVG = "http://www.w3.org/2000/svg";

export function el(tag, props, children) {
  var node = document.createElement(tag);
  return fill(node, props, children);
}

export function svg(tag, props, children) {
  return fill(document.createElementNS(SVG, tag), props, children);
}

function fill(node, props, children) {
  Object.keys(props || {}).forEach(function (key) {
    var value = props[key];
    if (value == null || value === false) return;
    if (key === "text") node.textContent = value;
    else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key === "className" ? "class" : key, value === true ? "" : value);
  });
  (children || []).forEach(function (child) {
    if (child) node.appendChild(child);
  });
  return node;
}

/* A host element with an open shadow root holding the widget's stylesheet. The host's inline
   style wins over any theme rule, and `all: initial` stops inherited theme styles (fonts,
   text-transform, letter-spacing) at the shadow boundary. `ready` resolves once the styles
   have loaded, so nothing is shown unstyled. */
export function mount(name, css) {
  var host = document.createElement("baton-" + name);
  host.setAttribute("style", "all:initial!important;display:block!important;position:static!important;");
  var root = host.attachShadow({ mode: "open" });
  var ready = Promise.resolve();
  if (css) {
    var link = el("link", { rel: "stylesheet", href: css });
    ready = new Promise(function (resolve) {
      link.onload = link.onerror = function () { resolve(); };
    });
    root.appendChild(link);
  }
  document.body.appendChild(host);
  return { host: host, root: root, ready: ready };
}

/* Top layer where the browser has it: nothing on the page, at any z-index, covers it. */
export function showOnTop(node) {
  if (node.showPopover) {
    try { node.showPopover(); return; } catch (e) { /* fall back to fixed positioning */ }
  }
  node.classList.add("baton-fixed");
}
