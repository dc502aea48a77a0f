"""Idempotent row writes that hold under concurrent workers and out-of-order deliveries."""

import functools
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
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


def update_if_newer(
    model,
    key: dict,
    values: dict,
    version: datetime | None,
    version_column: str = "source_updated_at",
) -> bool:
    """Apply values only if `version` is not older than what the row holds; True if applied.

    One conditional UPDATE, so a slow worker holding an old delivery cannot overwrite what a
    faster one already wrote from a newer one. `version_column` holds the version; a row
    that holds none takes any.
    """
    if version is None:
        version_column = None  # nothing to compare: the values apply whatever the row holds
    else:
        values = values | {version_column: version}
    statement = _update(model.__table__, tuple(key), tuple(values), version_column)
    params = {f"k_{name}": value for name, value in key.items()}
    params.update((f"v_{name}", value) for name, value in values.items())
    return db.session.execute(statement, params).rowcount > 0


@functools.cache
def _update(table, key_columns: tuple, value_columns: tuple, version_column: str | None):
    # Built once per shape, with the values as parameters: building the UPDATE on every call
    # cost more than running it. Core, not the ORM's UPDATE, which re-reads its values each time.
    statement = (
        update(table)
        .where(*(table.c[name] == bindparam(f"k_{name}") for name in key_columns))
        .values({name: bindparam(f"v_{name}") for name in value_columns})
    )
    if version_column is not None:
        held = table.c[version_column]
        statement = statement.where(or_(held.is_(None), held <= bindparam(f"v_{version_column}")))
    return statement


def upsert_if_newer(
    model, key: dict, values: dict, version: datetime, inserted_only: dict | None = None
):
    """Insert the row, or update it unless it holds a newer version; returns (row, applied).

    One INSERT ... ON CONFLICT DO UPDATE ... WHERE, where insert_ignore, update_if_newer and
    a SELECT took three round trips; a row that holds a newer version is read as it stands.
    `inserted_only` are values a new row starts with and an update leaves alone.
    """
    inserted_only = inserted_only or {}
    values = values | {"source_updated_at": version}
    statement, current = _upsert(
        model, tuple(key), tuple(values), tuple(inserted_only), db.engine.dialect.name
    )
    params = {f"p_{name}": value for name, value in (key | values | inserted_only).items()}
    row = db.session.scalars(statement, params).first()
    if row is None:
        return db.session.scalars(current, params).one(), False
    return row, True


@functools.cache
def _upsert(model, key_columns: tuple, value_columns: tuple, inserted_columns: tuple, dialect):
    # Built once per shape, like _update; the conflict's own values are Shopify's newer ones.
    table = model.__table__
    written = key_columns + value_columns + inserted_columns
    insert = dialect_insert(model, dialect).values(
        {name: bindparam(f"p_{name}") for name in written}
    )
    proposed = insert.excluded
    upsert = (
        insert.on_conflict_do_update(
            index_elements=list(key_columns),
            set_={name: proposed[name] for name in value_columns},
            where=or_(
                table.c.source_updated_at.is_(None),
                table.c.source_updated_at <= proposed.source_updated_at,
            ),
        )
        .returning(model)
        .execution_options(populate_existing=True)
    )
    current = select(model).where(
        *(table.c[name] == bindparam(f"p_{name}") for name in key_columns)
    )
    return upsert, current
