"""Account secrets: generated, shown once, stored only as an argon2id hash."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with RFC 9106's second recommended profile (64 MiB, t=3, p=4): about 0.1 s a hash.
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER

# Verified against when the account key is unknown, so that an unknown key and a wrong
# secret cost the same time and cannot be told apart.
_DECOY_HASH = _hasher.hash(secrets.token_urlsafe(32))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches; with ``secret_hash=None`` pays the same cost and fails."""
    try:
        matched = _hasher.verify(secret_hash or _DECOY_HASH, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matched and secret_hash is not None
