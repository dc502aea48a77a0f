"""Shared pieces: a private Redis, a scratch database, gunicorn servers and wrk runs."""

import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import RedisServer, free_port, test_database  # noqa: E402

API_SECRET = "bench-api-secret-with-more-than-32-bytes"
SHOP = "bench-store.myshopify.com"
BARE_APP = "benchmarks.bare_app:create_bare_app()"
# Peak resident memory (KiB) per process role, kept across every benchmark of one run.
PEAK_RSS_KIB: dict[str, int] = {}


@dataclass
class WrkResult:
    """What wrk measured in one run."""

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


@contextlib.contextmanager
def services(database: str):
    """A private Redis and a scratch database (sqlite, or postgres on localhost)."""
    redis = RedisServer()
    redis.start()
    previous = os.environ.get("TEST_DATABASE_URL")
    if database == "postgres":
        os.environ["TEST_DATABASE_URL"] = "postgresql://postgres@localhost/postgres"
    else:
        os.environ.pop("TEST_DATABASE_URL", None)
    try:
        with test_database() as database_url:
            yield redis, database_url
    finally:
        redis.stop()
        if previous is not None:
            os.environ["TEST_DATABASE_URL"] = previous


def app_environment(database_url: str, redis_url: str) -> dict:
    """The environment a deployment of Baton would run with."""
    return os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-secret-key",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SHOPIFY_API_KEY": "bench-api-key",
        "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_APP_URL": "https://bench.example",
        "GUNICORN_ACCESS_LOG": "",
        "PYTHONPATH": str(ROOT),
    }


@contextlib.contextmanager
def gunicorn(app_factory: str, env: dict, port: int | None = None):
    """Serve a WSGI app factory with the Procfile's gunicorn.conf.py; yields the base URL."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app_factory,
        "--config",
        str(ROOT / "gunicorn.conf.py"),
    ]
    # gunicorn writes a JSON line per request to stderr: into a file, never a pipe nobody
    # reads, whose 64 KiB buffer would fill and stall every worker mid-run.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env | {"PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    role = "web worker, bare Flask" if app_factory == BARE_APP else "web worker"
    try:
        _wait_until_serving(base, process, log)
        yield base
    finally:
        record_peak_rss(role, child_pids(process.pid))
        process.terminate()
        process.wait(timeout=20)
        log.close()


@contextlib.contextmanager
def procfile_worker(env: dict, cpu: dict | None = None):
    """The Procfile's worker process (dispatcher, sweeper and one RQ worker per group),
    stopped gracefully at the end; `cpu` gets its CPU seconds."""
    process = subprocess.Popen(
        [sys.executable, "-m", "workers.main"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        record_peak_rss("RQ worker", child_pids(process.pid))
        record_peak_rss("worker supervisor (dispatcher, sweeper)", [process.pid])
        process.terminate()
        seconds = _wait_with_cpu(process, timeout=60)
        if cpu is not None:
            cpu["worker"] = seconds


def _wait_with_cpu(process: subprocess.Popen, timeout: float) -> float:
    """Reap a stopped process; returns the CPU seconds it and the children it reaped used.

    /proc's counters leave out children still running, and the RQ workers are children.
    """
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            process.kill()
            deadline = math.inf
        time.sleep(0.1)


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers, the worker's RQ processes)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(child) for child in (task / "children").read_text().split()]
    return children


def record_peak_rss(role: str, pids: list[int]) -> None:
    """Keep the largest VmHWM (the kernel's peak RSS of a live process) seen for a role."""
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
                    PEAK_RSS_KIB[role] = max(PEAK_RSS_KIB.get(role, 0), peak)


def _wait_until_serving(base: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/nonexistent", timeout=1)
        except urllib.error.HTTPError:
            return  # any HTTP answer means the workers are up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 30 s")


def run_wrk(url: str, script: Path, seconds: int, connections: int, threads: int = 2) -> WrkResult:
    """Drive load with wrk and read the JSON line the script's done() prints."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed; `make bench` installs it")
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return WrkResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        non_2xx=figures["status_errors"],
        socket_errors=figures["socket_errors"],
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )


def scratch_file(suffix: str, text: str) -> Path:
    """Write text to a temporary file that outlives this call (wrk reads it)."""
    handle = tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False)
    handle.write(text)
    handle.close()
    return Path(handle.name)


def prepare_database(env: dict) -> None:
    """Migrate with the release step and install the benchmark shop."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    run_in_app(
        env,
        "from app.models import Shop; from app.models.types import utcnow;"
        f"db.session.add(Shop(domain='{SHOP}', access_token='shpat_bench', "
        "installed_at=utcnow(), token_version=1)); db.session.commit()",
    )


def run_in_app(env: dict, statement: str) -> str:
    """Run Python inside an app context in a fresh process; returns what it prints."""
    code = (
        "from app import create_app; from app.extensions import db\n"
        f"with create_app().app_context():\n    {statement}"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def count_by_status(env: dict) -> dict:
    """How many stored deliveries there are of each status."""
    return json.loads(
        run_in_app(
            env,
            "from sqlalchemy import func, select; from app.models import WebhookDelivery as W;"
            "import json; print(json.dumps(dict(db.session.execute(select(W.status, func.count())"
            ".group_by(W.status)).all())))",
        )
    )


def drain(env: dict) -> float:
    """Run the Procfile's worker in burst mode until the queues are empty; returns seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "workers.main", "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # wait4 hands back the finished process's own peak RSS: a burst worker is one process.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"the burst worker exited with {process.returncode}")
    PEAK_RSS_KIB["RQ worker"] = max(PEAK_RSS_KIB.get("RQ worker", 0), usage.ru_maxrss)
    return time.perf_counter() - started


def postgres_reachable() -> bool:
    """True when PostgreSQL on localhost accepts the benchmark's connection."""
    probe = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "probe_postgres.py"),
            "postgresql://postgres@localhost/postgres",
        ]
    )
    return probe.returncode == 0
