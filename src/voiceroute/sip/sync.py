"""Keep Kamailio's tables in step with the API, inside the API's own transaction.

A route's rows are recompiled whenever the route or one of its numbers changes. Each table
whose rows actually differ is rewritten for those routes and its generation bumped; the agent
on every Kamailio node reloads exactly the tables whose generation moved. Reloading only what
changed matters: a dispatcher reload must not be triggered by, say, a whitelist edit. If the
transaction rolls back, so do the rows and the bumps: the tables never disagree with the API.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from voiceroute.models import (
    AddressEntry,
    DataPlaneState,
    DispatcherEntry,
    RoutingEntry,
    utcnow,
)
from voiceroute.sip.compiler import CompiledRoute, RouteSpec, compile_route

_STATE_ROW = 1


@dataclass(frozen=True)
class _Table:
    model: type[DispatcherEntry] | type[AddressEntry] | type[RoutingEntry]
    columns: tuple[str, ...]
    rows_of: Callable[[CompiledRoute], Sequence[Any]]
    generation: InstrumentedAttribute[int]


TABLES = (
    _Table(
        DispatcherEntry,
        ("setid", "destination", "flags", "priority", "description"),
        lambda compiled: compiled.dispatcher,
        DataPlaneState.dispatcher_generation,
    ),
    _Table(
        AddressEntry,
        ("grp", "ip_addr", "mask", "tag"),
        lambda compiled: compiled.addresses,
        DataPlaneState.address_generation,
    ),
    _Table(
        RoutingEntry,
        ("key_name", "key_value"),
        lambda compiled: compiled.routing,
        DataPlaneState.routing_generation,
    ),
)


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
    """Make the rows of routes ``sip_ids`` those compiled from ``specs`` (none: deleted).

    Within a table all removals come first, so a number moving between two routes changes
    hands in one step.
    """
    compiled = [(spec.sip_id, compile_route(spec)) for spec in specs]
    for table in TABLES:
        wanted = {
            (sip_id, *(getattr(row, column) for column in table.columns))
            for sip_id, routes in compiled
            for row in table.rows_of(routes)
        }
        columns = [table.model.__table__.c[column] for column in table.columns]
        stored = {
            tuple(row)
            for row in session.execute(
                select(table.model.route_sip_id, *columns).where(
                    table.model.route_sip_id.in_(sip_ids)
                )
            )
        }
        if stored == wanted:
            continue
        session.execute(delete(table.model).where(table.model.route_sip_id.in_(sip_ids)))
        session.add_all(
            table.model(route_sip_id=row[0], **dict(zip(table.columns, row[1:], strict=True)))
            for row in sorted(wanted)
        )
        session.execute(
            update(DataPlaneState)
            .where(DataPlaneState.id == _STATE_ROW)
            .values({table.generation: table.generation + 1, "changed_at": utcnow()})
        )


def generations(session: Session) -> dict[str, int]:
    """The current generation of each table, by table name."""
    state = session.get(DataPlaneState, _STATE_ROW)
    assert state is not None, "the migrations create the data-plane state row"
    return {
        "dispatcher": state.dispatcher_generation,
        "address": state.address_generation,
        "vr_routing": state.routing_generation,
    }
