"""The widget's words in the extension's locales/: every language complete, every key rendered
by the app embed, and nothing the Liquid t filter would mangle."""

import json
import re

import pytest

from app.config import ROOT

EXTENSION = ROOT / "extensions" / "baton-popup"
LOCALES = EXTENSION / "locales"
LANGUAGES = ("en.default", "fr", "de", "es")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def words(name: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{name}.json").read_text(encoding="utf-8"))["popup"]


def test_english_french_german_and_spanish_ship_with_the_extension():
    assert {path.stem for path in LOCALES.glob("*.json")} >= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_each_language_has_every_key_with_the_same_placeholders(language):
    english, translated = words("en.default"), words(language)
    assert translated.keys() == english.keys()
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(translated[key])) == set(PLACEHOLDER.findall(text)), key
        assert translated[key].strip(), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_holds_what_the_t_filter_escapes_or_interpolates(language):
    # Keys without an _html suffix come out of t HTML-escaped, and {{ name }} is the filter's
    # own interpolation: the widget's {name} placeholders must reach it untouched.
    for key, text in words(language).items():
        assert not re.search(r"[<>&\"']", text), (key, text)
        assert "{{" not in text, (key, text)


def test_the_embed_renders_every_key_through_t():
    liquid = (EXTENSION / "blocks" / "baton-embed.liquid").read_text()
    rendered = dict(re.findall(r'"(\w+)": \{\{ \'popup\.(\w+)\' \| t \| json \}\}', liquid))
    assert rendered == {key: key for key in words("en.default")}
    assert '"locale": {{ request.locale.iso_code | json }}' in liquid


def test_the_widget_code_asks_only_for_keys_the_locales_define():
    source = "\n".join(path.read_text() for path in (EXTENSION / "src").rglob("*.js"))
    asked = set(re.findall(r'\bt\("(\w+)"', source))
    asked |= set(re.findall(r"embed\.strings\.(\w+)", source))
    assert "teaser" in asked
    assert asked <= words("en.default").keys()


def points_words(name: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{name}.json").read_text(encoding="utf-8"))["points"]


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_the_points_panel_speaks_every_language_with_the_same_placeholders(language):
    english, translated = points_words("en.default"), points_words(language)
    assert translated.keys() == english.keys()
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(translated[key])) == set(PLACEHOLDER.findall(text)), key


def test_the_points_block_renders_every_key_and_the_panel_asks_for_no_other():
    liquid = (EXTENSION / "blocks" / "baton-points.liquid").read_text()
    rendered = dict(re.findall(r'"(\w+)": \{\{ \'points\.(\w+)\' \| t \| json \}\}', liquid))
    assert rendered == {key: key for key in points_words("en.default")}
    asked = set(re.findall(r'\bsay\("(\w+)"', (EXTENSION / "src" / "points.js").read_text()))
    assert asked == points_words("en.default").keys()
    # A guest's page renders nothing of the block: no request reaches Baton for points.
    assert liquid.index("{%- if customer -%}") < liquid.index("data-baton-points")
