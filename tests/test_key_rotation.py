"""`flask baton rotate-keys`: every secret at rest moves under the first key, so the old one
can be dropped from ENCRYPTION_KEYS."""

from cryptography.fernet import Fernet
from sqlalchemy import Text, select, type_coerce

from app import create_app
from app.extensions import db
from app.models import PlatformConnection, Shop
from tests.conftest import ENCRYPTION_KEY, make_settings
from tests.shopify_signing import SHOP

NEW_KEY = Fernet.generate_key().decode()


def stored_tokens() -> list[str]:
    return db.session.scalars(select(type_coerce(Shop.access_token, Text))).all()


def app_with_keys(database_url, redis_server, keys: str):
    return create_app(make_settings(database_url, redis_server.url, ENCRYPTION_KEYS=keys))


def rotate_keys(app):
    """`flask baton rotate-keys` on an app whose ENCRYPTION_KEYS the test chose."""
    with app.app_context():  # the command runs in the app already current, if any
        return app.test_cli_runner().invoke(args=["baton", "rotate-keys"])


def test_rotation_moves_every_secret_under_the_new_key(database_url, redis_server, installed_shop):
    installed_shop(token="shpat_before_rotation")
    db.session.add(
        PlatformConnection(
            shop_domain=SHOP, platform="klaviyo", api_key="pk_rotating", list_id="list1"
        )
    )
    db.session.commit()
    old_tokens = stored_tokens()

    rotating = app_with_keys(database_url, redis_server, f"{NEW_KEY},{ENCRYPTION_KEY}")
    first = rotate_keys(rotating)
    again = rotate_keys(rotating)

    assert first.exit_code == 0, first.output
    assert "shop.access_token: 1 re-encrypted, 0 already under the first key" in first.output
    assert "platform_connection.api_key: 1 re-encrypted" in first.output
    assert "shop.access_token: 0 re-encrypted, 1 already under the first key" in again.output
    db.session.remove()
    assert stored_tokens() != old_tokens
    with app_with_keys(database_url, redis_server, NEW_KEY).app_context():
        assert db.session.scalar(select(Shop.access_token)) == "shpat_before_rotation"
        assert db.session.scalar(select(PlatformConnection.api_key)) == "pk_rotating"


def test_a_secret_no_key_can_read_is_reported_and_left_alone(
    database_url, redis_server, installed_shop
):
    installed_shop()
    stranger = app_with_keys(database_url, redis_server, NEW_KEY)
    result = rotate_keys(stranger)
    assert result.exit_code == 1
    assert "shop.access_token: 0 re-encrypted, 0 already under the first key, 1 unreadable" in (
        result.output
    )
    assert "keep the key that wrote them" in result.output
