"""The baseline: a bare Flask endpoint answering 200, served by the same gunicorn config."""

from flask import Flask


def create_bare_app() -> Flask:
    """A Flask app whose POST /webhooks reads the body and answers 200, nothing more."""
    app = Flask(__name__)

    @app.post("/webhooks")
    def receive():
        app.logger.debug("%d bytes", len(__import__("flask").request.get_data()))
        return {"status": "ok"}

    return app
