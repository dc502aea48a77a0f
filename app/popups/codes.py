"""Discount codes: generated unique per shop, pooled per prize, taken atomically by a play."""

import secrets

from sqlalchemy import select, text

from app.extensions import db
from app.models import CouponCode, PrizeDiscount

# No 0/O, 1/I/L: shoppers copy these codes by eye.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BODY_LENGTH = 8


def new_code(prefix: str) -> str:
    """A fresh code such as BATON-7K2M9QXA: 31^8 (about 8.5e11) bodies per prefix."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{prefix}-{body}" if prefix else body


def take_code(prize_id: int, lot_key: str) -> CouponCode | None:
    """Mark one available code of the prize's lot as issued and return it; None when dry.

    Two concurrent plays never get the same code: PostgreSQL skips rows another transaction
    has locked; SQLite runs one writer at a time, so a single UPDATE ... RETURNING is atomic.
    """
    lot = (
        select(PrizeDiscount.id)
        .where(PrizeDiscount.prize_id == prize_id, PrizeDiscount.lot_key == lot_key)
        .scalar_subquery()
    )
    if db.engine.dialect.name == "postgresql":
        code = db.session.scalar(
            select(CouponCode)
            .where(CouponCode.discount_id == lot, CouponCode.status == "available")
            .order_by(CouponCode.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if code is None:
            return None
        code.status = "issued"
        db.session.flush()
        return code
    code_id = db.session.execute(
        text(
            "UPDATE coupon_code SET status = 'issued' WHERE id = ("
            "SELECT id FROM coupon_code WHERE status = 'available' AND discount_id = ("
            "SELECT id FROM prize_discount WHERE prize_id = :prize AND lot_key = :lot) "
            "ORDER BY id LIMIT 1) RETURNING id"
        ),
        {"prize": prize_id, "lot": lot_key},
    ).scalar()
    return db.session.get(CouponCode, code_id) if code_id is not None else None
