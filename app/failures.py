"""What a failure may say where it is kept: on a row, in a log line, in an admin page.

A database error's text repeats the statement's bound parameters, and PostgreSQL's DETAIL
quotes the values that clashed: emails, names, payload text, which are personal data. What is
kept of a database error is its class, SQLSTATE and the first line of the driver's message
with every quoted value masked (identifiers such as a constraint's name stay); other errors
keep their message with email addresses masked. Either is cut to a length a row can hold.
"""

import re

from sqlalchemy.exc import StatementError

EMAIL = re.compile(r"[^@\s'\"<>(),;:=]+@[^@\s'\"<>(),;:=]+\.[A-Za-z0-9-]+")
QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_.]*")
LIMIT = 500


def describe(error: BaseException) -> str:
    """A safe one-line description: the error's class and what it may say."""
    if isinstance(error, StatementError):
        return f"{type(error).__name__}: {_driver_message(getattr(error, 'orig', None))}"[:LIMIT]
    return f"{type(error).__name__}: {_masked(str(error))}"[:LIMIT]


def _driver_message(original) -> str:
    if original is None:
        return "statement failed"
    first_line = (str(original).splitlines() or [""])[0]
    code = getattr(original, "sqlstate", None)
    return f"{_masked(first_line)}{f' (SQLSTATE {code})' if code else ''}"


def _masked(text: str) -> str:
    def quoted(match: re.Match) -> str:
        value = match.group(1) if match.group(1) is not None else match.group(2)
        return match.group(0) if IDENTIFIER.fullmatch(value) else '"…"'

    return EMAIL.sub("<email>", QUOTED.sub(quoted, text))
