"""Keep Kamailio's tables in step with the API, inside the API's own transaction.

A route's rows are replaced as a whole whenever the route or one of its numbers changes, and
the data-plane generation is bumped; the agent on each Kamailio node sees the new generation
and reloads. If the transaction rolls back, so do the rows and the bump: the tables never
disagree with the API.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voiceroute.models import (
    AddressEntry,
    DataPlaneState,
    DispatcherEntry,
    RoutingEntry,
    utcnow,
)
from voiceroute.sip.compiler import RouteSpec, compile_route

_STATE_ROW = 1


def allocate_sip_id(session: Session) -> int:
    """A new route's number in the data plane; the row lock serialises concurrent creates."""
    allocated = session.execute(
        update(DataPlaneState)
        .where(DataPlaneState.id == _STATE_ROW)
        .values(next_sip_id=DataPlaneState.next_sip_id + 1)
        .returning(DataPlaneState.next_sip_id)
    ).scalar_one()
    return int(allocated) - 1


def replace_route_rows(
    session: Session, sip_ids: Collection[int], specs: Iterable[RouteSpec]
) -> None:
    """Drop every row of the routes ``sip_ids``, then add the rows compiled from ``specs``.

    All removals come first: a number moving between two routes changes hands in one step.
    """
    for table in (DispatcherEntry, AddressEntry, RoutingEntry):
        session.execute(delete(table).where(table.route_sip_id.in_(sip_ids)))
    for spec in specs:
        compiled = compile_route(spec)
        session.add_all(
            DispatcherEntry(
                setid=entry.setid,
                destination=entry.destination,
                flags=entry.flags,
                priority=entry.priority,
                attrs="",
                description=entry.description,
                route_sip_id=spec.sip_id,
            )
            for entry in compiled.dispatcher
        )
        session.add_all(
            AddressEntry(
                grp=entry.grp,
                ip_addr=entry.ip_addr,
                mask=entry.mask,
                port=0,
                tag=entry.tag,
                route_sip_id=spec.sip_id,
            )
            for entry in compiled.addresses
        )
        session.add_all(
            RoutingEntry(
                key_name=entry.key_name, key_value=entry.key_value, route_sip_id=spec.sip_id
            )
            for entry in compiled.routing
        )
    bump_generation(session)


def bump_generation(session: Session) -> None:
    session.execute(
        update(DataPlaneState)
        .where(DataPlaneState.id == _STATE_ROW)
        .values(generation=DataPlaneState.generation + 1, changed_at=utcnow())
    )


def current_generation(session: Session) -> int:
    return int(
        session.execute(
            select(DataPlaneState.generation).where(DataPlaneState.id == _STATE_ROW)
        ).scalar_one()
    )
