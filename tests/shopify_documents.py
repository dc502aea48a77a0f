"""Every GraphQL document Baton sends to Shopify, found in the code rather than listed by hand."""

import importlib
import pkgutil
import re
from datetime import UTC, datetime

import app
import workers
from app.profiles import bulk

# A module-level string that reads as a GraphQL document: an operation, or a bare selection.
LOOKS_LIKE_GRAPHQL = re.compile(r"\s*(query|mutation)\b|\s*\{\s*\w+")
# Bulk queries are templates; what Baton sends is their rendering, with and without a filter.
TEMPLATES = {"app.profiles.bulk.CUSTOMERS", "app.profiles.bulk.ORDERS"}


def baton_documents() -> dict[str, str]:
    """Name -> text of each document: module constants, and the bulk queries as rendered."""
    documents = {}
    for package in (app, workers):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                qualified = f"{info.name}.{name}"
                if isinstance(value, str) and LOOKS_LIKE_GRAPHQL.match(value):
                    if qualified not in TEMPLATES:
                        documents[qualified] = value
    since = datetime(2026, 11, 1, tzinfo=UTC)
    for phase in ("customers", "orders"):
        documents[f"bulk {phase}"] = bulk.bulk_query(phase, None)
        documents[f"bulk {phase} since"] = bulk.bulk_query(phase, since)
    return documents
