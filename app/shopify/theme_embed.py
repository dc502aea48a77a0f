"""Is Baton's app embed switched on in the live theme? Read from the theme's settings_data.json.

An app embed the merchant turned on appears in `current.blocks` of config/settings_data.json
as a block of type shopify://apps/<app>/blocks/baton-embed/<uid>, with `disabled` false.
"""

import json
import re

from app.shopify.graphql import AdminGraphQL, ShopifyAuthError, ShopifyGraphQLError

EMBED_HANDLE = "baton-embed"
MAIN_THEME_SETTINGS = """
query MainThemeSettings {
  themes(first: 1, roles: [MAIN]) {
    nodes {
      id
      name
      files(filenames: ["config/settings_data.json"], first: 1) {
        nodes { filename body { ... on OnlineStoreThemeFileBodyText { content } } }
      }
    }
  }
}"""
# settings_data.json starts with a /* ... */ notice that JSON does not allow.
LEADING_COMMENT = re.compile(r"^\s*/\*.*?\*/", re.DOTALL)


def embed_enabled(client: AdminGraphQL) -> bool | None:
    """True or False from the live theme; None when Shopify cannot tell us (scope, outage)."""
    try:
        themes = client.execute(MAIN_THEME_SETTINGS)["themes"]["nodes"]
    except (ShopifyGraphQLError, ShopifyAuthError, KeyError, TypeError):
        return None
    if not themes:
        return False
    files = themes[0].get("files", {}).get("nodes") or []
    content = ((files[0].get("body") or {}).get("content") if files else None) or ""
    return settings_enable_embed(content)


def settings_enable_embed(content: str) -> bool:
    try:
        settings = json.loads(LEADING_COMMENT.sub("", content, count=1) or "{}")
    except ValueError:
        return False
    current = settings.get("current") if isinstance(settings, dict) else None
    blocks = current.get("blocks") if isinstance(current, dict) else None
    return any(
        f"/blocks/{EMBED_HANDLE}/" in str(block.get("type", "")) and not block.get("disabled")
        for block in (blocks or {}).values()
        if isinstance(block, dict)
    )


def activation_link(shop_domain: str, api_key: str) -> str:
    """The theme editor with Baton's embed selected, ready to switch on."""
    return (
        f"https://{shop_domain}/admin/themes/current/editor"
        f"?context=apps&activateAppId={api_key}/{EMBED_HANDLE}"
    )
