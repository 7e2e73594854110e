"""The FastAPI application factory. Nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from voiceroute import __version__
from voiceroute.api.middleware import RequestGuard
from voiceroute.api.openapi import install_openapi
from voiceroute.api.problems import install_problem_handlers
from voiceroute.api.routers import health, phone_numbers, tokens, voice_routes
from voiceroute.config import Settings, load_settings
from voiceroute.schemas.problems import ProblemDetails
from voiceroute.services.container import Services

DESCRIPTION = """\
Wire-compatible with the "Intelligent Voice Routing" API (mPaaS Core APIs 1.0.8): same paths,
PascalCase keys and field names, misspellings included. Every error is a ProblemDetails body.
Operations, parameters and fields marked `x-voiceroute-extension` are voiceroute additions.
"""

_ERRORS = {
    status: {"model": ProblemDetails, "content": {"application/problem+json": {}}}
    for status in (400, 401, 404, 409, 412, 413, 415, 429)
}


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or load_settings()
    if services is None:
        services = Services.build(settings)
        services.db.upgrade()
    app = FastAPI(
        title="voiceroute",
        version=__version__,
        description=DESCRIPTION,
    )
    app.state.services = services
    install_problem_handlers(app)
    install_openapi(app)
    app.include_router(health.router)
    app.include_router(tokens.router, responses=_ERRORS)  # type: ignore[arg-type]
    app.include_router(voice_routes.router, responses=_ERRORS)  # type: ignore[arg-type]
    app.include_router(phone_numbers.router, responses=_ERRORS)  # type: ignore[arg-type]
    app.add_middleware(RequestGuard)
    return app
