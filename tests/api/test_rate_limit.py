"""Per-account rate limit: counted in the database, so every replica shares one count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from voiceroute.api.app import create_app
from voiceroute.db import Database
from voiceroute.errors import RateLimited
from voiceroute.models import Account
from voiceroute.services.accounts import create_account
from voiceroute.services.container import Services
from voiceroute.services.rate_limits import RateLimiter

LIMIT = 3
LISTING = "/v1.0/account/voice/routes"


@contextmanager
def api(settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, Services.build(settings, db=database))) as client:
        yield client


def login(client: TestClient, database: Database, name: str) -> dict[str, str]:
    created = create_account(database, name)
    answer = client.post(
        "/v1.0/oauth2/tokens",
        json={"AccountKey": created.account_key, "AccountSecret": created.account_secret},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def assert_rate_limited(answer) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["Status"] == 429
    assert answer.json()["TraceId"] == answer.headers["x-trace-id"]
    retry_after = answer.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert 1 <= int(retry_after) <= 60


@pytest.fixture
def limited(make_settings, database) -> Iterator[TestClient]:
    with api(make_settings(rate_limit=LIMIT), database) as client:
        yield client


def test_request_over_the_limit_is_429_with_retry_after(limited, database):
    headers = login(limited, database, "busy")
    for _ in range(LIMIT):
        assert limited.get(LISTING, headers=headers).status_code == 200
    assert_rate_limited(limited.get(LISTING, headers=headers))
    assert_rate_limited(limited.post("/v1.0/voice/routes", json={}, headers=headers))


def test_other_accounts_are_unaffected(limited, database):
    busy = login(limited, database, "busy")
    quiet = login(limited, database, "quiet")
    for _ in range(LIMIT + 1):
        limited.get(LISTING, headers=busy)
    assert_rate_limited(limited.get(LISTING, headers=busy))

    for _ in range(LIMIT):
        assert limited.get(LISTING, headers=quiet).status_code == 200


def test_replicas_on_one_database_share_the_count(make_settings, database):
    settings = make_settings(rate_limit=LIMIT)
    replica_database = Database(database.url)  # its own engine and pool, as another process has
    try:
        with api(settings, database) as first, api(settings, replica_database) as second:
            headers = login(first, database, "spread")
            assert first.get(LISTING, headers=headers).status_code == 200
            assert second.get(LISTING, headers=headers).status_code == 200
            assert first.get(LISTING, headers=headers).status_code == 200
            assert_rate_limited(second.get(LISTING, headers=headers))
            assert_rate_limited(first.get(LISTING, headers=headers))
    finally:
        replica_database.dispose()


def test_zero_turns_the_limit_off(make_settings, database):
    with api(make_settings(rate_limit=0), database) as client:
        headers = login(client, database, "unlimited")
        statuses = {client.get(LISTING, headers=headers).status_code for _ in range(100)}
    assert statuses == {200}


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def account_id(database) -> int:
    key = create_account(database, "clocked").account_key
    with database.read() as session:
        return session.scalars(select(Account.id).where(Account.key == key)).one()


MINUTE_START = 1_700_000_040.0  # a multiple of 60


def test_a_new_minute_starts_a_new_count(database, account_id):
    clock = FakeClock(MINUTE_START + 10)
    limiter = RateLimiter(database, LIMIT, clock=clock)
    for _ in range(LIMIT):
        limiter.hit(account_id)
    with pytest.raises(RateLimited) as refused:
        limiter.hit(account_id)
    assert refused.value.retry_after_seconds == 50

    clock.now = MINUTE_START + 60
    for _ in range(LIMIT):
        limiter.hit(account_id)
    with pytest.raises(RateLimited):
        limiter.hit(account_id)


@pytest.mark.parametrize(
    ("offset", "retry_after"), [(0.0, 60), (0.5, 60), (30.0, 30), (58.2, 2), (59.99, 1)]
)
def test_retry_after_is_the_rest_of_the_minute_rounded_up(
    database, account_id, offset, retry_after
):
    limiter = RateLimiter(database, 1, clock=FakeClock(MINUTE_START + offset))
    limiter.hit(account_id)
    with pytest.raises(RateLimited) as refused:
        limiter.hit(account_id)
    assert refused.value.retry_after_seconds == retry_after
    assert refused.value.headers == {"Retry-After": str(retry_after)}


def test_limiter_with_zero_never_refuses(database, account_id):
    limiter = RateLimiter(database, 0, clock=FakeClock(MINUTE_START))
    for _ in range(100):
        limiter.hit(account_id)
