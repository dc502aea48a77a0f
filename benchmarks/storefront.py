"""Storefront: the widget's gzipped sizes, and what page views of visitors who never engage
cost Baton (target: zero requests), counted in Debian's headless chromium on the demo store.

Also the page's load-event time with and without the widget, unthrottled; benchmarks.lighthouse
scores the same pages under Lighthouse's mobile throttling. The demo runs as `make run` runs
it: gunicorn with the Procfile's settings, the seeded demo shop, its config published and code
pools filled by the Procfile's worker.
"""

import contextlib
import gzip
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import urllib.request

from benchmarks.harness import ROOT, app_environment, drain, gunicorn, services
from tests.services import free_port

ASSETS = ROOT / "extensions" / "baton-popup" / "assets"
VISITORS = int(os.environ.get("BENCH_STOREFRONT_VISITORS", "100"))
PAGES = ("", "/products/linen-shirt", "/products/canvas-tote", "/cart", "")
VIEWS_PER_VISITOR = 10
BACKEND_PATHS = ("/demo/apps/", "/proxy/", "/admin/", "/webhooks")
GAME_ASSETS = ("baton-game.js", "baton.css")


def gzipped(name: str) -> int:
    return len(gzip.compress((ASSETS / name).read_bytes(), compresslevel=9))


def print_sizes() -> None:
    loader, game, css = gzipped("baton-loader.js"), gzipped("baton-game.js"), gzipped("baton.css")
    print("  widget, gzip -9:")
    print(f"    loader (every page)        {loader:6d} B   budget 3072 B")
    print(f"    game code (on engagement)  {game:6d} B")
    print(f"    styles (on engagement)     {css:6d} B")
    print(f"    loader + games + styles    {loader + game + css:6d} B   budget 15360 B")


def demo_environment(database_url: str, redis_url: str, port: int) -> dict:
    env = app_environment(database_url, redis_url)
    env |= {"SHOPIFY_API_KEY": "", "SHOPIFY_API_SECRET": "", "SHOPIFY_APP_URL": ""}
    # As `make run` asks for it: by name, with this run's own signing value.
    env |= {"BATON_DEMO": "1", "BATON_DEMO_SECRET": secrets.token_urlsafe(32)}
    env["SHOPIFY_ADMIN_BASE_URL"] = f"http://127.0.0.1:{port}/demo/shopify"
    return env


def flask(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@contextlib.contextmanager
def demo_store():
    """The demo as `make run` serves it, seeded and published; yields its base URL."""
    port = free_port()
    with services("sqlite") as (redis, database_url):
        env = demo_environment(database_url, redis.url, port)
        flask(env, "db", "upgrade")
        with gunicorn("app:create_app()", env, port=port) as base_url:
            flask(env, "baton", "demo-seed")
            drain(env)  # publishes the embed config and fills the code pools
            yield base_url


def browse(base_url: str) -> tuple[int, list[str], list[float], list[float]]:
    """Page views by visitors who never engage: (views, backend hits, load times on, off)."""
    from playwright.sync_api import sync_playwright

    from tests.live_demo import CHROMIUM

    backend: list[str] = []
    views = 0
    loads = {"on": [], "off": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(VISITORS):
            context = browser.new_context()
            page = context.new_page()
            page.on(
                "request",
                lambda request: (
                    backend.append(request.url)
                    if any(p in request.url for p in BACKEND_PATHS + GAME_ASSETS)
                    else None
                ),
            )
            for view in range(VIEWS_PER_VISITOR):
                path = PAGES[view % len(PAGES)]
                page.goto(f"{base_url}/demo/storefront{path}", wait_until="load")
                # The loader starts after the load event: a view counts once it has run.
                page.wait_for_function("window.Baton")
                views += 1
                loads["on"].append(_load_ms(page))
            # The same pages as a theme without the app embed, in the same browser.
            for path in PAGES[:2]:
                page.goto(f"{base_url}/demo/storefront{path}?widget=off", wait_until="load")
                loads["off"].append(_load_ms(page))
            context.close()
        browser.close()
    return views, backend, loads["on"], loads["off"]


def live_campaigns(base_url: str) -> int:
    """How many campaigns the embed carries: zero requests must not mean zero campaigns."""
    html = urllib.request.urlopen(f"{base_url}/demo/storefront").read().decode()
    embed = re.search(r'<script type="application/json" id="baton-config">(.*?)</script>', html)
    count = len(json.loads(embed.group(1))["config"]["campaigns"]) if embed else 0
    if count == 0:
        raise RuntimeError("the demo's embed carries no campaign; the figure would mean nothing")
    return count


def _load_ms(page) -> float:
    return page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : n.duration; }"
    )


def main() -> None:
    """Print sizes, backend requests per non-engaged page view, and load times."""
    print("storefront: the widget on the demo store, Debian chromium headless")
    print_sizes()
    with demo_store() as base_url:
        live = live_campaigns(base_url)
        views, backend, with_widget, without = browse(base_url)
    print(f"  {views} page views by {VISITORS} visitors who never engage ({live} live campaigns):")
    print(
        f"    requests to Baton or for game code: {len(backend)}"
        f"  ({len(backend) / views:.3f} per page view; target 0)"
    )
    on, off = statistics.median(with_widget), statistics.median(without)
    print(
        f"    load event, median: {on:.1f} ms with the widget, {off:.1f} ms without"
        f"  (ratio {on / max(off, 0.001):.2f}x)"
    )


if __name__ == "__main__":
    main()
