"""The demo, running for real: the app on a local port in demo mode, and the Procfile's worker.

Browser tests drive Debian's chromium against it. The only fake is Shopify's Admin API, which
the demo app itself serves (app/demo/shopify_admin.py), reached by the worker over HTTP.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import current_app
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app import create_app
from app.config import ROOT
from app.demo import DEMO_SHOP
from app.demo.seed import seed_demo_shop
from app.demo.shopify_admin import demo_metafield
from app.extensions import db, init_migrations, redis_queues
from app.models import CouponCode, Prize
from app.popups.shopify_codes import LOW_WATER
from app.popups.storefront_config import METAFIELD_KEY, METAFIELD_NAMESPACE
from tests.conftest import deployment_environment, make_settings
from tests.services import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NO_STORE = {"SHOPIFY_API_KEY": "", "SHOPIFY_API_SECRET": "", "SHOPIFY_APP_URL": ""}
# The demo's own signing value: random, as `make env` writes it once per install.
DEMO_SECRET = secrets.token_urlsafe(32)


def wait_for(predicate, seconds: float, interval: float = 0.1) -> bool:
    """Poll until predicate() is true or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class LiveDemo:
    """The demo app on a free port, and a worker process pointed at its Shopify fake.

    Demo mode runs on SQLite only, whatever database the rest of the suite uses: the demo
    gets a migrated SQLite file of its own.
    """

    def __init__(self, directory: Path, redis_url: str, environment: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        database_url = f"sqlite:///{directory}/demo.db"
        self.environment = (
            deployment_environment(database_url, redis_url)
            | NO_STORE
            | {"BATON_DEMO": "1", "BATON_DEMO_SECRET": DEMO_SECRET}
            | (environment or {})
        )
        self.environment["SHOPIFY_ADMIN_BASE_URL"] = f"{self.url}/demo/shopify"
        self.environment["BATON_SWEEP_INTERVAL"] = "1"
        migrate(database_url, redis_url)
        self.app = create_app(make_settings(database_url, redis_url, **self.environment))
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.worker: subprocess.Popen | None = None

    def start(self) -> None:
        self.thread.start()
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "workers.main"],
            cwd=ROOT,
            env=os.environ | self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its RQ processes too can be stopped as one group
        )

    def stop(self) -> None:
        self.server.shutdown()
        if self.worker is not None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # A worker still inside a job after 30 s must not outlive the module: its RQ
                # processes would take the next modules' jobs from the shared Redis.
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait(timeout=10)
                raise

    def worker_log(self) -> str:
        return self.worker.stderr.read().decode()[-3000:] if self.worker else ""

    def seeded(self) -> bool:
        """True once every prize has a full-enough pool and the embed config is published."""
        db.session.rollback()
        prizes = db.session.scalars(select(Prize).where(Prize.kind != "none")).all()
        if not prizes or demo_metafield(METAFIELD_NAMESPACE, METAFIELD_KEY) is None:
            return False
        return all(
            db.session.scalar(
                select(func.count())
                .select_from(CouponCode)
                .where(CouponCode.prize_id == prize.id, CouponCode.status == "available")
            )
            >= LOW_WATER
            for prize in prizes
        )

    def storefront(self, path: str = "") -> str:
        return f"{self.url}/demo/storefront{path}"


__all__ = ["CHROMIUM", "DEMO_SHOP", "LiveDemo", "wait_for"]


def migrate(database_url: str, redis_url: str) -> None:
    """A fresh demo database, migrated as the release step does (before demo mode's checks)."""
    with create_app(make_settings(database_url, redis_url)).app_context():
        init_migrations(current_app)
        upgrade()


@contextmanager
def seeded_demo(redis_url: str, environment: dict | None = None):
    """The demo on a new database: seeded, pools full and the embed config published."""
    directory = Path(tempfile.mkdtemp(prefix="baton-demo-"))
    live = LiveDemo(directory, redis_url, environment)
    with live.app.app_context():
        redis_queues.connection.flushdb()
    live.start()
    try:
        with live.app.app_context():
            seed_demo_shop()
            assert wait_for(live.seeded, seconds=60, interval=0.5), live.worker_log()
        yield live
    finally:
        live.stop()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def keeping_demo(app):
    """A test's app context that keeps the module's demo; only the per-IP play limit resets."""
    with app.app_context():
        for key in redis_queues.connection.scan_iter("baton:rate:*"):
            redis_queues.connection.delete(key)
        yield
        db.session.remove()


@contextmanager
def chromium():
    """Debian's chromium, driven by Playwright (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@contextmanager
def fresh_page(browser, height: int = 800, **context_options):
    """A new visitor (new cookies and storage); fails the test on any uncaught page error."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


AXE = Path(ROOT) / "node_modules" / "axe-core" / "axe.min.js"


def serious_axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands."""
    assert AXE.is_file(), "axe-core is missing: run make (npm ci installs it)"
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.slice(0, 3).map(n => n.target)}));
        }"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


# Fixtures for browser-test modules, which import them and define their own `demo`.


@pytest.fixture(autouse=True)
def app_context(demo):
    """Keep the module's seeded demo between tests, in the demo's own app and database."""
    with keeping_demo(demo.app):
        yield


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    with fresh_page(browser, height=900) as page:
        yield page
