"""Live carts: what one open admin tab costs while nothing changes, over a minute.

The demo runs under gunicorn with the Procfile's settings and its seeded live carts; no worker
runs, so nothing moves. Headless chromium (Debian's) keeps /demo/admin/carts open for
BENCH_LIVE_SECONDS (default 60) and counts every request the page makes, with the header and
body bytes each way (Playwright's request sizes). The baseline, measured in the same run, is
the same polling if every answer were the full list (a 200) instead of a bodiless 304.
"""

import os

from benchmarks.harness import gunicorn, services
from benchmarks.storefront import demo_environment, flask
from tests.services import free_port

SECONDS = int(os.environ.get("BENCH_LIVE_SECONDS", "60"))


def watch(base_url: str) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.live_demo import CHROMIUM

    seen: list = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base_url}/demo/admin/carts")
        page.wait_for_selector("[data-cart]")
        page.wait_for_timeout(3000)  # past the first full answer
        page.on("response", lambda response: seen.append(response))
        page.wait_for_timeout(SECONDS * 1000)
        totals = {"requests": 0, "bytes": 0, "live": 0, "live_bytes": 0, "not_modified": 0}
        for response in seen:
            size = sum(response.request.sizes().values())
            totals["requests"] += 1
            totals["bytes"] += size
            if "/admin/api/carts/live" in response.url:
                totals["live"] += 1
                totals["live_bytes"] += size
                totals["not_modified"] += response.status == 304
        full = page.evaluate(
            """async () => {
                const token = (await (await fetch('/demo/admin/session-token')).json()).token;
                const headers = {Authorization: 'Bearer ' + token};
                const r = await fetch('/admin/api/carts/live', {headers});
                return (await r.text()).length;
            }"""
        )
        browser.close()
    return totals | {"full_body": full}


def main() -> None:
    print(f"live carts: one open admin tab for {SECONDS} s while nothing changes, Debian chromium")
    port = free_port()
    with services("sqlite") as (redis, database_url):
        env = demo_environment(database_url, redis.url, port)
        flask(env, "db", "upgrade")
        flask(env, "baton", "demo-seed")
        with gunicorn("app:create_app()", env, port=port) as base_url:
            totals = watch(base_url)
    per_minute = 60 / SECONDS
    live_requests = totals["live"] * per_minute
    live_bytes = totals["live_bytes"] * per_minute
    all_bytes = totals["bytes"] * per_minute
    average = totals["live_bytes"] / max(totals["live"], 1)
    full_bytes = live_requests * (average + totals["full_body"])
    print(
        f"  polls of /admin/api/carts/live: {live_requests:.0f}/min, {totals['not_modified']} of"
        f" {totals['live']} answered 304; {live_bytes / 1024:.1f} KiB/min both ways"
        f" ({average:.0f} B per poll, headers included)"
    )
    print(
        f"  every request of the tab: {totals['requests'] * per_minute:.0f}/min,"
        f" {all_bytes / 1024:.1f} KiB/min (the demo also fetches a session token every 30 s;"
        " inside Shopify, App Bridge makes those without a request)"
    )
    print(
        f"  baseline, the same polls answered in full ({totals['full_body']:,} B list):"
        f" {full_bytes / 1024:.1f} KiB/min; ratio {live_bytes / max(full_bytes, 1):.2f}x"
    )


if __name__ == "__main__":
    main()
