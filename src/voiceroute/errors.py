"""Every error voiceroute raises on purpose, in one place.

Hierarchy::

    VoicerouteError
    ├── ConfigurationError            a setting is missing or unusable (start-up only)
    ├── IdempotencyKeyRace            internal: another request holds the same key; retry
    ├── RpcError                      Kamailio did not answer, or answered with an error
    └── ApiError                      becomes an HTTP ProblemDetails answer
        ├── ValidationFailed          400, Errors maps "$.Field" to messages
        ├── AuthenticationFailed      401
        ├── NotFound                  404, also for another account's objects
        ├── Conflict                  409
        ├── PreconditionFailed        412, If-Match no longer matches
        ├── PayloadTooLarge           413
        ├── UnsupportedMediaType      415
        ├── RateLimited               429, carries Retry-After
        └── ServiceUnavailable        503

``api/problems.py`` is the one place that turns these into responses; services raise them
without knowing about HTTP. It also answers the framework's own 404, 405 and validation
errors in the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class VoicerouteError(Exception):
    """Base of every deliberate voiceroute error."""


class ConfigurationError(VoicerouteError):
    """A setting is missing or unusable; the message names the variable."""


class IdempotencyKeyRace(VoicerouteError):
    """Another request claimed the same Idempotency-Key first; running again replays its answer.

    Never reaches a client: the service that claimed the key retries.
    """


class RpcError(VoicerouteError):
    """Kamailio did not answer a JSON-RPC call, or answered it with an error."""


class ApiError(VoicerouteError):
    status = 500
    title = "An unexpected error occurred."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail

    @property
    def errors(self) -> dict[str, list[str]]:
        return {}

    @property
    def headers(self) -> dict[str, str]:
        return {}

    @property
    def extensions(self) -> dict[str, object]:
        """Extra members of the ProblemDetails body (RFC 9457 allows them)."""
        return {}


class ValidationFailed(ApiError):
    status = 400
    title = "One or more validation errors occurred."

    def __init__(self, errors: Mapping[str, Sequence[str]], detail: str | None = None) -> None:
        super().__init__(detail)
        self._errors = {field: list(messages) for field, messages in errors.items()}

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: [message]})


class AuthenticationFailed(ApiError):
    status = 401
    title = "Unauthorized"


class NotFound(ApiError):
    status = 404
    title = "Not Found"


class Conflict(ApiError):
    status = 409
    title = "Conflict"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.detail or self.title]} if self.field else {}


class PreconditionFailed(ApiError):
    status = 412
    title = "Precondition Failed"


class PayloadTooLarge(ApiError):
    status = 413
    title = "Payload Too Large"


class UnsupportedMediaType(ApiError):
    status = 415
    title = "Unsupported Media Type"


class RateLimited(ApiError):
    status = 429
    title = "Too Many Requests"

    def __init__(self, retry_after_seconds: int, limit: int) -> None:
        super().__init__(
            f"Rate limit of {limit} requests a minute exceeded; retry in {retry_after_seconds} s."
        )
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class ServiceUnavailable(ApiError):
    status = 503
    title = "Service Unavailable"
