"""Delivery faults end to end: the Procfile's gunicorn and worker on a scratch database and a
redis-server of this module's own, with Shopify played by signed requests that are sent again
until they are acknowledged, as Shopify retries.

Whatever goes wrong (every delivery sent three times, updates out of order, the worker killed
with SIGKILL, Redis gone for 30 s, the database unavailable), each delivery ends stored once and
processed, and nothing it does happens twice.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
import sqlalchemy as sa
from redis import Redis
from sqlalchemy.orm import Session

from app.config import ROOT
from app.models import (
    BackfillRun,
    Checkout,
    Customer,
    DeliveryStatus,
    Order,
    Shop,
    TimelineEvent,
    WebhookDelivery,
)
from app.models.types import utcnow
from tests import payloads
from tests.conftest import deployment_environment
from tests.services import RedisServer, free_port
from tests.services import test_database as scratch_database
from tests.shopify_signing import SHOP, webhook_headers

# Seconds after which the sweeper frees a claim (BATON_CLAIM_TIMEOUT_SECONDS) in the tests
# that leave claims behind; the others keep the default, so any second run would show.
SHORT_CLAIM_TIMEOUT = "8"
PROCESSED = DeliveryStatus.PROCESSED


# --- the deployment: scratch database, private Redis, gunicorn, worker processes -------------


@pytest.fixture(scope="module")
def fault_redis():
    """A redis-server of this module's own: stopping it cannot break any other test."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fault_database():
    """A scratch database (SQLite, or PostgreSQL with TEST_DATABASE_URL), migrated as the
    Procfile's release step does it."""
    with scratch_database() as url:
        environment = os.environ | deployment_environment(url, "redis://127.0.0.1:9/0")
        release = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            timeout=120,
        )
        assert release.returncode == 0, release.stderr.decode()[-3000:]
        yield url


@pytest.fixture(scope="module")
def engine(fault_database):
    """The test's own connection to the scratch database."""
    sqlite_options = {"connect_args": {"timeout": 30}}
    engine = sa.create_engine(
        fault_database,
        pool_pre_ping=True,
        **(sqlite_options if fault_database.startswith("sqlite") else {}),
    )
    yield engine
    engine.dispose()


def baton_environment(database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """What the web and worker processes run with: a test deployment, sweeping every second."""
    return (
        os.environ
        | deployment_environment(database_url, redis_url)
        | {
            "BATON_SWEEP_INTERVAL": "1",
            "BATON_SWEEP_GRACE_SECONDS": "2",
            # Loopback only: an Admin API call would meet a closed port, never the internet.
            "SHOPIFY_ADMIN_BASE_URL": "http://127.0.0.1:9",
        }
        | settings
    )


def stop_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the process, then SIGKILL its whole group: no child outlives a test."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def log_tail(log, size: int = 3000) -> str:
    """The end of a process's output, for failure messages."""
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-size:]


@pytest.fixture(scope="module")
def intake(fault_database, fault_redis):
    """The Procfile's web process (gunicorn with gunicorn.conf.py); yields its base URL."""
    port = free_port()
    environment = baton_environment(fault_database, fault_redis.url) | {
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "",
    }
    # The Procfile's command; --bind keeps it on loopback (gunicorn.conf.py binds 0.0.0.0).
    command = [sys.executable, "-m", "gunicorn", "app:create_app()", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            if not wait_until(lambda: answers(base), seconds=30):
                pytest.fail(f"gunicorn did not start: {log_tail(log)}")
            yield base
        finally:
            stop_group(process)


def answers(base: str) -> bool:
    try:
        requests.get(base + "/nonexistent", timeout=1)
    except requests.RequestException:
        return False
    return True


class Worker:
    """`python -m workers.main` in a session of its own, so one signal reaches its children."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workers.main"],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its RQ children at once, as the OOM killer might."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()

    def output(self) -> str:
        return log_tail(self.log)


@pytest.fixture
def deployment(fault_database, fault_redis, engine, intake):
    """Empty tables and Redis, the installed shop, and a way to start workers; all stopped
    afterwards, whatever happened."""
    empty(engine)
    if fault_redis.process is None:
        fault_redis.start()
    with Redis.from_url(fault_redis.url) as redis:
        redis.flushdb()
    install_shop(engine)
    started: list[Worker] = []

    def start_worker(**settings: str) -> Worker:
        worker = Worker(baton_environment(fault_database, fault_redis.url, **settings))
        started.append(worker)
        return worker

    try:
        yield Deployment(fault_database, fault_redis, engine, intake, start_worker)
    finally:
        for worker in started:
            worker.stop()
        if fault_redis.process is None:
            fault_redis.start()


def empty(engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Shop.metadata.sorted_tables):
            connection.execute(table.delete())


def install_shop(engine) -> None:
    """The shop, installed, with its import just finished: the worker's sweeper starts no
    reconciliation, whose Admin API calls and writes are not what these tests are about."""
    # The access token is encrypted with the conftest app's key, which the deployment shares.
    with Session(engine) as session:
        session.add(
            Shop(
                domain=SHOP,
                access_token="shpat_installed",
                scopes="read_orders,read_customers,read_checkouts",
                installed_at=utcnow(),
                token_version=1,
            )
        )
        session.add(
            BackfillRun(shop_domain=SHOP, kind="backfill", status="completed", finished_at=utcnow())
        )
        session.commit()


@dataclass
class Deployment:
    """Everything a fault test drives and inspects."""

    database_url: str
    redis: RedisServer
    engine: sa.Engine
    base_url: str
    start_worker: Callable[..., Worker]

    def deliveries(self) -> list[WebhookDelivery]:
        with Session(self.engine) as session:
            return list(session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))

    def statuses(self) -> Counter:
        with Session(self.engine) as session:
            rows = session.execute(
                sa.select(WebhookDelivery.status, sa.func.count()).group_by(WebhookDelivery.status)
            )
            return Counter(dict(rows.all()))

    def wait_until_processed(self, count: int, seconds: float, worker: Worker) -> None:
        """Generous deadline for every one of `count` deliveries to end processed."""
        if not wait_until(lambda: self.statuses()[PROCESSED] >= count, seconds):
            pytest.fail(f"only {self.statuses()} of {count} processed\n{worker.output()}")


def wait_until(predicate: Callable[[], bool], seconds: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


# --- Shopify: signed deliveries, sent until acknowledged -------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery, signed once: every retry repeats its event id and signature."""

    topic: str
    body: bytes
    headers: tuple[tuple[str, str], ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.topic, dict(self.headers)["X-Shopify-Event-Id"]


def delivery(topic: str, payload: dict) -> Delivery:
    body = json.dumps(payload).encode()
    return Delivery(topic, body, tuple(webhook_headers(topic, body, shop=SHOP).items()))


@dataclass(frozen=True)
class Answer:
    """What intake said to one attempt."""

    delivery: Delivery
    status: int
    headers: dict
    body: dict | None
    at: float  # time.monotonic() when the answer arrived


class Shopify:
    """Sends deliveries as Shopify does: anything but a 2xx, or no answer, is sent again."""

    def __init__(self, base_url: str, retry_every: float = 0.5, give_up_after: float = 60) -> None:
        self.url = base_url + "/webhooks"
        self.retry_every = retry_every
        self.give_up_after = give_up_after
        self.lock = threading.Lock()
        self.answers: list[Answer] = []
        self.unanswered: list[str] = []

    def deliver(self, sent: Delivery) -> Answer:
        """Send until a 2xx arrives; returns that answer."""
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            answer = self.attempt(sent)
            if answer is not None and 200 <= answer.status < 300:
                return answer
            time.sleep(self.retry_every)
        raise AssertionError(f"{sent.key} was never acknowledged")

    def attempt(self, sent: Delivery) -> Answer | None:
        try:
            response = requests.post(
                self.url, data=sent.body, headers=dict(sent.headers), timeout=30
            )
        except requests.RequestException as error:
            with self.lock:
                self.unanswered.append(f"{sent.key}: {error!r}")
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        answer = Answer(sent, response.status_code, dict(response.headers), body, time.monotonic())
        with self.lock:
            self.answers.append(answer)
        return answer

    def deliver_all(self, deliveries: list[Delivery], threads: int = 4) -> list[Answer]:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(self.deliver, deliveries))

    def refused(self) -> list[Answer]:
        return [answer for answer in self.answers if not 200 <= answer.status < 300]

    def acknowledged(self) -> set[tuple[str, str]]:
        return {answer.delivery.key for answer in self.answers if 200 <= answer.status < 300}


# --- shoppers: a customer update, a checkout and an order each -------------------------------


@dataclass(frozen=True)
class Shopper:
    """One person's customer, checkout and order ids, all distinct per number."""

    number: int

    @property
    def customer_id(self) -> int:
        return 7_100_000_000_000 + self.number

    @property
    def order_id(self) -> int:
        return 5_200_000_000_000 + self.number

    @property
    def email(self) -> str:
        return f"shopper{self.number}@example.com"

    @property
    def checkout_token(self) -> str:
        return f"ck-fault-{self.number}"

    @property
    def total(self) -> str:
        return f"{20 + self.number}.50"

    def customer(self, **changes) -> dict:
        return payloads.customer(id=self.customer_id, email=self.email, **changes)

    def checkout(self, **changes) -> dict:
        return (
            payloads.checkout(
                token=self.checkout_token,
                cart_token=f"cart-fault-{self.number}",
                email=self.email,
                customer_id=self.customer_id,
            )
            | changes
        )

    def order(self, **changes) -> dict:
        return (
            payloads.order(
                id=self.order_id,
                checkout_token=self.checkout_token,
                cart_token=f"cart-fault-{self.number}",
                email=self.email,
                customer_id=self.customer_id,
                total=self.total,
            )
            | changes
        )

    def deliveries(self) -> list[Delivery]:
        return [
            delivery("customers/update", self.customer()),
            delivery("checkouts/update", self.checkout()),
            delivery("orders/create", self.order()),
        ]


def shoppers(first: int, count: int) -> list[Shopper]:
    return [Shopper(number) for number in range(first, first + count)]


# --- what every test asserts -----------------------------------------------------------------


def assert_nothing_lost(deployment: Deployment, sent: list[Delivery], shopify: Shopify) -> None:
    """Every delivery sent was acknowledged, is stored exactly once, and ended processed."""
    expected = {item.key for item in sent}
    assert shopify.acknowledged() == expected
    rows = deployment.deliveries()
    stored = Counter((row.topic, row.event_id) for row in rows)
    assert [key for key, times in stored.items() if times > 1] == []
    assert set(stored) == expected
    unfinished = [
        (row.id, row.topic, row.status, row.error) for row in rows if row.status != PROCESSED
    ]
    assert unfinished == []


def assert_single_effects(deployment: Deployment, people: list[Shopper]) -> None:
    """One profile, one checkout and one order per shopper; totals and timeline counted once."""
    with Session(deployment.engine) as session:
        orders = Counter(session.scalars(sa.select(Order.shopify_id)))
        assert orders == Counter({person.order_id: 1 for person in people})
        checkouts = Counter(session.scalars(sa.select(Checkout.token)))
        assert checkouts == Counter({person.checkout_token: 1 for person in people})
        customers = list(session.scalars(sa.select(Customer)))
        by_id = {customer.shopify_id: customer for customer in customers}
        assert len(customers) == len(people)
        for person in people:
            customer = by_id[person.customer_id]
            assert customer.email == person.email
            assert (customer.orders_count, customer.total_spent) == (1, Decimal(person.total))
        events = Counter(
            session.execute(sa.select(TimelineEvent.kind, TimelineEvent.customer_id)).all()
        )
        for customer in customers:
            assert events[("order_placed", customer.id)] == 1
            assert events[("checkout_started", customer.id)] == 1


# --- 1. duplicates ---------------------------------------------------------------------------


def send_concurrently(shopify: Shopify, sent: Delivery, copies: int = 3) -> list[Answer]:
    """The same delivery from `copies` threads released at the same instant."""
    start = threading.Barrier(copies)
    answers: list[Answer] = []

    def send() -> None:
        start.wait(timeout=10)
        answers.append(shopify.deliver(sent))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.timeout(120)
def test_every_delivery_sent_three_times_is_stored_and_processed_once(deployment):
    worker = deployment.start_worker()
    shopify = Shopify(deployment.base_url)
    people = shoppers(1, 16)
    sent_once = [item for person in people for item in person.deliveries()]
    racing, late = sent_once[:24], sent_once[24:]
    answers: list[Answer] = []
    # Three copies at the same instant: the INSERT ... ON CONFLICT decides which one stores.
    for sent in racing:
        answers += send_concurrently(shopify, sent)
    # Shopify's retries after the first copy was processed, two of them racing each other.
    answers += shopify.deliver_all(late)
    deployment.wait_until_processed(len(sent_once), seconds=60, worker=worker)
    for sent in late:
        answers += send_concurrently(shopify, sent, copies=2)
    assert len(answers) == 3 * len(sent_once)
    new = Counter(answer.delivery.key for answer in answers if not answer.body["duplicate"])
    assert new == Counter({sent.key: 1 for sent in sent_once})
    deployment.wait_until_processed(len(sent_once), seconds=60, worker=worker)
    time.sleep(3)  # two sweeps: a duplicate queued late would run now, and show
    assert_nothing_lost(deployment, sent_once, shopify)
    assert {row.attempts for row in deployment.deliveries()} == {1}
    assert_single_effects(deployment, people)
    assert worker.alive(), worker.output()


# --- 2. out-of-order updates -----------------------------------------------------------------

OLDER, NEWER = "2026-11-22T10:00:00-05:00", "2026-11-22T12:00:00-05:00"


def versions(person: Shopper) -> tuple[list[Delivery], list[Delivery]]:
    """The newer and the older version of a person's customer, checkout and order."""
    newer = [
        delivery(
            "customers/update",
            person.customer(
                updated_at=NEWER,
                first_name="Newer",
                tags="newer",
                consent_state="unsubscribed",
                consent_at=NEWER,
            ),
        ),
        delivery("checkouts/update", person.checkout(updated_at=NEWER, total_price="45.00")),
        delivery(
            "orders/paid",
            person.order(updated_at=NEWER, financial_status="paid", total_price="45.00"),
        ),
    ]
    older = [
        delivery(
            "customers/update",
            person.customer(
                updated_at=OLDER,
                first_name="Older",
                tags="older",
                consent_state="subscribed",
                consent_at=OLDER,
            ),
        ),
        delivery("checkouts/update", person.checkout(updated_at=OLDER, total_price="38.00")),
        delivery(
            "orders/create",
            person.order(updated_at=OLDER, financial_status="pending", total_price="38.00"),
        ),
    ]
    return newer, older


def older_first(person: Shopper) -> list[Delivery]:
    newer, older = versions(person)
    return [item for pair in zip(older, newer, strict=True) for item in pair]


def assert_newest_state(deployment: Deployment, people: list[Shopper]) -> None:
    with Session(deployment.engine) as session:
        for person in people:
            customer = session.scalar(
                sa.select(Customer).where(Customer.shopify_id == person.customer_id)
            )
            assert (customer.first_name, customer.tags) == ("Newer", "newer")
            assert customer.email_consent_state == "unsubscribed"
            checkout = session.scalar(
                sa.select(Checkout).where(Checkout.token == person.checkout_token)
            )
            assert checkout.total == Decimal("45.00")
            order = session.scalar(sa.select(Order).where(Order.shopify_id == person.order_id))
            assert (order.financial_status, order.total) == ("paid", Decimal("45.00"))
            # Two deliveries of one order: counted once in the customer's totals.
            assert (customer.orders_count, customer.total_spent) == (1, Decimal("45.00"))


@pytest.mark.timeout(120)
def test_older_updates_arriving_after_newer_ones_leave_the_newest_state(deployment):
    worker = deployment.start_worker()
    shopify = Shopify(deployment.base_url)
    settled, racing = shoppers(101, 6), shoppers(201, 6)
    sent: list[Delivery] = []
    # Settled: every newer version is processed before the older one is even sent.
    newer = [item for person in settled for item in versions(person)[0]]
    sent += newer
    shopify.deliver_all(newer)
    deployment.wait_until_processed(len(sent), seconds=60, worker=worker)
    older = [item for person in settled for item in versions(person)[1]]
    sent += older
    shopify.deliver_all(older)
    # Racing: both versions at once, older first, so workers may see them in either order.
    both = [item for person in racing for item in older_first(person)]
    sent += both
    shopify.deliver_all(both, threads=6)
    deployment.wait_until_processed(len(sent), seconds=60, worker=worker)
    assert_nothing_lost(deployment, sent, shopify)
    assert_newest_state(deployment, settled + racing)
    with Session(deployment.engine) as session:
        changes = Counter(
            session.scalars(
                sa.select(Customer.shopify_id)
                .join(TimelineEvent, TimelineEvent.customer_id == Customer.id)
                .where(TimelineEvent.kind == "consent_changed")
            )
        )
        orders = Counter(session.scalars(sa.select(Order.shopify_id)))
    # The late, older subscription changed nothing: no event, no re-subscription.
    assert {person.customer_id: changes[person.customer_id] for person in settled} == {
        person.customer_id: 1 for person in settled
    }
    assert orders == Counter({person.order_id: 1 for person in settled + racing})
    assert worker.alive(), worker.output()


# --- 3. the worker killed mid-burst ----------------------------------------------------------


@pytest.mark.timeout(150)
def test_a_worker_killed_mid_burst_loses_nothing_and_repeats_nothing(deployment):
    settings = {"BATON_CLAIM_TIMEOUT_SECONDS": SHORT_CLAIM_TIMEOUT}
    worker = deployment.start_worker(**settings)
    shopify = Shopify(deployment.base_url)
    people = shoppers(301, 100)
    sent = [item for person in people for item in person.deliveries()]
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(shopify.deliver_all, sent)
        # SIGKILL while a batch is claimed and part done: its claims outlive the worker.
        midway = wait_until(
            lambda: deployment.statuses()[DeliveryStatus.PROCESSING] > 0, 60, every=0.02
        )
        worker.kill()
        assert midway, worker.output()
        abandoned = {
            row.id for row in deployment.deliveries() if row.status == DeliveryStatus.PROCESSING
        }
        time.sleep(1)
        worker = deployment.start_worker(**settings)
        burst.result(timeout=90)
    assert abandoned, "the kill landed between batches; no claim was left behind"
    deployment.wait_until_processed(len(sent), seconds=90, worker=worker)
    assert_nothing_lost(deployment, sent, shopify)
    attempts = {row.id: row.attempts for row in deployment.deliveries()}
    # The abandoned ones ran a second time after their claims were freed; nothing ran thrice.
    assert {attempts[row_id] for row_id in abandoned} == {2}
    assert max(attempts.values()) <= 2
    assert_single_effects(deployment, people)
    assert worker.alive(), worker.output()


# --- 4. Redis gone for 30 seconds ------------------------------------------------------------

REDIS_OUTAGE_SECONDS = 30


def deliver_for(shopify: Shopify, people: Iterator[Shopper], seconds: float) -> list[Delivery]:
    """Keep sending new shoppers' deliveries, a few a second, for this long."""
    sent = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = next(people).deliveries()
        shopify.deliver_all(batch, threads=3)
        sent += batch
        time.sleep(0.3)
    return sent


@pytest.mark.timeout(150)
def test_intake_and_the_worker_ride_out_redis_stopping_for_30_seconds(deployment):
    worker = deployment.start_worker()
    shopify = Shopify(deployment.base_url)
    people = iter(shoppers(501, 2000))
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(deliver_for, shopify, people, REDIS_OUTAGE_SECONDS + 6)
        time.sleep(3)
        deployment.redis.stop()  # mid-burst: announced ids and queued jobs go with it
        stopped = time.monotonic()
        time.sleep(REDIS_OUTAGE_SECONDS)
        # Stored and acknowledged, but no worker can have heard of them (the second's margin
        # leaves out a request that announced its delivery just before Redis went).
        during = {answer.delivery.key for answer in shopify.answers if answer.at > stopped + 1}
        statuses = {(row.topic, row.event_id): row.status for row in deployment.deliveries()}
        assert during, "intake answered nothing while Redis was down"
        assert {statuses[key] for key in during} == {DeliveryStatus.RECEIVED}
        assert worker.alive(), worker.output()
        deployment.redis.start()  # the same port, and empty: every announcement is gone
        sent = burst.result(timeout=60)
    assert shopify.refused() == []  # 200 at the first attempt, Redis or not
    assert shopify.unanswered == []
    deployment.wait_until_processed(len(sent), seconds=60, worker=worker)
    assert_nothing_lost(deployment, sent, shopify)
    assert_single_effects(deployment, shoppers(501, len(sent) // 3))
    assert worker.alive(), worker.output()


# --- 5. the database unavailable -------------------------------------------------------------


@contextmanager
def database_unavailable(database_url: str) -> Iterator[None]:
    """PostgreSQL refuses connections to the database and drops its sessions; SQLite stays
    locked by another connection for longer than the app's busy_timeout (5 s)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, timeout=30, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": url.database},
            )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def assert_refused_as_unavailable(answers: list[Answer]) -> None:
    """Every refusal is a clear 503 in the app's JSON error shape, with Retry-After."""
    assert answers, "intake never noticed the outage"
    for answer in answers:
        assert answer.status == 503, answer
        assert answer.headers.get("Retry-After", "").isdigit(), answer.headers
        assert answer.body["error"]["code"] == "database_unavailable", answer.body
        assert answer.body["error"]["message"]


@pytest.mark.timeout(150)
def test_intake_answers_503_while_the_database_is_unavailable_and_recovers(deployment):
    worker = deployment.start_worker(BATON_CLAIM_TIMEOUT_SECONDS=SHORT_CLAIM_TIMEOUT)
    shopify = Shopify(deployment.base_url)
    people = shoppers(2001, 60)
    sent = [item for person in people for item in person.deliveries()]
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(shopify.deliver_all, sent)
        assert wait_until(lambda: len(shopify.answers) >= 30, seconds=30)
        with database_unavailable(deployment.database_url):
            assert wait_until(lambda: len(shopify.refused()) >= 3, seconds=20)
            time.sleep(2)
        burst.result(timeout=90)
    assert_refused_as_unavailable(shopify.refused())
    assert shopify.unanswered == []
    deployment.wait_until_processed(len(sent), seconds=90, worker=worker)
    assert_nothing_lost(deployment, sent, shopify)
    assert_single_effects(deployment, people)
    assert worker.alive(), worker.output()
