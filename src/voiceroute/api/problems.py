"""The one place where errors become HTTP answers: ProblemDetails, PascalCase, with a TraceId.

Covers our own ``ApiError``s, request validation (never a framework 422), Starlette's 404/405,
and anything unexpected (500, logged with the same TraceId).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from voiceroute.errors import ApiError

logger = logging.getLogger("voiceroute.api")

PROBLEM_JSON = "application/problem+json"
_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_RFC9110 = "https://tools.ietf.org/html/rfc9110#section-"
PROBLEM_TYPES = {
    400: _RFC9110 + "15.5.1",
    401: _RFC9110 + "15.5.2",
    403: _RFC9110 + "15.5.4",
    404: _RFC9110 + "15.5.5",
    405: _RFC9110 + "15.5.6",
    409: _RFC9110 + "15.5.10",
    412: _RFC9110 + "15.5.13",
    413: _RFC9110 + "15.5.14",
    415: _RFC9110 + "15.5.16",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: _RFC9110 + "15.6.1",
    503: _RFC9110 + "15.6.4",
}
_TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "An unexpected error occurred.",
}


def problem_response(
    request_or_trace: Request | str,
    status: int,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, object] | None = None,
) -> JSONResponse:
    trace_id = (
        request_or_trace
        if isinstance(request_or_trace, str)
        else getattr(request_or_trace.state, "trace_id", "")
    )
    body: dict[str, Any] = {
        "Type": PROBLEM_TYPES.get(status, "about:blank"),
        "Title": title or _TITLES.get(status, "Error"),
        "Status": status,
        "Detail": detail,
        "Errors": errors or {},
        "TraceId": trace_id,
        **(extensions or {}),
    }
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), "X-Trace-Id": trace_id},
    )


def json_path(location: Sequence[int | str]) -> str:
    path = "$"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _accepted_keys(model: Any) -> list[str]:
    """Every wire spelling ``model`` accepts, for "did you mean" hints."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return sorted(
        choice
        for field in model.model_fields.values()
        for choice in getattr(field.validation_alias, "choices", [field.validation_alias])
        if isinstance(choice, str)
    )


def _message(error: dict[str, Any], known_keys: Sequence[str]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, known_keys, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"is not a known field{hint}"
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", "")
        return f"the body is not valid JSON ({reason})" if reason else "the body is not valid JSON"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a JSON object"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def validation_errors(errors: Sequence[Any], body_model: Any = None) -> dict[str, list[str]]:
    known_keys = _accepted_keys(body_model)
    result: dict[str, list[str]] = {}
    for error in errors:
        source, *location = error["loc"] or ("body",)
        if error["type"] == "json_invalid":
            key = "$"  # its location is a character offset, not a field
        elif source == "body":
            key = json_path(location)
        else:  # a query parameter or header: named as the client sent it
            key = ".".join(str(part) for part in location) or str(source)
        result.setdefault(key, []).append(_message(error, known_keys))
    return result


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(
        request,
        exc.status,
        detail=exc.detail,
        errors=exc.errors,
        title=exc.title,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    body_info = getattr(body_field, "field_info", None)
    errors = validation_errors(exc.errors(), getattr(body_info, "annotation", None))
    detail = "See Errors for what each field allows."
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        detail = "The request body is not valid JSON."
    return problem_response(request, 400, detail=detail, errors=errors)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if exc.status_code not in (404, 405) else None
    if exc.status_code == 404:
        detail = f"There is no endpoint at {request.url.path}."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _methods_allowed(request)
        headers["Allow"] = ", ".join(allowed)
        detail = (
            f"{request.method} is not allowed on {request.url.path}; use {' or '.join(allowed)}."
        )
    return problem_response(request, exc.status_code, detail=detail, headers=headers)


def _methods_allowed(request: Request) -> list[str]:
    # Starlette names only the first route that matched the path; one path here may carry
    # several routes (GET and POST /v1.0/voice/routes), so ask every route about every method.
    return [
        method
        for method in _HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    trace_id = getattr(request.state, "trace_id", "")
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"fields": {"trace_id": trace_id, "path": request.url.path}},
    )
    return problem_response(request, 500, detail=f"Quote TraceId {trace_id} when reporting this.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
