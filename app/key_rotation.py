"""Re-encrypting every secret at rest under the first of ENCRYPTION_KEYS.

MultiFernet decrypts with any key and encrypts with the first, so after a new key is put first,
old rows stay readable but stay under the old key until rewritten. This rewrites them, so the
old key can then be removed from ENCRYPTION_KEYS.
"""

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import Text, select, type_coerce, update

from app.crypto import EncryptedText, secret_box
from app.extensions import db

BATCH = 500


@dataclass
class ColumnReport:
    """What rotation found in one encrypted column."""

    rotated: int = 0
    current: int = 0
    unreadable: int = 0


def encrypted_columns() -> list:
    """Every column stored as EncryptedText, in every table."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate_keys() -> dict[str, ColumnReport]:
    """Rewrite each value not already under the first key; counts per "table.column"."""
    first = Fernet(current_app.config["BATON"].encryption_keys[0])
    ring = secret_box()
    reports = {}
    for column in encrypted_columns():
        report = reports[f"{column.table.name}.{column.name}"] = ColumnReport()
        # The stored token, not the decrypted value: coerce the column to plain text.
        stored = type_coerce(column, Text)
        key = column.table.primary_key.columns.values()[0]
        rows = db.session.execute(select(key, stored).where(column.is_not(None))).all()
        for row_id, token in rows:
            try:
                first.decrypt(token.encode())
                report.current += 1
                continue
            except InvalidToken:
                pass
            try:
                fresh = ring.rotate(token.encode()).decode()
            except InvalidToken:
                report.unreadable += 1
                continue
            db.session.execute(
                update(column.table)
                .where(key == row_id)
                .values({column.name: type_coerce(fresh, Text)})
                .execution_options(synchronize_session=False)
            )
            report.rotated += 1
            if report.rotated % BATCH == 0:
                db.session.commit()
        db.session.commit()
    return reports
