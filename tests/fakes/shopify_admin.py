"""A stateful fake of Shopify's Admin GraphQL discount API, served through `responses`.

It checks each input the way Shopify documents it (required fields, one value kind, at most
250 codes per bulk add), answers in Shopify's shapes (userErrors, bulk creations that finish
on a later poll, per-code errors, extensions.cost.throttleStatus), and remembers every
discount and code so a test can ask what Shopify now holds.
"""

import itertools
import json

import responses

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


class FakeShopifyAdmin:
    """Discounts, codes and bulk code creations for one shop."""

    def __init__(self, mock: responses.RequestsMock, shop: str, version: str = "2026-10"):
        self.url = f"https://{shop}/admin/api/{version}/graphql.json"
        self.discounts: dict[str, dict] = {}
        self.codes: dict[str, str] = {}  # code -> discount id
        self.creations: dict[str, dict] = {}
        self.refuse_next = 0  # codes the next bulk adds will fail, as Shopify reports them
        self.throttle_next = 0
        self.ids = itertools.count(1)
        mock.add_callback(responses.POST, self.url, callback=self.answer)

    def answer(self, request):
        body = json.loads(request.body)
        query, variables = body["query"], body.get("variables") or {}
        if self.throttle_next:
            self.throttle_next -= 1
            return self._reply(
                None, errors=[{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
            )
        for name, handler in (
            ("discountCodeBasicCreate", self.create_basic),
            ("discountCodeFreeShippingCreate", self.create_free_shipping),
            ("discountRedeemCodeBulkAdd", self.bulk_add),
            ("discountRedeemCodeBulkCreation", self.creation_status),
        ):
            if name in query:
                return self._reply({name: handler(variables)})
        return self._reply(None, errors=[{"message": "unknown operation in fake"}])

    def create_basic(self, variables):
        discount = variables["discount"]
        errors = self._common_errors(discount)
        value = (discount.get("customerGets") or {}).get("value") or {}
        if len(value) != 1 or not set(value) <= {"percentage", "discountAmount"}:
            errors.append(self._error(["customerGets", "value"], "Value must be one kind"))
        if "percentage" in value and not 0 < value["percentage"] <= 1:
            errors.append(
                self._error(
                    ["customerGets", "value", "percentage"], "Percentage must be between 0 and 1"
                )
            )
        return self._create(discount, errors, "basic")

    def create_free_shipping(self, variables):
        discount = variables["discount"]
        errors = self._common_errors(discount)
        if "destination" not in discount:
            errors.append(self._error(["destination"], "Destination can't be blank"))
        return self._create(discount, errors, "free_shipping")

    def bulk_add(self, variables):
        discount_id, codes = variables["discountId"], variables["codes"]
        if discount_id not in self.discounts:
            return {
                "bulkCreation": None,
                "userErrors": [self._error(["discountId"], "Code discount does not exist.")],
            }
        if len(codes) > 250:
            return {
                "bulkCreation": None,
                "userErrors": [
                    self._error(["codes"], "Codes must contain at most 250 codes", "TOO_LONG")
                ],
            }
        creation_id = f"gid://shopify/DiscountRedeemCodeBulkCreation/{next(self.ids)}"
        refused, self.refuse_next = self.refuse_next, max(0, self.refuse_next - len(codes))
        nodes = []
        for index, entry in enumerate(codes):
            code = entry["code"]
            if index < refused or code in self.codes:
                nodes.append(
                    {
                        "code": code,
                        "errors": [{"message": "Code must be unique"}],
                        "discountRedeemCode": None,
                    }
                )
            else:
                self.codes[code] = discount_id
                nodes.append(
                    {
                        "code": code,
                        "errors": [],
                        "discountRedeemCode": {
                            "id": f"gid://shopify/DiscountRedeemCode/{next(self.ids)}"
                        },
                    }
                )
        self.creations[creation_id] = {"polls": 0, "nodes": nodes}
        return {"bulkCreation": {"id": creation_id}, "userErrors": []}

    def creation_status(self, variables):
        creation = self.creations[variables["id"]]
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
            self._error([field], f"{field} can't be blank")
            for field in ("title", "code")
            if not discount.get(field)
        ]
        if "context" not in discount and "customerSelection" not in discount:
            errors.append(self._error(["context"], "Context can't be blank"))
        if discount.get("code") in self.codes:
            errors.append(self._error(["code"], "Code must be unique", "TAKEN"))
        return errors

    def _create(self, discount, errors, kind):
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        discount_id = f"gid://shopify/DiscountCodeNode/{next(self.ids)}"
        self.discounts[discount_id] = {"kind": kind, **discount}
        self.codes[discount["code"]] = discount_id
        return {"codeDiscountNode": {"id": discount_id}, "userErrors": []}

    @staticmethod
    def _error(field, message, code="INVALID"):
        return {"field": field, "message": message, "code": code}

    @staticmethod
    def _reply(data, errors=None):
        body = {"extensions": COST} | ({"data": data} if data is not None else {})
        if errors:
            body["errors"] = errors
        return 200, {"Content-Type": "application/json"}, json.dumps(body)
