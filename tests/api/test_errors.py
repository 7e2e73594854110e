"""Every error is an ASP.NET-style ProblemDetails body, carrying the TraceId of its request."""

from __future__ import annotations

import logging
import uuid

import pytest
from fastapi.testclient import TestClient

from voiceroute.api.app import create_app
from voiceroute.logs import JsonFormatter
from voiceroute.services.container import Services

PROBLEM_KEYS = {"Type", "Title", "Status", "Detail", "Errors", "TraceId"}
MAX_BODY = 64 * 1024
ROUTE = {"RouteName": "Main", "RouteType": "Trunk", "TrunkIp1": "192.0.2.10"}


def assert_problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["Status"] == status
    assert isinstance(body["Type"], str)
    assert body["Type"]
    assert body["Title"]
    assert isinstance(body["Errors"], dict)
    assert body["TraceId"] == answer.headers["x-trace-id"]
    return body


def route_count(client, account) -> int:
    listing = client.get("/v1.0/account/voice/routes", headers=account.headers)
    assert listing.status_code == 200, listing.text
    return int(listing.json()["TotalRoutes"])


def oversized_json() -> bytes:
    return b'{"RouteName": "' + b"x" * MAX_BODY + b'"}'


def test_400_names_the_invalid_field(client, account):
    answer = client.post(
        "/v1.0/voice/routes", json={**ROUTE, "RouteType": "Carrier"}, headers=account.headers
    )
    body = assert_problem(answer, 400)
    assert "$.RouteType" in body["Errors"]


def test_401_without_a_token(client):
    assert_problem(client.get("/v1.0/account/voice/routes"), 401)


def test_404_for_an_unknown_path(client, account):
    assert_problem(client.get("/v1.0/no/such/thing", headers=account.headers), 404)


def test_404_for_an_unknown_route(client, account):
    answer = client.get(
        "/v1.0/voice/routes",
        params={"CallRouteId": f"CRID-{uuid.uuid4()}"},
        headers=account.headers,
    )
    assert_problem(answer, 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1.0/voice/routes"),
        ("DELETE", "/v1.0/voice/routes"),
        ("PATCH", "/v1.0/voice/routes"),
        ("GET", "/v1.0/voice/routes/update"),
        ("GET", "/v1.0/voice/routes/delete"),
        ("DELETE", "/v1.0/account/voice/routes"),
    ],
)
def test_405_for_a_method_the_path_does_not_have(client, account, method, path):
    assert_problem(client.request(method, path, headers=account.headers), 405)


def test_405_lists_every_method_the_path_allows(client, account):
    answer = client.put("/v1.0/voice/routes", headers=account.headers)
    assert_problem(answer, 405)
    allowed = {method.strip() for method in answer.headers["allow"].split(",")}
    assert allowed == {"GET", "POST"}  # create and read share the path


def test_409_for_a_taken_termination_subdomain(client, account, create_route):
    create_route(TerminationUriSubdomain="acme-pbx")
    answer = client.post(
        "/v1.0/voice/routes",
        json={**ROUTE, "TerminationUriSubdomain": "acme-pbx"},
        headers=account.headers,
    )
    body = assert_problem(answer, 409)
    assert "$.TerminationUriSubdomain" in body["Errors"]


def test_413_for_a_body_over_64_kib_with_content_length(client, account):
    answer = client.post(
        "/v1.0/voice/routes",
        content=oversized_json(),
        headers={**account.headers, "Content-Type": "application/json"},
    )
    assert_problem(answer, 413)
    assert route_count(client, account) == 0


def test_413_for_a_streamed_body_without_length(client, account):
    def chunks():
        yield b'{"RouteName": "'
        for _ in range(20):
            yield b"x" * 4096
        yield b'", "RouteType": "Trunk", "TrunkIp1": "192.0.2.10"}'

    answer = client.post(
        "/v1.0/voice/routes",
        content=chunks(),
        headers={**account.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in answer.request.headers
    assert_problem(answer, 413)
    assert route_count(client, account) == 0


def test_a_body_of_exactly_64_kib_is_accepted(client, account):
    padding = MAX_BODY - len(b'{"RouteName": "", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}')
    body = b'{"RouteName": "a", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}'
    body = body[:-1] + b" " * (padding - 1) + b"}"
    assert len(body) == MAX_BODY
    answer = client.post(
        "/v1.0/voice/routes",
        content=body,
        headers={**account.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_415_for_a_body_that_is_not_declared_json(client, account, content_type):
    headers = dict(account.headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    answer = client.post(
        "/v1.0/voice/routes",
        content=b'{"RouteName": "Main", "RouteType": "Trunk", "TrunkIp1": "192.0.2.10"}',
        headers=headers,
    )
    assert_problem(answer, 415)
    assert route_count(client, account) == 0


def test_429_when_over_the_rate_limit(make_settings, database, account):
    settings = make_settings(rate_limit=1)
    app = create_app(settings, Services.build(settings, db=database))
    with TestClient(app) as limited:
        assert limited.get("/v1.0/account/voice/routes", headers=account.headers).status_code == 200
        answer = limited.get("/v1.0/account/voice/routes", headers=account.headers)
    assert_problem(answer, 429)
    assert answer.headers["retry-after"].isdigit()


def test_500_is_a_problem_whose_trace_id_is_in_the_error_log(services, caplog):
    app = create_app(services.settings, services)

    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", explode)
    caplog.set_level(logging.ERROR, logger="voiceroute")
    with TestClient(app, raise_server_exceptions=False) as crashing:
        answer = crashing.get("/boom")

    body = assert_problem(answer, 500)
    assert "boom" not in answer.text  # internals stay in the log
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "voiceroute.api"
    ]
    assert len(errors) == 1
    assert errors[0].fields["trace_id"] == body["TraceId"]
    assert body["TraceId"] in JsonFormatter().format(errors[0])


def test_malformed_json_is_a_400(client, account):
    answer = client.post(
        "/v1.0/voice/routes",
        content=b'{"RouteName": "Main", ',
        headers={**account.headers, "Content-Type": "application/json"},
    )
    body = assert_problem(answer, 400)
    assert body["Errors"]


@pytest.mark.parametrize("payload", [[ROUTE], "Main", 42, None])
def test_a_body_that_is_not_an_object_is_a_400(client, account, payload):
    answer = client.post("/v1.0/voice/routes", json=payload, headers=account.headers)
    assert_problem(answer, 400)
    assert route_count(client, account) == 0


BAD_REQUESTS = [
    ("POST", "/v1.0/voice/routes", {"json": {}}),
    ("POST", "/v1.0/voice/routes", {"json": {**ROUTE, "Trunk1Priortiy": "high"}}),
    ("POST", "/v1.0/voice/routes", {"json": {**ROUTE, "NoSuchField": 1}}),
    ("POST", "/v1.0/voice/routes", {"json": {**ROUTE, "TrunkEnabled1": "yes"}}),
    ("POST", "/v1.0/voice/routes/update", {"json": {"RouteName": "x"}}),
    ("POST", "/v1.0/voice/routes/delete", {"json": {}}),
    ("POST", "/v1.0/voice/routes/delete", {"json": {"CallRouteId": 5}}),
    ("GET", "/v1.0/voice/routes", {}),
    ("GET", "/v1.0/voice/routes", {"params": {"CallRouteId": "C" * 200}}),
    ("POST", "/v1.0/oauth2/tokens", {"json": {"AccountKey": 1, "AccountSecret": []}}),
    ("POST", "/v1.0/oauth2/tokens", {"json": ["AccountKey"]}),
]


@pytest.mark.parametrize(("method", "path", "options"), BAD_REQUESTS)
def test_invalid_requests_are_400_never_422(client, account, method, path, options):
    answer = client.request(method, path, headers=account.headers, **options)
    assert answer.status_code != 422
    assert_problem(answer, 400)


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "voiceroute.access"]


@pytest.mark.parametrize(
    ("method", "path", "options", "status"),
    [
        ("GET", "/v1.0/account/voice/routes", {}, 200),
        ("GET", "/v1.0/account/voice/routes", {"headers": {"Authorization": "Bearer x"}}, 401),
        ("GET", "/v1.0/nowhere", {}, 404),
        ("POST", "/v1.0/voice/routes", {"content": b"x", "headers": {"Content-Type": "a/b"}}, 415),
        ("POST", "/v1.0/voice/routes", {"content": oversized_json()}, 413),
    ],
)
def test_trace_id_matches_the_header_and_the_access_log(
    client, account, caplog, method, path, options, status
):
    options = dict(options)  # the parameter is shared by both backends' runs
    headers = {**account.headers, "Content-Type": "application/json", **options.pop("headers", {})}
    caplog.set_level(logging.INFO, logger="voiceroute.access")

    answer = client.request(method, path, headers=headers, **options)

    assert answer.status_code == status, answer.text
    trace_id = answer.headers["x-trace-id"]
    if status >= 400:
        assert answer.json()["TraceId"] == trace_id
    logged = [r for r in access_records(caplog) if r.fields["trace_id"] == trace_id]
    assert len(logged) == 1
    assert logged[0].fields["status"] == status
    assert logged[0].fields["path"] == path


def test_each_request_gets_its_own_trace_id(client):
    first = client.get("/v1.0/nowhere").json()["TraceId"]
    second = client.get("/v1.0/nowhere").json()["TraceId"]
    assert first
    assert first != second


def test_rejected_writes_change_nothing(client, account, create_route):
    kept = create_route(RouteName="Kept")
    refused = [
        client.post(
            "/v1.0/voice/routes/update",
            json={"CallRouteId": kept["CallRouteId"], "RouteName": "y" * MAX_BODY},
            headers=account.headers,
        ),
        client.post(
            "/v1.0/voice/routes/update",
            content=b'{"CallRouteId": "%s", "RouteName": "Changed"}' % kept["CallRouteId"].encode(),
            headers={**account.headers, "Content-Type": "text/plain"},
        ),
        client.post(
            "/v1.0/voice/routes/update",
            json={"CallRouteId": kept["CallRouteId"], "RouteName": "Changed", "RouteType": "?"},
            headers=account.headers,
        ),
    ]
    assert [answer.status_code for answer in refused] == [413, 415, 400]
    current = client.get(
        "/v1.0/voice/routes", params={"CallRouteId": kept["CallRouteId"]}, headers=account.headers
    )
    assert current.json() == kept
