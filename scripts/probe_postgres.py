"""Exit 0 when the PostgreSQL URL given accepts a connection within two seconds."""

import sys

import psycopg


def main() -> int:
    """Try once; the caller falls back to SQLite on any failure."""
    try:
        psycopg.connect(sys.argv[1], connect_timeout=2).close()
    except psycopg.Error:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
