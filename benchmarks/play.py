"""Play latency and throughput at 50 concurrent players, against a bare endpoint.

The real app runs under gunicorn with the Procfile's settings, with a live wheel and a pool
of codes. A load generator in a second process first collects one signed offer (and its
one-use play token) per shopper, then 50 threads play through signed app-proxy requests.
The same-run baseline is a bare Flask endpoint under the same gunicorn, hit the same way.
It also counts duplicate codes: the target is zero.
"""

import hashlib
import hmac
import http.client
import json
import statistics
import threading
import time
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
PLAYS = 2000
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
            "from app.models import Campaign, Prize, CouponCode, Variant",
            "from app.popups.codes import new_code",
            f"c = Campaign(shop_domain={SHOP!r}, name='bench', game='wheel', status='live',"
            " consent={'required': True, 'text': 'ok', 'version': 'v1'}, holdout_percent=0)",
            "c.prizes = [Prize(label='10%', kind='percentage', value=10, weight=1, position=0)]",
            "c.variants = [Variant(key='A', weight=1)]",
            "db.session.add(c); db.session.flush()",
            f"db.session.add_all(CouponCode(shop_domain=c.shop_domain, code=new_code({PREFIX!r}),"
            f" prize_id=c.prizes[0].id, status='available') for _ in range({PLAYS + 100}))",
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
            "X-Forwarded-For": f"10.{player // 250}.{player % 250}.1",
        }
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()

    def run(self, jobs: list, work) -> float:
        """Share the jobs between PLAYERS threads; returns wall-clock seconds."""
        chunks = [jobs[i::PLAYERS] for i in range(PLAYERS)]
        threads = [threading.Thread(target=self._thread, args=(chunk, work)) for chunk in chunks]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def _thread(self, jobs, work):
        connection = http.client.HTTPConnection(self.netloc, timeout=30)
        for job in jobs:
            started = time.perf_counter()
            status, body = work(connection, job)
            elapsed = time.perf_counter() - started
            with self.lock:
                self.latencies.append(elapsed)
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200 and body:
                    code = json.loads(body).get("code")
                    if code:
                        self.codes.append(code)
        connection.close()


def p99(values: list[float]) -> float:
    """The 99th percentile, in milliseconds."""
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) > 1 else 0.0


def measure_app(database: str) -> tuple[Players, float]:
    """Collect offers, then time PLAYS plays by 50 concurrent players."""
    with services(database) as (redis, database_url):
        env = app_environment(database_url, redis.url)
        prepare_database(env)
        campaign_id = seed_campaign(env)
        with gunicorn("app:create_app()", env) as base_url:
            offers = Players(base_url)
            tokens = []

            def get_offer(connection, n):
                status, body = offers.request(
                    connection,
                    "GET",
                    "/proxy/offer?"
                    + signed_query(
                        {"campaign_id": campaign_id, "visitor_id": f"bench-visitor-{n:06d}"}
                    ),
                    None,
                    n,
                )
                tokens.append((n, json.loads(body)["play_token"]))
                return status, b""

            offers.run(list(range(PLAYS)), get_offer)
            players = Players(base_url)

            def play(connection, job):
                n, token = job
                return players.request(
                    connection,
                    "POST",
                    "/proxy/play?" + signed_query({}),
                    {
                        "campaign_id": campaign_id,
                        "play_token": token,
                        "consent": True,
                        "email": f"player{n}@example.com",
                        "visitor_id": f"bench-visitor-{n:06d}",
                        "device": "desktop",
                    },
                    n,
                )

            seconds = players.run(tokens, play)
    return players, seconds


def measure_bare() -> tuple[Players, float]:
    """The same load against a bare Flask endpoint under the same gunicorn."""
    with services("sqlite") as (redis, database_url):
        env = app_environment(database_url, redis.url)
        with gunicorn(BARE_APP, env) as base_url:
            bare = Players(base_url)
            seconds = bare.run(
                list(range(PLAYS)),
                lambda connection, n: bare.request(connection, "POST", "/webhooks", {"n": n}, n),
            )
    return bare, seconds


def main() -> None:
    """Print play p99 and throughput beside the bare endpoint, and the duplicate-code count."""
    print(
        f"play: {PLAYS} plays by {PLAYERS} concurrent players (Python threads, keep-alive),"
        " gunicorn.conf.py as in the Procfile"
    )
    bare, bare_seconds = measure_bare()
    print(
        f"  bare Flask 200:  {PLAYS / bare_seconds:7.0f} req/s  p99 {p99(bare.latencies):6.1f} ms"
    )
    for database in ["sqlite"] + (["postgres"] if postgres_reachable() else []):
        players, seconds = measure_app(database)
        duplicates = len(players.codes) - len(set(players.codes))
        print(
            f"  play ({database}): {PLAYS / seconds:7.0f} plays/s"
            f"  p99 {p99(players.latencies):6.1f} ms  statuses {players.statuses}"
        )
        print(
            f"    ratio to bare: {bare_seconds / seconds:.2f}x throughput,"
            f" p99 {p99(players.latencies) / max(p99(bare.latencies), 0.001):.1f}x;"
            f" codes handed out {len(players.codes)}, duplicates {duplicates}"
        )


if __name__ == "__main__":
    main()
