"""The error body: ASP.NET-style ProblemDetails with PascalCase keys (documented for OpenAPI)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProblemDetails(BaseModel):
    type: str = Field(serialization_alias="Type")
    title: str = Field(serialization_alias="Title")
    status: int = Field(serialization_alias="Status")
    detail: str | None = Field(None, serialization_alias="Detail")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        serialization_alias="Errors",
        description='Keyed by the JSON path of the field, e.g. "$.RouteType".',
    )
    trace_id: str = Field(serialization_alias="TraceId")
