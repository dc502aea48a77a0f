"""The points ledger: entries are appended, never changed, each under its idempotency key.

A customer's balance and lifetime points are sums of entries, so replaying a webhook (or
running a job twice) can never earn or spend twice: the key is already taken.
"""

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import POINTS_KINDS, PointsEntry
from app.upserts import insert_ignore


def record_entry(
    shop_domain: str,
    customer_id: int,
    kind: str,
    points: int,
    source: str,
    key: str,
    occurred_at: datetime,
    order_shopify_id: int | None = None,
) -> bool:
    """Append an entry unless its key was used before; True when this call added it."""
    if kind not in POINTS_KINDS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    return insert_ignore(
        PointsEntry,
        {
            "shop_domain": shop_domain,
            "customer_id": customer_id,
            "kind": kind,
            "points": points,
            "source": source,
            "idempotency_key": key,
            "order_shopify_id": order_shopify_id,
            "occurred_at": occurred_at,
        },
    )


def balance(shop_domain: str, customer_id: int) -> int:
    """Points the customer holds now."""
    return _sum(shop_domain, PointsEntry.customer_id == customer_id)


def lifetime_points(shop_domain: str, customer_id: int) -> int:
    """Every point the customer ever earned, whatever was spent or reversed since."""
    return _sum(shop_domain, PointsEntry.customer_id == customer_id, PointsEntry.kind == "earn")


def order_points(shop_domain: str, order_shopify_id: int) -> int:
    """What an order brought its customer, net of anything already reversed."""
    return _sum(shop_domain, PointsEntry.order_shopify_id == order_shopify_id)


def ledger_of(shop_domain: str, customer_id: int, limit: int = 200) -> list[PointsEntry]:
    """The customer's latest entries, newest first."""
    return list(
        db.session.scalars(
            select(PointsEntry)
            .where(PointsEntry.shop_domain == shop_domain, PointsEntry.customer_id == customer_id)
            .order_by(PointsEntry.occurred_at.desc(), PointsEntry.id.desc())
            .limit(limit)
        )
    )


def _sum(shop_domain: str, *where) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.shop_domain == shop_domain, *where
        )
    )
    return int(total)
