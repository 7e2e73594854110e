"""The OpenAPI document speaks the wire's names and marks what voiceroute adds."""

from __future__ import annotations

import json

import pytest

from voiceroute.schemas.problems import ProblemDetails
from voiceroute.schemas.tokens import TokenAnswer, TokenRequest
from voiceroute.schemas.voice_routes import (
    DeletedVoiceRoute,
    UpdateVoiceRoute,
    VoiceRouteAnswer,
    VoiceRouteList,
)

EXTENSION = "x-voiceroute-extension"
WIRE_MODELS = [
    UpdateVoiceRoute,
    VoiceRouteAnswer,
    VoiceRouteList,
    DeletedVoiceRoute,
    TokenRequest,
    TokenAnswer,
    ProblemDetails,
]
PYTHON_NAMES = sorted({name for model in WIRE_MODELS for name in model.model_fields if "_" in name})


@pytest.fixture
def document(client) -> dict:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def schema(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]


def test_answers_use_the_wire_names_misspellings_included(document):
    answer = schema(document, "VoiceRouteAnswer")["properties"]
    assert {"CallRouteId", "Trunk1Priortiy", "Trunk2Priortiy", "IpWhiteList"} <= answer.keys()
    assert "IpWhitelist" not in answer
    assert "VoicePasswordToken" not in answer


def test_requests_use_the_wire_names(document):
    update = schema(document, "UpdateVoiceRoute")
    assert {"CallRouteId", "Trunk1Priortiy", "IpWhitelist"} <= update["properties"].keys()
    assert "CallRouteId" in update["required"]
    get_route = document["paths"]["/v1.0/voice/routes"]["get"]
    assert "CallRouteId" in {parameter["name"] for parameter in get_route["parameters"]}


@pytest.mark.parametrize("python_name", PYTHON_NAMES)
def test_no_python_field_name_appears(document, python_name):
    assert f'"{python_name}"' not in json.dumps(document)


def test_token_answer_is_documented_in_camel_case(document):
    assert set(schema(document, "TokenAnswer")["properties"]) == {
        "token",
        "successful",
        "tokenExpiry",
        "error",
    }


def test_extensions_are_marked(document):
    forward_number = schema(document, "VoiceRouteAnswer")["properties"]["ForwardNumber"]
    assert forward_number[EXTENSION] is True
    assert document["paths"]["/healthz"]["get"][EXTENSION] is True
    assert document["paths"]["/readyz"]["get"][EXTENSION] is True


def test_vendor_fields_and_operations_are_not_marked_as_extensions(document):
    answer = schema(document, "VoiceRouteAnswer")["properties"]
    assert EXTENSION not in answer["Trunk1Priortiy"]
    assert EXTENSION not in answer["RouteName"]
    assert EXTENSION not in document["paths"]["/v1.0/voice/routes/update"]["post"]


def test_errors_are_documented_as_problem_details_and_never_as_422(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], f"{method.upper()} {path} documents 422"
    assert {"Type", "Title", "Status", "Detail", "Errors", "TraceId"} == set(
        schema(document, "ProblemDetails")["properties"]
    )


def test_docs_page_is_served(client):
    answer = client.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in answer.text
