"""GET /metrics: absent without METRICS_TOKEN, refused without the token, and counting plays.

Multiprocess mode across gunicorn's and the worker's processes is run in test_production.py.
"""

import dataclasses

import pytest

from tests.factories import metric, play, token_for

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scrape(app, client, monkeypatch):
    settings = dataclasses.replace(app.config["BATON"], metrics_token=TOKEN)
    monkeypatch.setitem(app.config, "BATON", settings)
    return lambda: client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})


def test_without_a_token_set_there_is_no_metrics_endpoint(client):
    assert client.get("/metrics").status_code == 404


def test_a_wrong_token_is_refused(scrape, client):
    answer = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_plays_are_counted_by_outcome_and_timed(scrape, client, campaign_id):
    before = scrape().get_data(as_text=True)
    won = play(client, campaign_id, token_for(client, campaign_id), email="m1@example.com")
    again = play(client, campaign_id, "spent-token", email="m1@example.com")
    after = scrape().get_data(as_text=True)

    assert won.status_code == 200 and again.status_code >= 400
    outcome = "won" if won.get_json()["code"] else "no_code"
    for name, labels, added in (
        ("baton_plays_total", {"outcome": outcome}, 1),
        ("baton_plays_total", {"outcome": "refused"}, 1),
        ("baton_play_duration_seconds_count", {}, 2),
    ):
        assert metric(after, name, **labels) - metric(before, name, **labels) == added, name
    assert metric(after, "baton_code_pool_available") > 0
