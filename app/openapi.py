"""GET /openapi.json: an OpenAPI 3.1 description of the admin, app-proxy and webhook APIs.

Request bodies that have a model (app/schemas) are derived from it; the rest (paths, security,
parameters, answers) is written here as data, next to the constants the handlers check, so an
enum or a limit cannot drift from the code. tests/test_openapi.py fails when a route is
missing from it, and checks it with the OpenAPI 3.1 specification's own validator.
"""

from functools import cache

from flask import Blueprint, current_app, jsonify, request
from pydantic.json_schema import models_json_schema

from app.analytics.funnel import DIMENSIONS
from app.analytics.tracking import EVENT_KINDS, MAX_EVENTS
from app.loyalty.program import AMOUNT_SETTINGS, WHOLE_SETTINGS
from app.models import PRIZE_KINDS
from app.schemas.campaign import Campaign, CampaignInput
from app.schemas.fields import AMOUNT_SCHEMA, DEVICES, VISITOR_ID, DocumentSchema
from app.shopify.app_toml import SUBSCRIBED_TOPICS
from app.sync.platforms import PLATFORMS, email_platforms
from app.sync.platforms.base import Callback

bp = Blueprint("openapi", __name__)

ADMIN = [{"sessionToken": []}]
PROXY = [{"appProxySignature": []}]
WEBHOOK = [{"webhookHmac": []}]
VISITOR_ID_SCHEMA = {"type": "string", "pattern": VISITOR_ID.pattern}
NUMERIC_ID = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]+$",
    "minimum": 1,
    "maximum": 2**63 - 1,
}
AMOUNT = AMOUNT_SCHEMA


@bp.get("/openapi.json")
def document():
    """The API description; it names routes and shapes, never a shop's data."""
    settings = current_app.config["BATON"]
    server = settings.shopify_app_url or request.host_url.rstrip("/")
    return jsonify(openapi_document() | {"servers": [{"url": server}]})


@cache
def openapi_document() -> dict:
    """The whole document, without servers (those depend on the deployment)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Baton",
            "version": "1",
            "description": (
                "The embedded admin's JSON API (App Bridge session tokens), the storefront "
                "widget's API behind Shopify's app proxy, and the webhook intake. Every error "
                'is JSON: {"error": {"code", "message", "fields"?}}.'
            ),
        },
        "tags": [
            {"name": "admin", "description": "Embedded admin, /admin/api/*"},
            {"name": "storefront", "description": "App proxy, /apps/baton/* on the shop"},
            {
                "name": "webhooks",
                "description": "Shopify's deliveries, and the platforms' callbacks",
            },
        ],
        "paths": _admin_paths() | _proxy_paths() | _webhook_paths(),
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "schemas": _schemas(),
            "responses": _responses(),
            "parameters": _parameters(),
        },
    }


# -- building blocks ----------------------------------------------------------------------


def _ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _text(max_length: int | None = None, **extra) -> dict:
    schema = {"type": "string"} | extra
    return schema | ({"maxLength": max_length} if max_length else {})


def _object(properties: dict, required: tuple = (), **extra) -> dict:
    schema = {"type": "object", "properties": properties} | extra
    return schema | ({"required": list(required)} if required else {})


def _json(schema: dict, example=None, required: bool = True) -> dict:
    media = {"schema": schema} | ({"example": example} if example is not None else {})
    return {"required": required, "content": {"application/json": media}}


def _ok(description: str, schema: dict | None = None, media: str = "application/json") -> dict:
    content = {media: {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


def _errors(*statuses: int) -> dict:
    return {str(status): _ref(ERROR_RESPONSES[status][0], "responses") for status in statuses}


def _param(name: str, where: str, schema: dict, description: str = "", required=False) -> dict:
    param = {"name": name, "in": where, "required": required or where == "path"}
    return param | {"schema": schema} | ({"description": description} if description else {})


def _path_id(name: str) -> dict:
    return _param(name, "path", {"type": "integer", "minimum": 1})


def _operation(operation_id: str, summary: str, tag: str, security, responses, **extra) -> dict:
    # operationIds are the Flask endpoints, suffixed where one view serves two operations.
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": security,
        "responses": responses,
    } | {key: value for key, value in extra.items() if value}


def _admin(endpoint, summary, responses, params=(), body=None) -> dict:
    # 400 everywhere: a URL holding NUL is refused before anything else (app/errors.py).
    errors = _errors(400, 401, 503) | (
        {"413": _ref("PayloadTooLarge", "responses")} if body else {}
    )
    return _operation(
        endpoint,
        summary,
        "admin",
        ADMIN,
        responses | errors,
        parameters=list(params),
        requestBody=body,
    )


def _proxy(endpoint, summary, responses, params=(), body=None) -> dict:
    shared = [_ref(name, "parameters") for name in PROXY_PARAMETERS]
    errors = _errors(400, 401) | ({"413": _ref("PayloadTooLarge", "responses")} if body else {})
    return _operation(
        endpoint,
        summary,
        "storefront",
        PROXY,
        responses | errors,
        parameters=shared + list(params),
        requestBody=body,
    )


# -- security, shared parameters and error answers ---------------------------------------

SECURITY_SCHEMES = {
    "sessionToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "An App Bridge session token: HS256 signed with the app secret, aud equal to the "
            "API key, exp and nbf checked with 10 s of leeway, iss and dest naming the same "
            "*.myshopify.com shop. Refused tokens get 401 with "
            "X-Shopify-Retry-Invalid-Session-Request: 1."
        ),
    },
    "appProxySignature": {
        "type": "apiKey",
        "in": "query",
        "name": "signature",
        "description": (
            "Shopify's app-proxy signature: hex HMAC-SHA256, with the app secret, of every other "
            "query parameter sorted and joined as key=value (repeated keys joined by commas) "
            "with no separator. timestamp must be within 90 seconds."
        ),
    },
    "webhookHmac": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Shopify-Hmac-Sha256",
        "description": "Base64 HMAC-SHA256 of the raw body with the app secret.",
    },
}

PROXY_PARAMETERS = ("shop", "timestamp", "path_prefix", "logged_in_customer_id")
RANGE_PARAMETERS = ("days", "from", "to")


def _parameters() -> dict:
    return {
        "shop": _param(
            "shop",
            "query",
            {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$"},
            "The shop the app proxy serves, added by Shopify.",
            required=True,
        ),
        "timestamp": _param(
            "timestamp", "query", {"type": "string", "pattern": "^[0-9]+$"}, "Unix seconds.", True
        ),
        "path_prefix": _param("path_prefix", "query", {"type": "string"}, "e.g. /apps/baton"),
        "logged_in_customer_id": _param(
            "logged_in_customer_id",
            "query",
            {"type": "string"},
            "The signed-in shopper's customer id, or empty; trusted because it is signed.",
        ),
        "days": _param("days", "query", {"type": "integer", "minimum": 1, "maximum": 366}),
        "from": _param("from", "query", {"type": "string", "format": "date"}, "With to."),
        "to": _param("to", "query", {"type": "string", "format": "date"}, "Inclusive."),
        "by": _param("by", "query", {"type": "string", "enum": list(DIMENSIONS)}),
    }


# status: (component name, description)
ERROR_RESPONSES = {
    400: ("BadRequest", "The request is malformed or a field is invalid (see error.fields)."),
    401: ("Unauthorized", "Missing, forged, stale or expired credentials."),
    403: ("Forbidden", "Signed, but only a signed-in shopper may do this."),
    404: ("NotFound", "No such thing in this shop."),
    409: ("Conflict", "The request conflicts with what already happened."),
    410: ("Gone", "The offer has ended."),
    413: ("PayloadTooLarge", "The body is larger than the app accepts (5 MiB)."),
    429: ("TooManyRequests", "Too many requests; Retry-After says when to come back."),
    502: ("BadGateway", "The vendor (Shopify or an email platform) refused or failed."),
    503: (
        "ServiceUnavailable",
        "The database, Shopify or a code pool is not ready; retry after Retry-After.",
    ),
}


def _responses() -> dict:
    answers = {
        name: {
            "description": description,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for name, description in ERROR_RESPONSES.values()
    }
    answers["Unauthorized"]["headers"] = {
        "X-Shopify-Retry-Invalid-Session-Request": {
            "description": "1 on admin routes: App Bridge fetches a fresh token and retries.",
            "schema": {"type": "string", "enum": ["1"]},
        }
    }
    retry_after = {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}}
    answers["TooManyRequests"]["headers"] = retry_after
    answers["ServiceUnavailable"]["headers"] = retry_after
    return answers


# -- schemas -------------------------------------------------------------------------------


def _schemas() -> dict:
    callbacks = {callback.form_name: callback.form for callback in _callbacks()}
    return _models_schemas() | callbacks | _written_schemas()


def _written_schemas() -> dict:
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {"type": "string", "examples": ["invalid_campaign"]},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": 'Per-field problems, e.g. {"prizes[0].weight": "…"}.',
                        },
                    },
                    ("code", "message"),
                )
            },
            ("error",),
        ),
        "PlayRequest": _play_request(),
        "PlayResult": _object(
            {
                "play_id": {"type": "integer"},
                "prize": _object(
                    {
                        "id": {"type": "integer"},
                        "label": {"type": "string"},
                        "kind": {"type": "string", "enum": list(PRIZE_KINDS)},
                        "value": {"type": "string"},
                        "position": {"type": "integer"},
                    }
                ),
                "code": {"type": ["string", "null"]},
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
            },
            ("play_id", "prize", "code"),
        ),
        "WidgetEvents": _widget_events(),
        "ConnectionInput": _object(
            {
                "api_key": _text(description=_key_hints()),
                "list_id": _text(),
                "double_optin": {"type": "boolean"},
            },
            ("api_key", "list_id"),
        ),
        "ListsQuery": _object({"api_key": _text()}, ("api_key",)),
        "DraftOrderInput": _object(
            {
                "email": _text(
                    320,
                    format="email",
                    description="Defaults to the shopper's, when Shopify vouches for it.",
                ),
                "discount": _object(
                    {
                        "kind": {"type": "string", "enum": ["code", "percentage", "amount"]},
                        "code": _text(64, description="A valid Baton code of this shop."),
                        "value": AMOUNT,
                    },
                    ("kind",),
                ),
            }
        ),
        "InvoiceInput": _object({"to": _text(320, format="email")}),
        "WebhookPayload": {
            "type": "object",
            "additionalProperties": True,
            "description": "The topic's payload exactly as Shopify documents it.",
        },
    }


def _models_schemas() -> dict:
    """Components for the request models (app/schemas), nested models included."""
    named, every = models_json_schema(
        [(CampaignInput, "validation"), (Campaign, "serialization")],
        ref_template="#/components/schemas/{model}",
        schema_generator=DocumentSchema,
    )
    return every["$defs"]


def _play_request() -> dict:
    return _object(
        {
            "campaign_id": NUMERIC_ID,
            "play_token": _text(description="From the offer; works once, for 30 minutes."),
            "email": _text(320, format="email"),
            "consent": {"type": "boolean"},
            "visitor_id": VISITOR_ID_SCHEMA,
            "cart_token": {"type": ["string", "null"]},
            "device": {"type": "string", "enum": list(DEVICES)},
            "phone": _text(description="E.164, e.g. +447700900123, when the campaign asks."),
            "sms_consent": {"type": "boolean"},
        },
        ("campaign_id", "play_token", "visitor_id"),
    )


def _widget_events() -> dict:
    event = _object(
        {
            "type": {"type": "string", "enum": list(EVENT_KINDS)},
            "campaign_id": NUMERIC_ID,
            "variant": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
            "beacon": _text(
                64, description="The offer's beacon; an event without the right one is not counted."
            ),
        },
        ("type", "campaign_id", "variant"),
    )
    return _object(
        {
            "visitor_id": VISITOR_ID_SCHEMA,
            "device": {"type": "string", "enum": list(DEVICES)},
            "events": {"type": "array", "minItems": 1, "maxItems": MAX_EVENTS, "items": event},
        },
        ("visitor_id", "events"),
    )


# -- paths ---------------------------------------------------------------------------------

CAMPAIGN_EXAMPLE = {
    "name": "Spring wheel",
    "game": "wheel",
    "status": "live",
    "holdout_percent": 10,
    "code_prefix": "SPRING",
    "content": {"headline": "Spin to win", "button_text": "Spin", "accent_colour": "#e4572e"},
    "consent": {"required": True, "text": "Email me offers.", "version": "2026-11-v1"},
    "triggers": {"delay_seconds": 5, "exit_intent": True},
    "targeting": {"devices": ["mobile", "desktop"], "countries": ["DE"], "visitor": "new"},
    "frequency": {"days_after_close": 7, "never_after_signup": True},
    "suppression": {"known_subscribers": True, "experience": "reminder"},
    "prizes": [
        {"label": "10% off", "kind": "percentage", "value": "10", "weight": 60},
        {"label": "Free shipping", "kind": "free_shipping", "weight": 40},
    ],
    "variants": [{"key": "A", "weight": 1}],
}


def _admin_paths() -> dict:
    return (
        _shop_paths()
        | _campaign_paths()
        | _cart_paths()
        | _connection_paths()
        | _insight_paths()
        | _loyalty_paths()
    )


def _loyalty_paths() -> dict:
    whole = {
        name: {"type": ["integer", "null"] if may_be_off else "integer"}
        | {"minimum": lowest, "maximum": highest}
        for name, (lowest, highest, may_be_off) in WHOLE_SETTINGS.items()
    }
    amounts = {name: _text(description="Amount off, as text") for name in AMOUNT_SETTINGS}
    program = _object(
        {
            "enabled": {"type": "boolean"},
            "points_per_unit": _text(description="Points per unit of currency paid, as text"),
        }
        | whole
        | amounts
        | {
            "tiers": {
                "type": "array",
                "maxItems": 10,
                "description": "Lowest first; a member holds the highest whose thresholds are met",
                "items": _object(
                    {
                        "name": _text(40, minLength=1),
                        "min_orders": {"type": ["integer", "null"], "minimum": 1},
                        "min_spend": {"type": ["string", "null"]},
                        "free_shipping_monthly": {"type": "boolean"},
                    }
                ),
            }
        }
    )
    example = {
        "enabled": True,
        "points_per_unit": "1",
        "first_order_bonus": 50,
        "reward_points": 500,
        "reward_value": "5.00",
    }
    reward = _object({"reward": {"type": "object"}})
    return {
        "/admin/api/loyalty/program": {
            "get": _admin(
                "admin.loyalty.show_program", "The loyalty program", {"200": _ok("Rules", program)}
            ),
            "put": _admin(
                "admin.loyalty.replace_program",
                "Replace the loyalty program's rules",
                {"200": _ok("The rules saved", program)},
                body=_json(program, example),
            ),
        },
        "/admin/api/loyalty/members/{customer_id}": {
            "get": _admin(
                "admin.loyalty.member",
                "A customer's points: balance, next reward, reward codes and ledger",
                {"200": _ok("Points")} | _errors(404),
                [_path_id("customer_id")],
            )
        },
        "/admin/api/loyalty/members": {
            "get": _admin(
                "admin.loyalty.member_list",
                "Members, largest balance first, and the program's liability",
                {"200": _ok("Members")},
                [_param("q", "query", _text(100), "An email or a name, or part of one.")],
            )
        },
        "/admin/api/loyalty/liability": {
            "get": _admin(
                "admin.loyalty.outstanding",
                "Outstanding points and their value at the reward's rate",
                {"200": _ok("Liability")},
            )
        },
        "/admin/api/loyalty/referrals": {
            "get": _admin(
                "admin.loyalty.referrals",
                "Referrals, newest first; a refusal comes with its reason explained",
                {"200": _ok("Referrals", _object({"referrals": {"type": "array"}}))},
            )
        },
        "/admin/api/loyalty/members/{customer_id}/redemptions": {
            "post": _admin(
                "admin.loyalty.redeem_for_member",
                "Redeem the customer's points for a code only they can use",
                {"202": _ok("The reward; its code is made by the worker", reward)}
                | _errors(404, 409),
                [_path_id("customer_id")],
            )
        },
    }


def _shop_paths() -> dict:
    listing = {"type": "array", "items": {"type": "object"}}
    return {
        "/admin/api/shop": {
            "get": _admin("admin.shop.details", "The current shop", {"200": _ok("The shop")})
        },
        "/admin/api/setup": {
            "get": _admin("admin.setup.checklist", "The setup checklist", {"200": _ok("Steps")})
        },
        "/admin/api/deliveries": {
            "get": _admin(
                "admin.deliveries.index",
                "The webhook intake log, newest first",
                {"200": _ok("Deliveries", _object({"deliveries": listing}))},
                [_param("status", "query", _text(20), "Only deliveries with this status.")],
            )
        },
        "/admin/api/deliveries/{delivery_id}": {
            "get": _admin(
                "admin.deliveries.show",
                "One delivery with its raw body",
                {"200": _ok("The delivery")} | _errors(404),
                [_path_id("delivery_id")],
            )
        },
        "/admin/api/privacy/requests": {
            "get": _admin(
                "admin.privacy.requests",
                "GDPR requests Shopify forwarded",
                {"200": _ok("Requests", _object({"requests": listing}))},
            )
        },
        "/admin/api/privacy/requests/{request_id}/export": {
            "get": _admin(
                "admin.privacy.export",
                "Download a data-request export",
                {"200": _ok("The export, as an attachment")} | _errors(404),
                [_path_id("request_id")],
            )
        },
        "/admin/api/backfill": {
            "get": _admin("admin.shop.backfill_status", "The latest backfill", {"200": _ok("Run")}),
            "post": _admin(
                "admin.shop.backfill_start",
                "Start a backfill",
                {"202": _ok("The running backfill")},
            ),
        },
    }


def _campaign_paths() -> dict:
    body = _json(_ref("CampaignInput"), CAMPAIGN_EXAMPLE)
    one = _ok("The campaign", _ref("Campaign"))
    campaign_id = [_path_id("campaign_id")]
    listing = _object({"campaigns": {"type": "array", "items": _ref("Campaign")}})
    return {
        "/admin/api/campaigns": {
            "get": _admin("admin.campaigns.index", "Every campaign", {"200": _ok("List", listing)}),
            "post": _admin(
                "admin.campaigns.create",
                "Create a campaign",
                {"201": one} | _errors(400),
                body=body,
            ),
        },
        "/admin/api/campaigns/{campaign_id}": {
            "get": _admin(
                "admin.campaigns.show", "One campaign", {"200": one} | _errors(404), campaign_id
            ),
            "put": _admin(
                "admin.campaigns.replace",
                "Replace a campaign's settings",
                {"200": one} | _errors(400, 404),
                campaign_id,
                body,
            ),
            "delete": _admin(
                "admin.campaigns.remove",
                "Delete a campaign, its prizes, variants and plays",
                {"204": {"description": "Deleted"}} | _errors(404),
                campaign_id,
            ),
        },
    }


def _cart_paths() -> dict:
    token = [_param("token", "path", _text(255), "The cart token.")]
    yes_no = {"type": "string", "enum": ["yes", "no"]}
    return {
        "/admin/api/carts/live": {
            "get": _admin(
                "admin.carts.live",
                "Carts changed lately; 304 while unchanged since If-None-Match",
                {"200": _ok("Carts"), "304": {"description": "Nothing changed"}} | _errors(400),
                [
                    _param("minutes", "query", {"type": "integer", "minimum": 1, "maximum": 1440}),
                    _param("min_value", "query", {"type": "number", "minimum": 0}),
                    _param("identified", "query", yes_no),
                    _param("has_code", "query", yes_no),
                    _param("If-None-Match", "header", {"type": "string"}),
                ],
            )
        },
        "/admin/api/carts/{token}": {
            "get": _admin(
                "admin.carts.detail",
                "One cart, its order and its shopper's story",
                {"200": _ok("The cart")} | _errors(404),
                token,
            )
        },
        "/admin/api/carts/{token}/draft-order": {
            "post": _admin(
                "admin.carts.create_draft",
                "Make the cart's draft order (once; a second call returns it)",
                {"200": _ok("The existing draft"), "201": _ok("A new draft")}
                | _errors(400, 404, 409, 502),
                token,
                _json(
                    _ref("DraftOrderInput"),
                    {"discount": {"kind": "percentage", "value": 10}},
                    required=False,
                ),
            )
        },
        "/admin/api/carts/{token}/draft-order/invoice": {
            "post": _admin(
                "admin.carts.invoice",
                "Send the draft order's invoice",
                {"200": _ok("The draft")} | _errors(400, 404, 409, 502),
                token,
                _json(_ref("InvoiceInput"), {"to": "ana@example.com"}, required=False),
            )
        },
        "/admin/api/exports/carts.csv": _csv_export("admin.exports.carts", "Carts in a range"),
        "/admin/api/exports/loyalty.csv": _csv_export(
            "admin.exports.loyalty", "Loyalty KPIs in a range"
        ),
    }


def _csv_export(endpoint: str, summary: str, by: bool = False) -> dict:
    params = [_ref(name, "parameters") for name in RANGE_PARAMETERS + (("by",) if by else ())]
    answer = _ok("CSV, streamed", {"type": "string"}, "text/csv")
    return {"get": _admin(endpoint, summary, {"200": answer} | _errors(400), params)}


def _connection_paths() -> dict:
    platform = [
        _param("platform", "path", {"type": "string", "enum": [p.name for p in email_platforms()]})
    ]
    task_id = [_path_id("task_id")]
    return {
        "/admin/api/connections": {
            "get": _admin("admin.connections.index", "Connections", {"200": _ok("Connections")})
        },
        "/admin/api/connections/{platform}": {
            "put": _admin(
                "admin.connections.connect",
                "Check a key and list with the vendor, then save them",
                {"200": _ok("The connection")} | _errors(400, 404, 502),
                platform,
                _json(_ref("ConnectionInput"), {"api_key": "pk_live_…", "list_id": "Xy12ab"}),
            ),
            "delete": _admin(
                "admin.connections.remove",
                "Disconnect",
                {"204": {"description": "Disconnected"}} | _errors(404),
                platform,
            ),
        },
        "/admin/api/connections/{platform}/lists": {
            "post": _admin(
                "admin.connections.lists",
                "The lists or audiences a key can see",
                {"200": _ok("Lists")} | _errors(400, 404, 502),
                platform,
                _json(_ref("ListsQuery"), {"api_key": "pk_live_…"}),
            )
        },
        "/admin/api/connections/{platform}/backfill": {
            "get": _admin(
                "admin.connections.backfill_progress",
                "The latest email backfill",
                {"200": _ok("The run")} | _errors(404),
                platform,
            ),
            "post": _admin(
                "admin.connections.backfill",
                "Send every existing customer to the platform",
                {"202": _ok("The run")} | _errors(404),
                platform,
            ),
        },
        "/admin/api/sync/health": {
            "get": _admin("admin.connections.sync_health", "Sync health", {"200": _ok("Health")})
        },
        "/admin/api/sync/dead-letters": {
            "get": _admin(
                "admin.connections.dead_letters", "Dead sync tasks", {"200": _ok("Dead letters")}
            )
        },
        "/admin/api/sync/dead-letters/{task_id}/retry": {
            "post": _admin(
                "admin.connections.retry",
                "Retry a dead task",
                {"200": _ok("The task")} | _errors(404),
                task_id,
            )
        },
        "/admin/api/sync/dead-letters/{task_id}/discard": {
            "post": _admin(
                "admin.connections.discard",
                "Discard a dead task",
                {"200": _ok("The task")} | _errors(404),
                task_id,
            )
        },
    }


def _insight_paths() -> dict:
    ranged = [_ref(name, "parameters") for name in RANGE_PARAMETERS]
    svg = _ok("An SVG chart, every label escaped", {"type": "string"}, "image/svg+xml")
    return {
        "/admin/api/analytics": {
            "get": _admin(
                "admin.analytics.overview",
                "Funnel, KPIs and the daily series",
                {"200": _ok("Analytics")} | _errors(400),
                [*ranged, _ref("by", "parameters")],
            )
        },
        "/admin/api/analytics/loyalty": {
            "get": _admin(
                "admin.analytics.loyalty",
                "Loyalty KPIs: redemption, referral completion, members against others",
                {"200": _ok("Loyalty KPIs")} | _errors(400),
                ranged,
            )
        },
        "/admin/api/analytics/charts/series.svg": {
            "get": _admin(
                "admin.analytics.series_chart", "Daily chart", {"200": svg} | _errors(400), ranged
            )
        },
        "/admin/api/analytics/charts/funnel.svg": {
            "get": _admin(
                "admin.analytics.funnel_svg", "Funnel chart", {"200": svg} | _errors(400), ranged
            )
        },
        "/admin/api/exports/leads.csv": _csv_export(
            "admin.exports.leads", "Leads with their consent record"
        ),
        "/admin/api/exports/funnel.csv": _csv_export(
            "admin.exports.funnel", "The funnel by a dimension", by=True
        ),
        "/admin/api/customers": {
            "get": _admin(
                "admin.customers.search",
                "Customers whose email or name contains q",
                {"200": _ok("Customers")} | _errors(400),
                [_param("q", "query", _text(320, minLength=2), required=True)],
            )
        },
        "/admin/api/customers/{customer_id}": {
            "get": _admin(
                "admin.customers.show",
                "One customer's story across channels",
                {"200": _ok("The story")} | _errors(404),
                [_path_id("customer_id")],
            )
        },
    }


def _proxy_paths() -> dict:
    visitor = _param("visitor_id", "query", VISITOR_ID_SCHEMA, required=True)
    campaign = _param("campaign_id", "query", NUMERIC_ID, required=True)
    device = _param("device", "query", {"type": "string", "enum": list(DEVICES)})
    return {
        "/proxy/session": {
            "get": _proxy("storefront.session", "Is Baton active here?", {"200": _ok("Session")})
        },
        "/proxy/offer": {
            "get": _proxy(
                "storefront.offer",
                "What this visitor sees: a game (with a play token), a reminder or nothing",
                {"200": _ok("The offer")},
                [campaign, visitor, device],
            )
        },
        "/proxy/play": {
            "post": _proxy(
                "storefront.play_game",
                "Play once: the server draws the prize and hands out a code",
                {"200": _ok("The prize", _ref("PlayResult"))} | _errors(409, 410, 429, 503),
                [
                    _param("X-Forwarded-For", "header", {"type": "string"}, "Shopper IP first."),
                    _param("User-Agent", "header", {"type": "string"}),
                ],
                _json(_ref("PlayRequest"), _play_example()),
            )
        },
        "/proxy/events": {
            "post": _proxy(
                "storefront.widget_events",
                "Impressions and opens; any content type (sendBeacon posts text/plain)",
                {"200": _ok("Counted", _object({"counted": {"type": "integer"}}))},
                body=_json(_ref("WidgetEvents"), _events_example()),
            )
        },
        "/proxy/code": {
            "get": _proxy(
                "storefront.code",
                "Is the code this visitor won still waiting to be used?",
                {"200": _ok("The code's status")} | _errors(404),
                [_param("code", "query", _text(64, minLength=1), required=True), visitor],
            )
        },
        "/proxy/loyalty": {
            "get": _proxy(
                "storefront_loyalty.panel",
                "The signed-in shopper's points: balance, next reward, reward codes",
                {"200": _ok("The points panel")},
            )
        },
        "/proxy/loyalty/redemptions": {
            "post": _proxy(
                "storefront_loyalty.redeem",
                "Redeem points for a code only this shopper can use (signed-in shoppers only)",
                {"202": _ok("The reward; its code is made by the worker")} | _errors(403, 409),
            )
        },
        "/proxy/loyalty/r/{code}": {
            "get": _proxy(
                "storefront_loyalty.referral_link",
                "A member's referral link: redirects to the shop with ?baton_ref=<code>",
                {"302": {"description": "On to the shop's home page"}} | _errors(404),
                [_param("code", "path", _text(8, minLength=8))],
            )
        },
        "/proxy/loyalty/referrals": {
            "post": _proxy(
                "storefront_loyalty.claim",
                "A referred friend's email: a welcome code, or the refusal's reason",
                {"202": _ok("The referral; the welcome code is made by the worker")}
                | _errors(404, 409),
                body=_json(
                    _object(
                        {
                            "code": _text(8, minLength=8),
                            "email": _text(320),
                            "visitor_id": VISITOR_ID_SCHEMA,
                        },
                        required=("code", "email", "visitor_id"),
                    ),
                    {
                        "code": "7K2M9QXA",
                        "email": "friend@example.com",
                        "visitor_id": "visitor-0002",
                    },
                ),
            )
        },
        "/proxy/loyalty/referrals/{referral_id}": {
            "get": _proxy(
                "storefront_loyalty.welcome",
                "The friend's welcome code, to the browser that claimed it",
                {"200": _ok("The referral and its welcome code")} | _errors(404),
                [
                    _path_id("referral_id"),
                    _param("visitor_id", "query", VISITOR_ID_SCHEMA, required=True),
                ],
            )
        },
        "/proxy/rules": {
            "get": _proxy(
                "storefront.rules",
                "The campaign's official rules as a page: prizes, odds in force, terms",
                {
                    "200": _ok("The rules page", {"type": "string"}, "text/html"),
                    "404": _ok(
                        "No published campaign of this shop", {"type": "string"}, "text/html"
                    ),
                },
                [campaign],
            )
        },
    }


def _play_example() -> dict:
    return {
        "campaign_id": 1,
        "play_token": "token-from-the-offer",
        "email": "ana@example.com",
        "consent": True,
        "visitor_id": "visitor-0001",
        "device": "mobile",
        "cart_token": "c1-9f2b",
    }


def _events_example() -> dict:
    event = {"type": "impression", "campaign_id": 1, "variant": "A"}
    return {"visitor_id": "visitor-0001", "device": "desktop", "events": [event]}


def _webhook_paths() -> dict:
    return {
        "/webhooks": {"post": _shopify_webhook("webhooks.receive", "Any subscribed topic")},
        "/webhooks/compliance": {
            "post": _shopify_webhook("webhooks.receive_compliance", "Compliance topics (GDPR)")
        },
    } | {callback.path: _callback(callback) for callback in _callbacks()}


def _shopify_webhook(operation_id: str, summary: str) -> dict:
    headers = [
        _param(
            "X-Shopify-Topic",
            "header",
            {"type": "string", "examples": sorted(SUBSCRIBED_TOPICS)},
            required=True,
        ),
        _param(
            "X-Shopify-Shop-Domain",
            "header",
            {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$"},
            required=True,
        ),
        _param("X-Shopify-Event-Id", "header", _text(255), "Deduplicates retries."),
        _param("X-Shopify-Webhook-Id", "header", _text(255)),
        _param("X-Shopify-API-Version", "header", _text(20)),
        _param("X-Shopify-Triggered-At", "header", {"type": "string", "format": "date-time"}),
    ]
    stored = _object(
        {
            "delivery_id": {"type": "integer"},
            "status": {"type": "string"},
            "duplicate": {"type": "boolean"},
        }
    )
    return _operation(
        operation_id,
        summary,
        "webhooks",
        WEBHOOK,
        {"200": _ok("Recorded (or recorded before)", stored)} | _errors(400, 401, 413, 503),
        parameters=headers,
        requestBody=_json(_ref("WebhookPayload"), {"id": 706405506930370084}),
    )


def _callbacks() -> list[Callback]:
    return [callback for platform in PLATFORMS.values() for callback in platform.callbacks()]


def _key_hints() -> str:
    return "; or ".join(platform.key_hint for platform in email_platforms()).capitalize() + "."


def _callback(callback: Callback) -> dict:
    params = [
        _path_id("connection_id"),
        _param("secret", "path", {"type": "string"}, "The connection's webhook secret."),
    ]
    form = {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": _ref(callback.form_name)}},
    }
    acknowledged = {"200": {"description": "Acknowledged"}}
    # The platform signs nothing: the secret in the URL is the credential.
    return {
        "get": _operation(
            callback.endpoint.rsplit(".", 1)[0] + ".check",
            callback.check,
            "webhooks",
            [],
            acknowledged | _errors(400, 404),
            parameters=params,
        ),
        "post": _operation(
            callback.endpoint,
            callback.receive,
            "webhooks",
            [],
            acknowledged | _errors(400, 404, 413),
            parameters=params,
            requestBody=form,
        ),
    }
