"""An email typed into the pop-up is not an identity (M1).

Anyone can type anyone's address. A play records the typed address as an unverified lead; it
never moves an email, merges profiles, attaches a browser or cart to the person who owns the
address, makes a draft order default to them, or lets the offer reveal what Baton knows of
them. Profiles join only through what Shopify vouches for.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Cart, Customer, Order, Play, Visitor
from tests import payloads
from tests.campaign_data import wheel
from tests.factories import PROXY, fresh_cart, live, offer, play, token_for
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token, signed_proxy_query

VICTIM = "ana@example.com"
ATTACKER_VISITOR = "visitor-attacker"
ATTACKER_CART = "attacker-cart"


def victim_with_history(client, run_worker) -> int:
    """A subscribed Shopify customer with an order and a cart of their own; their id."""
    post_webhook(client, "customers/create", payloads.customer(email=VICTIM))
    post_webhook(client, "carts/create", fresh_cart("victim-cart"))
    post_webhook(client, "checkouts/create", payloads.checkout(cart_token="victim-cart"))
    post_webhook(client, "orders/create", payloads.order(cart_token="victim-cart"))
    run_worker()
    return db.session.scalar(select(Customer.id).where(Customer.shopify_id == payloads.BIG_ID))


def attacker_plays(client, campaign_id, run_worker) -> dict:
    post_webhook(client, "carts/create", fresh_cart(ATTACKER_CART))
    run_worker()
    token = token_for(client, campaign_id, ATTACKER_VISITOR)
    answer = play(
        client, campaign_id, token, email=VICTIM, visitor=ATTACKER_VISITOR, cart_token=ATTACKER_CART
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_typing_a_customers_email_takes_over_nothing(client, campaign_id, run_worker, shopify):
    victim = victim_with_history(client, run_worker)
    attacker_plays(client, campaign_id, run_worker)

    assert db.session.get(Customer, victim).email == VICTIM
    [attacker_play] = db.session.scalars(select(Play)).all()
    assert attacker_play.email == VICTIM and attacker_play.customer_id is None
    assert db.session.scalar(select(Cart).where(Cart.token == ATTACKER_CART)).customer_id is None
    visitor = db.session.scalar(select(Visitor).where(Visitor.visitor_key == ATTACKER_VISITOR))
    assert visitor.customer_id is None
    assert db.session.scalar(select(Order)).customer_id == victim

    carts = {row["token"]: row for row in live(client).get_json()["carts"]}
    assert (carts[ATTACKER_CART]["customer"] or {}).get("id") != victim
    assert carts[ATTACKER_CART]["customer"]["email_verified"] is False
    made = client.post(
        f"/admin/api/carts/{ATTACKER_CART}/draft-order", json={}, headers=bearer(session_token())
    )
    assert made.status_code == 201 and made.get_json()["draft"]["email"] is None


def test_the_offer_reveals_nothing_about_a_typed_address(client, campaign_id, run_worker, shopify):
    victim_with_history(client, run_worker)  # subscribed, and a recent buyer
    attacker_plays(client, campaign_id, run_worker)
    second = Campaign(**{k: v for k, v in wheel().items() if k not in ("prizes", "variants")})
    second.shop_domain, second.holdout_percent = SHOP, 0
    db.session.add(second)
    db.session.commit()
    answer = offer(client, second.id, ATTACKER_VISITOR).get_json()
    # Had the typed email joined the victim, this browser would see "known_subscriber".
    assert answer["show"] == "game", answer


def test_a_lead_made_first_is_not_merged_into_the_customer_who_owns_the_address(
    client, campaign_id, run_worker, shopify
):
    attacker_plays(client, campaign_id, run_worker)
    [(lead, email, verified)] = db.session.execute(
        select(Customer.id, Customer.email, Customer.email_verified)
    ).all()
    assert (email, verified) == (VICTIM, False)

    victim = db.session.get(Customer, victim_with_history(client, run_worker))
    assert victim.id != lead and victim.email == VICTIM and victim.email_verified
    # The lead let go of the address Shopify vouches for, and kept its play.
    assert db.session.get(Customer, lead).email is None
    assert db.session.scalars(select(Play.customer_id)).all() == [lead]
    assert db.session.scalar(select(Cart).where(Cart.token == ATTACKER_CART)).customer_id is None


def test_a_signed_in_shopper_plays_as_themselves(client, campaign_id, run_worker, shopify):
    post_webhook(client, "customers/create", payloads.customer(consent_state="not_subscribed"))
    run_worker()
    victim = db.session.scalar(select(Customer.id))
    signed_in = {"logged_in_customer_id": str(payloads.BIG_ID)}
    token = offer(client, campaign_id, "visitor-own", customer=str(payloads.BIG_ID)).get_json()[
        "play_token"
    ]
    answer = client.post(
        "/proxy/play",
        query_string=signed_proxy_query(PROXY | signed_in),
        json={
            "campaign_id": campaign_id,
            "play_token": token,
            "email": "typo@example.com",
            "consent": True,
            "visitor_id": "visitor-own",
        },
    )
    assert answer.status_code == 200, answer.get_json()
    [own] = db.session.scalars(select(Play)).all()
    assert own.customer_id == victim and own.email == "typo@example.com"
    assert db.session.get(Customer, victim).email == VICTIM  # the typo claimed nothing
    visitor = db.session.scalar(select(Visitor).where(Visitor.visitor_key == "visitor-own"))
    assert visitor.customer_id == victim
