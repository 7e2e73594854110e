"""Webhook and stream targets inside the platform's network are refused at write time."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from voiceroute.api.app import create_app
from voiceroute.services.container import Services

PRIVATE = {
    "VoiceUrl": "http://169.254.169.254/latest/meta-data/",
    "CallbackVoiceUrl": "http://127.0.0.1:9000/status",
    "WssUri": "wss://10.0.0.5/stream",
}


@pytest.mark.parametrize(("field", "url"), PRIVATE.items())
def test_refused_on_create_naming_the_field_and_the_setting(client, account, field, url):
    body = {"RouteName": "r", "RouteType": "URL", "VoiceUrl": "https://hooks.example.com/v"}
    body[field] = url
    if field == "WssUri":
        body["EnableCallStreaming"] = True

    answer = client.post("/v1.0/voice/routes", json=body, headers=account.headers)

    assert answer.status_code == 400
    (message,) = answer.json()["Errors"][f"$.{field}"]
    assert "VOICEROUTE_ALLOW_PRIVATE_TARGETS" in message
    listed = client.get("/v1.0/account/voice/routes", headers=account.headers).json()
    assert listed["TotalRoutes"] == 0


def test_refused_on_update_and_nothing_changes(client, account, create_route):
    route = create_route(RouteType="URL", VoiceUrl="https://hooks.example.com/v")

    answer = client.post(
        "/v1.0/voice/routes/update",
        json={"CallRouteId": route["CallRouteId"], "VoiceUrl": "http://localhost/admin"},
        headers=account.headers,
    )

    assert answer.status_code == 400
    assert "$.VoiceUrl" in answer.json()["Errors"]
    stored = client.get(
        "/v1.0/voice/routes", params={"CallRouteId": route["CallRouteId"]}, headers=account.headers
    ).json()
    assert stored["VoiceUrl"] == "https://hooks.example.com/v"


@pytest.fixture
def permissive_client(make_settings, database) -> Iterator[TestClient]:
    settings = make_settings(allow_private_targets=True)
    services = Services.build(settings, db=database)
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def test_an_operator_can_allow_them(permissive_client, make_account):
    # make_account uses the default client; its token works against any app on this database.
    owner = make_account("lab")
    body = {"RouteName": "lab", "RouteType": "URL", "VoiceUrl": "http://127.0.0.1:9000/voice"}

    answer = permissive_client.post("/v1.0/voice/routes", json=body, headers=owner.headers)

    assert answer.status_code == 200, answer.text
