"""Phone numbers over HTTP: provision, update, read, inventory, release, and their routes.

Every test here runs on SQLite and on PostgreSQL (the ``client`` fixture is parametrized).
"""

from __future__ import annotations

import re

import pytest

from tests.api.answers import problem

PROVISION = "/v1.0/numbers/provision"
UPDATE = "/v1.0/numbers/update"
RELEASE = "/v1.0/numbers/release"
NUMBERS = "/v1.0/numbers"
INVENTORY = "/v1.0/numbers/inventory"
DELETE_ROUTE = "/v1.0/voice/routes/delete"

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
NUMBER_ID = re.compile(rf"NID-{UUID4}")
ORDER_ID = re.compile(rf"JNUOID-{UUID4}")
MISSING_ROUTE = "CRID-00000000-0000-4000-8000-000000000000"

NUMBER = "+14155550100"
OTHER_NUMBER = "+14155550101"


def provision(client, owner, number: str = NUMBER, **fields: object):
    return client.post(
        PROVISION,
        json={"PhoneNumber": number, "VoiceEnabled": True, **fields},
        headers=owner.headers,
    )


def provisioned(client, owner, number: str = NUMBER, **fields: object) -> dict[str, object]:
    answer = provision(client, owner, number, **fields)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def get_number(client, owner, number: str = NUMBER):
    return client.get(NUMBERS, params={"PhoneNumber": number}, headers=owner.headers)


def update_number(client, owner, **fields: object):
    return client.post(UPDATE, json=fields, headers=owner.headers)


def inventory(client, owner, **params: object) -> dict[str, object]:
    answer = client.get(INVENTORY, params=params, headers=owner.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def numbers_of(page: dict[str, object]) -> list[str]:
    results = page["Results"]
    assert isinstance(results, list)
    return [entry["PhoneNumber"] for entry in results]


# --- provision ----------------------------------------------------------------------------


def test_provision_answers_the_vendor_order_shape(client, account):
    answer = provision(client, account)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {
        "PhoneNumberAssigned",
        "PhoneNumberId",
        "OrderId",
        "OrderStatus",
        "ErrorMessage",
    }
    assert body["PhoneNumberAssigned"] == NUMBER
    assert NUMBER_ID.fullmatch(body["PhoneNumberId"]), body
    assert ORDER_ID.fullmatch(body["OrderId"]), body
    assert body["OrderStatus"] == "Complete"
    assert body["ErrorMessage"] is None


def test_provisioned_number_can_be_read_back(client, account, create_route):
    route = create_route()
    order = provisioned(client, account, VoiceRouteId=route["CallRouteId"])

    answer = get_number(client, account)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "PhoneNumberId": order["PhoneNumberId"],
        "PhoneNumber": NUMBER,
        "VoiceEnabled": True,
        "VoiceRouteId": route["CallRouteId"],
        "AccountId": account.key,
    }


def test_provision_without_route_leaves_the_number_unrouted(client, account):
    provisioned(client, account, VoiceEnabled=False)

    body = get_number(client, account).json()

    assert body["VoiceRouteId"] is None
    assert body["VoiceEnabled"] is False


def test_two_provisions_get_distinct_ids(client, account):
    first = provisioned(client, account, NUMBER)
    second = provisioned(client, account, OTHER_NUMBER)

    assert first["PhoneNumberId"] != second["PhoneNumberId"]
    assert first["OrderId"] != second["OrderId"]


def test_number_held_by_another_account_is_409(client, account, make_account):
    provisioned(client, account)
    rival = make_account("rival")

    errors = problem(provision(client, rival), 409)

    assert "$.PhoneNumber" in errors
    assert get_number(client, account).json()["AccountId"] == account.key
    problem(get_number(client, rival), 404)


def test_number_already_held_by_yourself_is_409(client, account):
    first = provisioned(client, account)

    problem(provision(client, account), 409, "$.PhoneNumber")

    assert get_number(client, account).json()["PhoneNumberId"] == first["PhoneNumberId"]
    assert inventory(client, account)["TotalNumbers"] == 1


def test_provision_onto_foreign_or_missing_route_is_the_same_400(
    client, account, make_account, create_route
):
    rival = make_account("rival")
    foreign_route = create_route(owner=rival)["CallRouteId"]

    foreign = problem(
        provision(client, account, NUMBER, VoiceRouteId=foreign_route), 400, "$.VoiceRouteId"
    )
    missing = problem(
        provision(client, account, NUMBER, VoiceRouteId=MISSING_ROUTE), 400, "$.VoiceRouteId"
    )

    def without_id(errors: dict[str, list[str]], route_id: str) -> list[str]:
        return [message.replace(route_id, "<id>") for message in errors["$.VoiceRouteId"]]

    assert without_id(foreign, foreign_route) == without_id(missing, MISSING_ROUTE)
    # Nothing was provisioned by either failed request.
    assert inventory(client, account)["TotalNumbers"] == 0
    problem(get_number(client, account), 404)


# --- update -------------------------------------------------------------------------------


def test_update_changes_only_the_keys_sent(client, account, create_route):
    route = create_route()["CallRouteId"]
    provisioned(client, account, VoiceRouteId=route)

    answer = update_number(client, account, Number=NUMBER, VoiceEnabled=False)

    assert answer.status_code == 200, answer.text
    assert answer.json()["VoiceEnabled"] is False
    assert answer.json()["VoiceRouteId"] == route
    assert get_number(client, account).json()["VoiceRouteId"] == route


def test_update_points_a_number_at_another_route(client, account, create_route):
    first = create_route(RouteName="first")["CallRouteId"]
    second = create_route(RouteName="second")["CallRouteId"]
    provisioned(client, account, VoiceRouteId=first)

    answer = update_number(client, account, Number=NUMBER, VoiceRouteId=second)

    assert answer.status_code == 200, answer.text
    assert answer.json()["VoiceRouteId"] == second
    assert answer.json()["VoiceEnabled"] is True
    assert get_number(client, account).json()["VoiceRouteId"] == second


def test_update_with_null_route_detaches_the_number(client, account, create_route):
    route = create_route()["CallRouteId"]
    provisioned(client, account, VoiceRouteId=route)

    answer = update_number(client, account, Number=NUMBER, VoiceRouteId=None)

    assert answer.status_code == 200, answer.text
    assert answer.json()["VoiceRouteId"] is None
    assert get_number(client, account).json()["VoiceRouteId"] is None


def test_update_onto_foreign_route_is_400_and_changes_nothing(
    client, account, make_account, create_route
):
    own = create_route()["CallRouteId"]
    rival = make_account("rival")
    foreign = create_route(owner=rival)["CallRouteId"]
    provisioned(client, account, VoiceRouteId=own)

    answer = update_number(client, account, Number=NUMBER, VoiceEnabled=False, VoiceRouteId=foreign)

    problem(answer, 400, "$.VoiceRouteId")
    assert get_number(client, account).json()["VoiceRouteId"] == own
    assert get_number(client, account).json()["VoiceEnabled"] is True


def test_update_of_unknown_number_is_404(client, account):
    problem(update_number(client, account, Number=NUMBER, VoiceEnabled=False), 404)


# --- get ----------------------------------------------------------------------------------


def test_get_understands_an_unencoded_plus(client, account):
    provisioned(client, account)

    answer = client.get(f"{NUMBERS}?PhoneNumber={NUMBER}", headers=account.headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["PhoneNumber"] == NUMBER


def test_get_understands_an_encoded_plus(client, account):
    provisioned(client, account)

    answer = client.get(f"{NUMBERS}?PhoneNumber=%2B14155550100", headers=account.headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["PhoneNumber"] == NUMBER


def test_get_unknown_number_is_404(client, account):
    problem(get_number(client, account), 404)


def test_get_without_phone_number_is_400(client, account):
    problem(client.get(NUMBERS, headers=account.headers), 400)


# --- inventory ----------------------------------------------------------------------------


def test_inventory_pages_through_numbers_in_order(client, account):
    numbers = [f"+1415555{suffix:04d}" for suffix in range(7)]
    for number in reversed(numbers):
        provisioned(client, account, number)

    pages = [inventory(client, account, PageNumber=page, PageSize=3) for page in (1, 2, 3, 4)]

    assert [numbers_of(page) for page in pages] == [numbers[0:3], numbers[3:6], numbers[6:], []]
    for number, page in enumerate(pages, start=1):
        assert page["TotalNumbers"] == 7
        assert page["PageNumber"] == number
        assert page["PageSize"] == 3
        assert page["AccountId"] == account.key


def test_inventory_default_page_holds_everything_small(client, account):
    provisioned(client, account, NUMBER)
    provisioned(client, account, OTHER_NUMBER)

    page = inventory(client, account)

    assert page["TotalNumbers"] == 2
    assert page["PageNumber"] == 1
    assert numbers_of(page) == [NUMBER, OTHER_NUMBER]


def test_inventory_filter_counts_and_pages_only_matching_numbers(client, account):
    matching = ["+14155550100", "+14155550177", "+442071550100"]
    for number in [*matching, "+14155559999", "+33123456789"]:
        provisioned(client, account, number)

    first = inventory(client, account, Filter="0100", PageSize=1)
    second = inventory(client, account, Filter="0100", PageSize=1, PageNumber=2)
    everything = inventory(client, account, Filter="0100")
    prefix = inventory(client, account, Filter="+1415555")

    assert first["TotalNumbers"] == 2
    assert numbers_of(first) == ["+14155550100"]
    assert numbers_of(second) == ["+442071550100"]
    assert numbers_of(everything) == ["+14155550100", "+442071550100"]
    assert numbers_of(prefix) == ["+14155550100", "+14155550177", "+14155559999"]


def test_inventory_filter_takes_digits_not_patterns(client, account):
    provisioned(client, account, NUMBER)

    for pattern in ("%", "_", "4%5"):
        answer = client.get(
            "/v1.0/numbers/inventory", params={"Filter": pattern}, headers=account.headers
        )
        problem(answer, 400, "Filter")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"PageNumber": 0}, "PageNumber"),
        ({"PageSize": 0}, "PageSize"),
        ({"PageSize": 1001}, "PageSize"),
    ],
)
def test_inventory_refuses_bad_paging(client, account, params, field):
    problem(client.get(INVENTORY, params=params, headers=account.headers), 400, field)


# --- release ------------------------------------------------------------------------------


def test_release_frees_the_number_for_another_account(client, account, make_account):
    provisioned(client, account)
    rival = make_account("rival")

    released = client.post(RELEASE, json={"Number": NUMBER}, headers=account.headers)

    assert released.status_code == 200, released.text
    assert released.json() == {"PhoneNumber": NUMBER, "Status": "Released"}
    problem(get_number(client, account), 404)
    assert inventory(client, account)["TotalNumbers"] == 0
    provisioned(client, rival)
    assert get_number(client, rival).json()["AccountId"] == rival.key


def test_release_of_unknown_number_is_404(client, account):
    problem(client.post(RELEASE, json={"Number": NUMBER}, headers=account.headers), 404)


# --- routes in use ------------------------------------------------------------------------


def test_route_in_use_cannot_be_deleted_until_numbers_are_detached(client, account, create_route):
    route = create_route()["CallRouteId"]
    provisioned(client, account, NUMBER, VoiceRouteId=route)
    provisioned(client, account, OTHER_NUMBER, VoiceRouteId=route)

    def delete():
        return client.post(DELETE_ROUTE, json={"CallRouteId": route}, headers=account.headers)

    errors = problem(delete(), 400, "$.CallRouteId")
    assert any("2 phone numbers" in message for message in errors["$.CallRouteId"]), errors

    assert update_number(client, account, Number=NUMBER, VoiceRouteId=None).status_code == 200
    errors = problem(delete(), 400, "$.CallRouteId")
    assert any("1 phone number " in message for message in errors["$.CallRouteId"]), errors

    assert update_number(client, account, Number=OTHER_NUMBER, VoiceRouteId=None).status_code == 200
    answer = delete()
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"CallRouteStatus": "Deleted", "CallRouteId": route}


def test_route_still_exists_after_a_refused_delete(client, account, create_route):
    route = create_route()["CallRouteId"]
    provisioned(client, account, VoiceRouteId=route)

    problem(client.post(DELETE_ROUTE, json={"CallRouteId": route}, headers=account.headers), 400)

    answer = client.get(
        "/v1.0/voice/routes", params={"CallRouteId": route}, headers=account.headers
    )
    assert answer.status_code == 200, answer.text
    assert get_number(client, account).json()["VoiceRouteId"] == route


def test_releasing_the_last_number_lets_the_route_be_deleted(client, account, create_route):
    route = create_route()["CallRouteId"]
    provisioned(client, account, VoiceRouteId=route)
    assert client.post(RELEASE, json={"Number": NUMBER}, headers=account.headers).status_code == 200

    answer = client.post(DELETE_ROUTE, json={"CallRouteId": route}, headers=account.headers)

    assert answer.status_code == 200, answer.text


# --- tenant isolation ---------------------------------------------------------------------


@pytest.fixture
def rival_number(client, make_account, create_route) -> str:
    """A number held (and routed) by another account."""
    rival = make_account("rival")
    route = create_route(owner=rival)["CallRouteId"]
    provisioned(client, rival, OTHER_NUMBER, VoiceRouteId=route)
    return OTHER_NUMBER


def _detail_without(answer, number: str) -> str:
    detail: str = answer.json()["Detail"]
    return detail.replace(number, "<number>")


def test_foreign_number_reads_like_a_missing_one(client, account, rival_number):
    foreign = get_number(client, account, rival_number)
    missing = get_number(client, account, NUMBER)

    problem(foreign, 404)
    problem(missing, 404)
    assert _detail_without(foreign, rival_number) == _detail_without(missing, NUMBER)


def test_foreign_number_cannot_be_updated(client, account, rival_number, make_account):
    foreign = update_number(client, account, Number=rival_number, VoiceRouteId=None)
    missing = update_number(client, account, Number=NUMBER, VoiceRouteId=None)

    problem(foreign, 404)
    problem(missing, 404)
    assert _detail_without(foreign, rival_number) == _detail_without(missing, NUMBER)


def test_foreign_number_cannot_be_released(client, account, rival_number):
    foreign = client.post(RELEASE, json={"Number": rival_number}, headers=account.headers)
    missing = client.post(RELEASE, json={"Number": NUMBER}, headers=account.headers)

    problem(foreign, 404)
    problem(missing, 404)
    assert _detail_without(foreign, rival_number) == _detail_without(missing, NUMBER)
    # Still held by its owner: provisioning it is still a conflict.
    problem(provision(client, account, rival_number), 409)


def test_foreign_numbers_are_invisible_in_inventory(client, account, rival_number):
    provisioned(client, account, NUMBER)

    page = inventory(client, account)
    filtered = inventory(client, account, Filter=rival_number)

    assert numbers_of(page) == [NUMBER]
    assert page["TotalNumbers"] == 1
    assert filtered["TotalNumbers"] == 0


def test_foreign_update_leaves_the_owners_number_untouched(
    client, account, make_account, create_route
):
    rival = make_account("rival")
    route = create_route(owner=rival)["CallRouteId"]
    provisioned(client, rival, OTHER_NUMBER, VoiceRouteId=route)

    update_number(client, account, Number=OTHER_NUMBER, VoiceEnabled=False, VoiceRouteId=None)
    client.post(RELEASE, json={"Number": OTHER_NUMBER}, headers=account.headers)

    owned = get_number(client, rival, OTHER_NUMBER).json()
    assert owned["VoiceRouteId"] == route
    assert owned["VoiceEnabled"] is True


# --- invalid bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"PhoneNumber": "4155550100"}, "$.PhoneNumber"),
        ({"PhoneNumber": "+0155550100"}, "$.PhoneNumber"),
        ({"PhoneNumber": "+1 415 555 0100"}, "$.PhoneNumber"),
        ({"PhoneNumber": "+1415555010012345"}, "$.PhoneNumber"),
        ({"PhoneNumber": 14155550100}, "$.PhoneNumber"),
        ({}, "$.PhoneNumber"),
        ({"PhoneNumber": NUMBER, "VoiceEnabled": "yes"}, "$.VoiceEnabled"),
        ({"PhoneNumber": NUMBER, "VoiceRouteId": 7}, "$.VoiceRouteId"),
        ({"PhoneNumber": NUMBER, "VoiceRouteId": ""}, "$.VoiceRouteId"),
        ({"PhoneNumber": NUMBER, "Colour": "blue"}, "$.Colour"),
    ],
)
def test_provision_refuses_invalid_bodies(client, account, body, field):
    answer = client.post(PROVISION, json=body, headers=account.headers)

    problem(answer, 400, field)
    assert inventory(client, account)["TotalNumbers"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"Number": "14155550100"}, "$.Number"),
        ({"VoiceEnabled": False}, "$.Number"),
        ({"Number": NUMBER, "VoiceEnabled": 0}, "$.VoiceEnabled"),
        ({"Number": NUMBER, "VoiceRouteId": ["CRID-1"]}, "$.VoiceRouteId"),
        ({"Number": NUMBER, "PhoneNumber": NUMBER}, "$.PhoneNumber"),
    ],
)
def test_update_refuses_invalid_bodies(client, account, body, field):
    provisioned(client, account)

    problem(update_number(client, account, **body), 400, field)
    assert get_number(client, account).json()["VoiceEnabled"] is True


def test_release_refuses_a_non_e164_number(client, account):
    answer = client.post(RELEASE, json={"Number": "not-a-number"}, headers=account.headers)

    problem(answer, 400, "$.Number")


def test_unknown_key_names_a_suggestion(client, account):
    answer = client.post(
        PROVISION, json={"PhoneNumber": NUMBER, "VoiceEnable": True}, headers=account.headers
    )

    errors = problem(answer, 400, "$.VoiceEnable")
    assert any("VoiceEnabled" in message for message in errors["$.VoiceEnable"]), errors


def test_numbers_endpoints_need_a_token(client):
    problem(client.get(INVENTORY), 401)
    problem(client.post(PROVISION, json={"PhoneNumber": NUMBER}), 401)
