"""Typed dependencies: the services of this app, and the authenticated, rate-limited caller."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from voiceroute.services.caller import Caller
from voiceroute.services.container import Services

# Declared for the OpenAPI document only; the check itself is Authenticator.authenticate,
# which answers every failure as a ProblemDetails 401.
_bearer = HTTPBearer(auto_error=False, description="The token from /v1.0/oauth2/tokens.")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_caller(
    request: Request, services: ServicesDep, _: Annotated[object, Depends(_bearer)] = None
) -> Caller:
    caller = services.authenticator.authenticate(
        request.headers.get("authorization"), request.url.path
    )
    request.state.account_key = caller.account_key
    services.rate_limiter.hit(caller.account_id)
    return replace(
        caller,
        source_ip=request.client.host if request.client else None,
        trace_id=getattr(request.state, "trace_id", None),
    )


CallerDep = Annotated[Caller, Depends(get_caller)]
