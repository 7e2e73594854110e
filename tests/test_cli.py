"""The ``voiceroute`` command, run as an operator runs it (through its environment)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from voiceroute import cli
from voiceroute.cli import app
from voiceroute.db import Database

DID = re.compile(r"DID-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def opened_databases(monkeypatch):
    """Every Database the commands open; closed afterwards so no connection outlives the test."""
    opened: list[Database] = []

    def open_database(url: str) -> Database:
        opened.append(Database(url))
        return opened[-1]

    monkeypatch.setattr(cli, "Database", open_database)
    yield opened
    for database in opened:
        database.dispose()


@pytest.fixture
def run(database, tmp_path, opened_databases):
    runner = CliRunner()
    env = {"VOICEROUTE_DATABASE_URL": database.url, "VOICEROUTE_DATA_DIR": str(tmp_path)}

    def invoke(*args: str):
        return runner.invoke(app, list(args), env=env)

    return invoke


def create(run, name: str = "Acme") -> dict:
    result = run("accounts", "create", "--name", name)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def test_create_prints_one_json_object_with_key_and_secret(run):
    created = create(run, "Acme")
    assert DID.fullmatch(created["AccountKey"]), created
    assert isinstance(created["AccountSecret"], str)
    assert len(created["AccountSecret"]) >= 32


def test_created_credentials_get_a_token(run, client):
    created = create(run)
    answer = client.post(
        "/v1.0/oauth2/tokens",
        json={"AccountKey": created["AccountKey"], "AccountSecret": created["AccountSecret"]},
    )
    assert answer.status_code == 200, answer.text


def test_list_shows_the_account_without_any_secret(run):
    created = create(run, "Listed")
    result = run("accounts", "list")
    assert result.exit_code == 0, result.output

    listed = [json.loads(line) for line in result.stdout.splitlines()]
    mine = [entry for entry in listed if entry["AccountKey"] == created["AccountKey"]]
    assert len(mine) == 1
    assert mine[0]["Name"] == "Listed"
    assert mine[0]["Enabled"] is True
    assert created["AccountSecret"] not in result.output
    assert "$argon2" not in result.output
    assert not any("secret" in key.lower() for entry in listed for key in entry)


def test_disable_stops_the_accounts_token(run, client):
    created = create(run)
    token = client.post(
        "/v1.0/oauth2/tokens",
        json={"AccountKey": created["AccountKey"], "AccountSecret": created["AccountSecret"]},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1.0/account/voice/routes", headers=headers).status_code == 200

    result = run("accounts", "disable", created["AccountKey"])

    assert result.exit_code == 0, result.output
    assert client.get("/v1.0/account/voice/routes", headers=headers).status_code == 401
    listed = [json.loads(line) for line in run("accounts", "list").stdout.splitlines()]
    assert [e["Enabled"] for e in listed if e["AccountKey"] == created["AccountKey"]] == [False]


def test_disabling_an_unknown_key_fails(run):
    result = run("accounts", "disable", "DID-00000000-0000-4000-8000-000000000000")
    assert result.exit_code != 0
    assert "DID-00000000-0000-4000-8000-000000000000" in result.stderr


def test_db_upgrade_succeeds_and_is_repeatable(run):
    first = run("db", "upgrade")
    second = run("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output


def test_commands_leave_no_database_connection_open(run, opened_databases):
    assert run("db", "upgrade").exit_code == 0
    assert run("accounts", "list").exit_code == 0
    assert opened_databases
    assert [db.engine.pool.checkedin() for db in opened_databases] == [0] * len(opened_databases)


@pytest.mark.usefixtures("opened_databases")
def test_db_upgrade_creates_the_embedded_database(tmp_path, monkeypatch):
    monkeypatch.delenv("VOICEROUTE_DATABASE_URL", raising=False)
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"VOICEROUTE_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    assert (data_dir / "voiceroute.sqlite3").is_file()
