/* The storefront's words. The embed renders them from the extension's locales/ in the
   storefront's language (embed.strings, through Liquid's t filter); English stands in for any
   missing one; a campaign's own text, set by the merchant, wins over both. Dates are written
   in the storefront's language as read in the visitor's country ("en-DE": 5 December 2026). */

import defaults from "../../locales/en.default.json";

// One source for the English words: the extension's default locale file.
var ENGLISH = defaults.popup;

export function strings(embed) {
  var given = (embed && embed.strings) || {};
  return function t(key, values) {
    var text = typeof given[key] === "string" && given[key] ? given[key] : ENGLISH[key] || key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] != null ? values[name] : all;
    });
  };
}

function language(embed) {
  return (embed && embed.locale) || document.documentElement.lang || navigator.language || "en";
}

export function locale(embed) {
  var country = embed && embed.country;
  return language(embed).indexOf("-") < 0 && country ? language(embed) + "-" + country : language(embed);
}

/* When a code stops working, in the visitor's own time zone. Codes stop at midnight UTC, which
   is another day's evening or early morning for most shoppers: the time keeps it exact. */
export function expiryMoment(iso, embed) {
  var moment = new Date(iso);
  var style = { dateStyle: "long", timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(locale(embed), style).format(moment);
  } catch (e) {
    // A language and country pair Intl refuses: the language alone still reads right.
    return new Intl.DateTimeFormat(language(embed), style).format(moment);
  }
}
