"""Typed dependencies: the services of this app, and the authenticated, rate-limited caller.

The token is checked on the event loop (a signature and a clock: no I/O). The account behind
it is looked up in the worker thread that does the request's work, so each request makes one
trip to the thread pool, not one per dependency: that trip is most of a small request's cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from voiceroute.security.tokens import TokenClaims
from voiceroute.services.caller import Caller
from voiceroute.services.container import Services

Result = TypeVar("Result")

# Declared for the OpenAPI document only; the check itself is Authenticator.verify_token,
# which answers every failure as a ProblemDetails 401.
_bearer = HTTPBearer(auto_error=False, description="The token from /v1.0/oauth2/tokens.")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


class Authorized:
    """A request with a genuine token; ``run`` resolves its caller and does the work."""

    def __init__(self, request: Request, services: Services, claims: TokenClaims) -> None:
        self._request = request
        self._services = services
        self._claims = claims

    async def run(self, work: Callable[[Caller], Result]) -> Result:
        return await run_in_threadpool(self._run, work)

    def _run(self, work: Callable[[Caller], Result]) -> Result:
        caller = self._services.authenticator.caller_for(self._claims)
        self._request.state.account_key = caller.account_key
        self._services.rate_limiter.hit(caller.account_id)
        client = self._request.client
        return work(
            replace(
                caller,
                source_ip=client.host if client else None,
                trace_id=getattr(self._request.state, "trace_id", None),
            )
        )


async def get_authorized(
    request: Request, services: ServicesDep, _: Annotated[object, Depends(_bearer)] = None
) -> Authorized:
    claims = services.authenticator.verify_token(
        request.headers.get("authorization"), request.url.path
    )
    return Authorized(request, services, claims)


AuthDep = Annotated[Authorized, Depends(get_authorized)]
