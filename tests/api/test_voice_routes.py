"""Voice routes over HTTP, as a client written against the vendor's API sees them.

Every test here runs on SQLite and on PostgreSQL (the ``client`` fixture is parametrized).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.api.answers import ok, problem
from voiceroute.schemas.voice_routes import VoiceRouteAnswer

ROUTES = "/v1.0/voice/routes"
UPDATE = "/v1.0/voice/routes/update"
DELETE = "/v1.0/voice/routes/delete"
LIST = "/v1.0/account/voice/routes"

# The vendor's update page, as published (a copy of shared/seed/000_788372478de19ad5.txt).
SEED_PAGE = Path(__file__).parents[1] / "data" / "vendor_update_route_page.txt"

DOCS_MINIMAL_CREATE = {
    "RouteName": "Main SIP Trunk",
    "RouteType": "Trunk",
    "TrunkIp1": "20.87.87.87",
}
ROUTE_ID = re.compile(r"CRID-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ANSWER_KEYS = {info.serialization_alias for info in VoiceRouteAnswer.model_fields.values()}

BASIC_AUTH = {
    "VoiceAuthenticationType": "Basic",
    "VoiceUsername": "admin",
    "VoicePasswordToken": "s3cret-basic",
}
STREAMING = {"EnableCallStreaming": True, "WssUri": "wss://192.67.88.2"}


def seed_update_body() -> dict[str, object]:
    """The vendor's update example: the first JSON object on the seed page."""
    text = SEED_PAGE.read_text(encoding="utf-8")
    body, _ = json.JSONDecoder().raw_decode(text, text.index("{"))
    assert isinstance(body, dict)
    assert str(body["CallRouteId"]).startswith("CRID-")
    return body


@pytest.fixture
def api(client, account):
    """Calls of the voice route API as ``account``."""

    class Api:
        def create(self, body, owner=account):
            return client.post(ROUTES, json=body, headers=owner.headers)

        def update(self, route_id, body, owner=account):
            return client.post(
                UPDATE, json={"CallRouteId": route_id, **body}, headers=owner.headers
            )

        def delete(self, route_id, owner=account):
            return client.post(DELETE, json={"CallRouteId": route_id}, headers=owner.headers)

        def get(self, route_id, owner=account, param="CallRouteId"):
            return client.get(ROUTES, params={param: route_id}, headers=owner.headers)

        def read(self, route_id, owner=account):
            return ok(self.get(route_id, owner))

        def list(self, owner=account):
            return ok(client.get(LIST, headers=owner.headers))

    return Api()


def route_of(answer: dict[str, object]) -> str:
    route_id = answer["CallRouteId"]
    assert isinstance(route_id, str)
    return route_id


# --- the vendor's documented examples -------------------------------------------------------


def test_docs_minimal_create_then_seed_update_succeed_and_answer_the_values_sent(api, account):
    created = ok(api.create(DOCS_MINIMAL_CREATE))
    body = {**seed_update_body(), "CallRouteId": created["CallRouteId"]}

    answer = api.update(route_of(created), body)
    updated = ok(answer)

    for key, sent in body.items():
        if key == "VoicePasswordToken":
            continue
        answered_key = "IpWhiteList" if key == "IpWhitelist" else key
        assert updated[answered_key] == sent, key
    assert updated["IpWhiteList"] == [{"IpAddress": "20.20.10.10"}, {"IpAddress": "20.20.10.20"}]
    assert updated["VoiceAuthenticationType"] == "Basic"
    assert "VocieAuthenticationType" not in updated
    assert "IpWhitelist" not in updated
    assert "VoicePasswordToken" not in updated
    assert "passwordORbearerToken" not in answer.text
    assert updated["AccountId"] == account.key
    assert updated["CallRouteStatus"] == "Active"
    assert api.read(route_of(created)) == updated


def test_create_answers_the_whole_route(api, account):
    created = ok(api.create(DOCS_MINIMAL_CREATE))
    assert set(created) == ANSWER_KEYS
    assert ROUTE_ID.fullmatch(route_of(created))
    assert created["AccountId"] == account.key
    assert created["CallRouteStatus"] == "Active"
    assert {key: created[key] for key in DOCS_MINIMAL_CREATE} == DOCS_MINIMAL_CREATE
    assert created["IpWhiteList"] == []
    assert created["RouteEnabled"] is True


def test_a_disabled_route_is_answered_with_status_disabled(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, "RouteEnabled": False}))
    assert created["CallRouteStatus"] == "Disabled"
    updated = ok(api.update(route_of(created), {"RouteEnabled": True}))
    assert updated["CallRouteStatus"] == "Active"


def test_the_voice_secret_is_never_answered(client, api, account):
    secret = "bearer-token-never-shown"
    body = {
        **DOCS_MINIMAL_CREATE,
        "VoiceAuthenticationType": "Bearer",
        "VoicePasswordToken": secret,
    }
    created = api.create(body)
    route_id = route_of(ok(created))
    answers = [
        created,
        api.update(route_id, {"RouteName": "Renamed"}),
        api.update(route_id, {"VoicePasswordToken": secret + "-2"}),
        api.get(route_id),
        client.get(LIST, headers=account.headers),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "VoicePasswordToken" not in answer.text
        assert secret not in answer.text
    # The history (an extension) may say that the secret changed, never what it is.
    history = client.get(
        f"{ROUTES}/history", params={"CallRouteId": route_id}, headers=account.headers
    )
    assert history.status_code == 200, history.text
    assert secret not in history.text


# --- partial update ---------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(api):
    body = {**seed_update_body(), "RouteEnabled": False}
    del body["CallRouteId"]
    created = ok(api.create(body))

    updated = ok(api.update(route_of(created), {"RouteName": "Renamed", "TrunkPort2": "5070"}))

    assert updated == {**created, "RouteName": "Renamed", "TrunkPort2": "5070"}
    assert api.read(route_of(created)) == updated


def test_update_with_only_the_id_changes_nothing(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, **BASIC_AUTH}))
    assert ok(api.update(route_of(created), {})) == created


@pytest.mark.parametrize(
    ("initial", "key"),
    [
        ({"TrunkIp2": "20.87.87.86"}, "TrunkIp2"),
        ({"TrunkPort1": "5061"}, "TrunkPort1"),
        ({"TrunkUri2": "sip:pbx2.example.com"}, "TrunkUri2"),
        ({"VoiceUrl": "https://domain.com"}, "VoiceUrl"),
        ({"CallbackVoiceUrl": "https://apiendpoint.com"}, "CallbackVoiceUrl"),
        ({"HeaderManipulation": "HMI8802029"}, "HeaderManipulation"),
        ({"TransferCallerId": "Transferor"}, "TransferCallerId"),
        ({"TerminationUriSubdomain": "client"}, "TerminationUriSubdomain"),
        ({"WssUri": "wss://192.67.88.2"}, "WssUri"),
        ({"ForwardNumber": "+14155550100"}, "ForwardNumber"),
    ],
)
def test_null_clears_an_optional_field(api, initial, key):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, **initial}))
    assert created[key] == initial[key]

    updated = ok(api.update(route_of(created), {key: None}))

    assert updated == {**created, key: None}
    assert api.read(route_of(created)) == updated


@pytest.mark.parametrize(
    ("key", "initial", "default"),
    [
        ("TrunkEnabled1", False, True),
        ("TrunkEnabled2", False, True),
        ("RouteEnabled", False, True),
        ("EnableSipRefer", True, False),
        ("IpWhitelist", [{"IpAddress": "20.20.10.10"}], []),
        ("VoiceAuthenticationType", "Bearer", "None"),
        ("TrunkTransport1", "TLS", "UDP"),
    ],
)
def test_null_restores_the_default_of_a_defaulted_field(api, key, initial, default):
    extra = {"VoicePasswordToken": "token"} if key == "VoiceAuthenticationType" else {}
    created = ok(api.create({**DOCS_MINIMAL_CREATE, key: initial, **extra}))
    answered_key = "IpWhiteList" if key == "IpWhitelist" else key
    assert created[answered_key] == initial

    updated = ok(api.update(route_of(created), {key: None}))

    assert updated[answered_key] == default
    assert api.read(route_of(created))[answered_key] == default


@pytest.mark.parametrize("key", ["RouteName", "RouteType"])
def test_null_on_a_required_field_is_refused_and_changes_nothing(api, key):
    created = ok(api.create(DOCS_MINIMAL_CREATE))
    problem(api.update(route_of(created), {key: None}), 400, f"$.{key}")
    assert api.read(route_of(created)) == created


def test_clearing_trunk_ip1_is_fine_when_trunk_uri1_is_set(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, "TrunkUri1": "sip:pbx.example.com"}))
    updated = ok(api.update(route_of(created), {"TrunkIp1": None}))
    assert updated["TrunkIp1"] is None
    assert updated["TrunkUri1"] == "sip:pbx.example.com"


def test_update_needs_call_route_id(client, account):
    answer = client.post(UPDATE, json={"RouteName": "Renamed"}, headers=account.headers)
    problem(answer, 400, "$.CallRouteId")


def test_update_of_an_unknown_route_is_404(api):
    problem(api.update("CRID-00000000-0000-4000-8000-000000000000", {"RouteName": "x"}), 404)


def test_another_accounts_route_is_invisible(api, make_account):
    other = make_account("other")
    theirs = ok(api.create(DOCS_MINIMAL_CREATE, owner=other))
    route_id = route_of(theirs)

    problem(api.get(route_id), 404)
    problem(api.update(route_id, {"RouteName": "Hijacked"}), 404)
    problem(api.delete(route_id), 404)
    assert api.read(route_id, owner=other) == theirs


# --- the merged route is validated as a whole ---------------------------------------------------

URL_ROUTE = {"RouteName": "IVR", "RouteType": "URL", "VoiceUrl": "https://domain.com"}
FORWARD_ROUTE = {"RouteName": "Forward", "RouteType": "Forward", "ForwardNumber": "+14155550100"}


@pytest.mark.parametrize(
    ("initial", "change", "field"),
    [
        (DOCS_MINIMAL_CREATE, {"RouteType": "URL"}, "$.VoiceUrl"),
        (DOCS_MINIMAL_CREATE, {"RouteType": "Forward"}, "$.ForwardNumber"),
        (DOCS_MINIMAL_CREATE, {"TrunkIp1": None}, "$.TrunkIp1"),
        (URL_ROUTE, {"VoiceUrl": None}, "$.VoiceUrl"),
        (URL_ROUTE, {"RouteType": "Trunk"}, "$.TrunkIp1"),
        (FORWARD_ROUTE, {"ForwardNumber": None}, "$.ForwardNumber"),
        (DOCS_MINIMAL_CREATE, {"EnableCallStreaming": True}, "$.WssUri"),
        ({**DOCS_MINIMAL_CREATE, **STREAMING}, {"WssUri": None}, "$.WssUri"),
        (
            DOCS_MINIMAL_CREATE,
            {"VoiceAuthenticationType": "Basic", "VoiceUsername": "admin"},
            "$.VoicePasswordToken",
        ),
        (
            DOCS_MINIMAL_CREATE,
            {"VoiceAuthenticationType": "Basic", "VoicePasswordToken": "s3cret"},
            "$.VoiceUsername",
        ),
        (DOCS_MINIMAL_CREATE, {"VoiceAuthenticationType": "Bearer"}, "$.VoicePasswordToken"),
        (
            {**DOCS_MINIMAL_CREATE, **BASIC_AUTH},
            {"VoicePasswordToken": None},
            "$.VoicePasswordToken",
        ),
        ({**DOCS_MINIMAL_CREATE, **BASIC_AUTH}, {"VoiceUsername": None}, "$.VoiceUsername"),
    ],
    ids=[
        "url-without-voice-url",
        "forward-without-number",
        "trunk-without-address",
        "url-clearing-voice-url",
        "url-to-trunk-without-address",
        "forward-clearing-number",
        "streaming-without-wss",
        "streaming-clearing-wss",
        "basic-without-password",
        "basic-without-username",
        "bearer-without-token",
        "basic-clearing-password",
        "basic-clearing-username",
    ],
)
def test_an_update_that_would_leave_the_route_invalid_is_refused_and_changes_nothing(
    api, initial, change, field
):
    created = ok(api.create(initial))

    answer = api.update(route_of(created), {"RouteName": "Renamed", **change})

    problem(answer, 400, field)
    assert api.read(route_of(created)) == created


def test_a_refused_update_keeps_the_stored_secret(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, **BASIC_AUTH}))
    problem(api.update(route_of(created), {"VoicePasswordToken": None}), 400)
    # Basic still has its password, so an unrelated change is valid.
    assert ok(api.update(route_of(created), {"RouteName": "Renamed"}))["RouteName"] == "Renamed"


def test_the_stored_secret_satisfies_later_updates(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, **BASIC_AUTH}))
    updated = ok(api.update(route_of(created), {"VoiceUsername": "operator"}))
    assert updated["VoiceAuthenticationType"] == "Basic"
    assert updated["VoiceUsername"] == "operator"


# --- cross-field rules on create ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"RouteName": "T", "RouteType": "Trunk"}, {"$.TrunkIp1"}),
        ({"RouteName": "T", "RouteType": "Trunk", "TrunkIp2": "20.87.87.86"}, {"$.TrunkIp1"}),
        ({"RouteName": "U", "RouteType": "URL"}, {"$.VoiceUrl"}),
        (
            {"RouteName": "U", "RouteType": "URL", "CallbackVoiceUrl": "https://a.com"},
            {"$.VoiceUrl"},
        ),
        ({"RouteName": "F", "RouteType": "Forward"}, {"$.ForwardNumber"}),
        ({"RouteType": "Trunk", "TrunkIp1": "20.87.87.87"}, {"$.RouteName"}),
        ({"RouteName": "T", "TrunkIp1": "20.87.87.87"}, {"$.RouteType"}),
        ({}, {"$.RouteName", "$.RouteType"}),
        (
            {**DOCS_MINIMAL_CREATE, "VoiceAuthenticationType": "Basic"},
            {"$.VoiceUsername", "$.VoicePasswordToken"},
        ),
        (
            {**DOCS_MINIMAL_CREATE, "VoiceAuthenticationType": "Basic", "VoiceUsername": "a"},
            {"$.VoicePasswordToken"},
        ),
        (
            {**DOCS_MINIMAL_CREATE, "VoiceAuthenticationType": "Basic", "VoicePasswordToken": "p"},
            {"$.VoiceUsername"},
        ),
        ({**DOCS_MINIMAL_CREATE, "VoiceAuthenticationType": "Bearer"}, {"$.VoicePasswordToken"}),
        ({**DOCS_MINIMAL_CREATE, "EnableCallStreaming": True}, {"$.WssUri"}),
        (
            {"RouteName": "U", "RouteType": "URL", "EnableCallStreaming": True},
            {"$.VoiceUrl", "$.WssUri"},
        ),
    ],
)
def test_create_refuses_a_route_that_breaks_a_rule_naming_every_field(api, body, fields):
    errors = problem(api.create(body), 400, *fields)
    assert set(errors) == fields
    assert api.list()["TotalRoutes"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"RouteName": "T", "RouteType": "Trunk", "TrunkUri1": "sip:pbx.example.com:5060"},
        {"RouteName": "T", "RouteType": "Trunk", "TrunkUri1": "https://pstn.joonto.com"},
        URL_ROUTE,
        FORWARD_ROUTE,
        {"RouteName": "F", "RouteType": "Forward", "ForwardNumber": "sip:alice@pbx.example.com"},
        {**DOCS_MINIMAL_CREATE, **BASIC_AUTH},
        {**DOCS_MINIMAL_CREATE, "VoiceAuthenticationType": "Bearer", "VoicePasswordToken": "t"},
        {**DOCS_MINIMAL_CREATE, **STREAMING},
        {**DOCS_MINIMAL_CREATE, "EnableCallStreaming": False},
    ],
)
def test_create_accepts_a_route_that_meets_its_rules(api, body):
    created = ok(api.create(body))
    for key, value in body.items():
        if key != "VoicePasswordToken":
            assert created[key] == value, key


# --- value validation through HTTP ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"TrunkPort1": "0"}, "$.TrunkPort1"),
        ({"TrunkPort2": True}, "$.TrunkPort2"),
        ({"Trunk1Priortiy": "10"}, "$.Trunk1Priortiy"),
        ({"Trunk2Weight": 65536}, "$.Trunk2Weight"),
        ({"TrunkIp2": "pbx.example.com"}, "$.TrunkIp2"),
        ({"TrunkUri1": "sip:pbx..example.com"}, "$.TrunkUri1"),
        ({"VoiceUrl": "ftp://domain.com"}, "$.VoiceUrl"),
        ({"WssUri": "https://stream.example.com"}, "$.WssUri"),
        ({"RouteName": "x" * 129}, "$.RouteName"),
        ({"TerminationUriSubdomain": "Client"}, "$.TerminationUriSubdomain"),
        ({"ForwardNumber": "4155550100"}, "$.ForwardNumber"),
        ({"EnableSipRefer": "true"}, "$.EnableSipRefer"),
        (
            {"IpWhitelist": [{"IpAddress": "20.20.10.10"}, {"IpAddress": "nope"}]},
            "$.IpWhitelist[1].IpAddress",
        ),
        ({"IpWhiteList": [{"IpAddress": "nope"}]}, "$.IpWhiteList[0].IpAddress"),
    ],
)
@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_bad_value_is_a_400_naming_the_field(api, operation, change, field):
    if operation == "create":
        errors = problem(api.create({**DOCS_MINIMAL_CREATE, **change}), 400, field)
        assert api.list()["TotalRoutes"] == 0
    else:
        created = ok(api.create(DOCS_MINIMAL_CREATE))
        errors = problem(api.update(route_of(created), change), 400, field)
        assert api.read(route_of(created)) == created
    assert set(errors) == {field}


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("RouteType", ["Trunk", "URL", "Forward"]),
        ("VoiceUrlMethod", ["GET", "POST"]),
        ("CallbackVoiceUrlMethod", ["GET", "POST"]),
        ("VoiceAuthenticationType", ["None", "Basic", "Bearer"]),
        ("VocieAuthenticationType", ["None", "Basic", "Bearer"]),
        ("TrunkTransport1", ["UDP", "TCP", "TLS"]),
        ("TrunkTransport2", ["UDP", "TCP", "TLS"]),
        ("TransferCallerId", ["Transferee", "Transferor", "Transferee/Transferor"]),
    ],
)
@pytest.mark.parametrize("wrong_case", [False, True])
def test_a_bad_enum_value_is_refused_with_the_allowed_values(api, key, allowed, wrong_case):
    value = allowed[0].swapcase() if wrong_case else "Sometimes"
    errors = problem(api.create({**DOCS_MINIMAL_CREATE, key: value}), 400, f"$.{key}")
    message = " ".join(errors[f"$.{key}"])
    for option in allowed:
        assert option in message


def test_a_body_that_is_not_json_is_a_problem(client, account):
    answer = client.post(
        ROUTES,
        content=b'{"RouteName": ',
        headers={**account.headers, "Content-Type": "application/json"},
    )
    problem(answer, 400)


def test_a_body_that_is_not_an_object_is_a_problem(client, account):
    problem(client.post(ROUTES, json=["RouteName"], headers=account.headers), 400)


# --- spellings -----------------------------------------------------------------------------------

ALTERNATE_SPELLINGS = [
    pytest.param(
        {"VocieAuthenticationType": "Bearer", "VoicePasswordToken": "t"},
        {"VoiceAuthenticationType": "Bearer"},
        id="VocieAuthenticationType",
    ),
    pytest.param(
        {"VoiceAuthenticationType": "Bearer", "VoicePasswordToken": "t"},
        {"VoiceAuthenticationType": "Bearer"},
        id="VoiceAuthenticationType",
    ),
    pytest.param(
        {"IpWhitelist": [{"IpAddress": "20.20.10.10"}]},
        {"IpWhiteList": [{"IpAddress": "20.20.10.10"}]},
        id="IpWhitelist",
    ),
    pytest.param(
        {"IpWhiteList": [{"IpAddress": "20.20.10.10"}]},
        {"IpWhiteList": [{"IpAddress": "20.20.10.10"}]},
        id="IpWhiteList",
    ),
    pytest.param({"Trunk1Priority": 5}, {"Trunk1Priortiy": 5}, id="Trunk1Priority"),
    pytest.param({"Trunk1Priortiy": 5}, {"Trunk1Priortiy": 5}, id="Trunk1Priortiy"),
    pytest.param({"Trunk2Priority": 7}, {"Trunk2Priortiy": 7}, id="Trunk2Priority"),
    pytest.param({"Trunk2Priortiy": 7}, {"Trunk2Priortiy": 7}, id="Trunk2Priortiy"),
]


@pytest.mark.parametrize(("sent", "answered"), ALTERNATE_SPELLINGS)
@pytest.mark.parametrize("operation", ["create", "update"])
def test_every_accepted_spelling_works_and_is_answered_as_documented(
    api, operation, sent, answered
):
    if operation == "create":
        route = ok(api.create({**DOCS_MINIMAL_CREATE, **sent}))
    else:
        route = ok(api.update(route_of(ok(api.create(DOCS_MINIMAL_CREATE))), sent))
    assert {key: route[key] for key in answered} == answered
    assert set(route) == ANSWER_KEYS


BOTH_SPELLINGS = [
    pytest.param(
        {"VoiceAuthenticationType": "Bearer", "VocieAuthenticationType": "Bearer"},
        id="VoiceAuthenticationType",
    ),
    pytest.param(
        {"IpWhitelist": [{"IpAddress": "1.1.1.1"}], "IpWhiteList": [{"IpAddress": "1.1.1.1"}]},
        id="IpWhitelist",
    ),
    pytest.param({"Trunk1Priortiy": 5, "Trunk1Priority": 5}, id="Trunk1Priority"),
    pytest.param({"Trunk2Priortiy": 5, "Trunk2Priority": 6}, id="Trunk2Priority"),
]


@pytest.mark.parametrize("both", BOTH_SPELLINGS)
@pytest.mark.parametrize("operation", ["create", "update"])
def test_both_spellings_in_one_body_are_refused(api, operation, both):
    extra = {"VoicePasswordToken": "t"}
    if operation == "create":
        answer = api.create({**DOCS_MINIMAL_CREATE, **both, **extra})
    else:
        created = ok(api.create(DOCS_MINIMAL_CREATE))
        answer = api.update(route_of(created), {**both, **extra})
    errors = problem(answer, 400)
    assert set(errors) & {f"$.{key}" for key in both}, errors
    if operation == "create":
        assert api.list()["TotalRoutes"] == 0
    else:
        assert api.read(route_of(created)) == created


# --- unknown keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["create", "update"])
def test_an_unknown_key_is_a_400_naming_it(api, operation):
    body = {"FavouriteColour": "blue"}
    if operation == "create":
        answer = api.create({**DOCS_MINIMAL_CREATE, **body})
    else:
        created = ok(api.create(DOCS_MINIMAL_CREATE))
        answer = api.update(route_of(created), {"RouteName": "Renamed", **body})
    errors = problem(answer, 400, "$.FavouriteColour")
    assert set(errors) == {"$.FavouriteColour"}
    assert "did you mean" not in " ".join(errors["$.FavouriteColour"])
    if operation == "update":
        assert api.read(route_of(created)) == created


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("RouteNmae", "RouteName"),
        ("routeName", "RouteName"),
        ("TrunkIP2", "TrunkIp2"),
        ("VoiceAuthenticationTyp", "VoiceAuthenticationType"),
        ("EnableCallStream", "EnableCallStreaming"),
        ("TerminationUriSubDomain", "TerminationUriSubdomain"),
    ],
)
@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_near_miss_gets_a_did_you_mean_hint(api, operation, typo, meant):
    if operation == "create":
        answer = api.create({**DOCS_MINIMAL_CREATE, typo: "x"})
    else:
        answer = api.update(route_of(ok(api.create(DOCS_MINIMAL_CREATE))), {typo: "x"})
    errors = problem(answer, 400, f"$.{typo}")
    assert f"did you mean {meant}?" in " ".join(errors[f"$.{typo}"])


def test_the_vendor_query_spelling_of_the_id_in_an_update_body_gets_a_hint(client, account, api):
    created = ok(api.create(DOCS_MINIMAL_CREATE))
    answer = client.post(
        UPDATE, json={"CallRouteID": created["CallRouteId"]}, headers=account.headers
    )
    errors = problem(answer, 400, "$.CallRouteID", "$.CallRouteId")
    assert "did you mean CallRouteId?" in " ".join(errors["$.CallRouteID"])


def test_an_unknown_key_inside_a_whitelist_entry_is_named(api):
    body = {**DOCS_MINIMAL_CREATE, "IpWhitelist": [{"IpAddress": "1.1.1.1", "Ip": "1.1.1.1"}]}
    errors = problem(api.create(body), 400, "$.IpWhitelist[0].Ip")
    assert set(errors) == {"$.IpWhitelist[0].Ip"}


# --- TerminationUriSubdomain is unique across accounts -----------------------------------------


def test_a_subdomain_taken_by_another_account_is_a_409(api, make_account):
    other = make_account("other")
    ok(api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}, owner=other))

    errors = problem(
        api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}),
        409,
        "$.TerminationUriSubdomain",
    )
    assert set(errors) == {"$.TerminationUriSubdomain"}
    assert api.list()["TotalRoutes"] == 0

    mine = ok(api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "mine"}))
    problem(
        api.update(route_of(mine), {"TerminationUriSubdomain": "client", "RouteName": "Renamed"}),
        409,
        "$.TerminationUriSubdomain",
    )
    assert api.read(route_of(mine)) == mine


def test_a_subdomain_taken_by_another_route_of_the_same_account_is_a_409(api):
    ok(api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}))
    problem(
        api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}),
        409,
        "$.TerminationUriSubdomain",
    )


def test_a_route_may_keep_its_own_subdomain(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}))
    updated = ok(
        api.update(route_of(created), {"TerminationUriSubdomain": "client", "RouteName": "New"})
    )
    assert updated["TerminationUriSubdomain"] == "client"
    assert updated["RouteName"] == "New"


@pytest.mark.parametrize("release", ["clear", "change", "delete"])
def test_a_released_subdomain_can_be_taken(api, make_account, release):
    other = make_account("other")
    theirs = ok(api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}, other))
    if release == "clear":
        ok(api.update(route_of(theirs), {"TerminationUriSubdomain": None}, owner=other))
    elif release == "change":
        ok(api.update(route_of(theirs), {"TerminationUriSubdomain": "other"}, owner=other))
    else:
        ok(api.delete(route_of(theirs), owner=other))

    mine = ok(api.create({**DOCS_MINIMAL_CREATE, "TerminationUriSubdomain": "client"}))
    assert mine["TerminationUriSubdomain"] == "client"


# --- read, list, delete ---------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["CallRouteId", "CallRouteID"])
def test_get_by_either_spelling_of_the_id(api, param):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, **BASIC_AUTH}))
    assert ok(api.get(route_of(created), param=param)) == created


def test_get_without_an_id_is_a_400(client, account):
    errors = problem(client.get(ROUTES, headers=account.headers), 400)
    assert any("CallRouteId" in key for key in errors), errors


def test_get_of_an_unknown_route_is_a_404(api):
    problem(api.get("CRID-00000000-0000-4000-8000-000000000000"), 404)


def test_list_answers_every_route_of_the_caller_only(api, account, make_account):
    other = make_account("other")
    ok(api.create(DOCS_MINIMAL_CREATE, owner=other))
    first = ok(api.create(DOCS_MINIMAL_CREATE))
    second = ok(api.create({**URL_ROUTE, **BASIC_AUTH}))

    listed = api.list()

    assert listed == {"AccountId": account.key, "TotalRoutes": 2, "Results": [first, second]}


def test_list_of_an_account_without_routes_is_empty(api, account):
    assert api.list() == {"AccountId": account.key, "TotalRoutes": 0, "Results": []}


def test_delete_answers_deleted_and_the_route_is_gone(api, account):
    kept = ok(api.create(DOCS_MINIMAL_CREATE))
    created = ok(api.create(DOCS_MINIMAL_CREATE))

    deleted = ok(api.delete(route_of(created)))

    assert deleted == {"CallRouteStatus": "Deleted", "CallRouteId": created["CallRouteId"]}
    problem(api.get(route_of(created)), 404)
    problem(api.update(route_of(created), {"RouteName": "Back"}), 404)
    problem(api.delete(route_of(created)), 404)
    assert api.list() == {"AccountId": account.key, "TotalRoutes": 1, "Results": [kept]}


def test_delete_needs_call_route_id(client, account):
    problem(client.post(DELETE, json={}, headers=account.headers), 400, "$.CallRouteId")


# --- AccountId in a body ------------------------------------------------------------------------


def test_own_account_id_in_a_body_is_accepted(api, account):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, "AccountId": account.key}))
    assert created["AccountId"] == account.key
    updated = ok(api.update(route_of(created), {"AccountId": account.key, "RouteName": "New"}))
    assert updated["RouteName"] == "New"


def test_another_account_id_in_a_body_is_refused(api, make_account):
    other = make_account("other")
    problem(api.create({**DOCS_MINIMAL_CREATE, "AccountId": other.key}), 400, "$.AccountId")
    assert api.list()["TotalRoutes"] == 0
    assert api.list(owner=other)["TotalRoutes"] == 0

    created = ok(api.create(DOCS_MINIMAL_CREATE))
    answer = api.update(route_of(created), {"AccountId": other.key, "RouteName": "New"})
    problem(answer, 400, "$.AccountId")
    assert api.read(route_of(created)) == created


# --- round trip and ports -------------------------------------------------------------------------


def rich_route() -> dict[str, object]:
    body = {**seed_update_body(), "RouteEnabled": False, "ForwardNumber": "+14155550100"}
    del body["CallRouteId"]
    return body


@pytest.mark.parametrize(
    "make_body",
    [lambda: DOCS_MINIMAL_CREATE, lambda: URL_ROUTE, rich_route],
    ids=["minimal", "url", "rich-and-disabled"],
)
def test_a_read_route_sent_back_as_an_update_is_accepted_and_changes_nothing(api, make_body):
    created = ok(api.create(make_body()))
    read = api.read(route_of(created))
    assert {"CallRouteStatus", "AccountId", "IpWhiteList"} <= set(read)

    assert ok(api.update(route_of(created), read)) == read
    assert api.read(route_of(created)) == read


def test_a_json_integer_port_is_answered_as_a_string(api):
    created = ok(api.create({**DOCS_MINIMAL_CREATE, "TrunkPort1": 5060}))
    assert created["TrunkPort1"] == "5060"
    assert api.read(route_of(created))["TrunkPort1"] == "5060"

    updated = ok(api.update(route_of(created), {"TrunkPort2": 5061}))
    assert updated["TrunkPort2"] == "5061"
    assert api.read(route_of(created))["TrunkPort2"] == "5061"
