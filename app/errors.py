"""Errors answered as JSON with a machine-readable code and a human message."""

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from app.extensions import db

# Paths a browser navigates to get HTML; everything else is an API and gets JSON errors.
PAGE_PREFIXES = ("/app", "/auth", "/demo")


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


def init_app(app: Flask) -> None:
    """Answer API errors, including Werkzeug's own 404/405/413, in one JSON shape."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        # A refused request changes nothing: undo whatever the unit of work had flushed
        # (a play that drew a prize and then found no code must not keep the award).
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.headers, error.fields)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith(PAGE_PREFIXES):
            return error
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or error.name)
