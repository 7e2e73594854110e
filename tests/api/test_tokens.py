"""The token call (``/v1.0/oauth2/tokens``) and the Bearer check every other call makes."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from voiceroute.security import passwords
from voiceroute.security.tokens import TokenSigner
from voiceroute.services.accounts import create_account, disable_account

TOKEN_PATHS = ["/v1.0/oauth2/tokens", "/v1.0/OAuth2/tokens"]
PROBLEM_KEYS = {"Type", "Title", "Status", "Detail", "Errors", "TraceId"}
EXPIRY_FORMAT = "%m/%d/%Y %I:%M:%S %p"
EXPIRY_PATTERN = re.compile(
    r"(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/\d{4} (0[1-9]|1[0-2]):[0-5]\d:[0-5]\d (AM|PM)"
)
# Answer without a Bearer token on purpose; everything else must refuse an anonymous caller.
# /metrics is public by design: scraped by monitoring, it carries no tenant data (README).
PUBLIC_PATHS = {"/v1.0/oauth2/tokens", "/v1.0/OAuth2/tokens", "/healthz", "/readyz", "/metrics"}


def request_token(client, key, secret, path="/v1.0/oauth2/tokens", **extra):
    return client.post(path, json={"AccountKey": key, "AccountSecret": secret, **extra})


def without_trace_id(body: dict) -> dict:
    return {name: value for name, value in body.items() if name != "TraceId"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(answer) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json().keys() >= PROBLEM_KEYS
    assert answer.json()["Status"] == 401


@pytest.fixture
def credentials(database):
    return create_account(database, "tokens")


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_token_answer_is_camel_case_and_expires_after_the_ttl(client, credentials, services, path):
    before = datetime.now(UTC)
    answer = request_token(client, credentials.account_key, credentials.account_secret, path)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"token", "successful", "tokenExpiry", "error"}
    assert body["successful"] is True
    assert body["error"] == ""
    assert body["token"]
    assert EXPIRY_PATTERN.fullmatch(body["tokenExpiry"]), body["tokenExpiry"]
    expiry = datetime.strptime(body["tokenExpiry"], EXPIRY_FORMAT).replace(tzinfo=UTC)
    expected = before + timedelta(seconds=services.settings.token_ttl_seconds)
    assert abs((expiry - expected).total_seconds()) <= 5


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_token_from_either_spelling_authorizes_calls(client, credentials, path):
    token = request_token(client, credentials.account_key, credentials.account_secret, path)
    answer = client.get("/v1.0/account/voice/routes", headers=bearer(token.json()["token"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["AccountId"] == credentials.account_key


def test_unknown_key_and_wrong_secret_answer_the_same_401(client, credentials):
    unknown_key = request_token(client, f"DID-{uuid.uuid4()}", credentials.account_secret)
    wrong_secret = request_token(client, credentials.account_key, "not-the-secret")

    for answer in (unknown_key, wrong_secret):
        assert_unauthorized(answer)
        assert answer.json()["successful"] is False
        assert answer.json()["error"]
        assert answer.json()["token"] == ""
    assert without_trace_id(unknown_key.json()) == without_trace_id(wrong_secret.json())


class CountingHasher:
    """Wraps the real argon2 hasher, counting how often the slow ``verify`` runs."""

    def __init__(self, real):
        self._real = real
        self.verify_calls = 0

    def verify(self, *args, **kwargs):
        self.verify_calls += 1
        return self._real.verify(*args, **kwargs)


def test_unknown_key_still_pays_for_one_slow_hash_verification(client, credentials, monkeypatch):
    hasher = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)

    assert request_token(client, credentials.account_key, "wrong").status_code == 401
    calls_for_wrong_secret = hasher.verify_calls
    assert request_token(client, f"DID-{uuid.uuid4()}", "wrong").status_code == 401
    calls_for_unknown_key = hasher.verify_calls - calls_for_wrong_secret

    assert calls_for_wrong_secret == 1
    assert calls_for_unknown_key == calls_for_wrong_secret


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, {"$.AccountKey", "$.AccountSecret"}),
        ({"AccountKey": "DID-x"}, {"$.AccountSecret"}),
        ({"AccountSecret": "s"}, {"$.AccountKey"}),
    ],
)
def test_missing_credentials_are_a_400_naming_the_fields(client, body, missing):
    answer = client.post("/v1.0/oauth2/tokens", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert missing <= answer.json()["Errors"].keys()


def test_expired_token_is_refused(client, credentials, services):
    grant = services.authenticator.issue_token(
        credentials.account_key,
        credentials.account_secret,
        None,
        now=datetime.now(UTC) - timedelta(seconds=services.settings.token_ttl_seconds + 5),
    )
    assert_unauthorized(client.get("/v1.0/account/voice/routes", headers=bearer(grant.token)))


def test_token_about_to_expire_still_works(client, credentials, services):
    grant = services.authenticator.issue_token(
        credentials.account_key,
        credentials.account_secret,
        None,
        now=datetime.now(UTC) - timedelta(seconds=services.settings.token_ttl_seconds - 30),
    )
    answer = client.get("/v1.0/account/voice/routes", headers=bearer(grant.token))
    assert answer.status_code == 200, answer.text


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned_token(account_key: str) -> str:
    claims = {"iss": "voiceroute", "sub": account_key, "exp": 4_102_444_800}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def other_key_token(account_key: str) -> str:
    signer = TokenSigner(b"another-deployment-key-0123456789abcdef", timedelta(minutes=5))
    return signer.issue(account_key, None, datetime.now(UTC))[0]


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda key: "Bearer garbage", id="garbage"),
        pytest.param(lambda key: "Bearer ", id="empty-token"),
        pytest.param(lambda key: f"Bearer {unsigned_token(key)}", id="unsigned"),
        pytest.param(lambda key: f"Bearer {other_key_token(key)}", id="other-key"),
        pytest.param(lambda key: f"Basic {base64.b64encode(b'a:b').decode()}", id="basic"),
    ],
)
def test_forged_or_malformed_tokens_are_refused(client, credentials, make_header):
    headers = {"Authorization": make_header(credentials.account_key)}
    assert_unauthorized(client.get("/v1.0/account/voice/routes", headers=headers))


def test_genuine_token_for_an_unknown_account_is_refused(client, services):
    grant_signer = TokenSigner(services.settings.master_key, timedelta(minutes=5))
    token, _ = grant_signer.issue(f"DID-{uuid.uuid4()}", None, datetime.now(UTC))
    assert_unauthorized(client.get("/v1.0/account/voice/routes", headers=bearer(token)))


def protected_operations(app) -> list[tuple[str, str]]:
    """Every documented operation that is not public, so a new endpoint is covered at once."""
    operations = [
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        if path not in PUBLIC_PATHS
        for method in methods
    ]
    assert operations, "the app declares no protected endpoint"
    return operations


def test_every_endpoint_but_the_public_ones_needs_a_token(client):
    for method, path in protected_operations(client.app):
        body = {"json": {}} if method == "POST" else {}
        answer = client.request(method, path, **body)
        assert answer.status_code == 401, f"{method} {path}: {answer.status_code} {answer.text}"
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"])
def test_public_endpoints_answer_without_a_token(client, path):
    assert client.get(path).status_code == 200


def scoped_token(client, credentials, api_endpoint: str) -> str:
    answer = request_token(
        client, credentials.account_key, credentials.account_secret, ApiEndpoint=api_endpoint
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def test_token_scoped_to_an_endpoint_works_there_only(client, credentials):
    token = scoped_token(client, credentials, "https://any.host/v1.0/account/voice/routes?x=1")

    allowed = client.get("/v1.0/account/voice/routes", headers=bearer(token))
    assert allowed.status_code == 200, allowed.text
    other_get = client.get(
        "/v1.0/voice/routes", params={"CallRouteId": "CRID-x"}, headers=bearer(token)
    )
    assert_unauthorized(other_get)
    other_post = client.post(
        "/v1.0/voice/routes",
        json={"RouteName": "x", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"},
        headers=bearer(token),
    )
    assert_unauthorized(other_post)


def test_unscoped_token_works_on_every_endpoint(client, credentials):
    token = request_token(client, credentials.account_key, credentials.account_secret)
    headers = bearer(token.json()["token"])
    created = client.post(
        "/v1.0/voice/routes",
        json={"RouteName": "x", "RouteType": "Trunk", "TrunkIp1": "192.0.2.1"},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    assert client.get("/v1.0/account/voice/routes", headers=headers).status_code == 200


def test_disabled_account_loses_its_token_at_once_and_gets_no_new_one(
    client, credentials, database
):
    token = request_token(client, credentials.account_key, credentials.account_secret)
    headers = bearer(token.json()["token"])
    assert client.get("/v1.0/account/voice/routes", headers=headers).status_code == 200

    disable_account(database, credentials.account_key)

    assert_unauthorized(client.get("/v1.0/account/voice/routes", headers=headers))
    refused = request_token(client, credentials.account_key, credentials.account_secret)
    assert_unauthorized(refused)
    assert refused.json()["successful"] is False
    wrong_secret = request_token(client, credentials.account_key, "wrong")
    assert without_trace_id(refused.json()) == without_trace_id(wrong_secret.json())
