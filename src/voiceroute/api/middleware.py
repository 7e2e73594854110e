"""The outermost layer of every request: TraceId, access log, body size and content type.

It reads the whole body before the app sees it (bodies are small: at most 64 KiB), so an
oversized or mistyped body is refused before anything parses it, and chunked uploads that
grow past the limit are cut off too.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voiceroute.api.problems import problem_response
from voiceroute.errors import ApiError, PayloadTooLarge, UnsupportedMediaType
from voiceroute.metrics import HTTP_LATENCY, HTTP_REQUESTS

MAX_BODY_BYTES = 64 * 1024
_METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}

access_log = logging.getLogger("voiceroute.access")


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class _BodyTooLarge(Exception):
    pass


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace_id = uuid.uuid4().hex
        scope.setdefault("state", {})["trace_id"] = trace_id
        started = time.perf_counter()
        status = 500

        async def send_with_trace(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                if "x-trace-id" not in headers:
                    headers.append("X-Trace-Id", trace_id)
            await send(message)

        try:
            refusal = self._check_headers(scope)
            body = b""
            if refusal is None:
                try:
                    body = await self._read_body(receive)
                except _BodyTooLarge:
                    refusal = self._too_large()
            if refusal is not None:
                response = problem_response(
                    trace_id, refusal.status, detail=refusal.detail, title=refusal.title
                )
                await response(scope, receive, send_with_trace)
                return
            await self.app(scope, _replay(body, receive), send_with_trace)
        finally:
            self._log(scope, status, started, trace_id)

    def _too_large(self) -> ApiError:
        return PayloadTooLarge(f"The body must be at most {self.max_body_bytes} bytes.")

    def _check_headers(self, scope: Scope) -> ApiError | None:
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return self._too_large()
        has_body = (length is not None and length != "0") or "transfer-encoding" in headers
        if scope["method"] in _METHODS_WITH_BODY and has_body:
            content_type = headers.get("content-type", "")
            if not _is_json(content_type):
                return UnsupportedMediaType(
                    f"Send JSON with 'Content-Type: application/json' "
                    f"(got {content_type or 'no Content-Type'!r})."
                )
        return None

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _log(self, scope: Scope, status: int, started: float, trace_id: str) -> None:
        client = scope.get("client")
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
        HTTP_LATENCY.labels(scope["method"], route).observe(elapsed)
        access_log.info(
            "%s %s %s",
            scope["method"],
            scope["path"],
            status,
            extra={
                "fields": {
                    "event": "access",
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": client[0] if client else None,
                    "account": scope.get("state", {}).get("account_key"),
                    "trace_id": trace_id,
                }
            },
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
