"""Change history and rollback of a route (extensions)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from voiceroute.schemas.base import IDENTIFIER_PATTERN, WireModel, wire

SECRET_MASK = "********"  # noqa: S105 - a placeholder, not a password


class RevisionAction(StrEnum):
    CREATE = "Create"
    UPDATE = "Update"
    DELETE = "Delete"
    ROLLBACK = "Rollback"
    NUMBER_ASSIGNED = "NumberAssigned"
    NUMBER_UNASSIGNED = "NumberUnassigned"


class FieldChange(WireModel):
    field: str = wire("Field", ...)
    before: Any = wire("Before", None)
    after: Any = wire("After", None)


class Revision(WireModel):
    revision: int = wire("Revision", ...)
    action: RevisionAction = wire("Action", ...)
    changed_by: str = wire("ChangedBy", ..., description="The AccountKey that made the change.")
    changed_at: datetime = wire("ChangedAt", ...)
    source_ip: str | None = wire("SourceIp", None)
    trace_id: str | None = wire("TraceId", None)
    restored_revision: int | None = wire("RestoredRevision", None)
    changes: list[FieldChange] = wire(
        "Changes",
        ...,
        description=f"Secrets show only that they changed, as {SECRET_MASK!r}.",
    )


class RouteHistory(WireModel):
    call_route_id: str = wire("CallRouteId", ...)
    total_revisions: int = wire("TotalRevisions", ...)
    revisions: list[Revision] = wire("Revisions", ..., description="Newest first.")


class RollbackRoute(WireModel):
    call_route_id: str = wire(
        "CallRouteId", ..., min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )
    revision: int = wire("Revision", ..., strict=True, ge=1, le=2**31 - 1)
