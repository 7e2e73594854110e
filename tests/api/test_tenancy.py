"""Tenant isolation: another account's route looks exactly like a route that does not exist.

``ROUTE_ENDPOINTS`` is the table of every endpoint that takes a route id; add a row for a new
endpoint and every test here covers it. ``test_every_route_endpoint_is_in_the_table`` fails
until you do.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

ROUTE_ID_NAMES = {"CallRouteId", "CallRouteID", "VoiceRouteId"}


def random_number() -> str:
    return f"+1415{uuid.uuid4().int % 10_000_000:07d}"


def point_own_number_at(client, headers, route_id: str):
    """The caller's own number, updated to use ``route_id``."""
    number = random_number()
    provisioned = client.post(
        "/v1.0/numbers/provision", json={"PhoneNumber": number}, headers=headers
    )
    assert provisioned.status_code == 200, provisioned.text
    return client.post(
        "/v1.0/numbers/update", json={"Number": number, "VoiceRouteId": route_id}, headers=headers
    )


@dataclass(frozen=True)
class RouteEndpoint:
    method: str
    path: str
    call: Callable  # (client, headers, route_id) -> response
    # How a route id that does not exist is refused: 404 when the id names the resource
    # acted on, 400 when it is a reference inside another resource's body.
    refusal: int = 404

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTE_ENDPOINTS = [
    pytest.param(
        RouteEndpoint(
            "GET",
            "/v1.0/voice/routes",
            lambda client, headers, route_id: client.get(
                "/v1.0/voice/routes", params={"CallRouteId": route_id}, headers=headers
            ),
        ),
        id="get-CallRouteId",
    ),
    pytest.param(
        RouteEndpoint(
            "GET",
            "/v1.0/voice/routes",
            lambda client, headers, route_id: client.get(
                "/v1.0/voice/routes", params={"CallRouteID": route_id}, headers=headers
            ),
        ),
        id="get-CallRouteID",
    ),
    pytest.param(
        RouteEndpoint(
            "POST",
            "/v1.0/voice/routes/update",
            lambda client, headers, route_id: client.post(
                "/v1.0/voice/routes/update",
                json={"CallRouteId": route_id, "RouteName": "Hijacked", "TrunkIp1": "198.51.100.9"},
                headers=headers,
            ),
        ),
        id="update",
    ),
    pytest.param(
        RouteEndpoint(
            "POST",
            "/v1.0/voice/routes/update",
            lambda client, headers, route_id: client.post(
                "/v1.0/voice/routes/update",
                json={"CallRouteId": route_id, "RouteEnabled": False},
                headers=headers,
            ),
        ),
        id="update-disable",
    ),
    pytest.param(
        RouteEndpoint(
            "GET",
            "/v1.0/voice/routes/history",
            lambda client, headers, route_id: client.get(
                "/v1.0/voice/routes/history", params={"CallRouteId": route_id}, headers=headers
            ),
        ),
        id="history",
    ),
    pytest.param(
        RouteEndpoint(
            "POST",
            "/v1.0/voice/routes/rollback",
            lambda client, headers, route_id: client.post(
                "/v1.0/voice/routes/rollback",
                json={"CallRouteId": route_id, "Revision": 1},
                headers=headers,
            ),
        ),
        id="rollback",
    ),
    pytest.param(
        RouteEndpoint(
            "POST",
            "/v1.0/voice/routes/explain",
            lambda client, headers, route_id: client.post(
                "/v1.0/voice/routes/explain", json={"CallRouteId": route_id}, headers=headers
            ),
        ),
        id="explain",
    ),
    pytest.param(
        RouteEndpoint(
            "GET",
            "/v1.0/voice/routes/trunks",
            lambda client, headers, route_id: client.get(
                "/v1.0/voice/routes/trunks", params={"CallRouteId": route_id}, headers=headers
            ),
        ),
        id="trunks",
    ),
    pytest.param(
        RouteEndpoint(
            "POST",
            "/v1.0/numbers/provision",
            lambda client, headers, route_id: client.post(
                "/v1.0/numbers/provision",
                json={"PhoneNumber": random_number(), "VoiceRouteId": route_id},
                headers=headers,
            ),
            refusal=400,
        ),
        id="number-provision",
    ),
    pytest.param(
        RouteEndpoint(
            "POST", "/v1.0/numbers/update", lambda *args: point_own_number_at(*args), refusal=400
        ),
        id="number-update",
    ),
    pytest.param(
        RouteEndpoint(
            "POST",
            "/v1.0/voice/routes/delete",
            lambda client, headers, route_id: client.post(
                "/v1.0/voice/routes/delete", json={"CallRouteId": route_id}, headers=headers
            ),
        ),
        id="delete",
    ),
]


def comparable(body: dict, route_id: str) -> dict:
    """The 404 body without its TraceId, with the echoed route id replaced by a placeholder."""
    without_trace = {name: value for name, value in body.items() if name != "TraceId"}
    return json.loads(json.dumps(without_trace).replace(route_id, "<CallRouteId>"))


def read_route(client, owner, route_id: str) -> dict:
    answer = client.get(
        "/v1.0/voice/routes", params={"CallRouteId": route_id}, headers=owner.headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def intruder(make_account):
    return make_account("intruder")


@pytest.fixture
def victims_route(create_route):
    return create_route(RouteName="Victim's trunk", TerminationUriSubdomain="victim-pbx")


@pytest.mark.parametrize("endpoint", ROUTE_ENDPOINTS)
def test_another_accounts_route_answers_like_a_missing_one(
    client, account, intruder, victims_route, endpoint
):
    route_id = victims_route["CallRouteId"]
    missing_id = f"CRID-{uuid.uuid4()}"

    foreign = endpoint.call(client, intruder.headers, route_id)
    missing = endpoint.call(client, intruder.headers, missing_id)

    assert missing.status_code == endpoint.refusal, missing.text
    assert foreign.status_code == endpoint.refusal, foreign.text
    assert foreign.headers["content-type"] == missing.headers["content-type"]
    assert comparable(foreign.json(), route_id) == comparable(missing.json(), missing_id)
    assert read_route(client, account, route_id) == victims_route


@pytest.mark.parametrize("endpoint", ROUTE_ENDPOINTS)
def test_the_owner_reaches_its_route_on_every_endpoint(client, account, victims_route, endpoint):
    """The control for the test above: the same call by the owner is not a 404."""
    answer = endpoint.call(client, account.headers, victims_route["CallRouteId"])
    assert answer.status_code == 200, answer.text


def test_listing_shows_only_the_callers_routes(client, account, intruder, create_route):
    victims = {create_route(RouteName=f"Victim {n}")["CallRouteId"] for n in range(2)}
    own = create_route(intruder, RouteName="Intruder's own")["CallRouteId"]

    listing = client.get("/v1.0/account/voice/routes", headers=intruder.headers).json()

    assert listing["AccountId"] == intruder.key
    assert [route["CallRouteId"] for route in listing["Results"]] == [own]
    assert listing["TotalRoutes"] == 1
    assert victims.isdisjoint(route["CallRouteId"] for route in listing["Results"])
    owner_listing = client.get("/v1.0/account/voice/routes", headers=account.headers).json()
    assert {route["CallRouteId"] for route in owner_listing["Results"]} == victims


def names_an_operation_takes(document: dict, operation: dict) -> set[str]:
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    for content in operation.get("requestBody", {}).get("content", {}).values():
        reference = content["schema"].get("$ref", "")
        schema = document["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {})
        names |= set(schema.get("properties", {}))
    return names


def test_every_endpoint_taking_a_route_id_is_in_the_table(client):
    document = client.app.openapi()
    taking_route_id = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if names_an_operation_takes(document, operation) & ROUTE_ID_NAMES
    }
    covered = {(param.values[0].method, param.values[0].path) for param in ROUTE_ENDPOINTS}
    assert taking_route_id == covered
