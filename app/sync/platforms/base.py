"""The interface every platform Baton syncs to implements, and the error its calls raise.

Everything outside this package talks to a platform only through these methods, found by name
in the registry (app/sync/platforms/__init__.py): the admin connects and lists, the sync
worker sends and collects, the backfill job sends pages, the sweeper polls. A platform that
has no use for a step keeps the default.
"""

from dataclasses import dataclass, field

from flask import Blueprint

from app.models import EmailBackfill, PlatformConnection, SyncTask
from app.sync.outcomes import Outcome

# Tasks claimed per flush for an operation a platform sends one call at a time.
ONE_BY_ONE = 10


class PlatformError(Exception):
    """A vendor call that did not succeed; carries its Outcome (transient, permanent, ...)."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.detail)
        self.outcome = outcome


@dataclass(frozen=True)
class ConnectForm:
    """What the merchant typed to connect a platform."""

    api_key: str
    list_id: str
    double_optin: bool = False


@dataclass(frozen=True)
class Callback:
    """A URL the platform calls back on, described for /openapi.json.

    Its path holds {connection_id} and {secret}: a platform that signs nothing proves itself
    with the connection's secret. A GET checks the URL exists; a POST carries a form."""

    path: str
    endpoint: str  # the Flask endpoint serving both methods
    check: str  # what the GET is for
    receive: str  # what the POST carries
    form_name: str  # the form's component name
    form: dict  # the form's JSON Schema


@dataclass
class BackfillState:
    """What one run of a backfill job carries between pages (not stored: a retry starts
    afresh from the run's cursor)."""

    client: object
    pending: list[str] = field(default_factory=list)  # e.g. import jobs to await at the end


class Platform:
    """One platform: how to connect, what each sync operation does there, and its limits."""

    name = ""
    label = ""
    # What the merchant pastes, said in the vendor's words.
    key_hint = ""
    # Whether a merchant connects it with a key (the email platforms) or it rides on the
    # shop's own Shopify install (consent written back to Shopify).
    connectable = True
    # Tasks per flush, by operation: the vendor's maximum per call where it takes many.
    batch_sizes: dict[str, int] = {}
    # Whether the sweeper asks it, every few minutes, for unsubscribes made on its side.
    polls_suppressions = False
    # Customers per backfill page.
    backfill_page_size = 500

    def client(self, connection: PlatformConnection):
        """The SDK wrapper for one connection."""
        raise NotImplementedError

    def connect(self, shop_domain: str, form: ConnectForm) -> PlatformConnection:
        """Check the key and list with the vendor, then save the connection (not committed)."""
        raise NotImplementedError

    def lists(self, api_key: str) -> list[dict]:
        """The lists or audiences a key can see: [{"id", "name"}]."""
        raise NotImplementedError

    def send(
        self, connection: PlatformConnection | None, tasks: list[SyncTask]
    ) -> dict[int, Outcome]:
        """Send tasks of one operation; one Outcome per task id (WAITING: collect later)."""
        raise NotImplementedError

    def collect(
        self, connection: PlatformConnection, tasks: list[SyncTask], batch_id: str
    ) -> dict[int, Outcome] | None:
        """Outcomes of tasks sent as an asynchronous batch, or None while it still runs."""
        raise NotImplementedError(f"{self.name} sends nothing asynchronously")

    def backfill_start(self, connection: PlatformConnection, state: BackfillState) -> None:
        """Before the first page (Klaviyo reads every suppression it holds first)."""

    def backfill_page(
        self,
        backfill: EmailBackfill,
        state: BackfillState,
        customers: list,
        facts: list,
        held: set[str],
    ) -> int:
        """Send one page of customers with their profile facts; returns how many went.

        `held` are the hashes of addresses suppressed somewhere: never subscribed."""
        raise NotImplementedError

    def backfill_finish(self, backfill: EmailBackfill, state: BackfillState) -> None:
        """After the last page (Klaviyo waits for its import jobs)."""

    def poll_suppressions(self, connection: PlatformConnection) -> int:
        """Spread unsubscribes made on the platform since the last poll; returns how many."""
        return 0

    def admin_details(self, connection: PlatformConnection) -> dict:
        """Extra fields the admin shows for a connection (a webhook URL to paste, say)."""
        return {}

    def blueprint(self) -> Blueprint | None:
        """Routes the platform calls back on (list webhooks), if any."""
        return None

    def callbacks(self) -> list[Callback]:
        """Those routes, as /openapi.json describes them."""
        return []
