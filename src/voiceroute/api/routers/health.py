"""Liveness, readiness and metrics, for load balancers and monitoring (extensions)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from voiceroute.api.deps import ServicesDep
from voiceroute.errors import ServiceUnavailable
from voiceroute.schemas.base import EXTENSION

router = APIRouter(tags=["Health"])


@router.get("/healthz", openapi_extra={EXTENSION: True}, summary="The process is up")
def healthz() -> dict[str, str]:
    return {"Status": "ok"}


@router.get("/readyz", openapi_extra={EXTENSION: True}, summary="The database answers")
def readyz(services: ServicesDep) -> dict[str, str]:
    try:
        services.db.ping()
    except Exception as exc:
        raise ServiceUnavailable("The database is not reachable.") from exc
    return {"Status": "ready"}


@router.get(
    "/metrics",
    openapi_extra={EXTENSION: True},
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
