"""What the browser would silently drop from the widget's stylesheet.

A syntax error fails the build (scripts/build_widget.mjs turns esbuild's warnings into errors);
what parses but is invalid, such as a CSS-wide keyword inside a shorthand, is caught here."""

import re

from app.config import ROOT

STYLES = ROOT / "extensions" / "baton-popup" / "src" / "baton.css"
WIDE_KEYWORDS = {"inherit", "initial", "unset", "revert", "revert-layer"}


def declarations() -> list[tuple[str, str]]:
    text = re.sub(r"/\*.*?\*/", "", STYLES.read_text(), flags=re.S)
    return re.findall(r"([a-z-]+)\s*:\s*([^;{}]+)", text)


def test_a_css_wide_keyword_stands_alone_in_its_declaration():
    # `font: 600 1em/1.2 inherit` is invalid as a whole: buttons fell back to the theme's font.
    mixed = [
        (name, value)
        for name, value in declarations()
        if WIDE_KEYWORDS & set(value.replace("!important", "").split())
        and len(value.replace("!important", "").split()) > 1
    ]
    assert not mixed


def test_the_check_sees_the_declarations():
    assert ("font-size", "16px") in [(n, v.strip()) for n, v in declarations()]
