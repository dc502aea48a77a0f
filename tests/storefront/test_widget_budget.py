"""The widget's size budget, on the built assets (scripts/build_widget.mjs).

The loader ships on every page view, so bytes are a feature."""

import gzip

from app.config import ROOT

ASSETS = ROOT / "extensions" / "baton-popup" / "assets"
LOADER_BUDGET = 3 * 1024  # gzipped, on every page of the store
ENGAGED_BUDGET = 15 * 1024  # gzipped, loader plus game code once a trigger fires


def gzipped(name: str) -> int:
    return len(gzip.compress((ASSETS / name).read_bytes(), compresslevel=9))


def test_the_loader_fits_its_budget():
    assert gzipped("baton-loader.js") <= LOADER_BUDGET


def test_loader_games_and_styles_fit_the_engaged_budget():
    total = sum(gzipped(name) for name in ("baton-loader.js", "baton-game.js", "baton.css"))
    assert total <= ENGAGED_BUDGET


def test_the_embed_loads_only_the_loader_and_never_a_script_tag():
    liquid = (ROOT / "extensions" / "baton-popup" / "blocks" / "baton-embed.liquid").read_text()
    assert '"target": "body"' in liquid
    assert "'baton-loader.js' | asset_url" in liquid
    assert "baton-game.js" in liquid and "<script src=\"{{ 'baton-game.js'" not in liquid
