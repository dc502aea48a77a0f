/* The storefront's words. The embed renders them from the extension's locales/ in the shop's
   language (embed.strings); English stands in for any missing one; a campaign's own text, set
   by the merchant, wins over both. Dates are written in the shop's locale. */

var ENGLISH = {
  email_label: "Email address",
  phone_label: "Mobile number (optional)",
  consent: "Email me offers.",
  sms_consent: "Text me offers.",
  play: "Play",
  headline: "Play to win",
  close: "Close",
  good_luck: "Good luck…",
  you_won: "You won: {prize}",
  use_by: "Use it by {date}.",
  applying: "Adding it to your cart…",
  applied: "Applied to your cart: it is taken off at checkout.",
  enter_at_checkout: "Enter the code at checkout.",
  copy: "Copy",
  copied: "Copied",
  continue: "Continue shopping",
  email_missing: "Please enter your email address.",
  consent_missing: "Please tick the box to agree.",
  failed: "Something went wrong. Please try again.",
  offline: "We could not reach the shop. Check your connection and try again.",
  rules: "Official rules and odds",
  bar_label: "Your discount code",
  bar_text: "{prize} with code",
  hide_code: "Hide the code",
  wheel_label: "Prize wheel: {prizes}",
  pick_box: "Pick a gift box",
  gift_box: "Gift box {n}",
  scratch_hint: "Scratch here",
  scratch_waiting: "Enter your email to see your prize",
  reveal: "Reveal now",
  teaser: "A gift for you"
};

export function strings(embed) {
  var given = (embed && embed.strings) || {};
  return function t(key, values) {
    var text = typeof given[key] === "string" && given[key] ? given[key] : ENGLISH[key] || key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] != null ? values[name] : all;
    });
  };
}

export function locale(embed) {
  return (embed && embed.locale) || document.documentElement.lang || navigator.language || "en";
}

export function longDate(iso, embed) {
  var moment = new Date(iso);
  try {
    return new Intl.DateTimeFormat(locale(embed), { dateStyle: "long" }).format(moment);
  } catch (e) {
    return moment.toDateString();
  }
}
