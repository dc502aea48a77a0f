"""Errors reach Sentry only when SENTRY_DSN is set, and without the request's personal data.

Each case runs the app in its own process (Sentry's client is process-wide) against a local
HTTP server standing in for Sentry's envelope endpoint.
"""

import gzip
import http.server
import subprocess
import sys
import threading

import pytest

from app.config import ROOT
from tests.conftest import deployment_environment

SHOPPER = "sentry-search-91c@example.com"
# A request that fails inside a view, its body carrying a shopper's email, as a webhook would.
FAILING_REQUEST = f"""
from app import create_app
import sentry_sdk

app = create_app()

@app.post("/fails")
def fails():
    raise RuntimeError("the view failed")

app.test_client().post("/fails", json={{"email": "{SHOPPER}"}})
print("active" if sentry_sdk.get_client().is_active() else "inactive")
sentry_sdk.flush(5)
"""


class Sentry(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        Sentry.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry():
    Sentry.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://public@127.0.0.1:{server.server_port}/1"
    server.shutdown()


def run_failing_request(database_url, redis_server, dsn: str) -> str:
    env = deployment_environment(database_url, redis_server.url) | {"SENTRY_DSN": dsn}
    env["BATON_TESTING"] = "0"  # as deployed: an error is answered, not raised to the caller
    done = subprocess.run(
        [sys.executable, "-c", FAILING_REQUEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_an_error_goes_to_sentry_without_the_shoppers_details(
    app, database_url, redis_server, sentry
):
    assert run_failing_request(database_url, redis_server, sentry) == "active"
    sent = b"".join(Sentry.received)
    assert b"the view failed" in sent and b"RuntimeError" in sent
    assert SHOPPER.encode() not in sent


def test_without_a_dsn_nothing_is_sent(app, database_url, redis_server, sentry):
    assert run_failing_request(database_url, redis_server, "") == "inactive"
    assert Sentry.received == []
