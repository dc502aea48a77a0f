"""Shared pieces of the vendor fakes: a loopback server, spec-checked bodies, rate limits.

Each fake (klaviyo_fake.py, mailchimp_fake.py) is a real HTTP server that the vendor's own SDK
talks to, so the SDK's serialisation, retries and error handling run exactly as in production.
The tests start one per test on loopback; the demo serves both from one process of its own
(app/demo/vendors.py), so a newcomer can connect them with a demo key.
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import fastjsonschema
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


def _specs_dir() -> Path:
    # The shared, read-only specs beside the repository when they are there; otherwise the
    # copy in tests/specs, so a clone anywhere (CI clones into a temporary directory) runs.
    # The demo runs from a checkout too, so it reads the same files.
    repository = Path(__file__).resolve().parents[2]
    shared = repository.parent / "shared" / "specs"
    return shared if shared.is_dir() else repository / "tests" / "specs"


SPECS_DIR = _specs_dir()
RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without a stderr line per request; the fakes log their own."""

    def log_request(self, code="-", size="-") -> None:
        pass


class LoopbackServer:
    """A WSGI app served on 127.0.0.1, on a port the OS picks, from a daemon thread."""

    def __init__(self, app):
        self.app = app
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>, once started."""
        if self._server is None:
            raise RuntimeError("the server is not running; call start() or use `with`")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> Self:
        """Listen and serve; calling it again while running does nothing."""
        if self._server is None:
            self._server = make_server(
                "127.0.0.1", 0, self.app, threaded=True, request_handler=QuietHandler
            )
            # A short poll interval keeps stop() fast: shutdown waits for the next poll.
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fake-vendor-{self._server.server_port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; requests still in flight finish on their daemon threads."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@functools.cache
def load_spec(path: Path) -> dict:
    """A spec document (JSON or YAML), parsed once per test run; callers must not mutate it."""
    text = path.read_text()
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def json_schema(schema):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes "or null", recursively.

    OpenAPI 3.0 writes nullable next to `$ref` too (where JSON Schema would ignore it), so a
    schema without a plain `type` is wrapped in anyOf rather than edited in place.
    """
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    nullable = schema.get("nullable") is True
    converted = {
        key: json_schema(value)
        for key, value in schema.items()
        if not (key == "nullable" and isinstance(value, bool))
    }
    if not nullable:
        return converted
    if isinstance(converted.get("type"), str) and "enum" not in converted:
        return converted | {"type": [converted["type"], "null"]}
    return {"anyOf": [converted, {"type": "null"}]}


@dataclass(frozen=True)
class SchemaProblem:
    """Where a document breaks its schema (a JSON pointer) and what is wrong there."""

    pointer: str
    message: str


class SpecOperation:
    """One operation of a vendor spec: its extensions, request body and response schemas."""

    def __init__(self, spec_file: str, path: str, method: str):
        self.document = load_spec(SPECS_DIR / spec_file)
        self.path = path
        self.method = method
        self.operation = self.document["paths"][path][method]
        # Local $refs (#/components/..., #/definitions/...) resolve against this root.
        self._root = {
            name: json_schema(self.document[name])
            for name in ("components", "definitions")
            if name in self.document
        }
        self._body = self._validator(_request_schema(self.operation))
        self._responses: dict[int, CompiledSchema | None] = {}

    @property
    def operation_id(self) -> str:
        """The spec's operationId."""
        return self.operation["operationId"]

    def extension(self, name: str):
        """A vendor extension of the operation, such as x-klaviyo-ratelimit."""
        return self.operation.get(name)

    def body_problem(self, body) -> SchemaProblem | None:
        """The first thing wrong with a request body, or None when it validates."""
        return _first_problem(self._body, body)

    def response_problem(self, status: int, body) -> SchemaProblem | None:
        """The first thing wrong with a response body the fake is about to send."""
        if status not in self._responses:
            schema = _response_schema(self.document, self.operation, status)
            self._responses[status] = self._validator(schema)
        return _first_problem(self._responses[status], body)

    def _validator(self, schema: dict | None):
        if schema is None:
            return None
        return CompiledSchema(json_schema(schema) | self._root)


class CompiledSchema:
    """A schema checked by code compiled from it, and explained by jsonschema when it fails.

    jsonschema walks the schema and resolves each $ref for every document it checks;
    fastjsonschema turns the schema into Python once. It only answers yes or no, so a document
    it refuses goes through jsonschema, which finds the vendor-shaped problem and has the last
    word.
    """

    def __init__(self, schema: dict):
        self.validator = Draft202012Validator(schema)
        # Formats are not checked by the jsonschema validator either: both judge alike.
        self._accepts = fastjsonschema.compile(schema, use_formats=False)

    def iter_errors(self, instance):
        try:
            self._accepts(instance)
        except fastjsonschema.JsonSchemaException:
            yield from self.validator.iter_errors(instance)


@functools.cache
def spec_operation(spec_file: str, path: str, method: str) -> SpecOperation:
    """The operation at `path` and `method` in a spec file under SPECS_DIR, built once."""
    return SpecOperation(spec_file, path, method)


def _request_schema(operation: dict) -> dict | None:
    # OpenAPI 3 keeps the body under requestBody; Swagger 2 as an `in: body` parameter.
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        return media.get("schema")
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "body":
            return parameter.get("schema")
    return None


def _response_schema(document: dict, operation: dict, status: int) -> dict | None:
    responses = operation.get("responses", {})
    answer = (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or (responses.get("default") if status >= 400 else None)
    )
    if answer is None:
        return None
    answer = _resolve(document, answer)
    for media in answer.get("content", {}).values():
        return media.get("schema")
    return answer.get("schema")


def _resolve(document: dict, node: dict) -> dict:
    # Responses (not only schemas) can be $refs, e.g. "4XX": {"$ref": ".../ClientError"}.
    while "$ref" in node:
        target = document
        for part in _pointer_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def _pointer_parts(ref: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in ref.lstrip("#/").split("/")]


def _first_problem(validator, instance) -> SchemaProblem | None:
    if validator is None:
        return None
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return None
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        # Point at the missing member, as the vendors do, rather than at its parent.
        path.append(next(name for name in error.validator_value if name not in error.instance))
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in path)
    return SchemaProblem("/" + "/".join(escaped), error.message)


def window(rate: str) -> tuple[int, float]:
    """A rate such as "10/s" or "150/m" (Klaviyo's notation) as (calls, window seconds)."""
    count, _, unit = rate.partition("/")
    return int(count), RATE_UNITS[unit.strip()]


class SlidingWindowLimiter:
    """At most `calls` per `seconds` for each key, for every (calls, seconds) pair given.

    The window slides with each call instead of being aligned to the clock, so two calls a
    few milliseconds apart never straddle a boundary: a tiny limit in a test refuses every time.
    """

    def __init__(self, limits: list[tuple[int, float]]):
        self.limits = limits
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def admit(self, key: str) -> int:
        """Count a call and return 0, or refuse it and return whole seconds until one fits."""
        now = time.monotonic()
        longest = max((seconds for _, seconds in self.limits), default=0.0)
        with self._lock:
            calls = self._calls[key]
            while calls and now - calls[0] >= longest:
                calls.popleft()
            wait = max((_wait(calls, limit, now) for limit in self.limits), default=0.0)
            if wait <= 0:
                calls.append(now)
                return 0
            return max(1, math.ceil(wait))


def _wait(calls: deque[float], limit: tuple[int, float], now: float) -> float:
    count, seconds = limit
    recent = [moment for moment in calls if now - moment < seconds]
    if len(recent) < count:
        return 0.0
    # A call fits once the count-th most recent one has left the window.
    return recent[-count] + seconds - now


class ConnectionLimiter:
    """At most `limit` requests in flight at once for each key."""

    def __init__(self, limit: int):
        self.limit = limit
        self._open: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, key: str) -> Iterator[bool]:
        """Hold a slot for the duration of the block; yields False when none was free."""
        with self._lock:
            admitted = self._open[key] < self.limit
            if admitted:
                self._open[key] += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._open[key] -= 1


@dataclass(frozen=True)
class InjectedFailure:
    """A failure queued by fail_next(): the status to answer with, and how."""

    status: int
    retry_after: int | None = None
    empty_body: bool = False

    @property
    def headers(self) -> dict[str, str]:
        """Retry-After, when one was asked for."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class VendorFake:
    """A vendor API on loopback with a request log, injected failures and a slow-down.

    Subclasses answer requests in `handle` and render failures in their vendor's shape.
    `requests` holds (method, path) for every HTTP request received, so tests can count calls.
    """

    base_path = ""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        # Server threads change state while the test reads it; one lock keeps them apart.
        self.lock = threading.RLock()
        self._failures: deque[InjectedFailure] = deque()
        self._delay = 0.0
        self._server = LoopbackServer(self.wsgi)
        # Where the fake answers when another server mounts it (the demo's), instead of its own.
        self.mounted_at: str | None = None

    @property
    def url(self) -> str:
        """The base URL to give the vendor's SDK."""
        return self.server_url + self.base_path

    @property
    def server_url(self) -> str:
        """The server's root URL, without the API's base path."""
        return self.mounted_at or self._server.url

    def start(self) -> Self:
        """Start serving; `with fake:` does this and stop()."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def fail_next(
        self, status: int, times: int = 1, retry_after: int | None = None, empty_body=False
    ) -> None:
        """Answer the next `times` requests with `status` (in the vendor's error shape)."""
        with self.lock:
            self._failures.extend([InjectedFailure(status, retry_after, empty_body)] * times)

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request, until delay(0)."""
        self._delay = seconds

    def handle(self, request: Request) -> Response:
        """Answer one request in the vendor's shape (called with the state lock held)."""
        raise NotImplementedError

    def failure_response(self, failure: InjectedFailure) -> Response:
        """The answer for a failure queued by fail_next(), in the vendor's shape."""
        raise NotImplementedError

    @contextmanager
    def admit(self, request: Request) -> Iterator[Response | None]:
        """Connection-level admission; yields a refusal, or None to go on answering."""
        yield None

    def wsgi(self, environ, start_response):
        """The fake as a WSGI app, for its own loopback server or for mounting in another."""
        request = Request(environ)
        with self.lock:
            self.requests.append((request.method, request.path))
        return self._respond(request)(environ, start_response)

    def _respond(self, request: Request) -> Response:
        with self.admit(request) as refusal:
            if refusal is not None:
                return refusal
            time.sleep(self._delay)
            failure = self._next_failure()
            if failure is not None:
                return self.failure_response(failure)
            with self.lock:
                return self.handle(request)

    def _next_failure(self) -> InjectedFailure | None:
        with self.lock:
            return self._failures.popleft() if self._failures else None


def json_response(status: int, body, content_type: str, headers: dict | None = None) -> Response:
    """A JSON answer; `body` None sends no body at all."""
    data = b"" if body is None else json.dumps(body).encode()
    return Response(data, status=status, content_type=content_type, headers=headers or {})
