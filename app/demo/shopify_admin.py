"""The demo's Shopify Admin GraphQL endpoint: the fake, with its state shared in Redis."""

import json

from flask import Blueprint, Response, request

from app.demo import DEMO_SHOP
from app.demo.shopify_fake import ShopifyAdminFake, empty_state
from app.extensions import redis_queues

bp = Blueprint("demo_shopify", __name__, url_prefix="/demo/shopify")
STATE_KEY = "baton:demo:shopify-admin"


@bp.post("/admin/api/<version>/graphql.json")
def graphql(version: str):
    """Answer one Admin API call as Shopify would, for the demo shop."""
    status, body = answer_with_shared_state(
        lambda fake: fake.answer(request.get_data(), request.headers.get("X-Shopify-Access-Token"))
    )
    return Response(json.dumps(body), status=status, mimetype="application/json")


def answer_with_shared_state(action):
    """Run `action(fake)` on the stored state under a lock; every web worker sees one store."""
    connection = redis_queues.connection
    with connection.lock(f"{STATE_KEY}:lock", timeout=10, blocking_timeout=10):
        raw = connection.get(STATE_KEY)
        # A store saved by an older fake gains the keys this one keeps.
        state = empty_state() | (json.loads(raw) if raw else {})
        result = action(ShopifyAdminFake(state, DEMO_SHOP))
        connection.set(STATE_KEY, json.dumps(state))
    return result


def demo_metafield(namespace: str, key: str) -> str | None:
    """An app-data metafield's value, as Liquid's app.metafields would render it."""
    raw = redis_queues.connection.get(STATE_KEY)
    stored = (json.loads(raw)["metafields"] if raw else {}).get(f"{namespace}.{key}")
    return stored["value"] if stored else None


def demo_code_refusal(code: str) -> str | None:
    """Why the demo's checkout would refuse this code now, as Shopify's would; None if valid."""
    raw = redis_queues.connection.get(STATE_KEY)
    state = empty_state() | (json.loads(raw) if raw else {})
    return ShopifyAdminFake(state, DEMO_SHOP).code_refusal(code)


def demo_has_code(code: str) -> bool:
    """Whether Shopify's checkout would take this discount code now."""
    return demo_code_refusal(code) is None


def enable_demo_embed() -> None:
    """The demo storefront renders the app embed, so the demo theme has it switched on; and its
    draft orders' invoices open on the demo storefront."""
    settings = {
        "current": {
            "blocks": {
                "baton-demo": {
                    "type": "shopify://apps/baton/blocks/baton-embed/demo",
                    "disabled": False,
                    "settings": {},
                }
            }
        }
    }

    def switch_on(fake: ShopifyAdminFake):
        fake.state["theme_settings"] = json.dumps(settings)
        # Draft-order invoices open on the demo storefront, where "Pay" plays Shopify.
        fake.state["invoice_base"] = "/demo/storefront"

    answer_with_shared_state(switch_on)


def pay_demo_draft(number: int, token: str) -> dict | None:
    """As a shopper paying a draft's invoice: the draft completes into an order. Returns the
    draft (with its order id), or None when no draft has that number and token."""

    def complete(fake: ShopifyAdminFake):
        draft = fake.state.get("draft_orders", {}).get(f"gid://shopify/DraftOrder/{number}")
        if draft is None or not draft["invoiceUrl"].endswith(f"/{number}/invoices/{token}"):
            return None
        if draft["status"] != "COMPLETED":
            draft["status"], draft["orderId"] = "COMPLETED", 990_000 + number
        return dict(draft)

    return answer_with_shared_state(complete)


def demo_draft(number: int) -> dict | None:
    raw = redis_queues.connection.get(STATE_KEY)
    drafts = json.loads(raw).get("draft_orders", {}) if raw else {}
    return drafts.get(f"gid://shopify/DraftOrder/{number}")
