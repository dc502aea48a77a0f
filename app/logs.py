"""Logs for operators: one JSON object per line, from web and worker, on stderr.

Each line carries what it happened during: the request id on the web, the job and its subject
(shop, delivery, task) on the worker. Messages name ids and outcomes, never a token, a key or
an email address; tests/test_logs.py runs a play, a sync and a webhook with known values and
searches everything logged for them.
"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

# What the current request or job is about; copied onto every record logged meanwhile.
_bound: ContextVar[dict | None] = ContextVar("baton_log_context", default=None)
# The standard fields on every line, as the formatter's "{name}" template asks for them.
FIELDS = ("asctime", "levelname", "name", "message")
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class BoundFields(logging.Filter):
    """Adds the fields bound for this request or job to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_bound.get() or {}).items():
            setattr(record, key, value)
        return True


def json_handler(stream=None) -> logging.Handler:
    """A handler writing one JSON object per record, bound fields included."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(_template(), style="{", rename_fields=RENAMED))
    handler.addFilter(BoundFields())
    return handler


def _template() -> str:
    return "".join(f"{{{field}}}" for field in FIELDS)


def configure(level: str = "INFO") -> None:
    """Send every logger's records through one JSON handler (web and worker entry points).

    Not called by create_app: tests and the flask CLI keep the handlers they already have.
    """
    root = logging.getLogger()
    root.handlers[:] = [json_handler()]
    root.setLevel(level)
    # Werkzeug's own request lines would repeat app.request_log's, without the request id.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def gunicorn_config(level: str = "INFO") -> dict:
    """gunicorn's logconfig_dict: its own lines and the app's, through the same JSON handler."""
    handler = {"handlers": ["json"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"handlers": ["json"], "level": level},
        "loggers": {"gunicorn.error": handler, "gunicorn.access": handler},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["bound"],
            }
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": _template(),
                "style": "{",
                "rename_fields": RENAMED,
            }
        },
        "filters": {"bound": {"()": "app.logs.BoundFields"}},
    }


@contextmanager
def bound(**fields) -> Iterator[None]:
    """Add fields to every line logged inside the block (nested blocks add to outer ones)."""
    token = _bound.set((_bound.get() or {}) | {k: v for k, v in fields.items() if v is not None})
    try:
        yield
    finally:
        _bound.reset(token)


def bind(**fields) -> None:
    """Add fields for the rest of this context (a request, which ends with its context)."""
    _bound.set((_bound.get() or {}) | {k: v for k, v in fields.items() if v is not None})


def clear() -> None:
    """Forget the fields bound so far (between requests on the same thread)."""
    _bound.set({})
