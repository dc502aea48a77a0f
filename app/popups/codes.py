"""Discount codes: generated unique per shop, pooled per prize, taken atomically by a play."""

import functools
from datetime import datetime

from sqlalchemy import bindparam, select, update

from app.extensions import db
from app.models import CouponCode, PrizeDiscount
from app.models.types import utcnow


def take_code(prize_id: int, lot_key: str, issued_at: datetime | None = None) -> CouponCode | None:
    """Mark one available code of the prize's lot as issued and return it; None when dry.

    One UPDATE ... RETURNING claims the code and loads it. Two concurrent plays never get the
    same code: on PostgreSQL the subquery skips rows another transaction has claimed (FOR
    UPDATE SKIP LOCKED) instead of waiting for them; SQLite runs one writer at a time.
    """
    parameters = {"prize": prize_id, "lot": lot_key, "at": issued_at or utcnow()}
    claim = _claim_statement(db.engine.dialect.name)
    return db.session.scalars(
        claim, parameters, execution_options={"synchronize_session": False}
    ).first()


@functools.cache
def _claim_statement(dialect_name: str):
    # Built once per database, values as parameters: every play runs it.
    lot = (
        select(PrizeDiscount.id)
        .where(
            PrizeDiscount.prize_id == bindparam("prize"), PrizeDiscount.lot_key == bindparam("lot")
        )
        .scalar_subquery()
    )
    next_code = (
        select(CouponCode.id)
        .where(CouponCode.discount_id == lot, CouponCode.status == "available")
        .order_by(CouponCode.id)
        .limit(1)
    )
    if dialect_name == "postgresql":
        next_code = next_code.with_for_update(skip_locked=True)
    return (
        update(CouponCode)
        .where(CouponCode.id == next_code.scalar_subquery())
        .values(status="issued", issued_at=bindparam("at"))
        .returning(CouponCode)
    )
