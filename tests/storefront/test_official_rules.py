"""The official-rules page: published through the app proxy, generated from the live campaign,
and in agreement with the draw the next play makes."""

import random
import re
from collections import Counter
from html.parser import HTMLParser

from sqlalchemy import select, update

from app.extensions import db
from app.models import Campaign, Prize
from app.popups.draw import choose
from tests.campaign_data import seed_pool, wheel
from tests.factories import PROXY, play, token_for
from tests.shopify_signing import SHOP, bearer, session_token, signed_proxy_query


class PrizeTable(HTMLParser):
    """The rows of the page's prize table, each cell's text with whitespace collapsed."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rules_page(client, campaign_id, shop=SHOP):
    query = signed_proxy_query(PROXY | {"shop": shop, "campaign_id": str(campaign_id)})
    return client.get("/proxy/rules", query_string=query)


def published(client, campaign_id) -> dict[str, list[str]]:
    """Prize label -> [what it gives, odds], as a shopper reads the table."""
    response = rules_page(client, campaign_id)
    assert response.status_code == 200
    table = PrizeTable()
    table.feed(response.get_data(as_text=True))
    return {label: rest for label, *rest in table.rows}


def percent(cell: str) -> float:
    return float(re.match(r"([\d.]+)%", cell).group(1)) / 100


def create(client, installed_shop, **overrides) -> dict:
    installed_shop()
    response = client.post(
        "/admin/api/campaigns",
        headers=bearer(session_token()),
        json=wheel(holdout_percent=0, variants=[{"key": "A", "weight": 1}]) | overrides,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_page_publishes_each_prize_with_its_odds_and_terms(client, campaign_id):
    response = rules_page(client, campaign_id)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    page = response.get_data(as_text=True)
    table = published(client, campaign_id)
    assert {label: cells[1] for label, cells in table.items()} == {
        "10% off": "60%",
        "Free shipping": "30%",
        "€20 off": "10% about 1 in 10",
    }
    assert "Limited to 50: 50 left." in table["€20 off"][0]
    assert "On orders of 80.00 or more." in table["€20 off"][0]
    assert "valid for 14 days after the day you play" in page
    assert "“Email me offers. Unsubscribe any time.”" in page
    assert "customers who placed an order in the last 30 days" in page
    assert "customers tagged wholesale" in page
    assert "Open to shoppers in: DE, FR." in page


def test_published_odds_are_the_odds_the_draw_uses(client, installed_shop):
    campaign = create(
        client,
        installed_shop,
        prizes=[
            {"label": "5% off", "kind": "percentage", "value": "5", "weight": 7},
            {"label": "15% off", "kind": "percentage", "value": "15", "weight": 2},
            {"label": "Free shipping", "kind": "free_shipping", "weight": 3, "cap": 40},
            {"label": "Better luck", "kind": "none", "weight": 5},
        ],
    )
    # Half the capped prize given out: it still draws at full weight.
    db.session.execute(update(Prize).where(Prize.label == "Free shipping").values(awarded_count=20))
    db.session.commit()

    odds = {label: percent(cells[1]) for label, cells in published(client, campaign["id"]).items()}
    prizes = db.session.scalars(
        select(Prize).where(Prize.campaign_id == campaign["id"]).order_by(Prize.position)
    ).all()
    rng = random.Random(20261129)
    draws = 30000
    counts = Counter(choose(prizes, rng).label for _ in range(draws))
    # Pearson's chi-square, 3 degrees of freedom; 16.3 is the 0.1% critical value. The page
    # rounds to two decimals, far inside what the test can tell apart.
    chi_square = sum((counts[k] - draws * p) ** 2 / (draws * p) for k, p in odds.items())
    assert chi_square < 16.3, (odds, counts)
    assert sum(odds.values()) == 1.0


def test_a_given_out_prize_leaves_the_draw_and_the_others_share_its_chance(client, installed_shop):
    campaign = create(
        client,
        installed_shop,
        prizes=[
            {"label": "10% off", "kind": "percentage", "value": "10", "weight": 2},
            {"label": "Free shipping", "kind": "free_shipping", "weight": 1},
            {"label": "€20 off", "kind": "fixed_amount", "value": "20", "weight": 1, "cap": 5},
        ],
    )
    assert [cells[1] for cells in published(client, campaign["id"]).values()] == [
        "50%",
        "25% about 1 in 4",
        "25% about 1 in 4",
    ]
    db.session.execute(update(Prize).where(Prize.cap == 5).values(awarded_count=5))
    db.session.commit()

    table = published(client, campaign["id"])
    assert table["10% off"][1] == "66.67%"
    assert table["Free shipping"][1] == "33.33%"
    assert table["€20 off"][1] == "All given out"
    assert "Limited to 5: 0 left." in table["€20 off"][0]


def test_the_page_follows_real_plays_until_nothing_is_left(client, installed_shop):
    campaign = create(
        client,
        installed_shop,
        prizes=[
            {"label": "The only one", "kind": "percentage", "value": "50", "weight": 1, "cap": 1}
        ],
    )
    seed_pool(campaign["prizes"][0]["id"], 3)
    assert published(client, campaign["id"])["The only one"][1] == "100%"

    won = play(client, campaign["id"], token_for(client, campaign["id"]))
    assert won.status_code == 200, won.get_json()

    page = rules_page(client, campaign["id"]).get_data(as_text=True)
    assert published(client, campaign["id"])["The only one"][1] == "All given out"
    assert "Every prize has been given out" in page


def test_drafts_and_other_shops_campaigns_are_not_published(client, campaign_id):
    db.session.execute(update(Campaign).values(status="draft"))
    db.session.commit()
    draft = rules_page(client, campaign_id)
    stranger = rules_page(client, campaign_id, shop="someone-else.myshopify.com")

    for response in (draft, stranger):
        assert response.status_code == 404
        assert "Official rules not found" in response.get_data(as_text=True)
        assert "Spring wheel" not in response.get_data(as_text=True)


def test_a_paused_campaign_still_shows_its_rules_and_says_it_is_closed(client, campaign_id):
    db.session.execute(update(Campaign).values(status="paused"))
    db.session.commit()
    page = rules_page(client, campaign_id).get_data(as_text=True)
    assert "Not open for play right now" in page
    assert "Official rules: Spring wheel" in page


def test_unsigned_and_malformed_requests_get_clear_errors(client, campaign_id):
    unsigned = client.get("/proxy/rules", query_string={"shop": SHOP, "campaign_id": campaign_id})
    malformed = client.get(
        "/proxy/rules", query_string=signed_proxy_query(PROXY | {"campaign_id": "one"})
    )
    assert unsigned.status_code == 401
    assert unsigned.get_json()["error"]["code"] == "invalid_signature"
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["code"] == "invalid_campaign"


def test_merchant_text_is_escaped(client, installed_shop):
    campaign = create(
        client,
        installed_shop,
        name="<script>alert(1)</script>",
        prizes=[{"label": "<b>10%</b>", "kind": "percentage", "value": "10", "weight": 1}],
    )
    page = rules_page(client, campaign["id"]).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<b>10%</b>" not in page
    assert "&lt;b&gt;10%&lt;/b&gt;" in page
