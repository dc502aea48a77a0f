"""The Shopify Admin fake (app/demo/shopify_fake.py) served through `responses` for tests."""

import json
import re

import requests
import responses

from app.demo.shopify_fake import ShopifyAdminFake, empty_state

# Where the fake says a finished bulk operation's JSONL can be downloaded.
BULK_RESULTS = re.compile(r"https://storage\.shopifycloud\.test/bulk/(\d+)\.jsonl")


class FakeShopifyAdmin:
    """One shop's Admin GraphQL endpoint; the attributes expose what Shopify now holds."""

    def __init__(self, mock: responses.RequestsMock, shop: str, version: str = "2026-10"):
        self.state = empty_state()
        self.fake = ShopifyAdminFake(self.state, shop)
        self.url = f"https://{shop}/admin/api/{version}/graphql.json"
        self.requests: list[dict] = []
        # How many of the next mutations' answers to lose after Shopify has run them.
        self.lose_answers = 0
        mock.add_callback(responses.POST, self.url, callback=self.answer)
        mock.add_callback(responses.GET, BULK_RESULTS, callback=self.bulk_result)

    def answer(self, request):
        sent = json.loads(request.body)
        self.requests.append(sent)
        status, body = self.fake.answer(request.body, request.headers.get("X-Shopify-Access-Token"))
        if self.lose_answers and sent["query"].lstrip().startswith("mutation"):
            # Shopify ran the request, but its answer never arrived (a read timeout).
            self.lose_answers -= 1
            raise requests.ReadTimeout("the answer was lost on the way back")
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def bulk_result(self, request):
        number = BULK_RESULTS.match(request.url).group(1)
        operation = self.state["bulk_operations"].get(f"gid://shopify/BulkOperation/{number}")
        if operation is None or "lines" not in operation:
            return 404, {}, "Not Found"
        return 200, {}, "".join(json.dumps(line) + "\n" for line in operation["lines"])

    def code_refusal(self, code: str, at=None, customer_id: str | None = None) -> str | None:
        """Why Shopify's checkout would refuse the code at `at` (now) for this buyer, or None."""
        return self.fake.code_refusal(code, at, customer_id)

    @property
    def discounts(self) -> dict:
        return self.state["discounts"]

    @property
    def codes(self) -> dict:
        return self.state["codes"]

    @property
    def metafields(self) -> dict:
        return self.state["metafields"]

    @property
    def granted_scopes(self) -> str:
        return self.state["granted_scopes"]

    @granted_scopes.setter
    def granted_scopes(self, scopes: str) -> None:
        self.state["granted_scopes"] = scopes

    @property
    def refuse_next(self) -> int:
        return self.state["refuse_next"]

    @refuse_next.setter
    def refuse_next(self, count: int) -> None:
        self.state["refuse_next"] = count

    @property
    def throttle_next(self) -> int:
        return self.state["throttle_next"]

    @throttle_next.setter
    def throttle_next(self, count: int) -> None:
        self.state["throttle_next"] = count
