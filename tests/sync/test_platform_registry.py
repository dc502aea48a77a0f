"""A third platform is one module: registered, it is connected from the admin, gets every lead
from the outbox through the sync worker, and takes a backfill, with nothing else changed.

The platform below keeps what it is sent in memory instead of calling a vendor, so the test
watches Baton's side of the seam: what reaches `send` and `backfill_page`, and what the admin
shows."""

import pytest

from app.sync.outcomes import done
from app.sync.platforms import PLATFORMS, Platform
from app.sync.platforms.connections import require_form, save_connection
from app.sync.subjects import lead_of
from tests.factories import win
from tests.shopify_signing import bearer, session_token


class Ledger(Platform):
    name, label = "ledger", "Ledger"
    batch_sizes = {"lead": 50}
    backfill_page_size = 2
    calls = 0

    def __init__(self):
        self.leads: list[dict] = []
        self.batches: list[int] = []
        self.pages: list[list[str]] = []

    def connect(self, shop_domain, form):
        require_form(form)
        return save_connection(shop_domain, self.name, form, f"Ledger {form.list_id}")

    def client(self, connection):
        return self  # its own client: the backfill job reads `calls` from it

    def send(self, connection, tasks):
        self.batches.append(len(tasks))
        self.leads += [lead_of(task) for task in tasks]
        return {task.id: done("written to the ledger") for task in tasks}

    def backfill_page(self, backfill, state, customers, facts, held):
        self.pages.append([fact["email"] for fact in facts])
        return len(customers)


@pytest.fixture
def ledger(monkeypatch):
    platform = Ledger()
    monkeypatch.setitem(PLATFORMS, platform.name, platform)
    return platform


def test_a_registered_platform_is_connected_sent_leads_and_backfilled(
    client,
    campaign_id,
    ledger,
    run_worker,
):
    headers = bearer(session_token())
    answer = client.put(
        "/admin/api/connections/ledger", json={"api_key": "k", "list_id": "1"}, headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["list_name"] == "Ledger 1"

    codes = [win(client, campaign_id, f"shopper{n}@example.com", f"visitor-000{n}") for n in (1, 2)]
    run_worker()
    assert [(lead["email"], lead["code"]) for lead in ledger.leads] == [
        ("shopper1@example.com", codes[0]),
        ("shopper2@example.com", codes[1]),
    ]
    assert sum(ledger.batches) == 2

    assert client.post("/admin/api/connections/ledger/backfill", headers=headers).status_code == 202
    run_worker()
    run = client.get("/admin/api/connections/ledger/backfill", headers=headers).get_json()
    assert (run["status"], run["sent"]) == ("done", 2)
    assert ledger.pages == [["shopper1@example.com", "shopper2@example.com"]]


def test_the_admin_refuses_a_platform_that_is_not_registered(client, installed_shop):
    installed_shop()
    answer = client.put(
        "/admin/api/connections/ledger",
        json={"api_key": "k", "list_id": "1"},
        headers=bearer(session_token()),
    )
    assert answer.status_code == 404
    assert answer.get_json()["error"]["message"] == "Baton connects Klaviyo and Mailchimp."
