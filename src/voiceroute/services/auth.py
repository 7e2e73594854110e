"""The token call and the check every other call makes on its Bearer token."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from voiceroute.db import Database
from voiceroute.errors import AuthenticationFailed, ValidationFailed
from voiceroute.security.tokens import TokenClaims, TokenSigner
from voiceroute.services.accounts import enabled_account_id, verify_account
from voiceroute.services.caller import Caller

WRONG_CREDENTIALS = "Invalid AccountKey or AccountSecret."
EXPIRY_TEXT_FORMAT = "%m/%d/%Y %I:%M:%S %p"


@dataclass(frozen=True)
class TokenGrant:
    token: str
    expires_at: datetime

    @property
    def expiry_text(self) -> str:
        return self.expires_at.astimezone(UTC).strftime(EXPIRY_TEXT_FORMAT)


class TokenRefused(AuthenticationFailed):
    """A 401 from the token call, which also carries the vendor's token-answer keys."""

    def __init__(self) -> None:
        super().__init__(WRONG_CREDENTIALS)

    @property
    def extensions(self) -> dict[str, object]:
        return {"token": "", "successful": False, "tokenExpiry": "", "error": WRONG_CREDENTIALS}


def endpoint_path(value: str) -> str:
    """The comparable form of an ``ApiEndpoint``: its path, without a trailing slash, lower case."""
    try:
        path = urlsplit(value.strip()).path
    except ValueError:
        path = ""
    if path and not path.startswith("/"):
        path = "/" + path
    path = path.rstrip("/").lower()
    if not path:
        raise ValidationFailed.single(
            "$.ApiEndpoint", "must name an endpoint path, e.g. /v1.0/voice/routes"
        )
    return path


class Authenticator:
    def __init__(self, db: Database, signer: TokenSigner) -> None:
        self._db = db
        self._signer = signer
        self._hashing_slots = threading.BoundedSemaphore(os.cpu_count() or 1)

    def issue_token(
        self, account_key: str, secret: str, api_endpoint: str | None, now: datetime | None = None
    ) -> TokenGrant:
        scope = endpoint_path(api_endpoint) if api_endpoint is not None else None
        # argon2 takes 64 MiB and most of a core per check: a burst of logins waits its turn
        # rather than taking every worker thread (and the memory) from the other requests.
        with self._hashing_slots:
            account = verify_account(self._db, account_key, secret)
        if account is None:
            raise TokenRefused()
        token, expires_at = self._signer.issue(account.key, scope, now or datetime.now(UTC))
        return TokenGrant(token, expires_at)

    def verify_token(self, authorization: str | None, request_path: str) -> TokenClaims:
        """The claims of an ``Authorization: Bearer`` header valid for this path (no I/O)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                "Send the token from /v1.0/oauth2/tokens as 'Authorization: Bearer <token>'."
            )
        claims = self._signer.verify(token.strip())
        if claims is None:
            raise AuthenticationFailed("The token is invalid or has expired; request a new one.")
        if claims.endpoint_path is not None and claims.endpoint_path != (
            request_path.rstrip("/").lower()
        ):
            raise AuthenticationFailed(
                f"This token was issued for ApiEndpoint {claims.endpoint_path} only."
            )
        return claims

    def caller_for(self, claims: TokenClaims) -> Caller:
        """The enabled account behind verified claims; checked on every request, so that a
        disabled account's tokens stop working at once."""
        found = enabled_account_id(self._db, claims.account_key)
        if found is None:
            raise AuthenticationFailed("The account behind this token is disabled.")
        return Caller(account_id=found, account_key=claims.account_key)
