"""Who is asking: the authenticated account and where the request came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    account_id: int
    account_key: str
    source_ip: str | None = None
    trace_id: str | None = None
