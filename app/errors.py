"""Errors answered as JSON with a machine-readable code and a human message."""

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.problems import Problem

log = logging.getLogger(__name__)
# Paths a browser navigates to get HTML; everything else is an API and gets JSON errors.
PAGE_PREFIXES = ("/app", "/auth", "/demo")
# Seconds a client should wait before retrying while the database is unavailable.
DATABASE_RETRY_AFTER = 5
# The one place a domain problem becomes an HTTP status.
PROBLEM_STATUS = {
    "invalid": 400,
    "not_found": 404,
    "conflict": 409,
    "ended": 410,
    "limited": 429,
    "upstream": 502,
    "unavailable": 503,
}


class ApiError(Exception):
    """An error the client caused or must react to; never a 500."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict | None = None,
        fields: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        # Per-field problems, e.g. {"prizes[0].weight": "must be ..."}, for forms to show.
        self.fields = fields


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict | None = None,
    fields: dict[str, str] | None = None,
):
    """Build the JSON body every API error shares."""
    error = {"code": code, "message": message} | ({"fields": fields} if fields else {})
    response = jsonify(error=error)
    response.status_code = status
    response.headers.update(headers or {})
    return response


class StrictJSONProvider(DefaultJSONProvider):
    """Request bodies Baton cannot store count as malformed JSON, so handlers answer 400.

    Python's parser accepts nesting deep enough to raise RecursionError, unpaired surrogates
    ("\\ud800") that UTF-8 cannot encode, and NUL characters that PostgreSQL cannot store.
    """

    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        _check_text(data)
        return data


def _check_text(data) -> None:
    pending = [data]
    while pending:  # a loop, not recursion: the document may be nested near the limit
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise ValueError("JSON text must not contain NUL characters")
            item.encode()  # UnicodeEncodeError, a ValueError, for an unpaired surrogate


class IdConverter(IntegerConverter):
    """<int:...> in routes: up to 18 digits, more than any table will count to and less than
    a 64-bit column overflows at (SQLite cannot even bind a larger id). A longer one is a 404.
    """

    regex = r"\d{1,18}"


def init_app(app: Flask) -> None:
    """Answer API errors, including Werkzeug's own 404/405/413, in one JSON shape."""
    app.json = StrictJSONProvider(app)
    # Before any blueprint adds its routes: each rule binds its converters when added.
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_nul_in_url():
        # PostgreSQL can neither store nor compare text holding NUL, and no client needs one.
        args = request.args.items(multi=True)
        if "\x00" in request.path or any("\x00" in key + value for key, value in args):
            raise ApiError(400, "invalid_url", "The URL must not contain NUL characters.")

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        # A refused request changes nothing: undo whatever the unit of work had flushed
        # (a play that drew a prize and then found no code must not keep the award).
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.headers, error.fields)

    @app.errorhandler(Problem)
    def _problem(problem: Problem):
        db.session.rollback()
        headers = {"Retry-After": str(problem.retry_after)} if problem.retry_after else {}
        return error_response(
            PROBLEM_STATUS[problem.kind], problem.code, problem.message, headers, problem.fields
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith(PAGE_PREFIXES):
            return error_page(error)
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or error.name)

    # Intake writes through a raw DBAPI connection, whose errors SQLAlchemy never wraps.
    with app.app_context():
        dbapi_error = db.engine.dialect.loaded_dbapi.OperationalError

    @app.errorhandler(OperationalError)
    @app.errorhandler(dbapi_error)
    def _database_unavailable(error: Exception):
        # The server is down or refusing connections, or SQLite stayed locked past its
        # busy_timeout: the client should retry (Shopify does), so a 503, never a 500.
        _discard_session()
        log.warning(
            "database unavailable for %s %s: %s", request.method, request.path, _summary(error)
        )
        if request.path.startswith(PAGE_PREFIXES):
            return error_page(ServiceUnavailable(retry_after=DATABASE_RETRY_AFTER))
        return error_response(
            503,
            "database_unavailable",
            "The database is unavailable; retry shortly",
            {"Retry-After": str(DATABASE_RETRY_AFTER)},
        )


# What a merchant or shopper who followed a link should read, by status.
PAGE_WORDS = {
    404: ("This page does not exist", "The link may be old, or the address mistyped."),
    405: ("This page cannot be used that way", "Go back and try again from the page itself."),
    503: ("Baton is busy for a moment", "Nothing was lost. Reload the page in a few seconds."),
}


def error_page(error: HTTPException):
    """An HTTP error as a page in the app's own style, saying what to do next."""
    status = error.code or 500
    title, message = PAGE_WORDS.get(
        status, ("Something needs attention", "Go back and try again; if it persists, reload.")
    )
    home = "/demo/admin" if request.path.startswith("/demo") else "/app"
    page = render_template("error.html", status=status, title=title, message=message, home=home)
    response = make_response(page, status)
    # Only Retry-After carries over: the error's own Content-Type is for its own HTML.
    for name, value in error.get_headers():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


def _discard_session() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass  # its connection is already gone; the session is removed at teardown anyway


def _summary(error: Exception) -> str:
    # The driver's own message, never SQLAlchemy's text, which repeats the statement's
    # parameters (webhook bodies, tokens).
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line[:200]}"
