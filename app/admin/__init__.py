"""The embedded admin: its pages (/app), the pop-up preview, and the JSON API they call
(/admin/api), each subject a child of one blueprint, so every endpoint is admin.<subject>.<view>.
"""

from flask import Blueprint


def admin_blueprint() -> Blueprint:
    """The admin, with its children registered (a fresh parent for each app)."""
    from app.admin import (
        analytics,
        campaigns,
        carts,
        connections,
        customers,
        deliveries,
        exports,
        loyalty,
        pages,
        preview,
        privacy,
        setup,
        shop,
    )

    admin = Blueprint("admin", __name__)
    children = (pages, preview, shop, setup, campaigns, analytics, customers, carts, connections)
    for child in (*children, deliveries, privacy, exports, loyalty):
        admin.register_blueprint(child.bp)
    return admin
