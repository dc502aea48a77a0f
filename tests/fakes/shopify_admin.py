"""The Shopify Admin fake (app/demo/shopify_fake.py) served through `responses` for tests."""

import json

import responses

from app.demo.shopify_fake import ShopifyAdminFake, empty_state


class FakeShopifyAdmin:
    """One shop's Admin GraphQL endpoint; the attributes expose what Shopify now holds."""

    def __init__(self, mock: responses.RequestsMock, shop: str, version: str = "2026-10"):
        self.state = empty_state()
        self.fake = ShopifyAdminFake(self.state, shop)
        self.url = f"https://{shop}/admin/api/{version}/graphql.json"
        mock.add_callback(responses.POST, self.url, callback=self.answer)

    def answer(self, request):
        status, body = self.fake.answer(request.body, request.headers.get("X-Shopify-Access-Token"))
        return status, {"Content-Type": "application/json"}, json.dumps(body)

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
