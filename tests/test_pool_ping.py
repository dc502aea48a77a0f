"""A pooled connection is pinged when it sat idle, and only then."""

import time

import pytest
import sqlalchemy as sa

from app.pool_ping import ping_when_idle
from tests import services


@pytest.fixture
def engine():
    with services.test_database() as url:
        engine = sa.create_engine(url, pool_size=1, max_overflow=0)
        ping_when_idle(engine, idle_seconds=0.2)
        yield engine
        engine.dispose()


def close_behind_the_pools_back(engine) -> None:
    """What a database restart or an idle timeout does to the connection in the pool."""
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.close()  # back in the pool already


def test_a_connection_closed_while_idle_is_replaced_before_anyone_uses_it(engine):
    close_behind_the_pools_back(engine)
    time.sleep(0.3)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 41 + 1")).scalar() == 42


def test_a_connection_used_a_moment_ago_is_not_pinged_again(engine):
    # Without a ping the closed connection reaches the statement: proof that none was sent.
    close_behind_the_pools_back(engine)
    with pytest.raises(sa.exc.DBAPIError), engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    # The failure invalidated it, so the next checkout connects afresh.
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
