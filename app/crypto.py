"""Encryption at rest for access tokens and email-platform keys."""

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


def secret_box() -> MultiFernet:
    """Return the current app's key ring; the first key encrypts, every key decrypts."""
    return current_app.extensions["baton_secret_box"]


def init_app(app) -> None:
    """Build the key ring from the validated settings."""
    keys = app.config["BATON"].encryption_keys
    app.extensions["baton_secret_box"] = MultiFernet([Fernet(key) for key in keys])


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token, so a database dump reveals no secret."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return secret_box().encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return secret_box().decrypt(value.encode()).decode()
