"""Hostile input: every attempt gets a clean 4xx ProblemDetails, the server stays up, and nothing
is written.

"Nothing is written" is checked three ways after each attempt: the row count of every table,
the account's route listing and number inventory (byte for byte), and the existing route's
history. "The server stays up" is a 200 from ``GET /healthz`` afterwards. Bodies that must not be
buffered whole are fed to the app through raw ASGI, a chunk at a time, so the test can see how
much of them the server read and how much memory it used (``tracemalloc``; no timings).
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import MINIMAL_TRUNK_ROUTE, ApiAccount
from voiceroute.db import Database
from voiceroute.models import Base

PROBLEM_KEYS = {"Type", "Title", "Status", "Detail", "Errors", "TraceId"}
MAX_BODY = 64 * 1024
CHUNK = b"x" * MAX_BODY  # allocated once, before any memory is measured

# Peak Python heap allowed while the server handles one hostile request. The server may hold at
# most one 64 KiB body (plus one chunk read past the limit), its decoded text (up to 4 bytes a
# character) and what parsing a 64 KiB JSON document yields (a few MiB at worst: ~24 bytes of
# JSON per whitelist entry, ~1 KiB of dicts, strings and model objects per entry). 16 MiB is
# several times that, yet well below the 64 MiB a server that buffered a whole oversized stream
# would need.
MEMORY_BOUND = 16 * 1024 * 1024
OVERSIZED_STREAM = 64 * 1024 * 1024

SQL_INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE voice_routes; --']
# Fields that take any printable text: an injection string is a legitimate value there, and the
# right behaviour is to store it verbatim (and still leave every table intact).
FREE_TEXT_FIELDS = {"RouteName", "VoiceUsername", "VoicePasswordToken"}


# ---------------------------------------------------------------------------------------------
# Helpers


def assert_problem(answer: Any, *statuses: int) -> dict[str, Any]:
    assert answer.status_code in statuses, (answer.status_code, answer.text[:500])
    assert answer.headers["content-type"] == "application/problem+json", answer.headers
    body: dict[str, Any] = answer.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["Status"] == answer.status_code
    assert body["TraceId"] == answer.headers["x-trace-id"]
    assert isinstance(body["Errors"], dict)
    return body


@dataclass
class Snapshot:
    rows: dict[str, int]
    routes: Any
    numbers: Any
    history: Any


@dataclass
class Target:
    """An account with one route and one number, and a way to prove nothing else happened."""

    client: TestClient
    account: ApiAccount
    database: Database
    route_id: str
    number: str
    before: Snapshot = field(init=False)

    def snapshot(self) -> Snapshot:
        with self.database.read() as session:
            rows = {
                table.name: int(session.execute(select(func.count()).select_from(table)).scalar())
                for table in Base.metadata.sorted_tables
            }
        headers = self.account.headers
        routes = self.client.get("/v1.0/account/voice/routes", headers=headers)
        numbers = self.client.get("/v1.0/numbers/inventory", headers=headers)
        history = self.client.get(
            "/v1.0/voice/routes/history", params={"CallRouteId": self.route_id}, headers=headers
        )
        for answer in (routes, numbers, history):
            assert answer.status_code == 200, answer.text
        return Snapshot(rows, routes.json(), numbers.json(), history.json())

    def assert_untouched(self) -> None:
        health = self.client.get("/healthz")
        assert health.status_code == 200, health.text
        after = self.snapshot()
        assert after.rows == self.before.rows
        assert after.routes == self.before.routes
        assert after.numbers == self.before.numbers
        assert after.history == self.before.history

    def post(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.post(path, json=body, headers={**self.account.headers, **headers})

    def post_raw(self, path: str, content: bytes | Iterator[bytes], **headers: str) -> Any:
        return self.client.post(
            path,
            content=content,
            headers={**self.account.headers, "Content-Type": "application/json", **headers},
        )


@pytest.fixture
def target(client: TestClient, account: ApiAccount, database: Database) -> Target:
    route = client.post("/v1.0/voice/routes", json=MINIMAL_TRUNK_ROUTE, headers=account.headers)
    assert route.status_code == 200, route.text
    route_id = route.json()["CallRouteId"]
    number = client.post(
        "/v1.0/numbers/provision",
        json={"PhoneNumber": "+14155550100", "VoiceRouteId": route_id},
        headers=account.headers,
    )
    assert number.status_code == 200, number.text
    result = Target(client, account, database, route_id, "+14155550100")
    result.before = result.snapshot()
    return result


@dataclass
class RawAnswer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    bytes_read: int
    peak_memory: int

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.decode("latin-1").lower() == name.lower():
                return value.decode("latin-1")
        return None

    def json(self) -> Any:
        return json.loads(self.body)


def call_asgi(
    app: Any,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    chunks: Iterator[bytes] = iter(()),
    query: bytes = b"",
) -> RawAnswer:
    """One request straight into the ASGI app, the body fed lazily, heap peak measured.

    Nothing between this and the app validates headers, so it can send what a lenient proxy
    might pass on (CR, LF, NUL, obs-text bytes), and see exactly what the app answers.
    """
    sent: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        asyncio.run(app(scope, receive, send))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return RawAnswer(start["status"], list(start.get("headers", [])), body, read, peak)


def stream(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield CHUNK
        sent += len(CHUNK)


def auth(target: Target) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {target.account.token}".encode())]


JSON_TYPE = [(b"content-type", b"application/json")]


def assert_raw_problem(answer: RawAnswer, *statuses: int) -> dict[str, Any]:
    assert answer.status in statuses, (answer.status, answer.body[:500])
    assert answer.header("content-type") == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["Status"] == answer.status
    return body


def json_kind(property_schema: dict[str, Any]) -> str:
    """The one non-null JSON type a create-body field takes, per the OpenAPI document."""
    for option in property_schema.get("anyOf", [property_schema]):
        if option.get("type") == "null":
            continue
        if "$ref" in option:
            return "string"  # every referenced schema of the create body is a string enum
        return str(option["type"])
    raise AssertionError(property_schema)


# The create body's fields and their types: read from a fresh app at import, so every field
# the document lists is parametrised, including ones added later.
def _create_fields() -> dict[str, str]:
    from voiceroute.schemas.voice_routes import CreateVoiceRoute

    schema = CreateVoiceRoute.model_json_schema(by_alias=True, mode="validation")
    return {name: json_kind(prop) for name, prop in schema["properties"].items()}


CREATE_FIELDS = _create_fields()
STRING_FIELDS = sorted(name for name, kind in CREATE_FIELDS.items() if kind == "string")
# A JSON integer port is accepted and answered as the documented string (README).
INTEGER_ACCEPTED = {"TrunkPort1", "TrunkPort2"}
WRONG_VALUES: dict[str, Any] = {
    "integer": 7,
    "number": 3.5,
    "string": "7",
    "boolean": True,
    "object": {"IpAddress": "192.0.2.1"},
    "array": ["192.0.2.1"],
}


def test_the_create_body_has_the_fields_the_contract_names() -> None:
    # Guards the parametrisation below against an empty or renamed field list.
    assert {"RouteName", "RouteType", "TrunkIp1", "IpWhitelist", "Trunk1Priortiy"} <= set(
        CREATE_FIELDS
    )
    assert len(STRING_FIELDS) >= 20


# ---------------------------------------------------------------------------------------------
# Oversized bodies


def test_body_over_64_kib_with_content_length_is_413(target: Target) -> None:
    body = b'{"RouteName": "' + b"x" * MAX_BODY + b'"}'
    assert_problem(target.post_raw("/v1.0/voice/routes", body), 413)
    target.assert_untouched()


def test_body_of_exactly_64_kib_is_read_and_judged_on_its_content(target: Target) -> None:
    # The boundary itself: 65,536 bytes is allowed in, and is then a plain validation error.
    prefix, suffix = b'{"RouteName": "', b'"}'
    body = prefix + b"x" * (MAX_BODY - len(prefix) - len(suffix)) + suffix
    assert len(body) == MAX_BODY
    problem = assert_problem(target.post_raw("/v1.0/voice/routes", body), 400)
    assert "$.RouteName" in problem["Errors"]
    target.assert_untouched()


def test_chunked_body_over_64_kib_is_413(target: Target) -> None:
    answer = target.post_raw("/v1.0/voice/routes", stream(4 * MAX_BODY))
    assert_problem(answer, 413)
    target.assert_untouched()


def test_endless_chunked_body_is_cut_off_and_not_buffered(target: Target) -> None:
    headers = [*auth(target), *JSON_TYPE, (b"transfer-encoding", b"chunked")]
    answer = call_asgi(
        target.client.app, "POST", "/v1.0/voice/routes", headers, stream(OVERSIZED_STREAM)
    )
    assert_raw_problem(answer, 413)
    # It stopped reading at the limit: the body it saw is the limit plus at most one chunk.
    assert answer.bytes_read <= MAX_BODY + len(CHUNK)
    assert answer.peak_memory < MEMORY_BOUND, answer.peak_memory
    target.assert_untouched()


def test_declared_huge_content_length_is_refused_before_reading(target: Target) -> None:
    headers = [*auth(target), *JSON_TYPE, (b"content-length", str(OVERSIZED_STREAM).encode())]
    answer = call_asgi(
        target.client.app, "POST", "/v1.0/voice/routes", headers, stream(OVERSIZED_STREAM)
    )
    assert_raw_problem(answer, 413)
    assert answer.bytes_read == 0
    assert answer.peak_memory < MEMORY_BOUND, answer.peak_memory
    target.assert_untouched()


# ---------------------------------------------------------------------------------------------
# Malformed JSON


@pytest.mark.parametrize(
    ("label", "body", "status"),
    [
        ("100k levels of [", b"[" * 100_000, 413),
        ("60k levels of [ (fits in 64 KiB)", b"[" * 60_000, 400),
        ("30k balanced levels", b"[" * 30_000 + b"]" * 30_000, 400),
        ("9k levels of { as a field value", b'{"RouteName": ' + b'{"a": ' * 9_000, 400),
        ("deep nesting inside a real field", b'{"IpWhitelist": ' + b"[" * 60_000, 400),
    ],
)
def test_deeply_nested_json(target: Target, label: str, body: bytes, status: int) -> None:
    headers = [*auth(target), *JSON_TYPE, (b"content-length", str(len(body)).encode())]
    answer = call_asgi(target.client.app, "POST", "/v1.0/voice/routes", headers, iter([body]))
    assert_raw_problem(answer, status)
    assert answer.peak_memory < MEMORY_BOUND, (label, answer.peak_memory)
    target.assert_untouched()


@pytest.mark.parametrize(
    "body",
    [
        b'{"RouteName": "\xff\xfe", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}',
        b'{"RouteName": "\xc3\x28", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}',
        b'{"RouteName": "\xed\xa0\x80", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}',
        b'\xef\xbb\xbf{"RouteName": "bom", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}\xff',
        b'{"RouteName": "\\ud800", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"}',
    ],
    ids=["ff-fe", "bad-continuation", "encoded-surrogate", "bom-and-trailing-ff", "lone-surrogate"],
)
def test_invalid_utf8_in_a_json_body_is_400(target: Target, body: bytes) -> None:
    assert_problem(target.post_raw("/v1.0/voice/routes", body), 400)
    target.assert_untouched()


# ---------------------------------------------------------------------------------------------
# Big lists and big strings


def whitelist(count: int) -> list[dict[str, str]]:
    return [{"IpAddress": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"} for i in range(count)]


def test_ten_thousand_whitelist_entries(target: Target) -> None:
    body = json.dumps({**MINIMAL_TRUNK_ROUTE, "IpWhitelist": whitelist(10_000)}).encode()
    assert len(body) > MAX_BODY  # it cannot fit: the size limit answers
    assert_problem(target.post_raw("/v1.0/voice/routes", body), 413)
    target.assert_untouched()


def test_as_many_whitelist_entries_as_fit_in_64_kib_is_400_in_bounded_memory(
    target: Target,
) -> None:
    compact = (",", ":")
    body = json.dumps({**MINIMAL_TRUNK_ROUTE, "IpWhitelist": whitelist(2_450)}, separators=compact)
    assert MAX_BODY - 2_000 < len(body) <= MAX_BODY
    headers = [*auth(target), *JSON_TYPE, (b"content-length", str(len(body)).encode())]
    answer = call_asgi(
        target.client.app, "POST", "/v1.0/voice/routes", headers, iter([body.encode()])
    )
    problem = assert_raw_problem(answer, 400)
    assert "$.IpWhitelist" in problem["Errors"], problem
    assert answer.peak_memory < MEMORY_BOUND, answer.peak_memory
    target.assert_untouched()


@pytest.mark.parametrize("spelling", ["IpWhitelist", "IpWhiteList"])
def test_101_whitelist_entries_is_400(target: Target, spelling: str) -> None:
    answer = target.post("/v1.0/voice/routes", {**MINIMAL_TRUNK_ROUTE, spelling: whitelist(101)})
    problem = assert_problem(answer, 400)
    assert f"$.{spelling}" in problem["Errors"], problem
    update = target.post(
        "/v1.0/voice/routes/update", {"CallRouteId": target.route_id, spelling: whitelist(101)}
    )
    assert_problem(update, 400)
    target.assert_untouched()


def field_refused(answer: Any, field_name: str) -> str | None:
    """Why ``answer`` is not a 400 ProblemDetails naming ``field_name``, or None if it is."""
    if answer.status_code != 400:
        return f"{answer.status_code}: {answer.text[:300]}"
    if answer.headers["content-type"] != "application/problem+json":
        return f"content type {answer.headers['content-type']}"
    errors = answer.json().get("Errors", {})
    if not any(key.startswith(f"$.{field_name}") for key in errors):
        return f"Errors do not name $.{field_name}: {errors}"
    return None


def test_a_60_kb_string_in_each_string_field_is_400(target: Target) -> None:
    huge = "a" * 60_000
    failures: dict[str, str] = {}
    for field_name in STRING_FIELDS:
        body = {**MINIMAL_TRUNK_ROUTE, field_name: huge}
        for path, data in (
            ("/v1.0/voice/routes", body),
            ("/v1.0/voice/routes/update", {"CallRouteId": target.route_id, **body}),
        ):
            reason = field_refused(target.post(path, data), field_name)
            if reason:
                failures[f"{path} {field_name}"] = reason
    assert not failures, failures
    target.assert_untouched()


def test_a_60_kb_whitelist_address_is_400(target: Target) -> None:
    body = {**MINIMAL_TRUNK_ROUTE, "IpWhitelist": [{"IpAddress": "1" * 60_000}]}
    problem = assert_problem(target.post("/v1.0/voice/routes", body), 400)
    assert "$.IpWhitelist[0].IpAddress" in problem["Errors"], problem
    target.assert_untouched()


def test_a_60_kb_call_route_id_is_400_or_404(target: Target) -> None:
    huge = "CRID-" + "a" * 60_000
    for path in ("/v1.0/voice/routes/update", "/v1.0/voice/routes/delete"):
        assert_problem(target.post(path, {"CallRouteId": huge}), 400, 404)
    for path in ("/v1.0/voice/routes", "/v1.0/voice/routes/history"):
        answer = target.client.get(
            path, params={"CallRouteId": huge[:8000]}, headers=target.account.headers
        )
        assert_problem(answer, 400, 404)
    target.assert_untouched()


# ---------------------------------------------------------------------------------------------
# Wrong JSON types


def test_wrong_json_type_in_each_create_field_is_400(target: Target) -> None:
    failures: dict[str, str] = {}
    for field_name, kind in sorted(CREATE_FIELDS.items()):
        wrong = {
            label: value
            for label, value in WRONG_VALUES.items()
            if label != kind
            and not (kind == "number" and label == "integer")
            and not (field_name in INTEGER_ACCEPTED and label == "integer")
        }
        if field_name in ("RouteName", "RouteType"):
            wrong["null where required"] = None
        assert len(wrong) >= 4
        for label, value in wrong.items():
            answer = target.post("/v1.0/voice/routes", {**MINIMAL_TRUNK_ROUTE, field_name: value})
            reason = field_refused(answer, field_name)
            if reason:
                failures[f"{field_name} <- {label} {value!r}"] = reason
    assert not failures, failures
    target.assert_untouched()


@pytest.mark.parametrize("value", [7, 3.5, True, {"a": 1}, ["CRID-x"], None])
def test_wrong_json_type_for_call_route_id_is_400(target: Target, value: Any) -> None:
    for path in ("/v1.0/voice/routes/update", "/v1.0/voice/routes/delete"):
        problem = assert_problem(target.post(path, {"CallRouteId": value}), 400)
        assert "$.CallRouteId" in problem["Errors"], problem
    target.assert_untouched()


@pytest.mark.parametrize("body", [[], "route", 7, None, True])
def test_a_body_that_is_not_an_object_is_400(target: Target, body: Any) -> None:
    assert_problem(target.post("/v1.0/voice/routes", body), 400)
    target.assert_untouched()


# ---------------------------------------------------------------------------------------------
# SQL injection


def test_sql_injection_in_each_validated_string_field_is_400(target: Target) -> None:
    failures: dict[str, str] = {}
    for field_name in STRING_FIELDS:
        if field_name in FREE_TEXT_FIELDS:
            continue
        for injection in SQL_INJECTIONS:
            body = {**MINIMAL_TRUNK_ROUTE, field_name: injection}
            for path, data in (
                ("/v1.0/voice/routes", body),
                ("/v1.0/voice/routes/update", {"CallRouteId": target.route_id, **body}),
            ):
                reason = field_refused(target.post(path, data), field_name)
                if reason:
                    failures[f"{path} {field_name} <- {injection!r}"] = reason
    assert not failures, failures
    target.assert_untouched()


@pytest.mark.parametrize("field_name", sorted(FREE_TEXT_FIELDS))
def test_sql_injection_in_free_text_is_stored_verbatim(target: Target, field_name: str) -> None:
    # Free text: an injection string is a legitimate value. It is stored as data, verbatim:
    # one route more per create, every table still there, nothing else touched.
    for injection in SQL_INJECTIONS:
        answer = target.post("/v1.0/voice/routes", {**MINIMAL_TRUNK_ROUTE, field_name: injection})
        assert answer.status_code == 200, answer.text
        created = answer.json()
        if field_name != "VoicePasswordToken":  # write-only, never answered
            assert created[field_name] == injection
            read = target.client.get(
                "/v1.0/voice/routes",
                params={"CallRouteId": created["CallRouteId"]},
                headers=target.account.headers,
            )
            assert read.json()[field_name] == injection
    after = target.snapshot()
    added = len(SQL_INJECTIONS)
    assert after.routes["TotalRoutes"] == target.before.routes["TotalRoutes"] + added
    assert set(after.rows) == set(target.before.rows)
    assert after.rows["voice_routes"] == target.before.rows["voice_routes"] + added
    assert after.rows["phone_numbers"] == target.before.rows["phone_numbers"]
    assert after.rows["accounts"] == target.before.rows["accounts"]
    assert after.numbers == target.before.numbers
    assert after.history == target.before.history


INJECTED_IDS = [*SQL_INJECTIONS, "CRID-x' OR '1'='1", "%", "CRID-%"]


@pytest.mark.parametrize("injection", INJECTED_IDS)
def test_sql_injection_in_call_route_id_is_refused(target: Target, injection: str) -> None:
    headers = target.account.headers
    for path in ("/v1.0/voice/routes", "/v1.0/voice/routes/history", "/v1.0/voice/routes/trunks"):
        for key in ("CallRouteId", "CallRouteID"):
            answer = target.client.get(path, params={key: injection}, headers=headers)
            assert_problem(answer, 400, 404)  # 400 when it is not a well-formed ID
    for path in ("/v1.0/voice/routes/update", "/v1.0/voice/routes/delete"):
        assert_problem(target.post(path, {"CallRouteId": injection}), 400, 404)
    rollback = target.post("/v1.0/voice/routes/rollback", {"CallRouteId": injection, "Revision": 1})
    assert_problem(rollback, 400, 404)
    provision = target.post(
        "/v1.0/numbers/provision", {"PhoneNumber": "+14155550199", "VoiceRouteId": injection}
    )
    assert_problem(provision, 400)
    target.assert_untouched()


@pytest.mark.parametrize("injection", [*SQL_INJECTIONS, "%", "+1%", "_"])
def test_sql_injection_in_phone_number_is_400_or_404(target: Target, injection: str) -> None:
    answer = target.client.get(
        "/v1.0/numbers", params={"PhoneNumber": injection}, headers=target.account.headers
    )
    assert_problem(answer, 400, 404)
    for path in ("/v1.0/numbers/update", "/v1.0/numbers/release"):
        assert_problem(target.post(path, {"Number": injection}), 400)
    target.assert_untouched()


@pytest.mark.parametrize("text", [*[s[:20] for s in SQL_INJECTIONS], "%", "_", "%%", "\\"])
def test_filter_matches_text_literally(target: Target, text: str) -> None:
    # "Only numbers containing this text": no number contains these, so none is listed (an
    # injection or a LIKE wildcard that matched would list the account's number).
    answer = target.client.get(
        "/v1.0/numbers/inventory", params={"Filter": text}, headers=target.account.headers
    )
    if answer.status_code == 200:
        assert answer.json()["TotalNumbers"] == 0, answer.text
        assert answer.json()["Results"] == []
    else:
        assert_problem(answer, 400)
    target.assert_untouched()


# ---------------------------------------------------------------------------------------------
# NUL bytes and out-of-range integers: valid JSON, invalid for a database


NUL_REQUESTS: list[tuple[str, str, dict[str, Any], tuple[int, ...]]] = [
    ("GET", "/v1.0/voice/routes", {"CallRouteId": "CRID-\x00"}, (400, 404)),
    ("GET", "/v1.0/voice/routes/history", {"CallRouteId": "CRID-\x00"}, (400, 404)),
    ("GET", "/v1.0/voice/routes/trunks", {"CallRouteId": "CRID-\x00"}, (400, 404)),
    ("GET", "/v1.0/numbers", {"PhoneNumber": "+1415\x00"}, (400, 404)),
    ("POST", "/v1.0/voice/routes/update", {"CallRouteId": "CRID-\x00"}, (400, 404)),
    ("POST", "/v1.0/voice/routes/delete", {"CallRouteId": "CRID-\x00"}, (400, 404)),
    (
        "POST",
        "/v1.0/voice/routes/rollback",
        {"CallRouteId": "CRID-\x00", "Revision": 1},
        (400, 404),
    ),
    (
        "POST",
        "/v1.0/numbers/provision",
        {"PhoneNumber": "+14155550199", "VoiceRouteId": "CRID-\x00"},
        (400,),
    ),
    (
        "POST",
        "/v1.0/numbers/update",
        {"Number": "+14155550100", "VoiceRouteId": "CRID-\x00"},
        (400,),
    ),
    ("POST", "/v1.0/oauth2/tokens", {"AccountKey": "DID-\x00", "AccountSecret": "x"}, (400, 401)),
    ("POST", "/v1.0/oauth2/tokens", {"AccountKey": "DID-x", "AccountSecret": "\x00"}, (400, 401)),
]


@pytest.mark.parametrize(
    ("method", "path", "data", "statuses"),
    NUL_REQUESTS,
    ids=[f"{m} {p} {sorted(d)[0]}" for m, p, d, _ in NUL_REQUESTS],
)
def test_nul_byte_in_an_identifier_is_a_clean_4xx(
    target: Target, method: str, path: str, data: dict[str, Any], statuses: tuple[int, ...]
) -> None:
    if method == "GET":
        answer = target.client.get(path, params=data, headers=target.account.headers)
    else:
        answer = target.post(path, data)
    assert_problem(answer, *statuses)
    target.assert_untouched()


def test_nul_byte_in_the_filter_matches_nothing(target: Target) -> None:
    answer = target.client.get(
        "/v1.0/numbers/inventory", params={"Filter": "\x00"}, headers=target.account.headers
    )
    if answer.status_code == 200:
        assert answer.json()["TotalNumbers"] == 0, answer.text  # no number contains NUL
    else:
        assert_problem(answer, 400)
    target.assert_untouched()


@pytest.mark.parametrize("page", [2**31, 2**53, 2**62, 2**63, 2**64, 10**30])
def test_huge_page_number_is_an_empty_page_or_400(target: Target, page: int) -> None:
    answer = target.client.get(
        "/v1.0/numbers/inventory", params={"PageNumber": str(page)}, headers=target.account.headers
    )
    if answer.status_code == 200:
        assert answer.json()["Results"] == []
    else:
        assert_problem(answer, 400)
    target.assert_untouched()


@pytest.mark.parametrize("revision", [2**31, 2**63, 2**64, 10**30, -1, 0])
def test_out_of_range_revision_is_400_or_404(target: Target, revision: int) -> None:
    answer = target.post(
        "/v1.0/voice/routes/rollback", {"CallRouteId": target.route_id, "Revision": revision}
    )
    assert_problem(answer, 400, 404)
    target.assert_untouched()


@pytest.mark.parametrize("field_name", ["Trunk1Priortiy", "Trunk1Weight", "Trunk2Weight"])
@pytest.mark.parametrize("value", [2**63, 10**30, -(2**63) - 1])
def test_out_of_range_integers_in_the_body_are_400(
    target: Target, field_name: str, value: int
) -> None:
    problem = assert_problem(
        target.post("/v1.0/voice/routes", {**MINIMAL_TRUNK_ROUTE, field_name: value}), 400
    )
    assert f"$.{field_name}" in problem["Errors"], problem
    target.assert_untouched()


# ---------------------------------------------------------------------------------------------
# Header injection


def assert_no_header_splitting(answer: RawAnswer) -> None:
    names = [key.decode("latin-1").lower() for key, _ in answer.headers]
    for key, value in answer.headers:
        assert b"\r" not in key + value, (key, value)
        assert b"\n" not in key + value, (key, value)
        assert b"\x00" not in key + value, (key, value)
    assert "set-cookie" not in names
    assert "x-injected" not in names
    assert names.count("content-type") == 1
    assert names.count("content-length") <= 1


INJECTED_HEADER_VALUES = [
    b"abc\r\nX-Injected: 1",
    b"abc\r\nSet-Cookie: session=stolen",
    b"abc\nX-Injected: 1",
    b"abc\r\n\r\n<html>",
    b"abc\x00def",
    b"\xff\xfe latin-1 obs-text",
]


@pytest.mark.parametrize("value", INJECTED_HEADER_VALUES)
def test_idempotency_key_with_crlf_does_not_split_the_answer(target: Target, value: bytes) -> None:
    body = json.dumps(MINIMAL_TRUNK_ROUTE).encode()
    for path, data in (
        ("/v1.0/voice/routes", body),
        (
            "/v1.0/numbers/provision",
            json.dumps({"PhoneNumber": "+14155550177", "VoiceRouteId": target.route_id}).encode(),
        ),
    ):
        sent = [
            *auth(target),
            *JSON_TYPE,
            (b"idempotency-key", value + path.encode()),  # one key per endpoint
            (b"content-length", str(len(data)).encode()),
        ]
        answer = call_asgi(target.client.app, "POST", path, sent, iter([data]))
        # Accepting such a key as an opaque string, or refusing it with a 400, are both fine;
        # echoing it into a header, or failing, is not.
        assert answer.status in (200, 400), (answer.status, answer.body[:300])
        if answer.status == 400:
            assert_raw_problem(answer, 400)
        assert_no_header_splitting(answer)
    assert target.client.get("/healthz").status_code == 200


@pytest.mark.parametrize("value", INJECTED_HEADER_VALUES)
def test_if_match_with_crlf_does_not_split_the_answer(target: Target, value: bytes) -> None:
    for path, data in (
        ("/v1.0/voice/routes/update", {"CallRouteId": target.route_id, "RouteName": "changed"}),
        ("/v1.0/voice/routes/delete", {"CallRouteId": target.route_id}),
        ("/v1.0/voice/routes/rollback", {"CallRouteId": target.route_id, "Revision": 1}),
    ):
        raw = json.dumps(data).encode()
        headers = [
            *auth(target),
            *JSON_TYPE,
            (b"if-match", value),
            (b"content-length", str(len(raw)).encode()),
        ]
        answer = call_asgi(target.client.app, "POST", path, headers, iter([raw]))
        # The route's ETag is "1": no such If-Match matches it, so nothing may change.
        assert_raw_problem(answer, 400, 412)
        assert_no_header_splitting(answer)
    target.assert_untouched()


@pytest.mark.parametrize(
    "query",
    [
        b"CallRouteId=CRID-x%0D%0AX-Injected:%201",
        b"CallRouteId=CRID-x%0D%0ASet-Cookie:%20a=b",
        b"CallRouteId=%0D%0A%0D%0A%3Chtml%3E",
        b"CallRouteId=CRID-x%00",
    ],
)
def test_crlf_in_a_query_parameter_does_not_split_the_answer(target: Target, query: bytes) -> None:
    for path in ("/v1.0/voice/routes", "/v1.0/voice/routes/history"):
        answer = call_asgi(target.client.app, "GET", path, auth(target), query=query)
        assert_raw_problem(answer, 400, 404)
        assert_no_header_splitting(answer)
    target.assert_untouched()


def test_crlf_in_the_content_type_is_415_and_not_echoed_into_headers(target: Target) -> None:
    raw = json.dumps(MINIMAL_TRUNK_ROUTE).encode()
    headers = [
        *auth(target),
        (b"content-type", b"text/plain\r\nX-Injected: 1"),
        (b"content-length", str(len(raw)).encode()),
    ]
    answer = call_asgi(target.client.app, "POST", "/v1.0/voice/routes", headers, iter([raw]))
    assert_raw_problem(answer, 415)
    assert_no_header_splitting(answer)
    target.assert_untouched()


def test_crlf_in_the_authorization_header_is_401(target: Target) -> None:
    headers = [(b"authorization", f"Bearer {target.account.token}\r\nX-Injected: 1".encode())]
    answer = call_asgi(target.client.app, "GET", "/v1.0/account/voice/routes", headers)
    assert_raw_problem(answer, 401)
    assert_no_header_splitting(answer)
    target.assert_untouched()
