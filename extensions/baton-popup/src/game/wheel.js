/* The wheel: a rim with pegs, slices in the accent's tones, a hub, and labels fitted to their
   slice and turned upright where the wheel stops. The server has drawn the prize already; the
   spin only shows it. */

import { svg } from "./dom.js";
import { accentOf, palette, shade } from "./colours.js";

var R = 92;           // slice radius
var LABEL_FROM = 26;  // labels run from just outside the hub...
var LABEL_TO = 86;    // ...to just inside the rim
var TURNS = 5;

function point(radius, degrees) {
  var a = (degrees - 90) * Math.PI / 180;
  return radius * Math.cos(a) + " " + radius * Math.sin(a);
}

/* The largest font size (7 to 13) at which the label fits its slice, else the label cut short
   with an ellipsis at the smallest size. Widths are estimated at 0.58 em per character. */
export function fit(label, step) {
  var length = LABEL_TO - LABEL_FROM;
  // Near the hub the slice is narrow: the text's height must fit the chord there.
  var chord = 2 * (LABEL_FROM + 8) * Math.sin(Math.min(step, 180) * Math.PI / 360);
  var tallest = Math.max(7, Math.min(13, chord * 0.8));
  for (var size = tallest; size >= 7; size -= 0.5) {
    if (label.length * size * 0.58 <= length) return { text: label, size: size };
  }
  var room = Math.floor(length / (7 * 0.58)) - 1;
  return { text: label.slice(0, Math.max(1, room)).trim() + "…", size: 7 };
}

export function wheel(campaign, t) {
  var slices = campaign.slices, n = slices.length, step = 360 / n;
  var accent = accentOf(campaign.content && campaign.content.accent_colour);
  var colours = palette(accent, n);
  var labels = [];
  var spinner = svg("g", { class: "baton-spinner" });
  slices.forEach(function (slice, i) {
    var from = i * step, to = (i + 1) * step;
    spinner.appendChild(svg("path", {
      class: "baton-slice",
      d: "M0 0L" + point(R, from) + "A" + R + " " + R + " 0 " + (step > 180 ? 1 : 0) + " 1 " + point(R, to) + "Z",
      fill: colours[i].fill
    }));
    var fitted = fit(slice.label, step);
    var label = svg("text", {
      class: "baton-label", "text-anchor": "middle", "dominant-baseline": "central",
      fill: colours[i].ink, "font-size": fitted.size, text: fitted.text
    });
    label.middle = from + step / 2;
    labels.push(label);
    spinner.appendChild(label);
  });
  // Pegs on the rim, one at each slice boundary.
  for (var i = 0; i < n; i++) {
    var peg = point(R + 6, i * step).split(" ");
    spinner.appendChild(svg("circle", { class: "baton-peg", cx: peg[0], cy: peg[1], r: 2.6 }));
  }
  var drawing = svg("svg", {
    class: "baton-wheel", viewBox: "-110 -110 220 220", role: "img",
    "aria-label": t("wheel_label", { prizes: slices.map(function (s) { return s.label; }).join(", ") })
  }, [
    svg("circle", { class: "baton-rim", r: R + 12, fill: shade(accent, 0.55) }),
    svg("circle", { r: R + 1, fill: "none", stroke: "#ffffff", "stroke-opacity": "0.6", "stroke-width": "2" }),
    spinner,
    svg("circle", { class: "baton-hub", r: 17, fill: "#ffffff", stroke: shade(accent, 0.55), "stroke-width": "5" }),
    svg("circle", { r: 6, fill: accent }),
    // The pointer, outside the spinning group: it marks the winning slice at the top.
    svg("path", { class: "baton-pointer", d: "M-11 -112L11 -112L0 -88Z", fill: "#ffffff", stroke: shade(accent, 0.55), "stroke-width": "3", "stroke-linejoin": "round" })
  ]);
  var stage = { node: drawing, svg: drawing, spinner: spinner, labels: labels, slices: slices, step: step };
  upright(stage, 0);
  return stage;
}

/* Each label reads outward along its slice, turned half a turn where it would otherwise be
   upside down once the wheel has turned by `turn` degrees. */
function upright(stage, turn) {
  stage.labels.forEach(function (label) {
    var at = (((label.middle + turn) % 360) + 360) % 360;
    var flip = at > 180 ? " rotate(180)" : "";
    var middle = (LABEL_FROM + LABEL_TO) / 2;
    label.setAttribute("transform", "rotate(" + (label.middle - 90) + ") translate(" + middle + " 0)" + flip);
  });
}

export function spin(stage, won, done, reduceMotion) {
  var index = Math.max(0, stage.slices.map(function (s) { return s.position; }).indexOf(won.prize.position));
  // The chosen slice's middle ends under the pointer, at the top.
  var turn = 360 * TURNS + 360 - (index + 0.5) * stage.step;
  upright(stage, turn);
  var finished = false;
  var finish = function () { if (!finished) { finished = true; done(); } };
  if (reduceMotion) {
    stage.spinner.style.transform = "rotate(" + turn + "deg)";
    return finish();
  }
  stage.spinner.addEventListener("transitionend", finish);
  setTimeout(finish, 4800);
  requestAnimationFrame(function () {
    stage.spinner.classList.add("baton-spinning");
    stage.spinner.style.transform = "rotate(" + turn + "deg)";
  });
}
