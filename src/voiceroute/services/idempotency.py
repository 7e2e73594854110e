"""``Idempotency-Key``: a retried create gets the first answer and creates nothing.

The key is claimed first, in the same transaction as the object it creates, so either both
exist or neither does; when two requests with one key race, the loser waits on the winner's
claim, fails on the key's primary key, and is retried, finding the winner's answer. The
request is remembered by an HMAC of its canonical JSON (it may hold a secret, so never a plain
hash); the same key with another request is a 409. Keys are kept for ``RETENTION``; a retry
after that is a new request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceroute.errors import Conflict, IdempotencyKeyRace, ValidationFailed
from voiceroute.models import IdempotencyRecord, as_utc, utcnow
from voiceroute.services.caller import Caller

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"


class IdempotencyKeys:
    def __init__(self, hmac_key: bytes) -> None:
        self._hmac_key = hmac_key

    def fingerprint(self, operation: str, request: dict[str, Any]) -> str:
        canonical = json.dumps([operation, request], sort_keys=True, separators=(",", ":"))
        return hmac.new(self._hmac_key, canonical.encode(), hashlib.sha256).hexdigest()

    def replay(
        self, session: Session, caller: Caller, key: str, fingerprint: str
    ) -> dict[str, Any] | None:
        """The first answer when this is a retry; ``None`` for a new key; 409 for a reused one."""
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationFailed.single(
                HEADER, f"must be 1 to {MAX_KEY_LENGTH} printable characters"
            )
        record = session.get(IdempotencyRecord, (caller.account_id, key))
        if record is None or as_utc(record.created_at) < utcnow() - RETENTION:
            return None
        if record.request_hash != fingerprint:
            raise Conflict(
                f"This {HEADER} was already used with a different request; "
                "use a new key for a new request.",
                field=HEADER,
            )
        return record.answer

    def claim(
        self, session: Session, caller: Caller, key: str, operation: str, fingerprint: str
    ) -> dict[str, Any] | None:
        """Replay a retry's first answer, or claim ``key`` for this transaction (``None``).

        The claim is written before any other work, so a twin request with the same key waits
        on it (PostgreSQL) and then fails with ``IdempotencyKeyRace``; its retry replays the
        answer this transaction commits.
        """
        stored = self.replay(session, caller, key, fingerprint)
        if stored is not None:
            return stored
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.account_id == caller.account_id,
                IdempotencyRecord.created_at < utcnow() - RETENTION,
            )
        )
        session.add(
            IdempotencyRecord(
                account_id=caller.account_id,
                key=key,
                operation=operation,
                request_hash=fingerprint,
                answer={},
            )
        )
        try:
            session.flush()
        except IntegrityError as exc:
            raise IdempotencyKeyRace(key) from exc
        return None

    def complete(self, session: Session, caller: Caller, key: str, answer: dict[str, Any]) -> None:
        """Store the answer of the request that claimed ``key``, in its own transaction."""
        record = session.get(IdempotencyRecord, (caller.account_id, key))
        assert record is not None, "complete() without claim()"
        record.answer = answer
