"""The app embed's words, as Shopify's Liquid `t` filter renders them from the extension's
locales/ for the storefront's language: the language's file, the default file for any key it
lacks, and each value HTML-escaped (the filter escapes keys that do not end in _html)."""

import json
from functools import cache

from markupsafe import escape

from app.config import ROOT

LOCALES = ROOT / "extensions" / "baton-popup" / "locales"
DEFAULT_LANGUAGE = "en"


def available_languages() -> list[str]:
    """The languages the extension ships, the default first."""
    names = sorted(path.name.split(".")[0] for path in LOCALES.glob("*.json"))
    return [DEFAULT_LANGUAGE] + [name for name in names if name != DEFAULT_LANGUAGE]


def embed_strings(language: str, group: str = "popup") -> dict[str, str]:
    """The "strings" of the embed ("popup") or the points block ("points") for one
    storefront language."""
    words = dict(_group(f"{DEFAULT_LANGUAGE}.default.json", group))
    if language != DEFAULT_LANGUAGE and language in available_languages():
        words |= _group(f"{language}.json", group)
    return {key: str(escape(text)) for key, text in words.items()}


@cache
def _group(file_name: str, group: str) -> dict[str, str]:
    return json.loads((LOCALES / file_name).read_text(encoding="utf-8"))[group]
