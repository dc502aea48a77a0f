"""Lighthouse: the demo store's performance score with and without the app embed.

Shopify's App Store asks that an app lower a store's Lighthouse performance score by no more
than 10 points; Baton's target is under 1 point, never more than 2. Lighthouse (the npm
package, pinned in package.json) drives Debian's chromium headless with its default settings,
which are its mobile profile: a Moto G Power's screen and user agent, slow 4G and a 4x CPU
slowdown, all simulated. Each page is scored BENCH_LIGHTHOUSE_RUNS times (default 5) as the
theme renders it with the app embed and as many times with ?widget=off (the same page without
it), alternating so both sides share the machine's noise; the figures are medians. The demo
runs as benchmarks.storefront starts it, and the JSON reports stay in a temporary directory.

The demo's pages are light enough to score 100 either way, so each page also gets what its
changes in blocking time and LCP would cost a store at the middle of Lighthouse's scoring
curves, computed with Lighthouse's own curves and weights from the report.
"""

import json
import math
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.harness import ROOT
from benchmarks.storefront import demo_store

RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "5"))
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
# Chromium refuses to start its sandbox as root, which is how containers and CI run it.
CHROME_FLAGS = "--headless=new --no-sandbox"
PAGES = {"home page": "/demo/storefront", "product page": "/demo/storefront/products/linen-shirt"}
LOADER, GAME = "baton-loader.js", "baton-game.js"
SIDES = ("with", "without")
METRICS = {
    "total-blocking-time": "total blocking time",
    "largest-contentful-paint": "largest contentful paint",
}
# Closest double to erfc^-1(1/5), as Lighthouse's shared/statistics.js has it.
INVERSE_ERFC_ONE_FIFTH = 0.9061938024368232


@dataclass
class Report:
    """What one Lighthouse run measured."""

    score: float
    metrics: dict[str, float]
    # Per metric: Lighthouse's scoring curve (p10, median) and the metric's share of the score.
    curves: dict[str, tuple[float, float, float]]
    requested: set[str]
    settings: dict
    environment: dict


def lighthouse(url: str, output: Path) -> Report:
    """Run Lighthouse's performance category once on a URL; the JSON report goes to output."""
    from tests.live_demo import CHROMIUM

    command = [
        str(LIGHTHOUSE),
        url,
        "--only-categories=performance",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    # chrome-launcher picks the browser from CHROME_PATH; nothing here may fetch one.
    env = os.environ | {"CHROME_PATH": CHROMIUM, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    if finished.returncode != 0:
        raise RuntimeError(f"lighthouse exited {finished.returncode}: {finished.stderr[-2000:]}")
    return parse(json.loads(output.read_text()))


def parse(lhr: dict) -> Report:
    """The figures this benchmark reports, from one Lighthouse result."""
    # A page that failed to load still gets a report, with runtimeError set; an errored audit
    # that carries weight nulls the score (core/scoring.js), while diagnostics may error alone.
    if lhr.get("runtimeError") or lhr["categories"]["performance"]["score"] is None:
        error = lhr.get("runtimeError") or "a weighted audit errored"
        raise RuntimeError(f"lighthouse could not score {lhr['finalDisplayedUrl']}: {error}")
    audits = lhr["audits"]
    requests = audits["network-requests"]["details"]["items"]
    weights = {ref["id"]: ref["weight"] for ref in lhr["categories"]["performance"]["auditRefs"]}
    curves = {
        metric: (
            audits[metric]["scoringOptions"]["p10"],
            audits[metric]["scoringOptions"]["median"],
            weights[metric] / sum(weights.values()),
        )
        for metric in METRICS
    }
    return Report(
        score=lhr["categories"]["performance"]["score"] * 100,
        metrics={metric: audits[metric]["numericValue"] for metric in METRICS},
        curves=curves,
        requested={urlsplit(item["url"]).path.rsplit("/", 1)[-1] for item in requests},
        settings=lhr["configSettings"],
        environment=lhr["environment"] | {"version": lhr["lighthouseVersion"]},
    )


def measure(base_url: str, folder: Path) -> dict[tuple[str, str], list[Report]]:
    """RUNS runs per page and side, the side that goes first swapping every round."""
    reports: dict[tuple[str, str], list[Report]] = {}
    for run in range(RUNS):
        for page, path in PAGES.items():
            for side in SIDES if run % 2 == 0 else reversed(SIDES):
                query = "" if side == "with" else "?widget=off"
                output = folder / f"lighthouse-{page.split()[0]}-{side}-{run}.json"
                report = lighthouse(f"{base_url}{path}{query}", output)
                reports.setdefault((page, side), []).append(report)
    return reports


def profile(report: Report) -> str:
    """The device and throttling Lighthouse applied, read back from its own report."""
    settings, environment = report.settings, report.environment
    throttling, screen = settings["throttling"], settings["screenEmulation"]
    if settings["formFactor"] != "mobile" or settings["throttlingMethod"] != "simulate":
        raise RuntimeError(
            f"not Lighthouse's mobile profile: {settings['formFactor']},"
            f" {settings['throttlingMethod']} throttling"
        )
    browser = environment["hostUserAgent"].split("HeadlessChrome/")[-1].split()[0]
    return (
        f"Lighthouse {environment['version']}, Debian chromium {browser} headless;"
        f" mobile profile, simulated: {screen['width']}x{screen['height']} screen,"
        f" {throttling['rttMs']:.0f} ms RTT, {throttling['throughputKbps'] / 1024:.1f} Mbit/s,"
        f" {throttling['cpuSlowdownMultiplier']:g}x CPU slowdown"
    )


def print_page(page: str, reports: dict[tuple[str, str], list[Report]]) -> None:
    """Medians with and without the embed, their change, and which widget files loaded."""
    on, off = reports[(page, "with")], reports[(page, "without")]
    print(f"  {page} ({PAGES[page]}):")
    change = statistics.median(r.score for r in on) - statistics.median(r.score for r in off)
    print(
        f"    {'performance score (range)':30s}{spread(on):>20s}{spread(off):>16s}"
        f"{change:+11.1f} points  (target under 1, never more than 2; Shopify's limit 10)"
    )
    changes = {}
    for metric, label in METRICS.items():
        on_ms = statistics.median(report.metrics[metric] for report in on)
        off_ms = statistics.median(report.metrics[metric] for report in off)
        changes[metric] = on_ms - off_ms
        print(f"    {label:30s}{on_ms:>17,.0f} ms{off_ms:>13,.0f} ms{on_ms - off_ms:>+11,.0f} ms")
    medians = ", ".join(
        f"{''.join(word[0] for word in METRICS[metric].split()).upper()} {curve[1]:,.0f} ms"
        for metric, curve in on[0].curves.items()
    )
    print(
        f"    the same changes on a page at the middle of Lighthouse's curves ({medians}):"
        f" {-points_lost(on[0].curves, changes):+.1f} points"
    )
    loaders = [sum(LOADER in report.requested for report in side) for side in (on, off)]
    games = sum(GAME in report.requested for report in on)
    print(
        f"    {LOADER} requested in {loaders[0]}/{len(on)} runs with the widget and"
        f" {loaders[1]}/{len(off)} without; {GAME} in {games}/{len(on)} (it waits for a trigger)"
    )


def points_lost(curves: dict, changes: dict[str, float]) -> float:
    """Points the metric changes would cost a page whose metrics sit at their curves' medians.

    The demo's pages score 100 with or without the widget, on the flat top of every curve; a
    store in the middle of them shows what the same milliseconds weigh.
    """
    lost = 0.0
    for metric, change in changes.items():
        p10, median, share = curves[metric]
        # A metric at its curve's median scores 0.5, by the curve's definition.
        lost += share * 100 * (0.5 - metric_score(p10, median, median + change))
    return lost


def metric_score(p10: float, median: float, value: float) -> float:
    """A metric's score on Lighthouse's log-normal curve (getLogNormalScore, unclamped)."""
    standardized = math.log(value / median) * INVERSE_ERFC_ONE_FIFTH / math.log(median / p10)
    return math.erfc(standardized) / 2


def spread(reports: list[Report]) -> str:
    """The median score and, in brackets, the lowest and highest."""
    scores = sorted(report.score for report in reports)
    return f"{statistics.median(scores):.0f} ({scores[0]:.0f}-{scores[-1]:.0f})"


def main() -> None:
    """Score each demo page with and without the app embed and print the medians."""
    if not LIGHTHOUSE.exists():
        raise RuntimeError("Lighthouse is not installed; `make bench` runs `npm ci` for it")
    print(
        f"lighthouse: performance category, median of {RUNS} runs with and without the app"
        " embed, alternating"
    )
    started = time.monotonic()
    with demo_store() as base_url, tempfile.TemporaryDirectory(prefix="baton-lh-") as folder:
        reports = measure(base_url, Path(folder))
    first = reports[(next(iter(PAGES)), "with")][0]
    print(f"  {profile(first)}")
    print(f"  {'':32s}{'with widget':>20s}{'without':>16s}{'change':>11s}")
    for page in PAGES:
        print_page(page, reports)
    index = statistics.median(
        report.environment["benchmarkIndex"] for side in reports.values() for report in side
    )
    print(
        f"  {RUNS * len(PAGES) * len(SIDES)} runs in {time.monotonic() - started:.0f} s;"
        f" Lighthouse's benchmarkIndex for this machine {index:.0f} (median)"
    )


if __name__ == "__main__":
    main()
