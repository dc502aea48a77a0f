"""The demo's Shopify Admin GraphQL endpoint: the fake, with its state shared in Redis."""

import json

from flask import Blueprint, Response, request

from app.demo import DEMO_SHOP
from app.demo.shopify_fake import ShopifyAdminFake, empty_state
from app.extensions import redis_queues

bp = Blueprint("demo_shopify", __name__, url_prefix="/demo/shopify")
STATE_KEY = "baton:demo:shopify-admin"
# The store's customers and orders, for the history import's bulk queries. Kept apart from
# the rest of the state, which every storefront page reads: only bulk requests load them.
HISTORY_KEY = f"{STATE_KEY}:history"
HISTORY = ("customers", "orders")


@bp.post("/admin/api/<version>/graphql.json")
def graphql(version: str):
    """Answer one Admin API call as Shopify would, for the demo shop."""
    body = request.get_data()
    token = request.headers.get("X-Shopify-Access-Token")
    status, answer = answer_with_shared_state(
        lambda fake: fake.answer(body, token), with_history=b"BulkOperation" in body
    )
    return Response(json.dumps(answer), status=status, mimetype="application/json")


@bp.get("/bulk/<int:number>.jsonl")
def bulk_result(number: int):
    """A finished bulk query's JSONL, as Shopify's storage serves it (a pre-signed URL)."""

    def export(fake: ShopifyAdminFake):
        operation = fake.state["bulk_operations"].get(f"gid://shopify/BulkOperation/{number}")
        if operation is None or not operation.get("done"):
            return None
        return fake.bulk_lines(operation["query"])

    lines = answer_with_shared_state(export, with_history=True)
    if lines is None:
        return Response("Not found", status=404)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    return Response(text, mimetype="application/jsonl")


def answer_with_shared_state(action, with_history: bool = False):
    """Run `action(fake)` on the stored state under a lock; every web worker sees one store."""
    connection = redis_queues.connection
    with connection.lock(f"{STATE_KEY}:lock", timeout=10, blocking_timeout=10):
        raw = connection.get(STATE_KEY)
        # A store saved by an older fake gains the keys this one keeps.
        state = empty_state() | (json.loads(raw) if raw else {})
        if with_history:
            state |= json.loads(connection.get(HISTORY_KEY) or "{}")
        result = action(ShopifyAdminFake(state, DEMO_SHOP))
        for name in HISTORY:
            state[name] = []
        for operation in state["bulk_operations"].values():
            operation.pop("lines", None)  # the download recomputes them
        connection.set(STATE_KEY, json.dumps(state))
    return result


def publish_demo_history(records: dict[str, list[dict]], bulk_results_base: str) -> None:
    """What the demo store's Shopify holds for the history import to find (set once)."""
    connection = redis_queues.connection
    connection.set(HISTORY_KEY, json.dumps(records), nx=True)

    def point_downloads_here(fake: ShopifyAdminFake):
        fake.state["bulk_results_base"] = bulk_results_base

    answer_with_shared_state(point_downloads_here)


def demo_metafield(namespace: str, key: str) -> str | None:
    """An app-data metafield's value, as Liquid's app.metafields would render it."""
    raw = redis_queues.connection.get(STATE_KEY)
    stored = (json.loads(raw)["metafields"] if raw else {}).get(f"{namespace}.{key}")
    return stored["value"] if stored else None


def demo_code_refusal(code: str, customer_id: str | None = None) -> str | None:
    """Why the demo's checkout would refuse this code now for this buyer (a Customer gid,
    None for a guest), as Shopify's would; None if valid."""
    raw = redis_queues.connection.get(STATE_KEY)
    state = empty_state() | (json.loads(raw) if raw else {})
    return ShopifyAdminFake(state, DEMO_SHOP).code_refusal(code, customer_id=customer_id)


def demo_has_code(code: str, customer_id: str | None = None) -> bool:
    """Whether Shopify's checkout would take this discount code now from this buyer."""
    return demo_code_refusal(code, customer_id) is None


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
