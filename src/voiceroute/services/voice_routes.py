"""Voice routes: create, partial update, delete, rollback, read.

Every write validates the complete resulting route (not just the fields sent), so no sequence
of updates can leave a route the data plane could not use; it records a revision in the same
transaction; and it honours ``If-Match`` (update, delete, rollback) and ``Idempotency-Key``
(create).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceroute.db import Database
from voiceroute.errors import Conflict, IdempotencyKeyRace, ValidationFailed
from voiceroute.models import PhoneNumber, VoiceRoute
from voiceroute.schemas.base import request_name
from voiceroute.schemas.history import RevisionAction, RouteHistory
from voiceroute.schemas.voice_routes import (
    SETTINGS_FIELDS,
    CallRouteStatus,
    CreateVoiceRoute,
    DeletedVoiceRoute,
    RouteSettings,
    RouteWrite,
    UpdateVoiceRoute,
    VoiceRouteAnswer,
    VoiceRouteList,
    defaults_for,
    route_rule_errors,
)
from voiceroute.security.encryption import SecretBox
from voiceroute.security.targets import unsafe_target_reason
from voiceroute.services import history
from voiceroute.services.caller import Caller
from voiceroute.services.concurrency import check_if_match, etag_for
from voiceroute.services.dataplane import changes_dataplane, resync_routes
from voiceroute.services.idempotency import IdempotencyKeys
from voiceroute.services.route_state import RouteState
from voiceroute.services.tenancy import get_owned, owned_by
from voiceroute.sip.sync import allocate_sip_id

ROUTE = "Voice route"
_SUBDOMAIN_TAKEN = "TerminationUriSubdomain {} is already in use; choose another label."


@dataclass(frozen=True)
class VersionedRoute:
    answer: VoiceRouteAnswer
    etag: str


def new_route_id() -> str:
    return f"CRID-{uuid.uuid4()}"


def apply_changes(current: RouteSettings, body: RouteSettings) -> RouteSettings:
    """``current`` with the keys the client sent; an explicit ``null`` restores the default."""
    sent = {name: getattr(body, name) for name in body.model_fields_set & set(SETTINGS_FIELDS)}
    cleared = {name for name, value in sent.items() if value is None}
    return current.model_copy(update={**sent, **defaults_for(cleared)})


def answer_for(row: VoiceRoute, account_key: str) -> VoiceRouteAnswer:
    settings = RouteState.of_row(row).settings
    # Built, not validated: stored settings were validated on their way in, the rest is ours.
    return VoiceRouteAnswer.model_construct(
        **dict(settings),
        call_route_id=row.id,
        account_id=account_key,
        call_route_status=CallRouteStatus.ACTIVE if row.route_enabled else CallRouteStatus.DISABLED,
    )


def _versioned(row: VoiceRoute, caller: Caller) -> VersionedRoute:
    return VersionedRoute(answer_for(row, caller.account_key), etag_for(row.version))


class VoiceRouteService:
    def __init__(
        self,
        db: Database,
        secret_box: SecretBox,
        keys: IdempotencyKeys,
        allow_private_targets: bool = False,
    ) -> None:
        self._db = db
        self._secret_box = secret_box
        self._keys = keys
        self._allow_private_targets = allow_private_targets

    def create(
        self, caller: Caller, body: CreateVoiceRoute, idempotency_key: str | None = None
    ) -> VersionedRoute:
        _check_account_id(caller, body)
        state = RouteState(
            apply_changes(RouteSettings(), body), self._sealed_secret(body, current=None)
        )
        fingerprint = self._keys.fingerprint("create-route", _request_json(body))
        try:
            return self._create(caller, state, idempotency_key, fingerprint)
        except IdempotencyKeyRace:
            return self._create(caller, state, idempotency_key, fingerprint)

    def _create(
        self, caller: Caller, state: RouteState, key: str | None, fingerprint: str
    ) -> VersionedRoute:
        with self._db.write() as session:
            if key is not None:
                stored = self._keys.claim(session, caller, key, "create-route", fingerprint)
                if stored is not None:
                    return VersionedRoute(
                        VoiceRouteAnswer.model_validate(stored["answer"]), stored["etag"]
                    )
            self._check(state)
            _check_subdomain_free(session, state.settings.termination_uri_subdomain, None)
            row = VoiceRoute(
                id=new_route_id(),
                account_id=caller.account_id,
                sip_id=allocate_sip_id(session),
                **state.columns(),
            )
            session.add(row)
            _flush_or_conflict(session, state.settings)
            resync_routes(session, [row])
            history.record(session, caller, row.id, RevisionAction.CREATE, before=None, after=state)
            result = _versioned(row, caller)
            if key is not None:
                self._keys.complete(
                    session,
                    caller,
                    key,
                    {"answer": result.answer.model_dump(mode="json"), "etag": result.etag},
                )
            return result

    def update(
        self, caller: Caller, body: UpdateVoiceRoute, if_match: str | None = None
    ) -> VersionedRoute:
        _check_account_id(caller, body)
        with self._db.write() as session:
            row = self._locked(session, caller, body.call_route_id, if_match)
            before = RouteState.of_row(row)
            after = RouteState(
                apply_changes(before.settings, body),
                self._sealed_secret(body, current=before.sealed_secret),
            )
            self._store(session, caller, row, before, after, RevisionAction.UPDATE)
            return _versioned(row, caller)

    def rollback(
        self, caller: Caller, route_id: str, revision: int, if_match: str | None = None
    ) -> VersionedRoute:
        with self._db.write() as session:
            row = self._locked(session, caller, route_id, if_match)
            restored = history.revision_state(session, caller, route_id, revision)
            self._store(
                session,
                caller,
                row,
                RouteState.of_row(row),
                restored,
                RevisionAction.ROLLBACK,
                restored_revision=revision,
            )
            return _versioned(row, caller)

    def delete(
        self, caller: Caller, route_id: str, if_match: str | None = None
    ) -> DeletedVoiceRoute:
        with self._db.write() as session:
            row = self._locked(session, caller, route_id, if_match)
            in_use = session.scalar(
                select(func.count()).where(PhoneNumber.voice_route_id == route_id)
            )
            if in_use:
                users = "1 phone number uses" if in_use == 1 else f"{in_use} phone numbers use"
                raise ValidationFailed.single(
                    "$.CallRouteId",
                    f"{users} this route; point them at another route with "
                    "/v1.0/numbers/update (or release them) first",
                )
            history.record(
                session,
                caller,
                route_id,
                RevisionAction.DELETE,
                before=RouteState.of_row(row),
                after=None,
                changes=[],
            )
            resync_routes(session, [row], deleted=True)
            session.delete(row)
        return DeletedVoiceRoute.model_validate(
            {"call_route_status": CallRouteStatus.DELETED, "call_route_id": route_id},
            by_name=True,
        )

    def get(self, caller: Caller, route_id: str) -> VersionedRoute:
        with self._db.read() as session:
            return _versioned(get_owned(session, VoiceRoute, caller, route_id, what=ROUTE), caller)

    def list(self, caller: Caller) -> VoiceRouteList:
        with self._db.read() as session:
            rows = session.scalars(
                owned_by(VoiceRoute, caller).order_by(VoiceRoute.created_at, VoiceRoute.id)
            ).all()
            results = [answer_for(row, caller.account_key) for row in rows]
        return VoiceRouteList.model_construct(
            account_id=caller.account_key, total_routes=len(results), results=results
        )

    def history(self, caller: Caller, route_id: str) -> RouteHistory:
        with self._db.read() as session:
            return history.route_history(session, caller, route_id)

    def _locked(
        self, session: Session, caller: Caller, route_id: str, if_match: str | None
    ) -> VoiceRoute:
        row = get_owned(session, VoiceRoute, caller, route_id, what=ROUTE, for_update=True)
        check_if_match(if_match, row.version)
        return row

    def _store(
        self,
        session: Session,
        caller: Caller,
        row: VoiceRoute,
        before: RouteState,
        after: RouteState,
        action: RevisionAction,
        restored_revision: int | None = None,
    ) -> None:
        self._check(after)
        _check_subdomain_free(session, after.settings.termination_uri_subdomain, row.id)
        for name, value in after.columns().items():
            setattr(row, name, value)
        row.version += 1
        _flush_or_conflict(session, after.settings)
        if changes_dataplane(before, after):
            resync_routes(session, [row])
        history.record(
            session,
            caller,
            row.id,
            action,
            before=before,
            after=after,
            restored_revision=restored_revision,
        )

    def _check(self, state: RouteState) -> None:
        """The whole route's rules, then its outbound targets (unless the operator allows)."""
        errors = route_rule_errors(state.settings, state.sealed_secret is not None)
        if not self._allow_private_targets:
            for name in ("voice_url", "callback_voice_url", "wss_uri"):
                url = getattr(state.settings, name)
                reason = unsafe_target_reason(url) if url else None
                if reason:
                    errors.setdefault(f"$.{request_name(RouteSettings, name)}", []).append(
                        f"must not point inside the platform's network: {reason} "
                        "(operators can allow it with VOICEROUTE_ALLOW_PRIVATE_TARGETS)"
                    )
        if errors:
            raise ValidationFailed(errors)

    def _sealed_secret(self, body: RouteWrite, current: str | None) -> str | None:
        if "voice_password_token" not in body.model_fields_set:
            return current
        secret = body.voice_password_token
        return None if secret is None else self._secret_box.seal(secret.get_secret_value())


def _request_json(body: RouteWrite) -> dict[str, Any]:
    request = body.model_dump(mode="json", exclude_unset=True)
    if body.voice_password_token is not None:
        request["VoicePasswordToken"] = body.voice_password_token.get_secret_value()
    return request


def _check_account_id(caller: Caller, body: RouteWrite) -> None:
    if body.account_id is not None and body.account_id != caller.account_key:
        raise ValidationFailed.single(
            "$.AccountId",
            "must be your own AccountKey (the one the token was issued to), or left out",
        )


def _check_subdomain_free(session: Session, subdomain: str | None, route_id: str | None) -> None:
    if subdomain is None:
        return
    holder = session.scalars(
        select(VoiceRoute.id).where(VoiceRoute.termination_uri_subdomain == subdomain)
    ).first()
    if holder is not None and holder != route_id:
        raise Conflict(_SUBDOMAIN_TAKEN.format(subdomain), field="$.TerminationUriSubdomain")


def _flush_or_conflict(session: Session, settings: RouteSettings) -> None:
    # The unique index settles a race between two writers that both passed the check above.
    # The flush runs in a savepoint so that, after a failure, the holder can still be looked
    # up: only a taken subdomain becomes a 409, anything else is a real fault.
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        subdomain = settings.termination_uri_subdomain
        if subdomain is not None and session.scalar(
            select(VoiceRoute.id).where(VoiceRoute.termination_uri_subdomain == subdomain)
        ):
            raise Conflict(
                _SUBDOMAIN_TAKEN.format(subdomain), field="$.TerminationUriSubdomain"
            ) from None
        raise
