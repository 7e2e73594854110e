"""Voice routes: create, partial update, delete, read. Validates, stores, answers.

Every write validates the complete resulting route (not just the fields sent), so no sequence
of updates can leave a route that the data plane could not use.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceroute.db import Database
from voiceroute.errors import Conflict, ValidationFailed
from voiceroute.models import VoiceRoute
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
from voiceroute.services.caller import Caller
from voiceroute.services.tenancy import get_owned, owned_by

ROUTE = "Voice route"
_SUBDOMAIN_TAKEN = "TerminationUriSubdomain {} is already in use; choose another label."


def new_route_id() -> str:
    return f"CRID-{uuid.uuid4()}"


def apply_changes(current: RouteSettings, body: RouteSettings) -> RouteSettings:
    """``current`` with the keys the client sent; an explicit ``null`` restores the default."""
    sent = {name: getattr(body, name) for name in body.model_fields_set & set(SETTINGS_FIELDS)}
    cleared = {name for name, value in sent.items() if value is None}
    return current.model_copy(update={**sent, **defaults_for(cleared)})


def settings_from_row(row: VoiceRoute) -> RouteSettings:
    values: dict[str, Any] = {name: getattr(row, name) for name in SETTINGS_FIELDS}
    values["ip_whitelist"] = [{"ip_address": entry} for entry in row.ip_whitelist]
    return RouteSettings.model_validate(values, by_name=True)


def _columns(settings: RouteSettings) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    values["ip_whitelist"] = [entry.ip_address for entry in settings.ip_whitelist or []]
    return values


def answer_for(row: VoiceRoute, account_key: str) -> VoiceRouteAnswer:
    return VoiceRouteAnswer.model_validate(
        {
            **dict(settings_from_row(row)),
            "call_route_id": row.id,
            "account_id": account_key,
            "call_route_status": (
                CallRouteStatus.ACTIVE if row.route_enabled else CallRouteStatus.DISABLED
            ),
        },
        by_name=True,
    )


class VoiceRouteService:
    def __init__(self, db: Database, secret_box: SecretBox) -> None:
        self._db = db
        self._secret_box = secret_box

    def create(self, caller: Caller, body: CreateVoiceRoute) -> VoiceRouteAnswer:
        _check_account_id(caller, body)
        settings = apply_changes(RouteSettings(), body)
        sealed_secret = self._sealed_secret(body, current=None)
        _raise_rule_errors(settings, sealed_secret is not None)
        with self._db.write() as session:
            _check_subdomain_free(session, settings.termination_uri_subdomain, route_id=None)
            row = VoiceRoute(
                id=new_route_id(),
                account_id=caller.account_id,
                voice_password_token_encrypted=sealed_secret,
                **_columns(settings),
            )
            session.add(row)
            _flush_or_conflict(session, settings)
            return answer_for(row, caller.account_key)

    def update(self, caller: Caller, body: UpdateVoiceRoute) -> VoiceRouteAnswer:
        _check_account_id(caller, body)
        with self._db.write() as session:
            row = get_owned(
                session, VoiceRoute, caller, body.call_route_id, what=ROUTE, for_update=True
            )
            settings = apply_changes(settings_from_row(row), body)
            sealed_secret = self._sealed_secret(body, current=row.voice_password_token_encrypted)
            _raise_rule_errors(settings, sealed_secret is not None)
            _check_subdomain_free(session, settings.termination_uri_subdomain, route_id=row.id)
            for name, value in _columns(settings).items():
                setattr(row, name, value)
            row.voice_password_token_encrypted = sealed_secret
            row.version += 1
            _flush_or_conflict(session, settings)
            return answer_for(row, caller.account_key)

    def delete(self, caller: Caller, route_id: str) -> DeletedVoiceRoute:
        with self._db.write() as session:
            row = get_owned(session, VoiceRoute, caller, route_id, what=ROUTE, for_update=True)
            session.delete(row)
        return DeletedVoiceRoute.model_validate(
            {"call_route_status": CallRouteStatus.DELETED, "call_route_id": route_id},
            by_name=True,
        )

    def get(self, caller: Caller, route_id: str) -> VoiceRouteAnswer:
        with self._db.read() as session:
            row = get_owned(session, VoiceRoute, caller, route_id, what=ROUTE)
            return answer_for(row, caller.account_key)

    def list(self, caller: Caller) -> VoiceRouteList:
        with self._db.read() as session:
            rows = session.scalars(
                owned_by(VoiceRoute, caller).order_by(VoiceRoute.created_at, VoiceRoute.id)
            ).all()
            results = [answer_for(row, caller.account_key) for row in rows]
        return VoiceRouteList.model_validate(
            {"account_id": caller.account_key, "total_routes": len(results), "results": results},
            by_name=True,
        )

    def _sealed_secret(self, body: RouteWrite, current: str | None) -> str | None:
        if "voice_password_token" not in body.model_fields_set:
            return current
        secret: SecretStr | None = body.voice_password_token
        return None if secret is None else self._secret_box.seal(secret.get_secret_value())


def _check_account_id(caller: Caller, body: RouteWrite) -> None:
    if body.account_id is not None and body.account_id != caller.account_key:
        raise ValidationFailed.single(
            "$.AccountId",
            "must be your own AccountKey (the one the token was issued to), or left out",
        )


def _raise_rule_errors(settings: RouteSettings, has_voice_secret: bool) -> None:
    errors = route_rule_errors(settings, has_voice_secret)
    if errors:
        raise ValidationFailed(errors)


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
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _SUBDOMAIN_TAKEN.format(settings.termination_uri_subdomain),
            field="$.TerminationUriSubdomain",
        ) from exc
