"""The campaign editor's live preview: the real widget code, drawn from the editor's form.

The page holds no shop data and calls nothing: the editor posts the campaign as the widget
would receive it, and a play in the preview is answered inside the page, so previewing never
creates a play or spends a code.
"""

from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory

bp = Blueprint("preview", __name__, url_prefix="/admin/preview")
WIDGET_ASSETS = Path(__file__).resolve().parents[2] / "extensions" / "baton-popup" / "assets"
PREVIEW_ASSETS = ("baton-game.js", "baton.css")


@bp.get("")
def page():
    response = render_template("admin/preview.html")
    return response, 200, {"Content-Security-Policy": "frame-ancestors 'self';"}


@bp.get("/assets/<name>")
def asset(name: str):
    if name not in PREVIEW_ASSETS:
        abort(404)
    return send_from_directory(WIDGET_ASSETS, name, max_age=300)
