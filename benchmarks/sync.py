"""Sync: API calls the worker makes per lead against the vendors' batch floor, and the time
from a play's commit to the platform's acknowledgement (capture-to-platform).

The Klaviyo and Mailchimp fakes (tests/fakes) run in this process as loopback HTTP servers
with the specs' rate limits; the Procfile's worker (`python -m workers.main`) runs as its own
process against them, as in production.
"""

import math
import os
import statistics
import subprocess
import sys
import time
from collections import Counter

from benchmarks.harness import ROOT, SHOP, app_environment, drain, prepare_database, services
from tests.fakes.klaviyo import KlaviyoFake
from tests.fakes.mailchimp import MailchimpFake

LEADS = int(os.environ.get("BENCH_SYNC_LEADS", "1000"))
LIVE_LEADS = 20  # committed one at a time, about a second apart, for capture-to-platform
# The vendors' largest batch for each kind of call a lead needs.
BATCH = {"klaviyo events": 1000, "klaviyo subscriptions": 1000, "mailchimp members": 500}
WINDOW_SECONDS = 2.0  # the default BATON_SYNC_WINDOW_SECONDS


def seed(env: dict, count: int, first: int) -> None:
    """Connections, a campaign, and `count` consented plays whose sync tasks are queued."""
    code = f"""
from app.models import Campaign, Play, PlatformConnection, Prize
from app.models.types import utcnow
from app.sync.outbox import queue_sync
from sqlalchemy import select
if not db.session.scalar(select(PlatformConnection.id)):
    db.session.add_all([
        PlatformConnection(shop_domain="{SHOP}", platform="klaviyo", api_key="pk_bench",
                           list_id="list1"),
        PlatformConnection(shop_domain="{SHOP}", platform="mailchimp", api_key="bench-us1",
                           list_id="list1")])
    campaign = Campaign(shop_domain="{SHOP}", name="Bench wheel", game="wheel", status="live")
    campaign.prizes = [Prize(label="10% off", kind="percentage", value=10)]
    db.session.add(campaign)
    db.session.commit()
campaign = db.session.scalar(select(Campaign))
for n in range({first}, {first + count}):
    play = Play(shop_domain="{SHOP}", campaign_id=campaign.id, prize_id=campaign.prizes[0].id,
                email=f"lead{{n}}@example.com", visitor_key=f"v{{n}}", code=f"BENCH-{{n}}",
                consented=True, variant_key="A", created_at=utcnow())
    db.session.add(play)
    db.session.flush()
    queue_sync("{SHOP}", "lead", str(play.id))
    if {count} == 1 or n % 100 == 99:
        db.session.commit()
db.session.commit()
"""
    _in_app(env, code)


def _in_app(env: dict, body: str) -> str:
    script = "from app import create_app\nfrom app.extensions import db\n"
    script += "with create_app().app_context():\n"
    script += "".join(f"    {line}\n" for line in body.strip().splitlines())
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def latencies(env: dict, after_play: int) -> list[float]:
    """Seconds from each play's commit to its sync task being done, for plays after one id."""
    out = _in_app(
        env,
        f"""
from app.models import Play, SyncTask
for task in db.session.query(SyncTask).filter(SyncTask.status == "done"):
    play = db.session.get(Play, int(task.subject))
    if play.id > {after_play}:
        print((task.done_at - play.created_at).total_seconds())
""",
    )
    return [float(line) for line in out.split()]


def calls_by_kind(klaviyo: KlaviyoFake, mailchimp: MailchimpFake) -> Counter:
    kinds = Counter()
    for method, path in klaviyo.requests:
        kinds[f"klaviyo {method} {path.split('?')[0]}"] += 1
    for method, path in mailchimp.requests:
        kinds["mailchimp " + method + " " + ("member" if "/members/" in path else path)] += 1
    return kinds


def main() -> None:
    print(f"sync: {LEADS} consented pop-up leads to Klaviyo and Mailchimp fakes, one worker")
    with (
        KlaviyoFake(api_keys=("pk_bench",)) as klaviyo,
        MailchimpFake(api_key="bench-us1") as mailchimp,
        services("sqlite") as (redis, database_url),
    ):
        env = app_environment(database_url, redis.url) | {
            "KLAVIYO_BASE_URL": klaviyo.url,
            "MAILCHIMP_BASE_URL": mailchimp.url,
            "BATON_SWEEP_INTERVAL": "1",
        }
        prepare_database(env)
        # The backlog is flushed at once (a burst worker runs no scheduled jobs); the live
        # part below uses the default batching window, as production does.
        backlog = env | {"BATON_SYNC_WINDOW_SECONDS": "0"}
        seed(backlog, LEADS, 0)
        seconds = drain(backlog)
        kinds = calls_by_kind(klaviyo, mailchimp)
        calls = sum(kinds.values())
        floor = sum(math.ceil(LEADS / size) for size in BATCH.values())
        print(f"  backlog drained in {seconds:.1f} s ({LEADS / seconds:.0f} leads/s)")
        for kind, count in sorted(kinds.items()):
            print(f"    {kind:60s} {count:6d}")
        print(
            f"  API calls: {calls} for {LEADS} leads; batch floor ⌈N/batch⌉ = {floor};"
            f" ratio {calls / floor:.1f}x"
        )

        worker = subprocess.Popen(
            [sys.executable, "-m", "workers.main"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # the worker is up and idle, as in a quiet shop
            for n in range(LIVE_LEADS):
                seed(env, 1, LEADS + n)
            time.sleep(5)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        live = latencies(env, after_play=LEADS)
        p95 = statistics.quantiles(live, n=20)[18] if len(live) >= 20 else float("nan")
        print(
            f"  capture-to-platform (play commit to the vendor's acknowledgement, recorded by"
            f" the worker, batching window {WINDOW_SECONDS:g} s), {len(live)} tasks:"
            f" median {statistics.median(live):.2f} s,"
            f" p95 {p95:.2f} s (target: well within 5 s)"
        )


if __name__ == "__main__":
    main()
