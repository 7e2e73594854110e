"""Test harness: every storage-touching test runs on SQLite and on PostgreSQL.

PostgreSQL is the server named by ``VOICEROUTE_TEST_DATABASE_URL`` (default: the local one);
each test session creates its own throw-away database there. If PostgreSQL cannot be reached
the PostgreSQL tests fail (they never skip): CI must not pass on SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from voiceroute.api.app import create_app
from voiceroute.config import Settings
from voiceroute.db import Database
from voiceroute.models import Base
from voiceroute.security import passwords
from voiceroute.services.accounts import NewAccount, create_account
from voiceroute.services.container import Services

POSTGRES_ADMIN_URL = os.environ.get(
    "VOICEROUTE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Rows the migrations write once and the application only updates.
KEPT_TABLES = {"version", "dataplane_state"}
TEST_SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"


@pytest.fixture(scope="session", autouse=True)
def cheap_secret_hashing() -> Iterator[None]:
    """Accounts are made by the hundred here: hash with argon2id at its cheapest settings.

    ``tests/security/test_passwords.py`` checks the production parameters themselves.
    """
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"voiceroute_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(
            f"PostgreSQL tests need a server at {admin_url.render_as_string(hide_password=True)} "
            f"(set VOICEROUTE_TEST_DATABASE_URL): {exc}",
            pytrace=False,
        )
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Database]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'voiceroute.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def database(migrated_database: Database) -> Database:
    """The migrated database of this backend, emptied before the test."""
    with migrated_database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                session.execute(table.delete())
    return migrated_database


@pytest.fixture
def make_settings(database: Database, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path,
            "database_url": database.url,
            "secret_key": TEST_SECRET_KEY,
            "rate_limit": 0,
            **overrides,
        }
        return Settings.model_validate(values)

    return make


@pytest.fixture
def services(make_settings: Callable[..., Settings], database: Database) -> Services:
    return Services.build(make_settings(), db=database)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


@dataclass
class ApiAccount:
    """An account with a token, as a client of the API holds it."""

    key: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_account(client: TestClient, database: Database) -> Callable[[str], ApiAccount]:
    def make(name: str = "acme") -> ApiAccount:
        created: NewAccount = create_account(database, name)
        answer = client.post(
            "/v1.0/oauth2/tokens",
            json={"AccountKey": created.account_key, "AccountSecret": created.account_secret},
        )
        assert answer.status_code == 200, answer.text
        return ApiAccount(created.account_key, created.account_secret, answer.json()["token"])

    return make


@pytest.fixture
def account(make_account: Callable[[str], ApiAccount]) -> ApiAccount:
    return make_account("acme")


MINIMAL_TRUNK_ROUTE = {
    "RouteName": "Main SIP Trunk",
    "RouteType": "Trunk",
    "TrunkIp1": "20.87.87.87",
}


@pytest.fixture
def create_route(client: TestClient, account: ApiAccount) -> Callable[..., dict[str, object]]:
    """Create a route for ``account`` (or another), asserting it succeeded; returns the answer."""

    def create(owner: ApiAccount | None = None, **fields: object) -> dict[str, object]:
        answer = client.post(
            "/v1.0/voice/routes",
            json={**MINIMAL_TRUNK_ROUTE, **fields},
            headers=(owner or account).headers,
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, object] = answer.json()
        return body

    return create
