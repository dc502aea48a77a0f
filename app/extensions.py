"""Extensions, created unbound and attached to an app by create_app()."""

import contextlib
import fcntl
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

from app.config import ROOT

# Queues are named by workload so a slow vendor sync never delays webhook processing.
QUEUE_NAMES = ("webhooks", "sync", "default")
# The worker process runs one RQ worker per group: an hour-long import on "default" must
# never hold back webhooks or a shopper's code reaching the email platform.
WORKER_GROUPS = {"fast": ("webhooks", "sync"), "bulk": ("default",)}


class Base(DeclarativeBase):
    """Declarative base for every Baton model."""


db = SQLAlchemy(model_class=Base)


def init_migrations(app: Flask) -> None:
    """Alembic through Flask-Migrate, for `flask db` and for tests that build the schema.

    Only there: importing it (alembic, mako) costs each web and worker process 12 MiB.
    """
    from flask_migrate import Migrate  # deferred on purpose: see above

    Migrate(app, db, directory=str(ROOT / "migrations"))


class RedisQueues:
    """One Redis connection per process, and the RQ queues that share it."""

    def __init__(self) -> None:
        self.connection: Redis | None = None
        self.url = ""

    def init_app(self, app: Flask) -> None:
        """Connect lazily: redis-py opens sockets on first use, not here."""
        self.url = app.config["BATON"].redis_url
        # Short timeouts so intake notices a dead Redis quickly and falls back to the sweeper.
        self.connection = Redis.from_url(
            self.url, socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=30
        )
        app.extensions["baton_redis"] = self

    def blocking_connection(self) -> Redis:
        """A connection for RQ's worker, whose dequeue blocks longer than intake's timeout."""
        return Redis.from_url(self.url, socket_connect_timeout=5, health_check_interval=30)

    def queue(self, name: str) -> Queue:
        """Return the RQ queue for a workload."""
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.connection)


redis_queues = RedisQueues()


def configure_sqlite(app: Flask) -> None:
    """Make SQLite behave under a web process and a worker writing at once."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    # Relative SQLite paths live in the instance folder, which a fresh clone does not have.
    os.makedirs(app.instance_path, exist_ok=True)
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # WAL lets readers run beside one writer; busy_timeout waits instead of failing.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class SqliteWriters:
    """Intake's writers to one SQLite file take turns on an flock.

    SQLite lets one writer in at a time and makes the rest sleep and retry (1, 2, 5, 10 ms
    and longer), which spread intake's p99 over tens of milliseconds. An flock wakes the next
    writer the moment the lock is free. The writer holding its turn waits at most SQLite's
    busy_timeout for other writers (the worker), so no turn lasts longer than that. Each
    process opens the lock file itself: a file inherited across gunicorn's fork would share
    one lock between all the workers.
    """

    def __init__(self) -> None:
        self.file = None
        self.pid = None

    @contextlib.contextmanager
    def turn(self):
        database = db.engine.url.database
        if db.engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
            yield
            return
        if self.pid != os.getpid():
            self.file, self.pid = open(database + ".intake-lock", "a"), os.getpid()
        fcntl.flock(self.file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.file, fcntl.LOCK_UN)


sqlite_writers = SqliteWriters()


# Steps the worker's sweeper runs every interval besides its own, added by a part of the app
# that is switched on by settings (the demo keeps its seeded shoppers moving this way), so the
# worker imports none of them.
SWEEP_STEPS = "baton.sweep_steps"


def add_sweep_step(app: Flask, step) -> None:
    """Run `step()` (in an app context) on every sweep of the worker."""
    app.extensions.setdefault(SWEEP_STEPS, []).append(step)
