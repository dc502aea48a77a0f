"""Idempotent row writes that hold under concurrent workers and out-of-order deliveries."""

import functools
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def dialect_insert(table, dialect_name: str | None = None):
    """INSERT with ON CONFLICT support for the named database (default: the one in use)."""
    dialect_name = dialect_name or db.engine.dialect.name
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return insert(table)


def insert_ignore(model, values: dict) -> bool:
    """Insert a row unless a unique key already holds one; True if this call inserted it."""
    statement = _insert_ignore(model.__table__, db.engine.dialect.name)
    # Values as parameters of one shared statement: building a statement around them on
    # every call made SQLAlchemy key and look up its compiled form each time, 4x the cost.
    return db.session.execute(statement, values).first() is not None


def insert_ignore_many(model, rows: list[dict]) -> None:
    """Insert rows unless a unique key already holds them, in one round trip."""
    if rows:
        db.session.execute(_insert_ignore(model.__table__, db.engine.dialect.name), rows)


@functools.cache
def _insert_ignore(table, dialect_name: str):
    # RETURNING, not rowcount: psycopg reports -1 as the rowcount of an INSERT.
    statement = dialect_insert(table, dialect_name).on_conflict_do_nothing()
    return statement.returning(*table.primary_key.columns)


def update_if_newer(model, where: list, values: dict, version: datetime | None) -> bool:
    """Apply values only if `version` is not older than what the row holds; True if applied.

    One conditional UPDATE, so a slow worker holding an old delivery cannot overwrite what a
    faster one already wrote from a newer one.
    """
    statement = update(model).where(*where)
    if version is not None:
        statement = statement.where(
            or_(model.source_updated_at.is_(None), model.source_updated_at <= version)
        )
        values = values | {"source_updated_at": version}
    result = db.session.execute(
        statement.values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def upsert_if_newer(
    model, key: dict, values: dict, version: datetime, inserted_only: dict | None = None
):
    """Insert the row, or update it unless it holds a newer version; returns (row, applied).

    One INSERT ... ON CONFLICT DO UPDATE ... WHERE, where insert_ignore, update_if_newer and
    a SELECT took three round trips; a row that holds a newer version is read as it stands.
    `inserted_only` are values a new row starts with and an update leaves alone.
    """
    values = values | {"source_updated_at": version}
    statement = (
        dialect_insert(model)
        .values(**key, **values, **(inserted_only or {}))
        .on_conflict_do_update(
            index_elements=list(key),
            set_=values,
            where=or_(model.source_updated_at.is_(None), model.source_updated_at <= version),
        )
        .returning(model)
        .execution_options(populate_existing=True)
    )
    row = db.session.scalars(statement).first()
    if row is None:
        return db.session.scalars(select(model).filter_by(**key)).one(), False
    return row, True
