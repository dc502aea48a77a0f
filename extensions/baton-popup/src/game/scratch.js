/* The scratch card: a foil coat with a texture and a hint, scratchable from the start. Before
   the play, scratching shows that an email reveals the prize; after it, the prize the server
   drew, and the rest of the coat comes away on its own. "Reveal now" does it for keyboards. */

import { el } from "./dom.js";
import { accentOf, shade, tint } from "./colours.js";

var WIDTH = 300, HEIGHT = 130, BRUSH = 20;

function paintCoat(ctx, accent, hint) {
  var foil = ctx.createLinearGradient(0, 0, WIDTH, HEIGHT);
  foil.addColorStop(0, "#c9ccd1");
  foil.addColorStop(0.45, "#eef0f3");
  foil.addColorStop(0.55, "#d4d7dc");
  foil.addColorStop(1, "#b4b8be");
  ctx.fillStyle = foil;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  // A fine diagonal grain, as printed foil has.
  ctx.strokeStyle = "rgba(255,255,255,.35)";
  ctx.lineWidth = 1;
  for (var x = -HEIGHT; x < WIDTH; x += 6) {
    ctx.beginPath();
    ctx.moveTo(x, HEIGHT);
    ctx.lineTo(x + HEIGHT, 0);
    ctx.stroke();
  }
  // A coin, and the hint beside it.
  ctx.fillStyle = tint(accent, 0.2);
  ctx.beginPath();
  ctx.arc(58, HEIGHT / 2, 18, 0, 7);
  ctx.fill();
  ctx.fillStyle = shade(accent, 0.4);
  ctx.fillRect(47, HEIGHT / 2 - 3, 22, 6);
  ctx.fillStyle = "#2a2d33";
  ctx.font = "600 18px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.fillText(hint, 90, HEIGHT / 2);
}

export function scratch(campaign, t) {
  var accent = accentOf(campaign.content && campaign.content.accent_colour);
  var prize = el("p", { class: "baton-hidden-prize", text: t("scratch_waiting") });
  var coat = el("canvas", { class: "baton-coat", width: WIDTH, height: HEIGHT, "aria-hidden": "true" });
  var reveal = el("button", { type: "button", class: "baton-reveal", text: t("reveal"), hidden: true });
  var stage = {
    node: el("div", { class: "baton-stage baton-card" }, [prize, coat, reveal]),
    prize: prize, coat: coat, reveal: reveal, scratched: 0, after: null
  };
  var ctx = coat.getContext && coat.getContext("2d");
  if (ctx) {
    paintCoat(ctx, accent, t("scratch_hint"));
    ctx.globalCompositeOperation = "destination-out";
    coat.addEventListener("pointerdown", function (e) { coat.setPointerCapture && coat.setPointerCapture(e.pointerId); });
    coat.addEventListener("pointermove", function (e) {
      if (!e.buttons && e.pointerType === "mouse") return;
      var box = coat.getBoundingClientRect();
      ctx.beginPath();
      ctx.arc((e.clientX - box.left) * WIDTH / box.width, (e.clientY - box.top) * HEIGHT / box.height, BRUSH, 0, 7);
      ctx.fill();
      stage.scratched += 1;
      if (stage.after) stage.after();
    });
  }
  return stage;
}

export function scratchOff(stage, won, done, reduceMotion) {
  var shown = false;
  stage.prize.textContent = won.prize.label;
  var show = function () {
    if (shown) return;
    shown = true;
    stage.coat.classList.add("baton-gone");
    stage.reveal.hidden = true;
    setTimeout(function () { stage.coat.remove(); stage.reveal.remove(); }, reduceMotion ? 0 : 400);
    done();
  };
  if (reduceMotion || !stage.coat.getContext) return show();
  // Scratched far enough already, or soon: the rest comes away by itself.
  var enough = stage.scratched + 30;
  stage.after = function () { if (stage.scratched >= enough) show(); };
  stage.reveal.hidden = false;
  stage.reveal.addEventListener("click", show);
  stage.reveal.focus({ preventScroll: true });
}
