"""What the storefront may see of a campaign: content for its variant, never weights or caps."""

from app.models import Campaign


def public_campaign(campaign: Campaign, variant_key: str) -> dict:
    """The campaign as the widget renders it for one variant."""
    variant = next((v for v in campaign.variants if v.key == variant_key), None)
    content = dict(campaign.content or {}) | dict(variant.content if variant else {})
    consent = campaign.consent or {}
    return {
        "id": campaign.id,
        "game": campaign.game,
        "content": content,
        "consent": {
            "required": consent.get("required", True),
            "text": consent.get("text", ""),
            "version": consent.get("version"),
            "sms_text": consent.get("sms_text", ""),
        },
        # Slices only: the odds stay on the server, where the draw happens.
        "slices": [{"position": prize.position, "label": prize.label} for prize in campaign.prizes],
    }
