"""The prize draw: follows the weights, and caps retire slices, also under concurrency."""

import random
import threading
from collections import Counter

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Prize
from app.popups.draw import award, choose
from tests.shopify_signing import SHOP


def prizes(*specs) -> list[Prize]:
    return [
        Prize(id=i + 1, label=f"p{i}", kind="none", weight=w, cap=c, awarded_count=a)
        for i, (w, c, a) in enumerate(specs)
    ]


def test_distribution_follows_the_weights():
    rng = random.Random(20261122)
    pool = prizes((60, None, 0), (30, None, 0), (10, None, 0))
    draws = 20000
    counts = Counter(choose(pool, rng).id for _ in range(draws))
    expected = {1: 0.6, 2: 0.3, 3: 0.1}
    # Pearson's chi-square with 2 degrees of freedom; 13.8 is the 0.1% critical value.
    chi_square = sum((counts[i] - draws * p) ** 2 / (draws * p) for i, p in expected.items())
    assert chi_square < 13.8, counts


def test_zero_weight_and_capped_slices_never_win():
    rng = random.Random(7)
    pool = prizes((50, None, 0), (0, None, 0), (50, 5, 5))
    assert {choose(pool, rng).id for _ in range(500)} == {1}


def test_nothing_to_win_is_none():
    assert choose(prizes((10, 1, 1)), random.Random(1)) is None


def capped_campaign(cap: int) -> int:
    campaign = Campaign(shop_domain=SHOP, name="c", game="wheel", status="live")
    campaign.prizes = [
        Prize(label="rare", kind="percentage", value=10, weight=1, cap=cap, position=0)
    ]
    db.session.add(campaign)
    db.session.commit()
    return campaign.id


def test_concurrent_awards_never_exceed_a_cap(app):
    campaign_id = capped_campaign(cap=25)
    wins = []

    def play():
        with app.app_context():
            prize = db.session.scalar(select(Prize).where(Prize.campaign_id == campaign_id))
            won = award(prize)
            db.session.commit()
            wins.append(won)
            db.session.remove()

    threads = [threading.Thread(target=play) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(wins) == 25
    assert db.session.scalar(select(Prize.awarded_count)) == 25
