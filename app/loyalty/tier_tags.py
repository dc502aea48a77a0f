"""The Shopify customer's tier tag: tagsAdd for the tier a member entered, tagsRemove for
the one they left, so the merchant's segments and automations see tiers too."""

from app.extensions import db
from app.loyalty.tiers import tier_tag
from app.models import Customer, LoyaltyMember
from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError

TAGS_ADD = """
mutation AddTierTag($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } }
}"""
TAGS_REMOVE = """
mutation RemoveTierTag($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } }
}"""


def bring_tags_in_line(client: AdminGraphQL, member: LoyaltyMember) -> None:
    """Remove the old tier's tag, add the new one's, then record what Shopify holds.
    Both mutations are idempotent, so a retry after a lost answer changes nothing more."""
    if member.tier == member.tagged_tier:
        return
    customer = db.session.get(Customer, member.customer_id)
    if customer is None or customer.shopify_id is None:
        member.tagged_tier = member.tier  # nobody in Shopify to tag
        return
    resource = f"gid://shopify/Customer/{customer.shopify_id}"
    if member.tagged_tier is not None:
        _tag(client, TAGS_REMOVE, "tagsRemove", resource, member.tagged_tier)
    if member.tier is not None:
        _tag(client, TAGS_ADD, "tagsAdd", resource, member.tier)
    member.tagged_tier = member.tier
    db.session.flush()


def _tag(client: AdminGraphQL, document: str, field: str, resource: str, tier: str) -> None:
    result = client.execute(document, {"id": resource, "tags": [tier_tag(tier)]})[field]
    if result["userErrors"]:
        raise ShopifyGraphQLError(result["userErrors"])
