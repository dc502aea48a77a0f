"""A stateful fake of the Shopify Admin GraphQL API Baton uses, for tests and the demo.

Every request runs through a real GraphQL executor over a slice of Shopify's schema, with the
scopes Shopify documents (app/demo/shopify_executor.py): the fake dispatches on the root
fields a document selects and answers only what it selected. Behind the schema it checks each
input the way Shopify documents it (required fields, one value kind, at most 250 codes per
bulk add, an end after the start), answers in Shopify's shapes (userErrors, bulk creations
that finish on a later poll, per-code errors, extensions.cost.throttleStatus), and remembers
every discount, code, draft and app-data metafield so a test, or the demo storefront, can ask
what Shopify now holds, and whether its checkout would take a code (`code_refusal`).

The state is one JSON-able dict, so the tests keep it in memory and the demo keeps it in
Redis, where every gunicorn worker sees the same store.
"""

import json
import re
from datetime import UTC, datetime

from graphql import GraphQLError, parse, validate

from app.demo.shopify_executor import (
    AdminApi,
    effective_scopes,
    load_admin_api,
    root_fields_of,
    run,
)
from app.shopify.app_toml import DECLARED_SCOPES

BULK_LIMIT = 250
COST = {
    "cost": {
        "requestedQueryCost": 10,
        "actualQueryCost": 10,
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": 1990.0,
            "restoreRate": 100.0,
        },
    }
}
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
INSTALLATION_ID = "gid://shopify/AppInstallation/1"


def empty_state() -> dict:
    """What a new store holds: nothing yet."""
    return {
        "discounts": {},
        "codes": {},  # code -> discount id
        "redeem_codes": {},  # DiscountRedeemCode id -> code
        "creations": {},
        "metafields": {},  # "namespace.key" -> {"type", "value"} on the app installation
        "next_id": 1,
        "refuse_next": 0,  # codes the next bulk adds will fail, as Shopify reports them
        "throttle_next": 0,
        "theme_settings": None,  # the live theme's config/settings_data.json, as text
        "draft_orders": {},  # id -> the input it was made from, its status and invoice
        "bulk_operations": {},
        "customers": [],  # Customer nodes a bulk query can export, as GraphQL shapes them
        "orders": [],
        "granted_scopes": DECLARED_SCOPES,
    }


class ShopifyAdminFake:
    """Answers one GraphQL request against `state`, mutating it as Shopify would."""

    def __init__(self, state: dict, shop: str, api: AdminApi | None = None):
        self.state = state
        self.shop = shop
        self.api = api or load_admin_api()

    def answer(self, body: bytes | str, access_token: str | None) -> tuple[int, dict]:
        """(HTTP status, JSON body) for one POST to /admin/api/<version>/graphql.json."""
        if not access_token:
            return 401, {"errors": INVALID_TOKEN}
        try:
            request = json.loads(body)
            query, variables = request["query"], request.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        if self.state["throttle_next"]:
            self.state["throttle_next"] -= 1
            return 200, {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": COST,
            }
        granted = effective_scopes(self.state.get("granted_scopes", DECLARED_SCOPES))
        answer = run(
            self.api, query, variables, granted, self.resolvers(), request.get("operationName")
        )
        return 200, answer | {"extensions": COST}

    def resolvers(self) -> dict:
        """Root field -> resolver(info, **arguments), as Shopify names both."""
        handlers = {
            "discountCodeBasicCreate": lambda a: self.create_discount(
                a["basicCodeDiscount"], "DiscountCodeBasic"
            ),
            "discountCodeFreeShippingCreate": lambda a: self.create_discount(
                a["freeShippingCodeDiscount"], "DiscountCodeFreeShipping"
            ),
            "discountRedeemCodeBulkAdd": self.bulk_add,
            "discountRedeemCodeBulkCreation": self.creation_status,
            "discountCodeDelete": self.delete_discount,
            "discountCodeRedeemCodeBulkDelete": self.delete_codes,
            "metafieldsSet": self.set_metafields,
            "currentAppInstallation": lambda _: {"id": INSTALLATION_ID},
            "bulkOperationRunQuery": self.run_bulk_query,
            "node": self.node,
            "job": lambda a: {"id": a["id"], "done": True},
            "customerEmailMarketingConsentUpdate": self.update_email_consent,
            "tagsAdd": lambda a: self.change_tags(a, add=True),
            "tagsRemove": lambda a: self.change_tags(a, add=False),
            "themes": self.themes,
            "draftOrderCreate": self.create_draft_order,
            "draftOrderInvoiceSend": self.send_draft_invoice,
            "draftOrder": self.draft_order,
            "draftOrders": self.draft_orders,
            "codeDiscountNodeByCode": self.discount_by_code,
        }
        return {name: _resolver(handler) for name, handler in handlers.items()}

    # --- the checkout stand-in ---------------------------------------------------------

    def code_refusal(
        self, code: str, at: datetime | None = None, customer_id: str | None = None
    ) -> str | None:
        """Why Shopify's checkout would refuse this code at `at` for this buyer (a Customer
        gid, None for a guest), or None if it applies."""
        at = at or datetime.now(UTC)
        discount = self.state["discounts"].get(self.state["codes"].get(code.upper(), ""))
        if discount is None:
            return "Enter a valid discount code"
        allowed = ((discount.get("context") or {}).get("customers") or {}).get("add")
        if allowed and customer_id not in allowed:
            return "Enter a valid discount code"
        if _moment(discount["startsAt"]) > at:
            return "This discount code is not active yet"
        if discount.get("endsAt") and _moment(discount["endsAt"]) <= at:
            return "This discount code has expired"
        return None

    # --- discounts and codes -----------------------------------------------------------

    def create_discount(self, given: dict, kind: str) -> dict:
        errors = self._discount_errors(given, kind)
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        discount_id = f"gid://shopify/DiscountCodeNode/{self._next_id()}"
        self.state["discounts"][discount_id] = {"kind": kind, **given}
        self._add_code(given["code"], discount_id)
        return {"codeDiscountNode": self._discount_node(discount_id), "userErrors": []}

    def discount_by_code(self, given: dict) -> dict | None:
        # Shopify matches the code without regard to case.
        discount_id = self.state["codes"].get(given["code"].upper())
        return self._discount_node(discount_id) if discount_id else None

    def bulk_add(self, given: dict) -> dict:
        discount_id, codes = given["discountId"], given["codes"]
        if discount_id not in self.state["discounts"]:
            return {
                "bulkCreation": None,
                "userErrors": [_error(["discountId"], "Code discount does not exist.")],
            }
        if len(codes) > BULK_LIMIT:
            return {
                "bulkCreation": None,
                "userErrors": [
                    _error(["codes"], "Codes must contain at most 250 codes", "TOO_LONG")
                ],
            }
        creation_id = f"gid://shopify/DiscountRedeemCodeBulkCreation/{self._next_id()}"
        refused = self.state["refuse_next"]
        self.state["refuse_next"] = max(0, refused - len(codes))
        nodes = []
        for index, entry in enumerate(codes):
            code = entry["code"]
            if index < refused or code.upper() in self.state["codes"]:
                nodes.append(
                    {
                        "code": code,
                        "errors": [_error(["code"], "Code must be unique", "TAKEN")],
                        "discountRedeemCode": None,
                    }
                )
                continue
            redeem_id = self._add_code(code, discount_id)
            nodes.append(
                {
                    "code": code,
                    "errors": [],
                    "discountRedeemCode": {"id": redeem_id, "code": code, "asyncUsageCount": 0},
                }
            )
        self.state["creations"][creation_id] = {"polls": 0, "nodes": nodes}
        return {"bulkCreation": {"id": creation_id}, "userErrors": []}

    def creation_status(self, given: dict) -> dict | None:
        creation = self.state["creations"].get(given["id"])
        if creation is None:
            return None
        creation["polls"] += 1
        done = creation["polls"] > 1  # the first poll finds it still queued
        nodes = creation["nodes"]
        return {
            "id": given["id"],
            "done": done,
            "codesCount": len(nodes),
            "importedCount": sum(1 for n in nodes if n["discountRedeemCode"]) if done else 0,
            "failedCount": sum(1 for n in nodes if n["errors"]) if done else 0,
            "codes": {"nodes": nodes if done else []},
        }

    def delete_discount(self, given: dict) -> dict:
        discount_id = given["id"]
        if self.state["discounts"].pop(discount_id, None) is None:
            return {
                "deletedCodeDiscountId": None,
                "userErrors": [_error(["id"], "Discount does not exist")],
            }
        for code in [c for c, owner in self.state["codes"].items() if owner == discount_id]:
            self._remove_code(code)
        return {"deletedCodeDiscountId": discount_id, "userErrors": []}

    def delete_codes(self, given: dict) -> dict:
        discount_id = given["discountId"]
        if discount_id not in self.state["discounts"]:
            return {"job": None, "userErrors": [_error(["discountId"], "Discount does not exist")]}
        if not given.get("ids") and not given.get("search") and not given.get("savedSearchId"):
            return {
                "job": None,
                "userErrors": [
                    _error(
                        None,
                        "Missing expected argument key: 'ids', 'search' or 'saved_search_id'.",
                        "MISSING_ARGUMENT",
                    )
                ],
            }
        for redeem_id in given.get("ids") or []:
            code = self.state["redeem_codes"].get(redeem_id)
            if code is not None and self.state["codes"].get(code) == discount_id:
                self._remove_code(code)
        return {
            "job": {"id": f"gid://shopify/Job/{self._next_id()}", "done": False},
            "userErrors": [],
        }

    def _discount_errors(self, given: dict, kind: str) -> list[dict]:
        # "When creating, required fields are: code, context (or deprecated customerSelection),
        # customerGets, startsAt, title" (DiscountCodeBasicInput); free shipping: destination.
        required = ["title", "code", "startsAt"] + (
            ["customerGets"] if kind == "DiscountCodeBasic" else ["destination"]
        )
        errors = [
            _error([name], f"{name} can't be blank", "BLANK")
            for name in required
            if not given.get(name)
        ]
        if "context" not in given and "customerSelection" not in given:
            errors.append(_error(["context"], "Context can't be blank", "BLANK"))
        errors += self._context_errors(given.get("context") or {})
        if given.get("code") and given["code"].upper() in self.state["codes"]:
            errors.append(_error(["code"], "Code must be unique", "TAKEN"))
        if (
            given.get("endsAt")
            and given.get("startsAt")
            and _moment(given["endsAt"]) <= _moment(given["startsAt"])
        ):
            errors.append(
                _error(
                    ["endsAt"], "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE"
                )
            )
        value = ((given.get("customerGets") or {}).get("value")) or {}
        if kind == "DiscountCodeBasic" and (
            len(value) != 1 or not set(value) <= {"percentage", "discountAmount"}
        ):
            errors.append(_error(["customerGets", "value"], "Value must be one kind", "INVALID"))
        if "percentage" in value and not 0 < value["percentage"] <= 1:
            errors.append(
                _error(
                    ["customerGets", "value", "percentage"],
                    "Percentage must be between 0 and 1",
                    "VALUE_OUTSIDE_RANGE",
                )
            )
        return errors

    def _context_errors(self, context: dict) -> list[dict]:
        # DiscountContextInput names one kind of buyer: all, customers or segments.
        kinds = [name for name in ("all", "customers", "customerSegments") if context.get(name)]
        if len(kinds) > 1:
            return [_error(["context"], "Context must name one kind of buyer", "INVALID")]
        gone = set(self.state.get("deleted_customers", []))
        for index, customer_id in enumerate((context.get("customers") or {}).get("add") or []):
            # Shopify does not document this message; the code and field path are its shape.
            if not customer_id.startswith("gid://shopify/Customer/") or customer_id in gone:
                path = ["context", "customers", "add", str(index)]
                return [_error(path, "Customer does not exist", "INVALID")]
        return []

    def _discount_node(self, discount_id: str) -> dict:
        discount = self.state["discounts"][discount_id]
        codes = [
            {"id": redeem_id, "code": code, "asyncUsageCount": 0}
            for redeem_id, code in self.state["redeem_codes"].items()
            if self.state["codes"].get(code.upper()) == discount_id
        ]
        return {
            "id": discount_id,
            "codeDiscount": {
                "__typename": discount["kind"],
                "title": discount["title"],
                "status": self._status(discount),
                "startsAt": discount["startsAt"],
                "endsAt": discount.get("endsAt"),
                "usageLimit": discount.get("usageLimit"),
                "asyncUsageCount": 0,
                "appliesOncePerCustomer": bool(discount.get("appliesOncePerCustomer")),
                "codes": lambda info, first=None, **_: {"nodes": codes[:first]},
            },
        }

    @staticmethod
    def _status(discount: dict) -> str:
        now = datetime.now(UTC)
        if _moment(discount["startsAt"]) > now:
            return "SCHEDULED"
        if discount.get("endsAt") and _moment(discount["endsAt"]) <= now:
            return "EXPIRED"
        return "ACTIVE"

    def _add_code(self, code: str, discount_id: str) -> str:
        redeem_id = f"gid://shopify/DiscountRedeemCode/{self._next_id()}"
        self.state["codes"][code.upper()] = discount_id
        self.state["redeem_codes"][redeem_id] = code.upper()
        return redeem_id

    def _remove_code(self, code: str) -> None:
        self.state["codes"].pop(code, None)
        for redeem_id in [r for r, c in self.state["redeem_codes"].items() if c == code]:
            del self.state["redeem_codes"][redeem_id]

    # --- app data, themes, consent -----------------------------------------------------

    def set_metafields(self, given: dict) -> dict:
        errors, saved = [], []
        for index, field in enumerate(given["metafields"]):
            problem = self._metafield_problem(field)
            if problem:
                errors.append(_error(["metafields", str(index), problem[0]], problem[1]))
                continue
            key = f"{field['namespace']}.{field['key']}"
            self.state["metafields"][key] = {"type": field["type"], "value": field["value"]}
            saved.append({"namespace": field["namespace"], "key": field["key"]})
        return {"metafields": [] if errors else saved, "userErrors": errors}

    def _metafield_problem(self, field) -> tuple[str, str] | None:
        for name in ("namespace", "key", "type", "value"):
            if not field.get(name):
                return name, f"{name} can't be blank"
        if field["ownerId"] != INSTALLATION_ID:
            return "ownerId", "Owner does not exist"
        if field["type"] == "json":
            try:
                json.loads(field["value"])
            except ValueError:
                return "value", "Value is invalid JSON"
        return None

    def themes(self, _given) -> dict:
        # One live theme; its settings file only once the store has one (the demo seeds it).
        content = self.state.get("theme_settings")
        files = (
            []
            if content is None
            else [
                {
                    "filename": "config/settings_data.json",
                    "body": {"__typename": "OnlineStoreThemeFileBodyText", "content": content},
                }
            ]
        )
        theme = {
            "id": "gid://shopify/OnlineStoreTheme/1",
            "name": "Dawn",
            "role": "MAIN",
            "files": {"nodes": files},
        }
        return {"nodes": [theme], "edges": [{"cursor": "1", "node": theme}]}

    def change_tags(self, given: dict, add: bool) -> dict:
        """tagsAdd / tagsRemove on a customer; tags may come as a list or comma-separated."""
        resource = given["id"]
        if not resource.startswith("gid://shopify/Customer/") or resource in set(
            self.state.get("deleted_customers", [])
        ):
            return {"node": None, "userErrors": [_user_error(["id"], "Resource not found")]}
        tags = [tag.strip() for entry in given["tags"] for tag in entry.split(",") if tag.strip()]
        if not tags:
            return {"node": None, "userErrors": [_user_error(["tags"], "Tags can't be blank")]}
        held = self.state.setdefault("customer_tags", {}).setdefault(resource, [])
        for tag in tags:
            if add and tag not in held:
                held.append(tag)
            if not add and tag in held:
                held.remove(tag)
        return {"node": {"__typename": "Customer", "id": resource}, "userErrors": []}

    def update_email_consent(self, given: dict) -> dict:
        given = given["input"]
        state = given["emailMarketingConsent"]["marketingState"]
        if not given["customerId"].startswith("gid://shopify/Customer/"):
            return {
                "customer": None,
                "userErrors": [_error(["customerId"], "Customer not found", "INVALID")],
            }
        self.state.setdefault("email_consent", {})[given["customerId"]] = state
        return {
            "customer": {
                "id": given["customerId"],
                "defaultEmailAddress": {"marketingState": state},
            },
            "userErrors": [],
        }

    # --- bulk operations ---------------------------------------------------------------

    def run_bulk_query(self, given: dict) -> dict:
        query = given["query"]
        try:
            problems = [error.message for error in validate(self.api.schema, parse(query))]
        except GraphQLError as error:
            problems = [error.message]
        if problems:
            return _bulk_refused(["query"], f"Invalid bulk query: {problems[0]}", "INVALID")
        # One bulk query at a time per shop and app (BulkOperationUserErrorCode).
        running = [key for key, op in self.state["bulk_operations"].items() if not op.get("done")]
        if running:
            message = (
                "A bulk query operation for this app and shop is already in progress: "
                f"{running[0]}."
            )
            return _bulk_refused(None, message, "OPERATION_IN_PROGRESS")
        operation_id = f"gid://shopify/BulkOperation/{self._next_id()}"
        self.state["bulk_operations"][operation_id] = {"query": query, "polls": 0}
        return {"bulkOperation": self._bulk_operation(operation_id, "CREATED"), "userErrors": []}

    def node(self, given: dict) -> dict | None:
        operation = self.state["bulk_operations"].get(given["id"])
        if operation is None:
            return None
        operation["polls"] += 1
        if operation["polls"] == 1:
            return self._bulk_operation(given["id"], "RUNNING")
        return self._finish_bulk(given["id"], operation)

    def _finish_bulk(self, operation_id: str, operation: dict) -> dict:
        operation["done"] = True
        granted = effective_scopes(self.state.get("granted_scopes", DECLARED_SCOPES))
        for kind, field in root_fields_of(self.api, operation["query"]):
            needed = self.api.required(kind, field)
            if needed and not granted & set(needed):
                return self._bulk_operation(operation_id, "FAILED", error="ACCESS_DENIED")
        lines = self.bulk_lines(operation["query"])
        operation["lines"] = lines
        # Where the JSONL can be downloaded: Shopify's storage, or the demo's own route.
        base = self.state.get("bulk_results_base") or "https://storage.shopifycloud.test/bulk"
        url = f"{base}/{operation_id.rsplit('/', 1)[1]}.jsonl"
        return self._bulk_operation(
            operation_id, "COMPLETED", objects=len(lines), url=url if lines else None
        )

    def bulk_lines(self, query: str) -> list[dict]:
        """The JSONL records a bulk query exports: its connection's nodes, as selected."""
        resolvers = {
            name: _resolver(
                lambda given, records=self.state[name]: {
                    "edges": [{"node": record} for record in _updated_since(records, given)]
                }
            )
            for name in ("customers", "orders")
        }
        everything = frozenset({"read_customers", "read_orders"})
        data = run(self.api, query, {}, everything, resolvers).get("data") or {}
        lines = [edge["node"] for connection in data.values() for edge in connection["edges"]]
        return lines + list(self.state.get("corrupt_lines", []))

    @staticmethod
    def _bulk_operation(operation_id, status, error=None, objects=0, url=None) -> dict:
        return {
            "__typename": "BulkOperation",
            "id": operation_id,
            "status": status,
            "errorCode": error,
            "objectCount": str(objects),
            "rootObjectCount": str(objects),
            "url": url,
            "partialDataUrl": None,
            "query": "",
            "type": "QUERY",
            "createdAt": "2026-11-28T00:00:00Z",
            "completedAt": None,
        }

    # --- draft orders ------------------------------------------------------------------

    def create_draft_order(self, given: dict) -> dict:
        given = given["input"]
        errors = self._draft_errors(given)
        if errors:
            return {"draftOrder": None, "userErrors": errors}
        number = self._next_id()
        draft_id = f"gid://shopify/DraftOrder/{number}"
        token = f"demo{number:06d}"
        draft = {
            "id": draft_id,
            "name": f"#D{number}",
            "status": "OPEN",
            "email": given.get("email"),
            "lineItems": [
                {"variantId": line.get("variantId"), "quantity": line["quantity"]}
                for line in given["lineItems"]
            ],
            "discountCodes": list(given.get("discountCodes") or []),
            "appliedDiscount": given.get("appliedDiscount"),
            "tags": sorted(set(given.get("tags") or [])),
            # Shopify's invoice page; the demo serves its own (state["invoice_base"]).
            "invoiceUrl": f"{self.state.get('invoice_base') or 'https://' + self.shop}"
            f"/{number}/invoices/{token}",
            "invoiceSentAt": None,
        }
        self.state.setdefault("draft_orders", {})[draft_id] = draft
        return {"draftOrder": self._draft_json(draft), "userErrors": []}

    def send_draft_invoice(self, given: dict) -> dict:
        draft = self.state.setdefault("draft_orders", {}).get(given["id"])
        if draft is None:
            return {
                "draftOrder": None,
                "userErrors": [_user_error(["id"], "Draft order not found")],
            }
        if not draft.get("email") and not (given.get("email") or {}).get("to"):
            return {
                "draftOrder": None,
                "userErrors": [_user_error(["email", "to"], "To can't be blank")],
            }
        draft["status"] = "INVOICE_SENT"
        draft["invoiceSentAt"] = datetime.now(UTC).isoformat()
        draft["invoicesSent"] = draft.get("invoicesSent", 0) + 1
        return {"draftOrder": self._draft_json(draft), "userErrors": []}

    def draft_order(self, given: dict) -> dict | None:
        draft = self.state.setdefault("draft_orders", {}).get(given["id"])
        return self._draft_json(draft) if draft else None

    def draft_orders(self, given: dict) -> dict:
        # The search syntax Baton uses: tag:'<tag>'.
        wanted = re.fullmatch(r"tag:'([^']+)'", given.get("query") or "")
        drafts = [
            self._draft_json(draft)
            for draft in self.state.setdefault("draft_orders", {}).values()
            if wanted is None or wanted.group(1) in draft.get("tags", [])
        ]
        first = given.get("first") or len(drafts)
        return {
            "nodes": drafts[:first],
            "edges": [{"cursor": d["id"], "node": d} for d in drafts[:first]],
        }

    def _draft_errors(self, given: dict) -> list[dict]:
        lines = given.get("lineItems")
        if not lines:
            return [_user_error(["lineItems"], "Line items can't be blank")]
        errors = []
        for index, line in enumerate(lines):
            variant = line.get("variantId")
            if variant is not None and not variant.startswith("gid://shopify/ProductVariant/"):
                errors.append(
                    _user_error(["lineItems", str(index), "variantId"], "Variant is invalid")
                )
            if variant is None and not line.get("title"):
                errors.append(
                    _user_error(["lineItems", str(index), "title"], "Title can't be blank")
                )
            if line["quantity"] < 1:
                errors.append(
                    _user_error(
                        ["lineItems", str(index), "quantity"], "Quantity must be at least 1"
                    )
                )
        email = given.get("email")
        if email is not None and "@" not in email:
            errors.append(_user_error(["email"], "Email is invalid"))
        discount = given.get("appliedDiscount")
        if discount is not None:
            value = discount["value"]
            if value <= 0 or (discount.get("valueType") == "PERCENTAGE" and value > 100):
                errors.append(_user_error(["appliedDiscount", "value"], "Value is invalid"))
        return errors

    @staticmethod
    def _draft_json(draft: dict) -> dict:
        return {
            "id": draft["id"],
            "name": draft["name"],
            "status": draft["status"],
            "tags": draft.get("tags", []),
            "email": draft.get("email"),
            "invoiceUrl": draft["invoiceUrl"],
            "invoiceSentAt": draft["invoiceSentAt"],
            "createdAt": "2026-11-27T12:00:00Z",
            "updatedAt": "2026-11-27T12:00:00Z",
        }

    def _next_id(self) -> int:
        self.state["next_id"] += 1
        return self.state["next_id"] - 1


def _bulk_refused(field, message: str, code: str) -> dict:
    return {"bulkOperation": None, "userErrors": [_error(field, message, code)]}


def _resolver(handler):
    # graphql-core calls a root value's callable with (info, **arguments).
    return lambda _info, **arguments: handler(arguments)


def _updated_since(records: list[dict], given: dict) -> list[dict]:
    # The search syntax Baton's reconciliation uses: updated_at:>'2026-11-01T00:00:00+00:00'.
    found = re.search(r"updated_at:>'([^']+)'", given.get("query") or "")
    if not found:
        return records
    since = _moment(found.group(1))
    return [record for record in records if _moment(record["updatedAt"]) > since]


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _error(field, message, code="INVALID") -> dict:
    """A DiscountUserError / MetafieldsSetUserError: field, message, code."""
    return {"field": field, "message": message, "code": code}


def _user_error(field, message) -> dict:
    """A plain UserError (draft orders): field and message, no code."""
    return {"field": field, "message": message}
