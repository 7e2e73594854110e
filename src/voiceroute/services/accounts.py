"""Accounts: created and disabled by the operator (CLI); authenticated by the token call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from voiceroute.db import Database
from voiceroute.errors import NotFound
from voiceroute.models import Account
from voiceroute.security.passwords import hash_secret, new_secret, verify_secret


@dataclass(frozen=True)
class NewAccount:
    account_key: str
    account_secret: str
    name: str


@dataclass(frozen=True)
class AccountSummary:
    account_key: str
    name: str
    enabled: bool
    created_at: datetime


def create_account(db: Database, name: str) -> NewAccount:
    if not 1 <= len(name) <= 128:
        raise ValueError("the account name must be 1 to 128 characters")
    key = f"DID-{uuid.uuid4()}"
    secret = new_secret()
    with db.write() as session:
        session.add(Account(key=key, name=name, secret_hash=hash_secret(secret), enabled=True))
    return NewAccount(account_key=key, account_secret=secret, name=name)


def list_accounts(db: Database) -> list[AccountSummary]:
    with db.read() as session:
        accounts = session.scalars(select(Account).order_by(Account.id)).all()
        return [AccountSummary(a.key, a.name, a.enabled, a.created_at) for a in accounts]


def disable_account(db: Database, key: str) -> None:
    with db.write() as session:
        account = session.scalars(select(Account).where(Account.key == key)).one_or_none()
        if account is None:
            raise NotFound(f"Account {key} does not exist.")
        account.enabled = False


def verify_account(db: Database, key: str, secret: str) -> Account | None:
    """The enabled account whose secret this is, or ``None`` (same cost either way)."""
    with db.read() as session:
        account = session.scalars(select(Account).where(Account.key == key)).one_or_none()
    stored_hash = account.secret_hash if account is not None else None
    if not verify_secret(stored_hash, secret) or account is None or not account.enabled:
        return None
    return account


def enabled_account_id(db: Database, key: str) -> int | None:
    """The id of the enabled account ``key``: one indexed read, on every API request."""
    with db.engine.connect() as connection:
        found = connection.execute(_ENABLED_ACCOUNT, {"key": key}).scalar_one_or_none()
    return int(found) if found is not None else None


# A plain Core statement: the ORM session this would otherwise need costs more than the query.
_ENABLED_ACCOUNT = select(Account.id).where(
    Account.key == bindparam("key"), Account.enabled.is_(True)
)
