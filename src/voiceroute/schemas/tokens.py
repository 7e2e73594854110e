"""The token call. Its answer is camelCase, unlike the rest of the API, as the vendor's is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from voiceroute.schemas.base import IDENTIFIER_PATTERN, WireModel, wire


class TokenRequest(WireModel):
    account_key: str = wire(
        "AccountKey", ..., min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )
    account_secret: SecretStr = wire("AccountSecret", ..., min_length=1, max_length=256)
    api_endpoint: str | None = wire(
        "ApiEndpoint",
        max_length=2048,
        description="When given, the token is valid only for this endpoint's path "
        "(scheme, host and query do not count).",
    )


class TokenAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    token: str
    successful: bool
    token_expiry: str = Field(
        serialization_alias="tokenExpiry",
        description="UTC, formatted MM/dd/yyyy hh:mm:ss AM",
        examples=["11/27/2026 01:15:00 AM"],
    )
    error: str = ""
