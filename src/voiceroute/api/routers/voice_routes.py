"""Voice routes, on the vendor's paths: RPC style, IDs in the body or the query string."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from voiceroute.api.deps import CallerDep, ServicesDep
from voiceroute.errors import ValidationFailed
from voiceroute.schemas.voice_routes import (
    CreateVoiceRoute,
    DeletedVoiceRoute,
    DeleteVoiceRoute,
    UpdateVoiceRoute,
    VoiceRouteAnswer,
    VoiceRouteList,
)

router = APIRouter(tags=["Voice routes"])


@router.post("/v1.0/voice/routes", summary="Create a voice route")
def create_route(
    body: CreateVoiceRoute, caller: CallerDep, services: ServicesDep
) -> VoiceRouteAnswer:
    return services.voice_routes.create(caller, body)


@router.post("/v1.0/voice/routes/update", summary="Update a voice route (only the keys sent)")
def update_route(
    body: UpdateVoiceRoute, caller: CallerDep, services: ServicesDep
) -> VoiceRouteAnswer:
    return services.voice_routes.update(caller, body)


@router.post("/v1.0/voice/routes/delete", summary="Delete a voice route")
def delete_route(
    body: DeleteVoiceRoute, caller: CallerDep, services: ServicesDep
) -> DeletedVoiceRoute:
    return services.voice_routes.delete(caller, body.call_route_id)


@router.get("/v1.0/voice/routes", summary="Get one voice route")
def get_route(
    caller: CallerDep,
    services: ServicesDep,
    call_route_id: Annotated[str | None, Query(alias="CallRouteId", max_length=64)] = None,
    call_route_id_vendor: Annotated[
        str | None,
        Query(
            alias="CallRouteID",
            max_length=64,
            description="Spelling used by the vendor's "
            "Postman collection; accepted as CallRouteId.",
        ),
    ] = None,
) -> VoiceRouteAnswer:
    route_id = call_route_id or call_route_id_vendor
    if not route_id:
        raise ValidationFailed.single("CallRouteId", "is required, e.g. ?CallRouteId=CRID-...")
    return services.voice_routes.get(caller, route_id)


@router.get("/v1.0/account/voice/routes", summary="List the caller's voice routes")
def list_routes(caller: CallerDep, services: ServicesDep) -> VoiceRouteList:
    return services.voice_routes.list(caller)
