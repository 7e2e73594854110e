"""Voice routes, on the vendor's paths: RPC style, IDs in the body or the query string.

Beyond the vendor: every route answer carries an ``ETag``; update, delete and rollback honour
``If-Match``; create honours ``Idempotency-Key``; history and rollback are extensions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from voiceroute.api.deps import AuthDep, ServicesDep
from voiceroute.errors import ValidationFailed
from voiceroute.schemas.base import EXTENSION, IDENTIFIER_PATTERN
from voiceroute.schemas.explain import CallExplanation, ExplainCall
from voiceroute.schemas.history import RollbackRoute, RouteHistory
from voiceroute.schemas.trunks import RouteTrunks
from voiceroute.schemas.voice_routes import (
    CreateVoiceRoute,
    DeletedVoiceRoute,
    DeleteVoiceRoute,
    UpdateVoiceRoute,
    VoiceRouteAnswer,
    VoiceRouteList,
)
from voiceroute.services.voice_routes import VersionedRoute

router = APIRouter(tags=["Voice routes"])

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="Extension: the ETag of the route as you read it; 412 if it has changed.",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Extension: a retry with the same key and body gets the first answer.",
    ),
]


def _with_etag(result: VersionedRoute, response: Response) -> VoiceRouteAnswer:
    response.headers["ETag"] = result.etag
    return result.answer


def _route_id(primary: str | None, vendor_spelling: str | None) -> str:
    route_id = primary or vendor_spelling
    if not route_id:
        raise ValidationFailed.single("CallRouteId", "is required, e.g. ?CallRouteId=CRID-...")
    return route_id


RouteIdQuery = Annotated[
    str | None, Query(alias="CallRouteId", max_length=64, pattern=IDENTIFIER_PATTERN)
]
VendorRouteIdQuery = Annotated[
    str | None,
    Query(
        alias="CallRouteID",
        max_length=64,
        pattern=IDENTIFIER_PATTERN,
        description="The spelling in the vendor's Postman collection; same as CallRouteId.",
    ),
]


@router.post("/v1.0/voice/routes", summary="Create a voice route")
async def create_route(
    body: CreateVoiceRoute,
    auth: AuthDep,
    services: ServicesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> VoiceRouteAnswer:
    result = await auth.run(
        lambda caller: services.voice_routes.create(caller, body, idempotency_key)
    )
    return _with_etag(result, response)


@router.post("/v1.0/voice/routes/update", summary="Update a voice route (only the keys sent)")
async def update_route(
    body: UpdateVoiceRoute,
    auth: AuthDep,
    services: ServicesDep,
    response: Response,
    if_match: IfMatch = None,
) -> VoiceRouteAnswer:
    result = await auth.run(lambda caller: services.voice_routes.update(caller, body, if_match))
    return _with_etag(result, response)


@router.post("/v1.0/voice/routes/delete", summary="Delete a voice route")
async def delete_route(
    body: DeleteVoiceRoute, auth: AuthDep, services: ServicesDep, if_match: IfMatch = None
) -> DeletedVoiceRoute:
    return await auth.run(
        lambda caller: services.voice_routes.delete(caller, body.call_route_id, if_match)
    )


@router.get("/v1.0/voice/routes", summary="Get one voice route")
async def get_route(
    auth: AuthDep,
    services: ServicesDep,
    response: Response,
    call_route_id: RouteIdQuery = None,
    call_route_id_vendor: VendorRouteIdQuery = None,
) -> VoiceRouteAnswer:
    route_id = _route_id(call_route_id, call_route_id_vendor)
    result = await auth.run(lambda caller: services.voice_routes.get(caller, route_id))
    return _with_etag(result, response)


@router.get("/v1.0/account/voice/routes", summary="List the caller's voice routes")
async def list_routes(auth: AuthDep, services: ServicesDep) -> VoiceRouteList:
    return await auth.run(services.voice_routes.list)


@router.get(
    "/v1.0/voice/routes/history",
    summary="Change history of a route, newest first",
    openapi_extra={EXTENSION: True},
)
async def route_history(
    auth: AuthDep,
    services: ServicesDep,
    call_route_id: RouteIdQuery = None,
    call_route_id_vendor: VendorRouteIdQuery = None,
) -> RouteHistory:
    route_id = _route_id(call_route_id, call_route_id_vendor)
    return await auth.run(lambda caller: services.voice_routes.history(caller, route_id))


@router.post(
    "/v1.0/voice/routes/rollback",
    summary="Restore a route to the state of one of its revisions",
    openapi_extra={EXTENSION: True},
)
async def rollback_route(
    body: RollbackRoute,
    auth: AuthDep,
    services: ServicesDep,
    response: Response,
    if_match: IfMatch = None,
) -> VoiceRouteAnswer:
    result = await auth.run(
        lambda caller: services.voice_routes.rollback(
            caller, body.call_route_id, body.revision, if_match
        )
    )
    return _with_etag(result, response)


@router.post(
    "/v1.0/voice/routes/explain",
    summary="What would happen to a call: decision, candidates with exact odds, failover",
    openapi_extra={EXTENSION: True},
)
async def explain_call(body: ExplainCall, auth: AuthDep, services: ServicesDep) -> CallExplanation:
    return await auth.run(lambda caller: services.explain.explain(caller, body))


@router.get(
    "/v1.0/voice/routes/trunks",
    summary="Each trunk's live state in the data plane (up, down, probing)",
    openapi_extra={EXTENSION: True},
)
async def route_trunks(
    auth: AuthDep,
    services: ServicesDep,
    call_route_id: RouteIdQuery = None,
    call_route_id_vendor: VendorRouteIdQuery = None,
) -> RouteTrunks:
    route_id = _route_id(call_route_id, call_route_id_vendor)
    return await auth.run(lambda caller: services.trunk_health.route_trunks(caller, route_id))
