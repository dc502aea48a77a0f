"""One log line per request: method, route, status, duration and the request id.

The route is the URL rule ("/webhooks/mailchimp/<int:connection_id>/<secret>"), never the path
or the query, which can carry a secret, a session token or a shopper's email.
"""

import logging
import re
import time
import uuid

from flask import Flask, g, request

from app import logs

log = logging.getLogger("baton.request")
# A proxy's or load balancer's id is kept when it looks like one; anything else is replaced.
GIVEN_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def init_app(app: Flask) -> None:
    """Give every request an id (X-Request-ID, taken from the request when present) and a line."""

    @app.before_request
    def _start() -> None:
        # Sync workers serve one request after another on one thread: start from nothing.
        logs.clear()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if GIVEN_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        logs.bind(request_id=g.request_id)

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started
                else None,
            },
        )
        return response

    @app.teardown_request
    def _forget(_error) -> None:
        logs.clear()
