"""shopify.app.toml resolved exactly as the Shopify CLI resolves it, then sent to Baton.

The rules come from the Shopify CLI's source (github.com/Shopify/cli, packages/app, read at
commit a0798d19, @shopify/app 4.7.0):
- webhook `uri` and `[app_proxy] url` lose trailing slashes, then a relative one ("/x") is
  appended to application_url with its trailing slashes removed, its path kept
  (`prependApplicationUrl` in specifications/validation/url_prepender.ts, and `relativeUri` for
  compliance topics);
- a webhook uri must start with "/" or https:// (`WebhookSubscriptionUriValidation`);
- `[auth] redirect_urls` must be absolute URLs and are never resolved (`validateUrl`);
- `shopify app dev` replaces application_url with the tunnel's root, the redirect URLs with
  the tunnel plus each web's `auth_callback_path` (or /auth/callback, /auth/shopify/callback and
  /api/auth/callback when no web names one), and the proxy URL's host with the tunnel's
  (`generateApplicationURLs` in services/dev/urls.ts).
"""

import re
import tomllib
from urllib.parse import urlencode, urlparse, urlsplit

import pytest
from sqlalchemy import select

from app.config import ROOT
from app.extensions import db
from app.models import DeliveryStatus, WebhookDelivery
from tests import payloads
from tests.shopify_signing import (
    SHOP,
    post_webhook,
    session_token,
    signed_oauth_query,
    signed_proxy_query,
)

APP_TOML = tomllib.loads((ROOT / "shopify.app.toml").read_text())
WEB_TOML = tomllib.loads((ROOT / "shopify.web.toml").read_text())
DEV_TUNNEL = "https://lucky-dev-tunnel.trycloudflare.com"
CLI_DEFAULT_CALLBACKS = ("/auth/callback", "/auth/shopify/callback", "/api/auth/callback")


def remove_trailing_slash(value: str) -> str:
    return re.sub(r"/+$", "", value)


def prepend_application_url(url: str, application_url: str) -> str:
    """The CLI's prependApplicationUrl: plain concatenation, application_url's path kept."""
    if not application_url or not url.startswith("/"):
        return url
    return remove_trailing_slash(application_url) + url


def is_valid_subscription_uri(uri: str) -> bool:
    return uri.startswith("/") or uri.startswith(("https://", "pubsub://", "kafka://"))


def resolved_webhooks(config: dict) -> list[tuple[str, str]]:
    """(topic, resolved URL) for every subscribed topic, compliance topics included."""
    pairs = []
    for subscription in config["webhooks"]["subscriptions"]:
        uri = remove_trailing_slash(subscription["uri"])
        assert is_valid_subscription_uri(uri), f"the CLI refuses uri {uri!r}"
        url = prepend_application_url(uri, config["application_url"])
        for topic in [*subscription.get("topics", []), *subscription.get("compliance_topics", [])]:
            pairs.append((topic, url))
    return pairs


def resolved_proxy_url(config: dict) -> str:
    url = remove_trailing_slash(config["app_proxy"]["url"])
    assert url.startswith("/") or url.startswith("https://"), "the CLI refuses this proxy url"
    return prepend_application_url(url, config["application_url"])


def dev_config(config: dict, tunnel: str) -> dict:
    """The configuration `shopify app dev` pushes for a session on `tunnel`."""
    paths = WEB_TOML.get("auth_callback_path") or CLI_DEFAULT_CALLBACKS
    paths = [paths] if isinstance(paths, str) else paths
    proxy = urlsplit(prepend_application_url(config["app_proxy"]["url"], tunnel))
    return config | {
        "application_url": tunnel,
        "auth": {"redirect_urls": [tunnel + path for path in paths]},
        "app_proxy": config["app_proxy"]
        | {"url": proxy._replace(netloc=urlsplit(tunnel).netloc).geturl()},
    }


def deployed_and_dev():
    return [
        pytest.param(APP_TOML, id="deploy"),
        pytest.param(dev_config(APP_TOML, DEV_TUNNEL), id="app-dev"),
    ]


def path_of(url: str) -> str:
    parsed = urlparse(url)
    assert parsed.scheme == "https", f"Shopify only delivers to https, not {url}"
    return parsed.path or "/"


@pytest.mark.parametrize("config", deployed_and_dev())
def test_every_subscribed_topic_reaches_intake_at_its_resolved_path(client, installed_shop, config):
    installed_shop()
    for topic, url in resolved_webhooks(config):
        response = post_webhook(client, topic, payloads.sample(topic), path=path_of(url))
        assert response.status_code == 200, f"{topic} delivered to {url}: {response.status_code}"
    statuses = db.session.scalars(select(WebhookDelivery.status)).all()
    assert len(statuses) == len(resolved_webhooks(config))
    # Stored as work for a worker, not set aside as a topic Baton does not know.
    assert set(statuses) == {DeliveryStatus.RECEIVED}


@pytest.mark.parametrize("config", deployed_and_dev())
def test_every_redirect_url_is_absolute_and_routed(client, config):
    for url in config["auth"]["redirect_urls"]:
        assert urlparse(url).scheme in ("http", "https"), f"the CLI refuses {url!r}"
        query = signed_oauth_query({"shop": SHOP, "code": "abc", "state": "not-ours"})
        response = client.get(f"{path_of(url)}?{urlencode(query)}")
        # The callback itself answers (here: the state does not match), never "no such page".
        assert response.status_code not in (404, 405), f"{url} is not served"
        assert response.status_code == 403


@pytest.mark.parametrize("config", deployed_and_dev())
def test_the_app_proxy_resolves_to_the_storefront_endpoints(client, installed_shop, config):
    installed_shop()
    base = path_of(resolved_proxy_url(config))
    response = client.get(f"{base}/session", query_string=signed_proxy_query({"shop": SHOP}))
    assert response.status_code == 200
    assert response.get_json()["active"] is True


@pytest.mark.parametrize("config", deployed_and_dev())
def test_application_url_opens_the_admin_with_shopifys_query(client, installed_shop, config):
    installed_shop()
    query = urlencode(
        {"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token()}
    )
    opened = client.get(f"{path_of(config['application_url'])}?{query}", follow_redirects=True)
    assert opened.status_code == 200
    assert opened.request.path == "/app"
    assert 'name="shopify-api-key"' in opened.get_data(as_text=True)


def test_the_web_toml_runs_baton_for_shopify_app_dev():
    roles = set(WEB_TOML["roles"])
    assert roles == {"frontend", "backend"}
    # The CLI splits the command on spaces and runs it without a shell (web.ts runCommands).
    command = WEB_TOML["commands"]["dev"].split(" ")
    assert (ROOT / command[-1]).is_file()
    assert WEB_TOML["webhooks_path"] == "/webhooks"
