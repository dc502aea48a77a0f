"""Play latency and throughput at 50 concurrent players, against a bare endpoint.

The real app runs under gunicorn with the Procfile's settings, with a live wheel and a pool
of codes. A load generator in a second process first collects one signed offer (and its
one-use play token) per shopper, then 50 threads play through signed app-proxy requests:

- saturated: 10,000 plays, each player playing again the moment its last play answers;
- paced: plays arriving at a fixed rate (a share of the saturated rate), still from 50
  players, timed from when each play was due, so queueing counts (no coordinated omission).

The same-run baseline is a bare Flask endpoint under the same gunicorn, hit the same way.
Duplicate codes are counted in the answers and in the database: the target is zero.
"""

import hashlib
import hmac
import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

from benchmarks.harness import (
    API_SECRET,
    BARE_APP,
    SHOP,
    app_environment,
    gunicorn,
    postgres_reachable,
    prepare_database,
    run_in_app,
    services,
)

PLAYERS = 50
PLAYS = 10_000
PACED_PLAYS = 1_000
PACED_SHARES = (0.25, 0.5, 0.75)
TOTAL_PLAYS = PLAYS + PACED_PLAYS * len(PACED_SHARES)
PREFIX = "BENCH"


def signed_query(params: dict) -> str:
    """An app-proxy query signed as Shopify signs it."""
    params = {
        "shop": SHOP,
        "path_prefix": "/apps/baton",
        "logged_in_customer_id": "",
        "timestamp": str(int(time.time())),
    } | params
    message = "".join(f"{key}={value}" for key, value in sorted(params.items()))
    signature = hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode(params | {"signature": signature})


def seed_campaign(env: dict) -> int:
    """A live wheel with one prize and enough codes waiting in its pool."""
    statement = "\n    ".join(
        [
            "from app.models import Campaign, Prize, PrizeDiscount, CouponCode, Variant",
            "from app.shopify.discount_codes import new_code",
            "from app.popups.shopify_codes import OPEN_LOT",
            f"c = Campaign(shop_domain={SHOP!r}, name='bench', game='wheel', status='live',"
            " consent={'required': True, 'text': 'ok', 'version': 'v1'}, holdout_percent=0)",
            "c.prizes = [Prize(label='10%', kind='percentage', value=10, weight=1, position=0)]",
            "c.variants = [Variant(key='A', weight=1)]",
            "db.session.add(c); db.session.flush()",
            # The prize's codes never expire: its one open lot, as a refill would have made it.
            "lot = PrizeDiscount(shop_domain=c.shop_domain, prize_id=c.prizes[0].id,"
            " lot_key=OPEN_LOT, shopify_id='gid://shopify/DiscountCodeNode/1')",
            "db.session.add(lot); db.session.flush()",
            f"db.session.add_all(CouponCode(shop_domain=c.shop_domain, code=new_code({PREFIX!r}),"
            f" prize_id=c.prizes[0].id, discount_id=lot.id, status='available')"
            f" for _ in range({TOTAL_PLAYS + 100}))",
            "db.session.commit(); print(c.id)",
        ]
    )
    return int(run_in_app(env, statement).splitlines()[-1])


class Players:
    """50 threads with keep-alive connections, each playing its share of the shoppers."""

    def __init__(self, base_url: str):
        self.netloc = urlparse(base_url).netloc
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.codes: list[str] = []
        self.lock = threading.Lock()

    def request(self, connection, method: str, path: str, body: dict | None, player: int):
        payload = json.dumps(body).encode() if body is not None else None
        headers = {
            "Content-Type": "application/json",
            "X-Forwarded-For": f"10.{player // 62500}.{player // 250 % 250}.{player % 250}",
        }
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()

    def run(self, jobs: list, work, per_second: float | None = None) -> float:
        """Play every job from PLAYERS threads; returns wall-clock seconds.

        Without per_second each thread starts its next job at once (saturation). With it,
        job i is due at i / per_second and its latency counts from then.
        """
        pending = iter(enumerate(jobs))
        threads = [
            threading.Thread(target=self._thread, args=(pending, work, per_second))
            for _ in range(PLAYERS)
        ]
        self.started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - self.started

    def _thread(self, pending, work, per_second):
        connection = http.client.HTTPConnection(self.netloc, timeout=30)
        while True:
            with self.lock:
                index, job = next(pending, (None, None))
            if index is None:
                break
            due = time.perf_counter()
            if per_second:
                due = self.started + index / per_second
                time.sleep(max(0.0, due - time.perf_counter()))
            status, body = work(connection, job)
            elapsed = time.perf_counter() - due
            with self.lock:
                self.latencies.append(elapsed)
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200 and body:
                    code = json.loads(body).get("code")
                    if code:
                        self.codes.append(code)
        connection.close()


def percentile(values: list[float], n: int) -> float:
    """The n-th percentile, in milliseconds."""
    return statistics.quantiles(values, n=100)[n - 1] * 1000 if len(values) > 1 else 0.0


@dataclass
class PlayRun:
    """One run's answers and wall-clock time."""

    players: Players
    seconds: float
    per_second: float | None = None

    def line(self, label: str) -> str:
        latencies = self.players.latencies
        return (
            f"{label}: {len(latencies) / self.seconds:6.0f} plays/s"
            f"  p50 {percentile(latencies, 50):6.1f} ms  p99 {percentile(latencies, 99):6.1f} ms"
            f"  statuses {self.players.statuses}"
        )


def collect_offers(base_url: str, campaign_id: int, visitors: range) -> list[tuple[int, str]]:
    """One offer, and so one play token, per visitor."""
    offers = Players(base_url)
    tokens = []

    def get_offer(connection, n):
        query = signed_query({"campaign_id": campaign_id, "visitor_id": f"bench-visitor-{n:06d}"})
        status, body = offers.request(connection, "GET", "/proxy/offer?" + query, None, n)
        tokens.append((n, json.loads(body)["play_token"]))
        return status, b""

    offers.run(list(visitors), get_offer)
    return sorted(tokens)


def play_all(base_url: str, campaign_id: int, tokens: list, per_second=None) -> PlayRun:
    """Play every token through signed app-proxy requests."""
    players = Players(base_url)

    def play(connection, job):
        n, token = job
        body = {
            "campaign_id": campaign_id,
            "play_token": token,
            "consent": True,
            "email": f"player{n}@example.com",
            "visitor_id": f"bench-visitor-{n:06d}",
            "device": "desktop",
        }
        return players.request(connection, "POST", "/proxy/play?" + signed_query({}), body, n)

    return PlayRun(players, players.run(tokens, play, per_second), per_second)


def duplicate_codes_stored(env: dict) -> int:
    """Codes the database holds on more than one play."""
    return int(
        run_in_app(
            env,
            "from sqlalchemy import func, select; from app.models import Play;"
            "dupes = select(Play.code).where(Play.code.is_not(None)).group_by(Play.code)"
            ".having(func.count() > 1).subquery();"
            "print(db.session.scalar(select(func.count()).select_from(dupes)))",
        ).splitlines()[-1]
    )


def measure_app(database: str) -> tuple[PlayRun, list[PlayRun], int]:
    """The saturated run, then paced runs at shares of its rate; and stored duplicates."""
    with services(database) as (redis, database_url):
        env = app_environment(database_url, redis.url)
        prepare_database(env)
        campaign_id = seed_campaign(env)
        with gunicorn("app:create_app()", env) as base_url:
            tokens = collect_offers(base_url, campaign_id, range(TOTAL_PLAYS))
            saturated = play_all(base_url, campaign_id, tokens[:PLAYS])
            rate = PLAYS / saturated.seconds
            paced = []
            for number, share in enumerate(PACED_SHARES):
                start = PLAYS + number * PACED_PLAYS
                batch = tokens[start : start + PACED_PLAYS]
                paced.append(play_all(base_url, campaign_id, batch, per_second=rate * share))
        return saturated, paced, duplicate_codes_stored(env)


def measure_bare() -> PlayRun:
    """The same saturated load against a bare Flask endpoint under the same gunicorn."""
    with services("sqlite") as (redis, database_url):
        env = app_environment(database_url, redis.url)
        with gunicorn(BARE_APP, env) as base_url:
            bare = Players(base_url)
            seconds = bare.run(
                list(range(PLAYS)),
                lambda connection, n: bare.request(connection, "POST", "/webhooks", {"n": n}, n),
            )
    return PlayRun(bare, seconds)


def main() -> None:
    """Print play p50/p99 and throughput beside the bare endpoint, and duplicate codes."""
    print(
        f"play: {PLAYS} plays by {PLAYERS} concurrent players (Python threads, keep-alive),"
        f" then {PACED_PLAYS} each at {', '.join(f'{s:.0%}' for s in PACED_SHARES)} of the"
        " saturated rate; gunicorn.conf.py as in the Procfile"
    )
    bare = measure_bare()
    bare_p99 = max(percentile(bare.players.latencies, 99), 0.001)
    print("  " + bare.line("bare Flask 200   ").replace("plays/s", "req/s  "))
    for database in ["sqlite"] + (["postgres"] if postgres_reachable() else []):
        saturated, paced, stored_duplicates = measure_app(database)
        codes = [code for run in [saturated, *paced] for code in run.players.codes]
        print("  " + saturated.line(f"play ({database:8s})"))
        print(
            f"    ratio to bare: {saturated.seconds and bare.seconds / saturated.seconds:.2f}x"
            f" throughput, p99 {percentile(saturated.players.latencies, 99) / bare_p99:.1f}x;"
            f" codes handed out {len(codes)}, duplicates in answers"
            f" {len(codes) - len(set(codes))}, in the database {stored_duplicates}"
        )
        for share, run in zip(PACED_SHARES, paced, strict=True):
            print("    " + run.line(f"paced at {share:.0%} ({run.per_second:4.0f}/s due)"))


if __name__ == "__main__":
    main()
