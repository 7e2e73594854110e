"""Phone numbers: the operator's numbers, each held by one account and pointed at one route.

Pointing a number at a route (or away from it) is recorded in that route's history.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceroute.db import Database
from voiceroute.errors import Conflict, IdempotencyKeyRace, NotFound, ValidationFailed
from voiceroute.models import PhoneNumber, VoiceRoute
from voiceroute.schemas.history import FieldChange, RevisionAction
from voiceroute.schemas.phone_numbers import (
    NumberInventory,
    PhoneNumberAnswer,
    ProvisionAnswer,
    ProvisionNumber,
    ReleasedNumber,
    UpdateNumber,
)
from voiceroute.services import history
from voiceroute.services.caller import Caller
from voiceroute.services.dataplane import resync_routes
from voiceroute.services.idempotency import IdempotencyKeys
from voiceroute.services.route_state import RouteState
from voiceroute.services.tenancy import get_owned, owned_by

NUMBER = "Phone number"
MAX_PAGE_SIZE = 1000
MAX_PAGE_NUMBER = 1_000_000


def _answer(row: PhoneNumber, caller: Caller) -> PhoneNumberAnswer:
    return PhoneNumberAnswer.model_validate(
        {
            "phone_number_id": row.id,
            "phone_number": row.number,
            "voice_enabled": row.voice_enabled,
            "voice_route_id": row.voice_route_id,
            "account_id": caller.account_key,
        },
        by_name=True,
    )


def _resync(session: Session, route_ids: set[str | None]) -> None:
    """Rebuild the data-plane rows of the routes a number change touched."""
    routes = [session.get(VoiceRoute, route_id) for route_id in sorted(filter(None, route_ids))]
    resync_routes(session, [route for route in routes if route is not None])


class PhoneNumberService:
    def __init__(self, db: Database, keys: IdempotencyKeys) -> None:
        self._db = db
        self._keys = keys

    def provision(
        self, caller: Caller, body: ProvisionNumber, idempotency_key: str | None = None
    ) -> ProvisionAnswer:
        fingerprint = self._keys.fingerprint("provision-number", body.model_dump(mode="json"))
        try:
            return self._provision(caller, body, idempotency_key, fingerprint)
        except (IdempotencyKeyRace, IntegrityError):
            # Lost a race for the same key (the retry replays) or for the same number (the
            # retry refuses it with a 409 naming the holder).
            return self._provision(caller, body, idempotency_key, fingerprint)

    def _provision(
        self, caller: Caller, body: ProvisionNumber, key: str | None, fingerprint: str
    ) -> ProvisionAnswer:
        with self._db.write() as session:
            if key is not None:
                stored = self._keys.claim(session, caller, key, "provision-number", fingerprint)
                if stored is not None:
                    return ProvisionAnswer.model_validate(stored)
            holder = session.scalars(
                select(PhoneNumber.account_id).where(PhoneNumber.number == body.phone_number)
            ).first()
            if holder is not None:
                whose = "your account" if holder == caller.account_id else "another account"
                raise Conflict(
                    f"{body.phone_number} is already provisioned to {whose}.",
                    field="$.PhoneNumber",
                )
            row = PhoneNumber(
                id=f"NID-{uuid.uuid4()}",
                account_id=caller.account_id,
                number=body.phone_number,
                voice_enabled=body.voice_enabled,
                voice_route_id=None,
                order_id=f"JNUOID-{uuid.uuid4()}",
            )
            session.add(row)
            session.flush()
            if body.voice_route_id is not None:
                self._point(session, caller, row, body.voice_route_id)
                _resync(session, {row.voice_route_id})
            answer = ProvisionAnswer.model_validate(
                {
                    "phone_number_assigned": row.number,
                    "phone_number_id": row.id,
                    "order_id": row.order_id,
                },
                by_name=True,
            )
            if key is not None:
                self._keys.complete(session, caller, key, answer.model_dump(mode="json"))
            return answer

    def update(self, caller: Caller, body: UpdateNumber) -> PhoneNumberAnswer:
        with self._db.write() as session:
            row = self._owned(session, caller, body.number)
            touched = {row.voice_route_id}
            if body.voice_enabled is not None:
                row.voice_enabled = body.voice_enabled
            if "voice_route_id" in body.model_fields_set:
                self._point(session, caller, row, body.voice_route_id)
            touched.add(row.voice_route_id)
            _resync(session, touched)
            return _answer(row, caller)

    def release(self, caller: Caller, number: str) -> ReleasedNumber:
        with self._db.write() as session:
            row = self._owned(session, caller, number)
            route_id = row.voice_route_id
            self._point(session, caller, row, None)
            session.delete(row)
            _resync(session, {route_id})
        return ReleasedNumber.model_validate({"phone_number": number}, by_name=True)

    def get(self, caller: Caller, number: str) -> PhoneNumberAnswer:
        with self._db.read() as session:
            return _answer(self._owned(session, caller, number), caller)

    def inventory(
        self, caller: Caller, contains: str | None, page_number: int, page_size: int
    ) -> NumberInventory:
        query = owned_by(PhoneNumber, caller)
        if contains:
            query = query.where(PhoneNumber.number.contains(contains, autoescape=True))
        with self._db.read() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(PhoneNumber.number)
                .limit(page_size)
                .offset((page_number - 1) * page_size)
            ).all()
            results = [_answer(row, caller) for row in rows]
        return NumberInventory.model_validate(
            {
                "account_id": caller.account_key,
                "total_numbers": total,
                "page_number": page_number,
                "page_size": page_size,
                "results": results,
            },
            by_name=True,
        )

    def _owned(self, session: Session, caller: Caller, number: str) -> PhoneNumber:
        return get_owned(
            session,
            PhoneNumber,
            caller,
            number,
            what=NUMBER,
            for_update=True,
            by=PhoneNumber.number,
        )

    def _point(
        self, session: Session, caller: Caller, row: PhoneNumber, route_id: str | None
    ) -> None:
        """Point ``row`` at ``route_id`` (or at nothing), recording it on both routes."""
        if route_id == row.voice_route_id:
            return
        new_route = None
        if route_id is not None:
            try:
                new_route = get_owned(
                    session, VoiceRoute, caller, route_id, what="Voice route", for_update=True
                )
            except NotFound:
                raise ValidationFailed.single(
                    "$.VoiceRouteId", f"there is no voice route {route_id} in your account"
                ) from None
        if row.voice_route_id is not None:
            old_route = get_owned(
                session, VoiceRoute, caller, row.voice_route_id, what="Voice route", for_update=True
            )
            self._record(session, caller, old_route, RevisionAction.NUMBER_UNASSIGNED, row.number)
        if new_route is not None:
            self._record(session, caller, new_route, RevisionAction.NUMBER_ASSIGNED, row.number)
        row.voice_route_id = route_id

    @staticmethod
    def _record(
        session: Session, caller: Caller, route: VoiceRoute, action: RevisionAction, number: str
    ) -> None:
        assigned = action is RevisionAction.NUMBER_ASSIGNED
        change = FieldChange.model_validate(
            {
                "field": "PhoneNumber",
                "before": None if assigned else number,
                "after": number if assigned else None,
            },
            by_name=True,
        )
        state = RouteState.of_row(route)
        history.record(
            session, caller, route.id, action, before=state, after=state, changes=[change]
        )
