"""Tenant isolation, in one place: every read or write of an account's object goes through here.

Another account's object answers exactly like a missing one (404), so IDs cannot be probed.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from voiceroute.errors import NotFound
from voiceroute.models import RouteRevision, TenantOwned
from voiceroute.services.caller import Caller

OwnedT = TypeVar("OwnedT", bound=TenantOwned)


def owned_by(model: type[OwnedT], caller: Caller) -> Select[OwnedT]:
    return select(model).where(model.account_id == caller.account_id)


def get_owned(
    session: Session,
    model: type[OwnedT],
    caller: Caller,
    ident: str,
    *,
    what: str,
    for_update: bool = False,
    by: InstrumentedAttribute[str] | None = None,
) -> OwnedT:
    """The caller's ``model`` whose ``by`` column (default: ``id``) is ``ident``, else 404."""
    column = by if by is not None else model.id
    query = owned_by(model, caller).where(column == ident)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).one_or_none()
    if found is None:
        raise NotFound(f"{what} {ident} does not exist.")
    return found


def revisions_of(caller: Caller, route_id: str) -> ColumnElement[bool]:
    """Revisions outlive their route, so they carry their owner themselves."""
    return and_(RouteRevision.route_id == route_id, RouteRevision.account_id == caller.account_id)
