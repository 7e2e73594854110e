"""Assertions on API answers shared by the API tests."""

from __future__ import annotations

from typing import Any

PROBLEM_KEYS = {"Type", "Title", "Status", "Detail", "Errors", "TraceId"}


def problem(answer: Any, status: int, *fields: str) -> dict[str, list[str]]:
    """Assert ``answer`` is a ProblemDetails of ``status`` naming ``fields``; return its Errors."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["Status"] == status
    assert isinstance(body["Errors"], dict)
    assert body["TraceId"]
    for field in fields:
        assert body["Errors"].get(field), body
    errors: dict[str, list[str]] = body["Errors"]
    return errors


def ok(answer: Any) -> dict[str, Any]:
    """Assert ``answer`` is a 200 and return its JSON body."""
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
