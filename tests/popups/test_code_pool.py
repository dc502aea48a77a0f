"""Code pools: two concurrent plays never get the same code."""

import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CouponCode, Prize, PrizeDiscount
from app.popups.codes import take_code
from app.popups.shopify_codes import OPEN_LOT
from app.shopify.discount_codes import ALPHABET, new_code
from tests.shopify_signing import SHOP


def pool_of(size: int, lot_key: str = OPEN_LOT) -> int:
    campaign = Campaign(shop_domain=SHOP, name="c", game="wheel", status="live")
    prize = Prize(label="10%", kind="percentage", value=10, weight=1, position=0)
    campaign.prizes = [prize]
    db.session.add(campaign)
    db.session.flush()
    lot = PrizeDiscount(shop_domain=SHOP, prize_id=prize.id, lot_key=lot_key, status="open")
    db.session.add(lot)
    db.session.flush()
    db.session.add_all(
        CouponCode(
            shop_domain=SHOP,
            code=new_code("T"),
            prize_id=prize.id,
            discount_id=lot.id,
            status="available",
        )
        for _ in range(size)
    )
    db.session.commit()
    return prize.id


def test_codes_use_an_unambiguous_alphabet():
    code = new_code("SPRING")
    prefix, body = code.split("-")
    assert prefix == "SPRING" and len(body) == 8
    assert not set(body) & set("0O1IL") and set(body) <= set(ALPHABET)


def test_two_hundred_concurrent_plays_get_two_hundred_distinct_codes(app):
    prize_id = pool_of(210)
    taken: list[str | None] = []
    lock = threading.Lock()

    def play():
        with app.app_context():
            code = take_code(prize_id, OPEN_LOT)
            value = code.code if code else None
            db.session.commit()
            db.session.remove()
        with lock:
            taken.append(value)

    threads = [threading.Thread(target=play) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in taken
    assert len(set(taken)) == 200
    issued = db.session.scalar(
        select(func.count()).select_from(CouponCode).where(CouponCode.status == "issued")
    )
    assert issued == 200


def test_a_dry_pool_says_so():
    prize_id = pool_of(1)
    assert take_code(prize_id, OPEN_LOT) is not None
    db.session.commit()
    assert take_code(prize_id, OPEN_LOT) is None


def test_a_code_is_only_taken_from_the_lot_being_handed_out():
    prize_id = pool_of(3, lot_key="2026-11-27+7d")
    assert take_code(prize_id, "2026-11-28+7d") is None
    assert take_code(prize_id, "2026-11-27+7d") is not None
