"""Bearer tokens: HS256 JWTs naming the account and, optionally, the one endpoint they serve."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from voiceroute.security.keys import derive_key

_ALGORITHM = "HS256"
_ISSUER = "voiceroute"


@dataclass(frozen=True)
class TokenClaims:
    account_key: str
    expires_at: datetime
    endpoint_path: str | None


class TokenSigner:
    def __init__(self, master_key: bytes, ttl: timedelta) -> None:
        self._key = derive_key(master_key, "token-signing")
        self.ttl = ttl

    def issue(
        self, account_key: str, endpoint_path: str | None, now: datetime
    ) -> tuple[str, datetime]:
        expires_at = (now + self.ttl).replace(microsecond=0)
        claims: dict[str, object] = {
            "iss": _ISSUER,
            "sub": account_key,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": secrets.token_hex(8),
        }
        if endpoint_path is not None:
            claims["ep"] = endpoint_path
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM), expires_at

    def verify(self, token: str) -> TokenClaims | None:
        """The claims of a genuine, unexpired token; ``None`` for anything else."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        endpoint = claims.get("ep")
        return TokenClaims(
            account_key=str(claims["sub"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            endpoint_path=endpoint if isinstance(endpoint, str) else None,
        )
