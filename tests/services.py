"""Real Redis and a real database for the test run: reuse what is given, start what is not."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager

import sqlalchemy as sa


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A private redis-server on a free port, which tests may stop and start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed; `make test` installs it")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait(listening=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
            self._wait(listening=False)

    def _wait(self, listening: bool) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                is_up = sock.connect_ex(("127.0.0.1", self.port)) == 0
            if is_up == listening:
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis on port {self.port} did not {'start' if listening else 'stop'}")


@contextmanager
def test_database():
    """Yield a URL of an empty database, dropped afterwards.

    TEST_DATABASE_URL names a PostgreSQL server to create a scratch database on;
    without it the suite uses a SQLite file.
    """
    server_url = os.environ.get("TEST_DATABASE_URL", "")
    if server_url.startswith(("postgres://", "postgresql")):
        yield from _postgres_database(server_url)
        return
    directory = tempfile.mkdtemp(prefix="baton-test-")
    yield f"sqlite:///{directory}/baton.db"
    shutil.rmtree(directory, ignore_errors=True)


def _postgres_database(server_url: str):
    server_url = server_url.replace("postgres://", "postgresql://", 1)
    server_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"baton_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.engine.make_url(server_url).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
