"""Ping a pooled database connection only when it has sat idle, not on every checkout.

SQLAlchemy's pool_pre_ping costs a round trip on every checkout, and a worker checks a
connection out after every commit: two or three pings for each webhook delivery, about a
sixth of a delivery's time on PostgreSQL. A connection that was in use a moment ago is as
good as a ping says; one that sat idle may have been closed by a database restart or an
idle timeout, so that one is pinged. A failed ping raises DisconnectionError, which makes
the pool throw the connection away and check out another, as pool_pre_ping does.
"""

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_KEY = "baton_idle_since"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Install the checkin stamp and the checkout ping on this engine's pool."""

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection, record) -> None:
        record.info[IDLE_KEY] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get(IDLE_KEY)
        if idle_since is not None and time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("the database closed an idle connection") from error
