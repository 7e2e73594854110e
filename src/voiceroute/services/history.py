"""Change history of routes, recorded in the same transaction as the change it describes.

A revision keeps the route's whole state after the change (its snapshot, secret still sealed)
so that it can be restored, and the field-by-field difference for people to read. Revisions
carry no foreign key to the route: the history outlives a deleted route.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceroute.errors import NotFound, ValidationFailed
from voiceroute.models import RouteRevision, as_utc
from voiceroute.schemas.history import (
    SECRET_MASK,
    FieldChange,
    Revision,
    RevisionAction,
    RouteHistory,
)
from voiceroute.services.caller import Caller
from voiceroute.services.route_state import RouteState
from voiceroute.services.tenancy import revisions_of

SECRET_FIELD = "VoicePasswordToken"  # noqa: S105 - a field name


def field_changes(before: RouteState | None, after: RouteState | None) -> list[FieldChange]:
    old = before.wire_view() if before else {}
    new = after.wire_view() if after else {}
    changes = [
        FieldChange.model_validate(
            {"field": name, "before": old.get(name), "after": new.get(name)}, by_name=True
        )
        for name in (new or old)
        if old.get(name) != new.get(name)
    ]
    old_secret = before.sealed_secret if before else None
    new_secret = after.sealed_secret if after else None
    if old_secret != new_secret:
        changes.append(
            FieldChange.model_validate(
                {
                    "field": SECRET_FIELD,
                    "before": SECRET_MASK if old_secret else None,
                    "after": SECRET_MASK if new_secret else None,
                },
                by_name=True,
            )
        )
    return changes


def record(
    session: Session,
    caller: Caller,
    route_id: str,
    action: RevisionAction,
    *,
    before: RouteState | None,
    after: RouteState | None,
    changes: list[FieldChange] | None = None,
    restored_revision: int | None = None,
) -> int:
    """Add the next revision of ``route_id``; the caller holds the route's row lock."""
    latest = session.scalar(
        select(func.max(RouteRevision.revision)).where(RouteRevision.route_id == route_id)
    )
    revision = (latest or 0) + 1
    diff = changes if changes is not None else field_changes(before, after)
    session.add(
        RouteRevision(
            route_id=route_id,
            account_id=caller.account_id,
            revision=revision,
            action=action.value,
            actor=caller.account_key,
            source_ip=caller.source_ip,
            trace_id=caller.trace_id,
            restored_revision=restored_revision,
            changes=[change.model_dump(mode="json", by_alias=True) for change in diff],
            snapshot=after.to_snapshot() if after else None,
        )
    )
    return revision


def route_history(session: Session, caller: Caller, route_id: str) -> RouteHistory:
    rows = session.scalars(
        select(RouteRevision)
        .where(revisions_of(caller, route_id))
        .order_by(RouteRevision.revision.desc())
    ).all()
    if not rows:
        raise NotFound(f"Voice route {route_id} has no history.")
    revisions = [
        Revision.model_validate(
            {
                "revision": row.revision,
                "action": row.action,
                "changed_by": row.actor,
                "changed_at": as_utc(row.at),
                "source_ip": row.source_ip,
                "trace_id": row.trace_id,
                "restored_revision": row.restored_revision,
                "changes": [FieldChange.model_validate(change) for change in row.changes],
            },
            by_name=True,
        )
        for row in rows
    ]
    return RouteHistory.model_validate(
        {"call_route_id": route_id, "total_revisions": len(revisions), "revisions": revisions},
        by_name=True,
    )


def revision_state(session: Session, caller: Caller, route_id: str, revision: int) -> RouteState:
    row = session.scalars(
        select(RouteRevision).where(
            revisions_of(caller, route_id), RouteRevision.revision == revision
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"Voice route {route_id} has no revision {revision}.")
    if row.snapshot is None:
        raise ValidationFailed.single(
            "$.Revision", f"revision {revision} records a deletion; there is no state to restore"
        )
    return RouteState.from_snapshot(row.snapshot)
