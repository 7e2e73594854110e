"""Secrets never leave in clear: not in answers, logs, or the database; key files are private."""

from __future__ import annotations

import logging
import os
import stat

import pytest
from sqlalchemy import select

from voiceroute.config import Settings
from voiceroute.errors import ConfigurationError
from voiceroute.models import Account, VoiceRoute
from voiceroute.security.encryption import SecretBox

SECRET = "s3cr3t-p4ss-XYZ"
NEW_SECRET = "n3w-s3cr3t-p4ss-XYZ"
BASIC_URL_ROUTE = {
    "RouteName": "Webhook",
    "RouteType": "URL",
    "VoiceUrl": "https://hooks.example.com/voice",
    "VoiceAuthenticationType": "Basic",
    "VoiceUsername": "hook-user",
    "VoicePasswordToken": SECRET,
}


def everything_logged(records: list[logging.LogRecord]) -> str:
    return "\n".join(
        f"{record.getMessage()} {record.__dict__!r} {record.exc_text or ''}" for record in records
    )


def run_route_flow(client, account) -> list:
    """Create, update, read and list a route holding a secret; every answer is returned."""
    headers = account.headers
    created = client.post("/v1.0/voice/routes", json=BASIC_URL_ROUTE, headers=headers)
    assert created.status_code == 200, created.text
    route_id = created.json()["CallRouteId"]
    answers = [
        created,
        client.post(
            "/v1.0/voice/routes/update",
            json={"CallRouteId": route_id, "RouteName": "Renamed"},
            headers=headers,
        ),
        client.post(
            "/v1.0/voice/routes/update",
            json={"CallRouteId": route_id, "VoicePasswordToken": SECRET},
            headers=headers,
        ),
        client.post(  # refused: the secret must not be echoed in the error either
            "/v1.0/voice/routes/update",
            json={"CallRouteId": route_id, "VoicePasswordToken": SECRET, "RouteType": "Nope"},
            headers=headers,
        ),
        client.get("/v1.0/voice/routes", params={"CallRouteId": route_id}, headers=headers),
        client.get("/v1.0/account/voice/routes", headers=headers),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 400, 200, 200]
    return answers


def test_voice_secret_is_never_answered_nor_logged(client, account, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="voiceroute")

    answers = run_route_flow(client, account)

    for answer in answers:
        assert SECRET not in answer.text
        assert "VoicePasswordToken" not in answer.json()
    assert caplog.records, "the flow logged nothing, so the log check proves nothing"
    assert SECRET not in everything_logged(caplog.records)


def test_voice_secret_is_stored_encrypted(client, account, services, database):
    created = client.post("/v1.0/voice/routes", json=BASIC_URL_ROUTE, headers=account.headers)
    route_id = created.json()["CallRouteId"]
    updated = client.post(
        "/v1.0/voice/routes/update",
        json={"CallRouteId": route_id, "VoicePasswordToken": NEW_SECRET},
        headers=account.headers,
    )
    assert updated.status_code == 200, updated.text

    with database.read() as session:
        row = session.execute(select(VoiceRoute.__table__).where(VoiceRoute.id == route_id)).one()
    stored = row._mapping["voice_password_token_encrypted"]
    assert stored
    assert NEW_SECRET not in stored
    assert SECRET not in repr(tuple(row))
    assert NEW_SECRET not in repr(tuple(row))
    assert SecretBox(services.settings.master_key).open(stored) == NEW_SECRET


def test_account_secret_is_stored_only_as_an_argon2id_hash(account, database):
    with database.read() as session:
        row = session.execute(select(Account.__table__).where(Account.key == account.key)).one()
    assert row._mapping["secret_hash"].startswith("$argon2id$")
    assert account.secret not in repr(tuple(row))


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ("VOICEROUTE_SECRET_KEY", "VOICEROUTE_DATABASE_URL", "VOICEROUTE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("clean_environment")
def test_generated_key_file_is_private_and_reused(tmp_path):
    previous_umask = os.umask(0)  # the file must be private however permissive the umask
    try:
        key = Settings(data_dir=tmp_path).master_key
    finally:
        os.umask(previous_umask)

    key_files = [path for path in tmp_path.iterdir() if path.is_file()]
    assert len(key_files) == 1, key_files
    assert stat.S_IMODE(key_files[0].stat().st_mode) == 0o600
    assert key_files[0].read_bytes().strip() == key
    assert len(key) >= 32
    assert Settings(data_dir=tmp_path).master_key == key  # a restart keeps the key


@pytest.mark.usefixtures("clean_environment")
def test_external_database_without_secret_key_names_the_variable(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://db/voiceroute")
    with pytest.raises(ConfigurationError, match="VOICEROUTE_SECRET_KEY"):
        _ = settings.master_key
    assert list(tmp_path.iterdir()) == []
