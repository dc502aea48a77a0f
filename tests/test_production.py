"""The production configuration, run on this machine: what a deploy runs, as far as one host can.

The Procfile's release step, then two web processes (gunicorn, two workers each) and three
worker processes (`python -m workers`) on one Redis reached over TLS (rediss://, redis-server's
TLS port with a certificate made for the run), PostgreSQL when the run has one (SQLite
otherwise), demo mode off and credentials shaped like Shopify's. A signed burst goes through
both web processes, every delivery must be processed exactly once across the workers, every line
web and worker write must be JSON, and the metrics of all five processes must add up.
"""

import datetime
import ipaddress
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from app.config import ROOT
from app.models import BackfillRun, Shop
from app.models.types import utcnow
from tests import payloads
from tests.conftest import deployment_environment
from tests.factories import metric
from tests.services import free_port
from tests.services import test_database as scratch_database
from tests.shopify_signing import SHOP, webhook_headers

BURST = 300
REPLAYED = 30
API_KEY = secrets.token_hex(16)
API_SECRET = "shpss_" + secrets.token_hex(16)
METRICS_TOKEN = secrets.token_urlsafe(24)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "redis.crt", folder / "redis.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def tls_redis(folder: Path):
    """redis-server listening on TLS only; yields the rediss:// URL that verifies it."""
    cert, key = certificate(folder)
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server"),
            "--port", "0",
            "--tls-port", str(port),
            "--tls-cert-file", str(cert),
            "--tls-key-file", str(key),
            "--tls-ca-cert-file", str(cert),
            "--tls-auth-clients", "no",
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"rediss://127.0.0.1:{port}/0?ssl_cert_reqs=required&ssl_ca_certs={cert}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def procfile(process_type: str) -> list[str]:
    """The Procfile's command for a process type, run with this test's Python."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name == process_type:
            program, *args = shlex.split(command)
            module = {"python": [], "flask": ["-m", "flask"], "gunicorn": ["-m", "gunicorn"]}
            return [sys.executable, *module[program], *args]
    raise AssertionError(f"the Procfile has no {process_type} process")


class Process:
    """One process of the deployment, its output kept in a file for the JSON check."""

    def __init__(self, command: list[str], env: dict, folder: Path, name: str):
        self.name = name
        self.output = folder / f"{name}.log"
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.output.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def lines(self) -> list[str]:
        return [line for line in self.output.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


def wait_until(predicate, seconds: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def serving(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def production(tmp_path_factory, app):
    """Everything running; yields (web URLs, worker metrics URLs, engine, processes)."""
    folder = tmp_path_factory.mktemp("production")
    with ExitStack() as stack:
        database_url = stack.enter_context(scratch_database())
        redis_url = stack.enter_context(tls_redis(folder))
        env = (
            # Each web and worker makes its own metrics directory, as on separate hosts.
            {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("BATON_", "SHOPIFY_", "PROMETHEUS_"))
            }
            | deployment_environment(database_url, redis_url)
            | {
                "SHOPIFY_API_KEY": API_KEY,
                "SHOPIFY_API_SECRET": API_SECRET,
                "SHOPIFY_APP_URL": "https://baton.example.com",
                # Loopback only: an Admin API call meets a closed port, never the internet.
                "SHOPIFY_ADMIN_BASE_URL": "http://127.0.0.1:9",
                "METRICS_TOKEN": METRICS_TOKEN,
                "WEB_CONCURRENCY": "2",
            }
        )
        env.pop("BATON_TESTING")
        env.pop("BATON_SYNC_WINDOW_SECONDS")
        release = subprocess.run(
            procfile("release"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert release.returncode == 0, release.stderr[-3000:]
        engine = sa.create_engine(database_url)
        stack.callback(engine.dispose)
        with app.app_context():  # the token is encrypted with the key the deployment shares
            install(engine)

        processes: list[Process] = []
        stack.callback(lambda: [process.stop() for process in processes])
        webs, worker_metrics = [], []
        for n in range(2):
            port = free_port()
            # The Procfile's command; --bind keeps it on loopback (gunicorn.conf.py: 0.0.0.0).
            command = procfile("web") + ["--bind", f"127.0.0.1:{port}"]
            processes.append(Process(command, env, folder, f"web{n}"))
            webs.append(f"http://127.0.0.1:{port}")
        for n in range(3):
            port = free_port()
            worker_env = env | {"BATON_WORKER_METRICS_PORT": str(port)}
            command = procfile("worker")
            processes.append(Process(command, worker_env, folder, f"worker{n}"))
            worker_metrics.append(f"http://127.0.0.1:{port}/metrics")
        for url in webs + worker_metrics:
            target = url + "/livez" if url in webs else url
            assert wait_until(lambda t=target: serving(t), 60), f"{target} never answered"
        yield webs, worker_metrics, engine, processes


def install(engine) -> None:
    with Session(engine) as session:
        token = "shpat_" + secrets.token_hex(16)
        session.add(
            Shop(
                domain=SHOP,
                access_token=token,
                scopes="read_customers",
                installed_at=utcnow(),
                token_version=1,
            )
        )
        session.add(
            BackfillRun(shop_domain=SHOP, kind="backfill", status="completed", finished_at=utcnow())
        )
        session.commit()


def send(web: str, topic: str, payload: dict, event_id: str) -> int:
    body = json.dumps(payload).encode()
    headers = webhook_headers(topic, body, shop=SHOP, event_id=event_id, secret=API_SECRET)
    return requests.post(f"{web}/webhooks", data=body, headers=headers, timeout=10).status_code


def test_a_burst_through_two_webs_is_processed_exactly_once_by_three_workers(production):
    webs, worker_metrics, engine, processes = production
    customers = [
        payloads.customer(id=7_000_000 + n, email=f"p{n}@example.com") for n in range(BURST)
    ]
    jobs = [(webs[n % 2], customers[n], f"burst-{n}") for n in range(BURST)]
    # Shopify retries what it is not sure of: some deliveries arrive again, at the other web.
    jobs += [(webs[(n + 1) % 2], customers[n], f"burst-{n}") for n in range(REPLAYED)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda job: send(job[0], "customers/update", *job[1:]), jobs))
    assert answers == [200] * len(jobs)

    def counts() -> dict:
        with engine.connect() as connection:
            return dict(
                connection.execute(
                    sa.text("SELECT status, count(*) FROM webhook_delivery GROUP BY status")
                ).all()
            )

    assert wait_until(lambda: counts().get("processed") == BURST, 120), counts()
    with engine.connect() as connection:
        attempts = connection.execute(
            sa.text("SELECT attempts, count(*) FROM webhook_delivery GROUP BY attempts")
        ).all()
        stored_customers = connection.scalar(sa.text("SELECT count(*) FROM customer"))
    assert counts() == {"processed": BURST}
    assert attempts == [(1, BURST)], "a delivery was claimed twice"
    assert stored_customers == BURST

    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    web_texts = [requests.get(f"{web}/metrics", headers=bearer, timeout=10).text for web in webs]
    stored = sum(
        metric(text, "baton_webhook_deliveries_received_total", result="stored")
        for text in web_texts
    )
    duplicates = sum(
        metric(text, "baton_webhook_deliveries_received_total", result="duplicate")
        for text in web_texts
    )
    assert (stored, duplicates) == (BURST, REPLAYED)
    assert all(metric(text, "baton_webhook_backlog") == 0 for text in web_texts)
    worker_texts = [requests.get(url, timeout=10).text for url in worker_metrics]
    finished = [
        metric(text, "baton_webhook_deliveries_finished_total", status="processed")
        for text in worker_texts
    ]
    assert sum(finished) == BURST, finished
    unauthorised = requests.get(f"{webs[0]}/metrics", timeout=10)
    assert unauthorised.status_code == 401

    for process in processes:
        for line in process.lines():
            record = json.loads(line)  # every line web and worker write is one JSON object
            assert {"time", "level", "logger", "message"} <= record.keys(), (process.name, line)
