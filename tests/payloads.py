"""Webhook payloads built to Shopify's documented shapes, nulls included."""

BIG_ID = 9223372036854775807  # 2**63 - 1: any float would round it


def customer(
    id=BIG_ID,
    email="ana@example.com",
    updated_at="2026-11-22T10:00:00-05:00",
    consent_state="subscribed",
    consent_at="2026-11-22T09:59:00-05:00",
    **extra,
):
    """customers/create and customers/update, as the REST customer resource."""
    consent = (
        None
        if consent_state is None
        else {
            "state": consent_state,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": consent_at,
        }
    )
    return {
        "id": id,
        "email": email,
        "created_at": "2026-11-20T08:00:00-05:00",
        "updated_at": updated_at,
        "first_name": "Ana",
        "last_name": "Lima",
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": None,
        "currency": "USD",
        "tags": "vip, newsletter",
        "addresses": [],
        "tax_exemptions": [],
        "admin_graphql_api_id": f"gid://shopify/Customer/{id}",
        "default_address": None,
        "email_marketing_consent": consent,
        "sms_marketing_consent": None,
    } | extra


def consent_update(
    customer_id=BIG_ID,
    email="ana@example.com",
    state="unsubscribed",
    at="2026-11-22T11:00:00-05:00",
):
    """customers_email_marketing_consent/update."""
    return {
        "customer_id": customer_id,
        "email_address": email,
        "email_marketing_consent": {
            "state": state,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": at,
        },
    }


# Shopify's own sample for this topic: every field null.
CONSENT_SAMPLE = {
    "customer_id": 706405506930370084,
    "email_address": None,
    "email_marketing_consent": {"state": None, "opt_in_level": None, "consent_updated_at": None},
}


def cart(token="c1-9f2b", updated_at="2026-11-22T10:00:00-05:00", quantity=2):
    """carts/create and carts/update: no email, no customer."""
    return {
        "id": token,
        "token": token,
        "note": None,
        "created_at": "2026-11-22T09:50:00-05:00",
        "updated_at": updated_at,
        "line_items": [
            {
                "id": 704912205188288575,
                "properties": None,
                "quantity": quantity,
                "variant_id": 704912205188288575,
                "key": "704912205188288575:abc",
                "discounted_price": "19.00",
                "discounts": [],
                "gift_card": False,
                "grams": 200,
                "line_price": f"{19 * quantity}.00",
                "original_line_price": f"{19 * quantity}.00",
                "original_price": "19.00",
                "price": "19.00",
                "product_id": 788032119674292922,
                "sku": "TEE-M",
                "taxable": True,
                "title": "Baton Tee - M",
                "total_discount": "0.00",
                "vendor": "Baton",
                "discounted_price_set": None,
                "price_set": {"shop_money": {"amount": "19.00", "currency_code": "USD"}},
            }
        ],
    }


def checkout(
    token="ck-5d1",
    cart_token="c1-9f2b",
    email="ana@example.com",
    customer_id=BIG_ID,
    updated_at="2026-11-22T10:05:00-05:00",
    completed_at=None,
    visitor=None,
):
    """checkouts/create and checkouts/update."""
    return {
        "id": 981820079255243537,
        "token": token,
        "cart_token": cart_token,
        "email": email,
        "gateway": None,
        "buyer_accepts_marketing": False,
        "created_at": "2026-11-22T10:01:00-05:00",
        "updated_at": updated_at,
        "landing_site": None,
        "note": None,
        "note_attributes": [{"name": "_baton_visitor", "value": visitor}] if visitor else [],
        "referring_site": None,
        "shipping_lines": [],
        "taxes_included": False,
        "total_weight": 400,
        "currency": "USD",
        "completed_at": completed_at,
        "closed_at": None,
        "user_id": None,
        "location_id": None,
        "source_identifier": None,
        "source_url": None,
        "device_id": None,
        "phone": None,
        "customer_locale": "en",
        "line_items": [
            {
                "applied_discounts": [],
                "key": "k1",
                "quantity": 2,
                "sku": "TEE-M",
                "title": "Baton Tee - M",
                "variant_id": 704912205188288575,
                "product_id": 788032119674292922,
                "price": "19.00",
                "line_price": "38.00",
                "vendor": "Baton",
            }
        ],
        "name": "#981820079255243537",
        "source": None,
        "abandoned_checkout_url": f"https://baton-test.myshopify.com/checkouts/{token}/recover",
        "discount_codes": [],
        "tax_lines": [],
        "source_name": "web",
        "presentment_currency": "USD",
        "buyer_accepts_sms": False,
        "sms_marketing_phone": None,
        "total_discounts": "0.00",
        "total_line_items_price": "38.00",
        "total_price": "38.00",
        "total_tax": "0.00",
        "subtotal_price": "38.00",
        "total_duties": None,
        "billing_address": None,
        "shipping_address": None,
        "customer": None
        if customer_id is None
        else {
            "id": customer_id,
            "email": email,
            "accepts_marketing": False,
            "created_at": None,
            "updated_at": None,
            "first_name": "Ana",
            "last_name": None,
            "orders_count": None,
            "state": "disabled",
            "total_spent": None,
            "email_marketing_consent": None,
            "tags": "",
        },
    }


def order(
    id=820982911946154508,
    checkout_token="ck-5d1",
    cart_token="c1-9f2b",
    email="ana@example.com",
    customer_id=BIG_ID,
    codes=(),
    total="38.00",
    financial_status="paid",
    updated_at="2026-11-22T10:10:00-05:00",
    visitor=None,
):
    """orders/create and orders/paid."""
    return {
        "id": id,
        "admin_graphql_api_id": f"gid://shopify/Order/{id}",
        "name": "#1001",
        "email": email,
        "cart_token": cart_token,
        "checkout_token": checkout_token,
        "checkout_id": 901414060,
        "created_at": "2026-11-22T10:09:00-05:00",
        "updated_at": updated_at,
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": "USD",
        "total_price": total,
        "subtotal_price": total,
        "total_discounts": "0.00",
        "financial_status": financial_status,
        "fulfillment_status": None,
        "confirmed": True,
        "test": False,
        "discount_codes": [
            {"code": code, "amount": "3.80", "type": "percentage"} for code in codes
        ],
        "note": None,
        "note_attributes": [{"name": "_baton_visitor", "value": visitor}] if visitor else [],
        "source_name": "web",
        "landing_site": None,
        "referring_site": None,
        "customer": None
        if customer_id is None
        else {
            "id": customer_id,
            "email": email,
            "created_at": None,
            "updated_at": None,
            "first_name": "Ana",
            "last_name": "Lima",
            "state": "disabled",
            "note": None,
            "phone": None,
            "tags": "",
            "email_marketing_consent": None,
            "sms_marketing_consent": None,
        },
        "line_items": [
            {
                "id": 466157049,
                "variant_id": 704912205188288575,
                "title": "Baton Tee",
                "quantity": 2,
                "price": "19.00",
                "sku": "TEE-M",
            }
        ],
    }


def cancelled_order(cancelled_at="2026-11-23T09:00:00-05:00", **fields):
    """orders/cancelled: the order as it stands once cancelled (Shopify sends the Order)."""
    return order(financial_status="refunded", updated_at=cancelled_at, **fields) | {
        "cancelled_at": cancelled_at,
        "cancel_reason": "customer",
    }


def refund(id=929361464, order_id=820982911946154508, amount="19.00", status="success"):
    """refunds/create: Shopify's Refund, its money in its transactions of kind refund."""
    return {
        "id": id,
        "order_id": order_id,
        "created_at": "2026-11-24T11:00:00-05:00",
        "processed_at": "2026-11-24T11:00:00-05:00",
        "note": "wrong size",
        "restock": True,
        "user_id": None,
        "refund_line_items": [
            {
                "id": 1058498311,
                "line_item_id": 466157049,
                "quantity": 1,
                "subtotal": 19.0,
                "total_tax": 0.0,
                "line_item": {"id": 466157049, "title": "Baton Tee", "price": "19.00"},
            }
        ],
        "transactions": [
            {
                "id": 179259969,
                "order_id": order_id,
                "kind": "refund",
                "status": status,
                "amount": amount,
                "currency": "USD",
                "gateway": "bogus",
            }
        ],
        "order_adjustments": [],
    }


def shop_uninstalled(domain="baton-test.myshopify.com"):
    """app/uninstalled: the shop resource."""
    return {
        "id": 548380009,
        "name": "Baton Test",
        "email": "owner@example.com",
        "domain": None,
        "myshopify_domain": domain,
        "plan_name": "basic",
        "created_at": "2026-01-01T00:00:00-05:00",
        "updated_at": "2026-11-22T10:00:00-05:00",
    }


def scopes_update(current=("read_orders", "read_customers")):
    """app/scopes_update: the scopes before and after, as lists."""
    return {
        "id": 1,
        "previous": ["read_orders"],
        "current": list(current),
        "updated_at": "2026-11-22T10:00:00.000Z",
    }


def draft_order(
    id=994118539, status="completed", order_id=820982911946154508, email="ana@example.com"
):
    """draft_orders/update."""
    return {
        "id": id,
        "name": "#D2",
        "status": status,
        "email": email,
        "order_id": order_id,
        "invoice_url": f"https://baton-test.myshopify.com/548380009/invoices/{id}",
        "created_at": "2026-11-22T10:00:00-05:00",
        "updated_at": "2026-11-22T10:20:00-05:00",
        "completed_at": "2026-11-22T10:20:00-05:00" if status == "completed" else None,
        "line_items": [{"variant_id": 704912205188288575, "quantity": 1, "title": "Baton Tee"}],
        "customer": None,
    }


def data_request(domain="baton-test.myshopify.com", email="ana@example.com", id=BIG_ID):
    """customers/data_request."""
    return {
        "shop_id": 954889,
        "shop_domain": domain,
        "orders_requested": [820982911946154508],
        "customer": {"id": id, "email": email, "phone": None},
        "data_request": {"id": 9999},
    }


def customer_redact(domain="baton-test.myshopify.com", email="ana@example.com", id=BIG_ID):
    """customers/redact."""
    return {
        "shop_id": 954889,
        "shop_domain": domain,
        "customer": {"id": id, "email": email, "phone": None},
        "orders_to_redact": [820982911946154508],
    }


def shop_redact(domain="baton-test.myshopify.com"):
    """shop/redact."""
    return {"shop_id": 954889, "shop_domain": domain}


def sample(topic: str) -> dict:
    """A documented-shape payload for any topic Baton subscribes to."""
    return {
        "app/uninstalled": shop_uninstalled,
        "app/scopes_update": scopes_update,
        "carts/create": cart,
        "carts/update": cart,
        "checkouts/create": checkout,
        "checkouts/update": checkout,
        "orders/create": order,
        "orders/paid": order,
        "orders/cancelled": cancelled_order,
        "refunds/create": refund,
        "draft_orders/update": draft_order,
        "customers/create": customer,
        "customers/update": customer,
        "customers/delete": lambda: {
            "id": BIG_ID,
            "phone": None,
            "addresses": [],
            "tax_exemptions": [],
            "email_marketing_consent": None,
            "sms_marketing_consent": None,
            "admin_graphql_api_id": f"gid://shopify/Customer/{BIG_ID}",
        },
        "customers_email_marketing_consent/update": consent_update,
        "customers/data_request": data_request,
        "customers/redact": customer_redact,
        "shop/redact": shop_redact,
    }[topic]()
