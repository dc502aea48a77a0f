/* Three gift boxes drawn in SVG (no emoji font needed). The shopper picks one; it opens on
   the prize the server drew, shown on a card that keeps its text readable and inside. */

import { el, svg } from "./dom.js";
import { accentOf, readable, shade, tint } from "./colours.js";

function drawBox(accent) {
  var ribbon = readable(tint(accent, 0.85)).fill;
  return svg("svg", { class: "baton-gift", viewBox: "0 0 100 100", "aria-hidden": "true", focusable: "false" }, [
    svg("ellipse", { cx: 50, cy: 94, rx: 34, ry: 4, fill: "rgba(0,0,0,.15)" }),
    svg("rect", { x: 18, y: 44, width: 64, height: 48, rx: 4, fill: accent }),
    svg("rect", { x: 45, y: 44, width: 10, height: 48, fill: ribbon }),
    svg("g", { class: "baton-lid" }, [
      svg("rect", { x: 12, y: 32, width: 76, height: 16, rx: 4, fill: shade(accent, 0.2) }),
      svg("rect", { x: 45, y: 32, width: 10, height: 16, fill: ribbon }),
      svg("path", { d: "M50 32C40 14 24 18 30 28C33 32 44 32 50 32Z", fill: ribbon }),
      svg("path", { d: "M50 32C60 14 76 18 70 28C67 32 56 32 50 32Z", fill: ribbon })
    ])
  ]);
}

export function giftboxes(campaign, t) {
  var accent = accentOf(campaign.content && campaign.content.accent_colour);
  var boxes = [1, 2, 3].map(function (n) {
    return el("button", {
      type: "button", class: "baton-box", "aria-pressed": n === 2 ? "true" : "false",
      "aria-label": t("gift_box", { n: n })
    }, [drawBox(accent)]);
  });
  boxes.forEach(function (box) {
    box.addEventListener("click", function () {
      boxes.forEach(function (b) { b.setAttribute("aria-pressed", b === box ? "true" : "false"); });
    });
  });
  var card = el("p", { class: "baton-gift-prize", hidden: true });
  return {
    node: el("div", { class: "baton-stage" }, [
      el("div", { class: "baton-boxes", role: "group", "aria-label": t("pick_box") }, boxes), card
    ]),
    boxes: boxes, card: card
  };
}

export function openBox(stage, won, done, reduceMotion) {
  var chosen = stage.boxes.filter(function (b) { return b.getAttribute("aria-pressed") === "true"; })[0];
  stage.boxes.forEach(function (b) { b.disabled = true; });
  chosen.classList.add("baton-open");
  stage.card.textContent = won.prize.label;
  stage.card.hidden = false;
  setTimeout(done, reduceMotion ? 0 : 700);
}
