"""Property-based fuzzing of every operation in ``/openapi.json`` (schemathesis, in-process ASGI).

For each operation schemathesis generates valid and invalid requests from the document itself;
every answer must be free of 5xx and must match the document: a documented status code, the
documented content type, and a body valid against the documented schema. The calls are
authenticated with a real token, and about half of the generated IDs (route, number) are swapped
for ones that exist, so the success paths and their 200 bodies are fuzzed too, not only the 404s.
Runs on SQLite and PostgreSQL (``client`` is parametrised over the backend).

Each operation's strategy (``APIOperation.as_strategy``) drives a plain Hypothesis test, rather
than schemathesis's pytest integration: its fixture-based loader (``from_fixture``) fails on
pytest 9.2 (it sets the removed ``Function._nodeid``), and an eagerly loaded schema cannot use
the per-backend fixtures.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import MINIMAL_TRUNK_ROUTE, ApiAccount

# Hypothesis examples per operation and generation mode (positive, negative): ~18 operations
# x 2 modes x 50, without shrinking, is about 20 s per backend on two cores.
EXAMPLES_PER_OPERATION = 50

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

ROUTE_ID_KEYS = ("CallRouteId", "CallRouteID", "VoiceRouteId")
NUMBER_KEYS = ("PhoneNumber", "Number")
README_OPERATIONS = {
    ("POST", "/v1.0/oauth2/tokens"),
    ("POST", "/v1.0/voice/routes"),
    ("POST", "/v1.0/voice/routes/update"),
    ("POST", "/v1.0/voice/routes/delete"),
    ("GET", "/v1.0/voice/routes"),
    ("GET", "/v1.0/account/voice/routes"),
    ("POST", "/v1.0/voice/routes/explain"),
    ("GET", "/v1.0/voice/routes/history"),
    ("POST", "/v1.0/voice/routes/rollback"),
    ("POST", "/v1.0/numbers/provision"),
    ("POST", "/v1.0/numbers/update"),
    ("GET", "/v1.0/numbers"),
    ("GET", "/v1.0/numbers/inventory"),
    ("POST", "/v1.0/numbers/release"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
}
DESTRUCTIVE = {"/v1.0/voice/routes/delete", "/v1.0/numbers/release"}


@dataclass
class World:
    """Objects that exist, for generated requests to aim at; refreshed when a case may destroy."""

    client: TestClient
    account: ApiAccount
    route_id: str = ""
    number: str = ""
    serial: int = 0

    def fresh_route(self) -> str:
        """A new route of the account's, for one case to use (and perhaps delete)."""
        answer = self.client.post(
            "/v1.0/voice/routes", json=MINIMAL_TRUNK_ROUTE, headers=self.account.headers
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["CallRouteId"])

    def fresh_number(self) -> str:
        """A new number of the account's, on the shared route, for one case to use."""
        self.serial += 1
        number = f"+1415555{self.serial:04d}"
        answer = self.client.post(
            "/v1.0/numbers/provision",
            json={"PhoneNumber": number, "VoiceEnabled": True, "VoiceRouteId": self.route_id},
            headers=self.account.headers,
        )
        assert answer.status_code == 200, answer.text
        return number


def _heads(value: Any) -> bool:
    """A deterministic coin flip per generated value (so that shrinking stays stable)."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


def _aim(container: dict[str, Any] | None, world: World, destructive: bool) -> None:
    if not isinstance(container, dict):
        return
    for key in ROUTE_ID_KEYS:
        if key in container and isinstance(container[key], str) and _heads(container[key]):
            container[key] = world.fresh_route() if destructive else world.route_id
    for key in NUMBER_KEYS:
        if key in container and isinstance(container[key], str) and _heads(container[key]):
            container[key] = world.fresh_number() if destructive else world.number


@pytest.fixture
def world(client: TestClient, account: ApiAccount) -> World:
    world = World(client, account)
    world.route_id = world.fresh_route()
    world.number = world.fresh_number()
    return world


def _operations(client: TestClient) -> list[APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    return [result.ok() for result in schema.get_all_operations()]


def _as_served(app: Any) -> Any:
    """The app as a real server runs it: an exception that escapes after the 500 ProblemDetails
    was sent is logged, not raised into the client (Starlette re-raises for test clients), so
    the checks see the 500 answer itself."""

    async def served(scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def watch(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, watch)
        except Exception:
            if not started:
                raise

    return served


def _fuzz(operation: APIOperation, mode: GenerationMode, world: World) -> None:
    destructive = operation.path in DESTRUCTIVE
    app = _as_served(operation.app)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: bounded time; the failure report carries a curl reproduction.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def run(case: schemathesis.Case) -> None:
        _aim(case.query, world, destructive)
        _aim(case.body if isinstance(case.body, dict) else None, world, destructive)
        case.call_and_validate(headers=world.account.headers, checks=CHECKS, app=app)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_matches_the_document(
    client: TestClient, world: World, mode: GenerationMode
) -> None:
    operations = _operations(client)
    # Every operation the README documents is in the document, hence fuzzed here.
    assert {(op.method.upper(), op.path) for op in operations} >= README_OPERATIONS

    failures: dict[str, str] = {}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not (
            list(operation.iter_parameters()) or operation.body
        ):
            continue  # nothing to make invalid (GET /healthz, GET /readyz)
        try:
            _fuzz(operation, mode, world)
        # Every operation is fuzzed and all failures are reported together; schemathesis
        # raises a FailureGroup, a BaseExceptionGroup, carrying a curl reproduction.
        except (Exception, BaseExceptionGroup) as exc:
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
