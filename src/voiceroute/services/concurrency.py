"""Optimistic concurrency for routes: ``ETag`` from the route's version, checked by ``If-Match``."""

from __future__ import annotations

from voiceroute.errors import PreconditionFailed


def etag_for(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 unless ``If-Match`` is absent, ``*``, or lists the current (strong) ETag."""
    if if_match is None:
        return
    current = etag_for(version)
    candidates = [candidate.strip() for candidate in if_match.split(",")]
    # RFC 9110 13.1.1: If-Match uses the strong comparison, so weak tags never match.
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed(
        f"The route has changed since you read it (its ETag is now {current}); "
        "read it again and reapply your change."
    )
