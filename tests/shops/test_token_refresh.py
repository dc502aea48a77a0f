"""Expiring offline tokens: refreshed before expiry, once per shop, rotated atomically."""

import json
import threading
import time
from datetime import timedelta

import pytest
import responses
from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from app.models.types import utcnow
from app.shops import ShopUnavailable, access_token_for
from tests.shopify_signing import SHOP

TOKEN_URL = f"https://{SHOP}/admin/oauth/access_token"


def expiring_shop(expires_in: timedelta) -> Shop:
    shop = Shop(
        domain=SHOP,
        access_token="shpat_old",
        refresh_token="shprt_old",
        access_token_expires_at=utcnow() + expires_in,
        installed_at=utcnow(),
        token_version=1,
        scopes="read_orders",
    )
    db.session.add(shop)
    db.session.commit()
    return shop


@responses.activate
def test_fresh_token_is_used_as_is():
    shop = expiring_shop(timedelta(minutes=50))
    assert access_token_for(shop) == "shpat_old"
    assert not responses.calls


@responses.activate
def test_token_near_expiry_is_refreshed_and_the_rotation_stored():
    responses.post(
        TOKEN_URL,
        json={
            "access_token": "shpat_new",
            "expires_in": 3600,
            "refresh_token": "shprt_new",
            "scope": "read_orders",
        },
    )
    shop = expiring_shop(timedelta(minutes=2))
    assert access_token_for(shop) == "shpat_new"
    sent = json.loads(responses.calls[0].request.body)
    assert sent["grant_type"] == "refresh_token" and sent["refresh_token"] == "shprt_old"
    db.session.expire_all()
    stored = db.session.scalar(select(Shop))
    assert (stored.access_token, stored.refresh_token) == ("shpat_new", "shprt_new")
    assert stored.token_version == 2


def test_concurrent_callers_refresh_once(app):
    expiring_shop(timedelta(seconds=-1))
    calls = []

    def slow_refresh(request):
        calls.append(json.loads(request.body)["refresh_token"])
        time.sleep(0.3)  # long enough that every thread arrives while the first is refreshing
        return (
            200,
            {},
            json.dumps(
                {
                    "access_token": f"shpat_{len(calls)}",
                    "expires_in": 3600,
                    "refresh_token": f"shprt_{len(calls)}",
                }
            ),
        )

    tokens = []

    def worker():
        with app.app_context():
            shop = db.session.scalar(select(Shop))
            tokens.append(access_token_for(shop))
            db.session.remove()

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=slow_refresh)
        threads = [threading.Thread(target=worker) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert calls == ["shprt_old"]
    assert tokens == ["shpat_1"] * 5


@responses.activate
def test_refused_refresh_is_permanent_and_an_outage_transient():
    shop = expiring_shop(timedelta(seconds=-1))
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(ShopUnavailable) as refused:
        access_token_for(shop)
    assert not refused.value.transient
    responses.replace(responses.POST, TOKEN_URL, status=503, body="")
    with pytest.raises(ShopUnavailable) as outage:
        access_token_for(shop)
    assert outage.value.transient
