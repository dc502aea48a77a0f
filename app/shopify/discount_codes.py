"""Shopify discount codes as Baton makes them: the code's alphabet, and the documents that
create a code discount or find one by its code."""

import secrets

# No 0/O, 1/I/L: shoppers copy these codes by eye.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BODY_LENGTH = 8


def new_code(prefix: str) -> str:
    """A fresh code such as BATON-7K2M9QXA: 31^8 (about 8.5e11) bodies per prefix."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{prefix}-{body}" if prefix else body


# The first code's id comes back with the discount, so it can be withdrawn like the rest.
_CREATED = """
    codeDiscountNode {
      id
      codeDiscount { ... on %s { codes(first: 1) { nodes { id code } } } }
    }
    userErrors { field message code }"""
CREATE_BASIC = """
mutation CreateBasic($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {%s
  }
}""" % (_CREATED % "DiscountCodeBasic")
CREATE_FREE_SHIPPING = """
mutation CreateFreeShipping($discount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $discount) {%s
  }
}""" % (_CREATED % "DiscountCodeFreeShipping")
# A create whose answer was lost may have run: its first code finds it.
FIND_BY_CODE = """
query DiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      ... on DiscountCodeBasic { codes(first: 1) { nodes { id code } } }
      ... on DiscountCodeFreeShipping { codes(first: 1) { nodes { id code } } }
    }
  }
}"""
