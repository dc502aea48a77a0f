"""Shop lifecycle: install, token refresh, scope changes and uninstall."""

import contextlib
import logging
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select, update

from app.config import DEMO_SHOP
from app.extensions import db, redis_queues
from app.intake import announce_deliveries, release_awaiting_install
from app.metrics import counted_shopify_wait
from app.models import Shop
from app.models.types import utcnow
from app.shopify.graphql import AdminGraphQL, CostBucket
from app.shopify.oauth import (
    TokenGrant,
    TokenRequestError,
    exchange_session_token,
    refresh_offline_token,
)

log = logging.getLogger(__name__)
# Refresh a little early so a token never expires in the middle of a job.
REFRESH_MARGIN = timedelta(minutes=5)


class ShopUnavailable(Exception):
    """Baton cannot act for this shop: not installed, or Shopify refused a token."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


def find_shop(domain: str) -> Shop | None:
    """Return the shop with this myshopify domain, installed or not."""
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def shop_for_session(session_token) -> Shop:
    """Return the installed shop behind a verified session token, installing it if new."""
    _only_the_demo_shop_in_demo_mode(session_token.shop_domain)
    shop = find_shop(session_token.shop_domain)
    if shop is not None and shop.is_installed:
        return shop
    try:
        grant = exchange_session_token(session_token.shop_domain, session_token.raw)
    except TokenRequestError as error:
        raise ShopUnavailable(str(error), transient=error.transient) from error
    return complete_install(session_token.shop_domain, grant)


def complete_install(domain: str, grant: TokenGrant) -> Shop:
    """Store the grant, then hand the worker every delivery kept while Baton waited for it."""
    _only_the_demo_shop_in_demo_mode(domain)
    shop = store_grant(domain, grant)
    released = release_awaiting_install(domain)
    db.session.commit()
    if released:
        log.info("%s installed: %d kept deliveries released", domain, len(released))
        announce_deliveries(released)
    return shop


def store_grant(domain: str, grant: TokenGrant) -> Shop:
    """Create or reinstall a shop with a freshly granted offline token."""
    shop = find_shop(domain) or Shop(domain=domain, token_version=0)
    if shop.id is None:
        db.session.add(shop)
    if shop.uninstalled_at is not None or shop.access_token is None:
        shop.installed_at = utcnow()
    shop.uninstalled_at = None
    _apply_grant(shop, grant)
    shop.token_version = (shop.token_version or 0) + 1
    db.session.flush()
    log.info("stored offline token for %s (expires %s)", domain, grant.expires_at)
    return shop


def access_token_for(shop: Shop) -> str:
    """Return a usable access token, refreshing it first when it is about to expire."""
    if not shop.is_installed:
        raise ShopUnavailable(f"{shop.domain} has not installed Baton")
    if not _needs_refresh(shop):
        return shop.access_token
    with _refresh_lock(shop.domain):
        # Another process may have refreshed while we waited for the lock.
        db.session.refresh(shop)
        if _needs_refresh(shop):
            _refresh(shop)
    return shop.access_token


def admin_client_for(shop: Shop, deadline_seconds: float | None = None) -> AdminGraphQL:
    """A client for an installed shop, with a fresh token and the cost bucket its jobs share."""
    settings = current_app.config["BATON"]
    return AdminGraphQL(
        shop.domain,
        access_token_for(shop),
        settings.shopify_api_version,
        bucket=CostBucket(redis_queues.connection, shop.domain),
        base_url=settings.shopify_admin_base_url,
        deadline_seconds=deadline_seconds,
        sleep=counted_shopify_wait,
    )


def mark_uninstalled(domain: str, triggered_at: datetime | None) -> None:
    """Forget the shop's tokens; safe to repeat, and ignores an uninstall older than a reinstall."""
    shop = find_shop(domain)
    if shop is None or shop.uninstalled_at is not None:
        return
    if triggered_at is not None and triggered_at < shop.installed_at:
        log.info("ignoring app/uninstalled for %s: it predates the current install", domain)
        return
    shop.uninstalled_at = triggered_at or utcnow()
    shop.access_token = shop.refresh_token = None
    shop.access_token_expires_at = shop.refresh_token_expires_at = None
    shop.token_version += 1
    db.session.flush()


def update_scopes(domain: str, scopes: list[str] | str) -> None:
    """Record the scopes the merchant has now granted."""
    shop = find_shop(domain)
    if shop is None:
        return
    shop.scopes = scopes if isinstance(scopes, str) else ",".join(scopes)
    db.session.flush()


def _only_the_demo_shop_in_demo_mode(domain: str) -> None:
    # The demo signs its own session tokens: they must never reach or install another shop.
    if current_app.config["BATON"].demo and domain != DEMO_SHOP:
        raise ShopUnavailable(f"demo mode serves only {DEMO_SHOP}")


def _apply_grant(shop: Shop, grant: TokenGrant) -> None:
    shop.access_token = grant.access_token
    shop.access_token_expires_at = grant.expires_at
    shop.refresh_token = grant.refresh_token
    shop.refresh_token_expires_at = grant.refresh_token_expires_at
    shop.scopes = grant.scopes or shop.scopes


def _needs_refresh(shop: Shop) -> bool:
    expires_at = shop.access_token_expires_at
    return expires_at is not None and expires_at - REFRESH_MARGIN <= utcnow()


def _refresh(shop: Shop) -> None:
    if not shop.refresh_token:
        raise ShopUnavailable(f"{shop.domain} has an expired token and no refresh token")
    try:
        grant = refresh_offline_token(shop.domain, shop.refresh_token)
    except TokenRequestError as error:
        raise ShopUnavailable(str(error), transient=error.transient) from error
    # Shopify rotates the refresh token, so the new pair is written at once in its own
    # transaction, compare-and-swap on token_version: losing it would strand the shop.
    with db.engine.begin() as connection:
        connection.execute(
            update(Shop)
            .where(Shop.id == shop.id, Shop.token_version == shop.token_version)
            .values(
                access_token=grant.access_token,
                access_token_expires_at=grant.expires_at,
                refresh_token=grant.refresh_token,
                refresh_token_expires_at=grant.refresh_token_expires_at,
                scopes=grant.scopes or shop.scopes,
                token_version=shop.token_version + 1,
            )
        )
    db.session.refresh(shop)


@contextlib.contextmanager
def _refresh_lock(domain: str):
    # One refresh per shop at a time across every process; the compare-and-swap above still
    # keeps the rows consistent if Redis is unreachable and we go ahead without the lock.
    try:
        lock = redis_queues.connection.lock(
            f"baton:token-refresh:{domain}", timeout=30, blocking_timeout=15
        )
        acquired = lock.acquire()
    except RedisError:
        log.warning("token refresh for %s proceeds without a lock: Redis unavailable", domain)
        yield
        return
    try:
        yield
    finally:
        if acquired:
            with contextlib.suppress(RedisError):
                lock.release()
