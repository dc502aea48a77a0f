"""Admin JSON API: the home page's setup checklist, from embed to the first synced lead."""

from flask import Blueprint, current_app, g, jsonify
from redis.exceptions import RedisError
from sqlalchemy import select

from app.admin.session import require_session_token
from app.extensions import db, redis_queues
from app.models import Campaign, PlatformConnection, SyncTask
from app.models.types import utcnow
from app.profiles.imports import ACTIVE, latest_import
from app.shopify.theme_embed import activation_link, embed_enabled
from app.shops import ShopUnavailable, admin_client_for
from app.sync.platforms import PLATFORMS, email_platforms

bp = Blueprint("setup", __name__, url_prefix="/admin/api")
# The theme is asked at most this often per shop: the checklist is read on every home visit.
EMBED_CACHE_SECONDS = 300


@bp.get("/setup")
@require_session_token
def checklist():
    shop = g.shop
    live = [
        campaign
        for campaign in db.session.scalars(
            select(Campaign).where(Campaign.shop_domain == shop.domain, Campaign.status == "live")
        )
        if campaign.is_running(utcnow())
    ]
    connected = db.session.scalars(
        select(PlatformConnection.platform).where(PlatformConnection.shop_domain == shop.domain)
    ).all()
    synced = db.session.scalar(
        select(SyncTask.done_at)
        .where(
            SyncTask.shop_domain == shop.domain,
            SyncTask.operation == "lead",
            SyncTask.status == "done",
        )
        .order_by(SyncTask.done_at)
        .limit(1)
    )
    api_key = current_app.config["BATON"].shopify_api_key
    steps = [
        {
            "key": "embed",
            "title": "Switch on the Baton app embed in your theme",
            "done": _embed_enabled(shop),
            "action": {
                "label": "Open the theme editor",
                "url": activation_link(shop.domain, api_key),
            },
        },
        {
            "key": "platform",
            "title": f"Connect {' or '.join(platform.label for platform in email_platforms())}",
            "done": bool(connected),
            "detail": ", ".join(PLATFORMS[name].label for name in connected) or None,
            "action": {"label": "Connect", "page": "connections"},
        },
        {
            "key": "campaign",
            "title": "Put your first campaign live",
            "done": bool(live),
            "detail": ", ".join(campaign.name for campaign in live) or None,
            "action": {"label": "Campaigns", "page": "campaigns"},
        },
        {
            "key": "lead",
            "title": "See your first lead reach your email platform",
            "done": synced is not None,
            "detail": synced.isoformat() if synced else None,
            "action": {"label": "Sync health", "page": "sync"},
        },
    ]
    # The full import only: the sweeper's reconciliations fetch recent changes, not the past.
    steps.insert(1, _history_step(latest_import(shop.domain, kind="backfill")))
    return jsonify(steps=steps, done=sum(step["done"] is True for step in steps), total=len(steps))


def _history_step(run) -> dict:
    """Importing the store's past customers and orders, so profiles start complete."""
    done = run is not None and run.status == "completed"
    if done:
        detail = f"{run.objects_done:,} customers and orders imported"
    elif run is not None and run.status in ACTIVE:
        detail = f"{run.percent}% imported"
    elif run is not None:
        detail = "the last import stopped; start it again"
    else:
        detail = None
    return {
        "key": "history",
        "title": "Import your store's customers and orders",
        "done": done,
        "detail": detail,
        "action": {"label": "Import history", "api": "/admin/api/backfill"},
    }


def _embed_enabled(shop) -> bool | None:
    key = f"baton:embed-enabled:{shop.domain}"
    try:
        cached = redis_queues.connection.get(key)
    except RedisError:
        cached = None
    if cached is not None:
        return cached == b"1"
    try:
        enabled = embed_enabled(admin_client_for(shop))
    except ShopUnavailable:
        enabled = None
    if enabled is not None:
        try:
            redis_queues.connection.set(key, b"1" if enabled else b"0", ex=EMBED_CACHE_SECONDS)
        except RedisError:
            pass  # asked again next time
    return enabled
