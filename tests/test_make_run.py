"""`make run`'s script, run for real: it serves the demo, and stopping it stops everything it
started, the redis-server it chose a port for included."""

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from cryptography.fernet import Fernet

from app.config import ROOT
from tests.services import free_port


def session_members(session_id: int) -> list[int]:
    """Live processes of a session (their stat's sixth field), zombies aside."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(entry))
    return members


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_make_run_stops_web_worker_and_redis(tmp_path, stop):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SECRET_KEY={secrets.token_urlsafe(32)}\n"
        f"ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
        f"BATON_DEMO_SECRET={secrets.token_urlsafe(32)}\n"
    )
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHOPIFY_", "REDIS_", "DATABASE_", "BATON_"))
    } | {
        "BATON_ENV_FILE": str(env_file),
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    run = subprocess.Popen(
        ["scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not answers(f"http://127.0.0.1:{port}/demo/storefront"):
            assert run.poll() is None, run.stdout.read()
            assert time.monotonic() < deadline, "make run did not serve the demo in 90 s"
            time.sleep(0.5)
        started = session_members(run.pid)
        processes = dict(
            line.split(": ", 1) for line in (ROOT / ".run" / "Procfile").read_text().splitlines()
        )
        redis_port, vendors_port = (
            int(processes[name].split("--port ")[1].split()[0]) for name in ("redis", "vendors")
        )
        assert accepts(redis_port)
        while not accepts(vendors_port):  # started beside web, not necessarily before it
            assert time.monotonic() < deadline, "the platform stand-ins did not start"
            time.sleep(0.2)
        # The demo's Klaviyo and Mailchimp stand-ins answer, and the demo's page reads them.
        holdings = f"http://127.0.0.1:{port}/demo/admin/holdings?email=nobody@example.com"
        with urllib.request.urlopen(holdings, timeout=10) as response:
            page = response.read().decode()
        assert "Klaviyo holds no profile" in page and "Mailchimp holds no member" in page
        # honcho, gunicorn and its worker, the worker, redis-server, the platform stand-ins
        assert len(started) >= 5

        run.send_signal(stop)  # to honcho, which the script exec'd
        run.wait(timeout=30)
        deadline = time.monotonic() + 15
        while session_members(run.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_members(run.pid) == []
        assert not accepts(redis_port)
        assert not accepts(vendors_port)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
