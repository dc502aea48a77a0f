/* Colours for the games, derived from the merchant's accent so every label passes WCAG AA
   (4.5:1) against the fill it sits on, and neighbouring slices never share a colour. */

var DEFAULT_ACCENT = "#1f6feb";

function rgb(hex) {
  var n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hex(channels) {
  return "#" + channels.map(function (c) {
    return (Math.round(Math.max(0, Math.min(255, c))) + 256).toString(16).slice(1);
  }).join("");
}

function mix(colour, other, share) {
  var a = rgb(colour), b = rgb(other);
  return hex(a.map(function (c, i) { return c + (b[i] - c) * share; }));
}

function luminance(colour) {
  return rgb(colour).reduce(function (sum, c, i) {
    var s = c / 255;
    s = s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    return sum + s * [0.2126, 0.7152, 0.0722][i];
  }, 0);
}

export function contrast(a, b) {
  var x = luminance(a), y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

export function accentOf(value) {
  return /^#[0-9a-f]{6}$/i.test(value || "") ? value.toLowerCase() : DEFAULT_ACCENT;
}

/* The darker or lighter of near-black and white, whichever reads better on the fill; the
   fill is pushed towards white or black until the pair reaches AA. */
export function readable(fill) {
  var ink = contrast(fill, "#111111") >= contrast(fill, "#ffffff") ? "#111111" : "#ffffff";
  var toward = ink === "#111111" ? "#ffffff" : "#000000";
  for (var step = 0; step < 10 && contrast(fill, ink) < 4.5; step++) fill = mix(fill, toward, 0.15);
  return { fill: fill, ink: ink };
}

/* n slice colours: the accent, a pale tint and a deep shade, cycled so no two neighbours
   (the last and first included) match. */
export function palette(accent, n) {
  var tones = [accent, mix(accent, "#ffffff", 0.82), mix(accent, "#000000", 0.45)];
  var cycle = n % 2 === 0 ? 2 : 3;
  var colours = [];
  for (var i = 0; i < n; i++) colours.push(readable(tones[i % cycle]));
  // Seven slices end on the accent again, next to the first: the tint sits between.
  if (n > 1 && colours[n - 1].fill === colours[0].fill) colours[n - 1] = readable(tones[1]);
  return colours;
}

export function shade(colour, share) {
  return mix(colour, "#000000", share);
}

export function tint(colour, share) {
  return mix(colour, "#ffffff", share);
}
