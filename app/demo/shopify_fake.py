"""A stateful fake of the Shopify Admin GraphQL API that Baton uses, for tests and the demo.

It checks each input the way Shopify documents it (required fields, one value kind, at most
250 codes per bulk add, an access token on every call), answers in Shopify's shapes
(userErrors, bulk creations that finish on a later poll, per-code errors,
extensions.cost.throttleStatus), and remembers every discount, code and app-data metafield
so a test, or the demo storefront, can ask what Shopify now holds.

The state is one JSON-able dict, so the tests keep it in memory and the demo keeps it in
Redis, where every gunicorn worker sees the same store.
"""

import json

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


def empty_state() -> dict:
    """What a new store holds: nothing yet."""
    return {
        "discounts": {},
        "codes": {},  # code -> discount id
        "creations": {},
        "metafields": {},  # "namespace.key" -> {"type", "value"} on the app installation
        "next_id": 1,
        "refuse_next": 0,  # codes the next bulk adds will fail, as Shopify reports them
        "throttle_next": 0,
        "theme_settings": None,  # the live theme's config/settings_data.json, as text
        "draft_orders": {},  # id -> the input it was made from, its status and invoice
    }


class ShopifyAdminFake:
    """Answers one GraphQL request against `state`, mutating it as Shopify would."""

    def __init__(self, state: dict, shop: str):
        self.state = state
        self.shop = shop

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
            return 200, _reply(
                None, [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
            )
        for marker, field, handler in (
            ("discountCodeBasicCreate", "discountCodeBasicCreate", self.create_basic),
            (
                "discountCodeFreeShippingCreate",
                "discountCodeFreeShippingCreate",
                self.create_free_shipping,
            ),
            ("discountRedeemCodeBulkAdd", "discountRedeemCodeBulkAdd", self.bulk_add),
            (
                "discountRedeemCodeBulkCreation",
                "discountRedeemCodeBulkCreation",
                self.creation_status,
            ),
            ("metafieldsSet", "metafieldsSet", self.set_metafields),
            ("currentAppInstallation", "currentAppInstallation", self.app_installation),
            ("bulkOperationRunQuery", "bulkOperationRunQuery", self.run_bulk_query),
            (
                "customerEmailMarketingConsentUpdate",
                "customerEmailMarketingConsentUpdate",
                self.update_email_consent,
            ),
            ("on BulkOperation", "node", self.bulk_operation),
            ("themes(", "themes", self.themes),
            ("draftOrderCreate", "draftOrderCreate", self.create_draft_order),
            ("draftOrderInvoiceSend", "draftOrderInvoiceSend", self.send_draft_invoice),
        ):
            if marker in query:
                return 200, _reply({field: handler(variables)})
        return 200, _reply(None, [{"message": "This fake does not know that operation."}])

    @property
    def installation_id(self) -> str:
        return "gid://shopify/AppInstallation/1"

    def app_installation(self, _variables) -> dict:
        return {"id": self.installation_id}

    def themes(self, _variables) -> dict:
        # One live theme; its settings file only once the store has one (the demo seeds it).
        content = self.state.get("theme_settings")
        files = (
            []
            if content is None
            else [{"filename": "config/settings_data.json", "body": {"content": content}}]
        )
        return {
            "nodes": [
                {
                    "id": "gid://shopify/OnlineStoreTheme/1",
                    "name": "Dawn",
                    "files": {"nodes": files},
                }
            ]
        }

    def create_draft_order(self, variables) -> dict:
        given = variables.get("input") or {}
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
                {"variantId": line["variantId"], "quantity": line["quantity"]}
                for line in given["lineItems"]
            ],
            "discountCodes": list(given.get("discountCodes") or []),
            "appliedDiscount": given.get("appliedDiscount"),
            # Shopify's invoice page; the demo serves its own (state["invoice_base"]).
            "invoiceUrl": f"{self.state.get('invoice_base') or 'https://' + self.shop}"
            f"/{number}/invoices/{token}",
            "invoiceSentAt": None,
        }
        self.state.setdefault("draft_orders", {})[draft_id] = draft
        return {"draftOrder": self._draft_json(draft), "userErrors": []}

    def send_draft_invoice(self, variables) -> dict:
        draft = self.state.setdefault("draft_orders", {}).get(variables.get("id"))
        if draft is None:
            return {"draftOrder": None, "userErrors": [_error(["id"], "Draft order not found")]}
        if not draft.get("email") and not (variables.get("email") or {}).get("to"):
            return {
                "draftOrder": None,
                "userErrors": [_error(["email", "to"], "To can't be blank")],
            }
        draft["status"], draft["invoiceSentAt"] = "INVOICE_SENT", "2026-11-27T12:00:00Z"
        return {"draftOrder": self._draft_json(draft), "userErrors": []}

    def _draft_errors(self, given: dict) -> list[dict]:
        lines = given.get("lineItems")
        if not isinstance(lines, list) or not lines:
            return [_error(["lineItems"], "Line items can't be blank")]
        errors = []
        for index, line in enumerate(lines):
            if not str(line.get("variantId", "")).startswith("gid://shopify/ProductVariant/"):
                errors.append(_error(["lineItems", str(index), "variantId"], "Variant is invalid"))
            if not isinstance(line.get("quantity"), int) or line["quantity"] < 1:
                errors.append(
                    _error(["lineItems", str(index), "quantity"], "Quantity must be at least 1")
                )
        email = given.get("email")
        if email is not None and "@" not in str(email):
            errors.append(_error(["email"], "Email is invalid"))
        codes = given.get("discountCodes")
        if codes is not None and not all(isinstance(code, str) and code for code in codes):
            errors.append(_error(["discountCodes"], "Discount codes must be strings"))
        discount = given.get("appliedDiscount")
        if discount is not None:
            kind, value = discount.get("valueType"), discount.get("value")
            if kind not in ("PERCENTAGE", "FIXED_AMOUNT"):
                errors.append(_error(["appliedDiscount", "valueType"], "Value type is invalid"))
            if (
                not isinstance(value, int | float)
                or value <= 0
                or (kind == "PERCENTAGE" and value > 100)
            ):
                errors.append(_error(["appliedDiscount", "value"], "Value is invalid"))
        return errors

    @staticmethod
    def _draft_json(draft: dict) -> dict:
        return {
            "id": draft["id"],
            "name": draft["name"],
            "status": draft["status"],
            "invoiceUrl": draft["invoiceUrl"],
            "invoiceSentAt": draft["invoiceSentAt"],
        }

    def update_email_consent(self, variables) -> dict:
        given = variables.get("input") or {}
        state = (given.get("emailMarketingConsent") or {}).get("marketingState")
        if not str(given.get("customerId", "")).startswith("gid://shopify/Customer/"):
            return {"customer": None, "userErrors": [_error(["customerId"], "Customer not found")]}
        if state not in ("SUBSCRIBED", "UNSUBSCRIBED", "PENDING"):
            return {
                "customer": None,
                "userErrors": [
                    _error(["emailMarketingConsent", "marketingState"], "Marketing state invalid")
                ],
            }
        self.state.setdefault("email_consent", {})[given["customerId"]] = state
        return {
            "customer": {
                "id": given["customerId"],
                "emailMarketingConsent": {"marketingState": state},
            },
            "userErrors": [],
        }

    def run_bulk_query(self, variables) -> dict:
        if not variables.get("query"):
            return {"bulkOperation": None, "userErrors": [_error(["query"], "Invalid bulk query")]}
        operation_id = f"gid://shopify/BulkOperation/{self._next_id()}"
        return {"bulkOperation": {"id": operation_id, "status": "CREATED"}, "userErrors": []}

    def bulk_operation(self, variables) -> dict:
        # The fake store holds no customers or orders of its own: an empty, finished export.
        return {
            "id": variables["id"],
            "status": "COMPLETED",
            "errorCode": None,
            "objectCount": "0",
            "url": None,
        }

    def set_metafields(self, variables) -> dict:
        errors, saved = [], []
        for index, field in enumerate(variables.get("metafields") or []):
            problem = self._metafield_problem(field)
            if problem:
                errors.append(_error(["metafields", str(index), problem[0]], problem[1]))
                continue
            key = f"{field['namespace']}.{field['key']}"
            self.state["metafields"][key] = {"type": field["type"], "value": field["value"]}
            saved.append({"namespace": field["namespace"], "key": field["key"]})
        return {"metafields": [] if errors else saved, "userErrors": errors}

    def _metafield_problem(self, field) -> tuple[str, str] | None:
        for name in ("ownerId", "namespace", "key", "type", "value"):
            if not field.get(name):
                return name, f"{name} can't be blank"
        if field["ownerId"] != self.installation_id:
            return "ownerId", "Owner does not exist"
        if field["type"] == "json":
            try:
                json.loads(field["value"])
            except ValueError:
                return "value", "Value is invalid JSON"
        return None

    def create_basic(self, variables) -> dict:
        discount = variables["discount"]
        errors = self._common_errors(discount)
        value = (discount.get("customerGets") or {}).get("value") or {}
        if len(value) != 1 or not set(value) <= {"percentage", "discountAmount"}:
            errors.append(_error(["customerGets", "value"], "Value must be one kind"))
        if "percentage" in value and not 0 < value["percentage"] <= 1:
            errors.append(
                _error(
                    ["customerGets", "value", "percentage"], "Percentage must be between 0 and 1"
                )
            )
        return self._create(discount, errors, "basic")

    def create_free_shipping(self, variables) -> dict:
        discount = variables["discount"]
        errors = self._common_errors(discount)
        if "destination" not in discount:
            errors.append(_error(["destination"], "Destination can't be blank"))
        return self._create(discount, errors, "free_shipping")

    def bulk_add(self, variables) -> dict:
        discount_id, codes = variables["discountId"], variables["codes"]
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
            if index < refused or code in self.state["codes"]:
                nodes.append(
                    {
                        "code": code,
                        "errors": [{"message": "Code must be unique"}],
                        "discountRedeemCode": None,
                    }
                )
                continue
            self.state["codes"][code] = discount_id
            redeem_id = f"gid://shopify/DiscountRedeemCode/{self._next_id()}"
            nodes.append({"code": code, "errors": [], "discountRedeemCode": {"id": redeem_id}})
        self.state["creations"][creation_id] = {"polls": 0, "nodes": nodes}
        return {"bulkCreation": {"id": creation_id}, "userErrors": []}

    def creation_status(self, variables) -> dict:
        creation = self.state["creations"][variables["id"]]
        creation["polls"] += 1
        done = creation["polls"] > 1  # the first poll finds it still queued
        nodes = creation["nodes"]
        return {
            "id": variables["id"],
            "done": done,
            "codesCount": len(nodes),
            "importedCount": sum(1 for n in nodes if n["discountRedeemCode"]) if done else 0,
            "failedCount": sum(1 for n in nodes if n["errors"]) if done else 0,
            "codes": {"nodes": nodes if done else []},
        }

    def _common_errors(self, discount) -> list[dict]:
        errors = [
            _error([field], f"{field} can't be blank")
            for field in ("title", "code")
            if not discount.get(field)
        ]
        if "context" not in discount and "customerSelection" not in discount:
            errors.append(_error(["context"], "Context can't be blank"))
        if discount.get("code") in self.state["codes"]:
            errors.append(_error(["code"], "Code must be unique", "TAKEN"))
        return errors

    def _create(self, discount, errors, kind) -> dict:
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        discount_id = f"gid://shopify/DiscountCodeNode/{self._next_id()}"
        self.state["discounts"][discount_id] = {"kind": kind, **discount}
        self.state["codes"][discount["code"]] = discount_id
        return {"codeDiscountNode": {"id": discount_id}, "userErrors": []}

    def _next_id(self) -> int:
        self.state["next_id"] += 1
        return self.state["next_id"] - 1


def _error(field, message, code="INVALID") -> dict:
    return {"field": field, "message": message, "code": code}


def _reply(data, errors=None) -> dict:
    body = {"extensions": COST} | ({"data": data} if data is not None else {})
    if errors:
        body["errors"] = errors
    return body
