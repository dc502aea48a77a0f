"""Calls to Shopify's token endpoint: token exchange, authorization code, refresh."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from flask import current_app

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
TIMEOUT_SECONDS = 10


class TokenRequestError(Exception):
    """Shopify refused a token request; `transient` says whether a retry may help."""

    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class TokenGrant:
    """What the token endpoint hands back for an offline token."""

    access_token: str
    scopes: str
    expires_at: datetime | None
    refresh_token: str | None
    refresh_token_expires_at: datetime | None


def exchange_session_token(shop_domain: str, session_token: str) -> TokenGrant:
    """Trade an App Bridge session token for an expiring offline access token."""
    return _request_token(
        shop_domain,
        {
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": session_token,
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
            "expiring": "1",
        },
    )


def exchange_authorization_code(shop_domain: str, code: str) -> TokenGrant:
    """Trade the code from the authorization-code flow for an expiring offline token."""
    return _request_token(shop_domain, {"code": code, "expiring": "1"})


def refresh_offline_token(shop_domain: str, refresh_token: str) -> TokenGrant:
    """Trade a refresh token for a new access token and a rotated refresh token."""
    return _request_token(
        shop_domain, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


def token_endpoint(shop_domain: str) -> str:
    """The token endpoint of one shop."""
    return f"https://{shop_domain}/admin/oauth/access_token"


def _request_token(shop_domain: str, fields: dict[str, str]) -> TokenGrant:
    settings = current_app.config["BATON"]
    body = {"client_id": settings.shopify_api_key, "client_secret": settings.shopify_api_secret}
    try:
        response = requests.post(
            token_endpoint(shop_domain),
            json=body | fields,
            headers={"Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise TokenRequestError(f"token endpoint unreachable: {error}", transient=True) from error
    if response.status_code != 200:
        raise TokenRequestError(_describe_failure(response), response.status_code >= 500)
    return _grant_from(response.json())


def _describe_failure(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return f"token endpoint answered HTTP {response.status_code}"
    reason = payload.get("error_description") or payload.get("error") or payload.get("errors")
    return f"token endpoint answered HTTP {response.status_code}: {reason}"


def _grant_from(payload: dict) -> TokenGrant:
    now = datetime.now(UTC)

    def expiry(field: str) -> datetime | None:
        seconds = payload.get(field)
        return now + timedelta(seconds=int(seconds)) if seconds else None

    return TokenGrant(
        access_token=payload["access_token"],
        scopes=payload.get("scope", ""),
        expires_at=expiry("expires_in"),
        refresh_token=payload.get("refresh_token"),
        refresh_token_expires_at=expiry("refresh_token_expires_in"),
    )
