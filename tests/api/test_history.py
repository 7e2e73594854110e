"""Change history and rollback of voice routes (extensions), over HTTP.

Every test here runs on SQLite and on PostgreSQL (the ``client`` fixture is parametrized).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.api.answers import ok, problem
from voiceroute.errors import ValidationFailed
from voiceroute.models import Account
from voiceroute.services import history as history_service
from voiceroute.services.caller import Caller

ROUTES = "/v1.0/voice/routes"
UPDATE = "/v1.0/voice/routes/update"
DELETE = "/v1.0/voice/routes/delete"
HISTORY = "/v1.0/voice/routes/history"
ROLLBACK = "/v1.0/voice/routes/rollback"
PROVISION = "/v1.0/numbers/provision"
NUMBERS_UPDATE = "/v1.0/numbers/update"
RELEASE = "/v1.0/numbers/release"

MASK = "********"
SECRET = "s3cret-basic-value"
NEW_SECRET = "an0ther-secret-value"
BASIC_AUTH = {
    "VoiceAuthenticationType": "Basic",
    "VoiceUsername": "admin",
    "VoicePasswordToken": SECRET,
}
NUMBER = "+14155550100"
TEST_CLIENT_HOST = "testclient"  # what Starlette's TestClient reports as the peer address


def history_of(client, owner, route_id: str) -> dict[str, object]:
    return ok(client.get(HISTORY, params={"CallRouteId": route_id}, headers=owner.headers))


def revisions(client, owner, route_id: str) -> list[dict[str, object]]:
    found = history_of(client, owner, route_id)["Revisions"]
    assert isinstance(found, list)
    return found


def latest(client, owner, route_id: str) -> dict[str, object]:
    return revisions(client, owner, route_id)[0]


def changes(revision: dict[str, object]) -> dict[str, tuple[object, object]]:
    """``{Field: (Before, After)}`` of one revision."""
    entries = revision["Changes"]
    assert isinstance(entries, list)
    fields = [entry["Field"] for entry in entries]
    assert len(fields) == len(set(fields)), entries
    return {entry["Field"]: (entry["Before"], entry["After"]) for entry in entries}


def update(client, owner, route_id: str, **fields: object):
    return client.post(UPDATE, json={"CallRouteId": route_id, **fields}, headers=owner.headers)


def rollback(client, owner, route_id: str, revision: object):
    return client.post(
        ROLLBACK, json={"CallRouteId": route_id, "Revision": revision}, headers=owner.headers
    )


def get_route(client, owner, route_id: str):
    return client.get(ROUTES, params={"CallRouteId": route_id}, headers=owner.headers)


def assert_recorded_by(revision: dict[str, object], owner, answer) -> None:
    """``revision`` names ``owner``, now, the test client and the trace of ``answer``."""
    assert revision["ChangedBy"] == owner.key
    changed_at = datetime.fromisoformat(str(revision["ChangedAt"]))
    assert changed_at.tzinfo is not None, revision
    assert abs(datetime.now(UTC) - changed_at) < timedelta(minutes=1), revision
    assert revision["SourceIp"] == TEST_CLIENT_HOST
    assert revision["TraceId"] == answer.headers["X-Trace-Id"]


# --- what each write records --------------------------------------------------------------


def test_create_records_the_first_revision(client, account):
    answer = client.post(
        ROUTES,
        json={"RouteName": "Main", "RouteType": "Trunk", "TrunkIp1": "20.87.87.87"},
        headers=account.headers,
    )
    route_id = ok(answer)["CallRouteId"]

    found = history_of(client, account, route_id)

    assert found["CallRouteId"] == route_id
    assert found["TotalRevisions"] == 1
    (created,) = found["Revisions"]
    assert created["Revision"] == 1
    assert created["Action"] == "Create"
    assert created["RestoredRevision"] is None
    assert_recorded_by(created, account, answer)
    diff = changes(created)
    assert diff["RouteName"] == (None, "Main")
    assert diff["RouteType"] == (None, "Trunk")
    assert diff["TrunkIp1"] == (None, "20.87.87.87")
    assert diff["Trunk1Priortiy"] == (None, 1)


def test_update_records_each_changed_field_under_its_wire_name(client, account, create_route):
    route_id = create_route()["CallRouteId"]

    answer = update(
        client,
        account,
        route_id,
        RouteName="Renamed",
        Trunk1Priortiy=5,
        IpWhitelist=[{"IpAddress": "10.0.0.1"}, {"IpAddress": "10.0.1.0/24"}],
        TrunkIp1="20.87.87.87",  # sent but unchanged: not a change
    )
    ok(answer)

    revision = latest(client, account, route_id)
    assert revision["Revision"] == 2
    assert revision["Action"] == "Update"
    assert_recorded_by(revision, account, answer)
    assert changes(revision) == {
        "RouteName": ("Main SIP Trunk", "Renamed"),
        "Trunk1Priortiy": (1, 5),
        "IpWhiteList": ([], [{"IpAddress": "10.0.0.1"}, {"IpAddress": "10.0.1.0/24"}]),
    }


def test_delete_records_a_revision_and_history_survives(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(update(client, account, route_id, RouteName="Renamed"))

    answer = client.post(DELETE, json={"CallRouteId": route_id}, headers=account.headers)
    ok(answer)

    problem(get_route(client, account, route_id), 404)
    found = history_of(client, account, route_id)
    assert found["TotalRevisions"] == 3
    deleted = found["Revisions"][0]
    assert deleted["Action"] == "Delete"
    assert deleted["Revision"] == 3
    assert_recorded_by(deleted, account, answer)
    assert [revision["Action"] for revision in found["Revisions"]] == ["Delete", "Update", "Create"]


def test_history_is_newest_first_with_consecutive_numbers(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    for weight in (2, 3, 4):
        ok(update(client, account, route_id, Trunk1Weight=weight))

    found = revisions(client, account, route_id)

    assert [revision["Revision"] for revision in found] == [4, 3, 2, 1]
    assert [changes(revision).get("Trunk1Weight") for revision in found[:3]] == [
        (3, 4),
        (2, 3),
        (1, 2),
    ]
    stamps = [datetime.fromisoformat(str(revision["ChangedAt"])) for revision in found]
    assert stamps == sorted(stamps, reverse=True)


def test_each_revision_carries_the_trace_of_its_own_request(client, account):
    created = client.post(
        ROUTES,
        json={"RouteName": "Main", "RouteType": "Trunk", "TrunkIp1": "20.87.87.87"},
        headers=account.headers,
    )
    route_id = ok(created)["CallRouteId"]
    updated = update(client, account, route_id, RouteName="Other")
    ok(updated)

    newest, oldest = revisions(client, account, route_id)

    assert created.headers["X-Trace-Id"] != updated.headers["X-Trace-Id"]
    assert newest["TraceId"] == updated.headers["X-Trace-Id"]
    assert oldest["TraceId"] == created.headers["X-Trace-Id"]


def test_a_failed_update_records_no_revision(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    create_route(RouteName="holder", TerminationUriSubdomain="taken")

    problem(update(client, account, route_id, RouteType="URL"), 400)  # URL needs a VoiceUrl
    problem(update(client, account, route_id, TerminationUriSubdomain="taken"), 409)
    problem(update(client, account, route_id, Trunk1Weight="heavy"), 400, "$.Trunk1Weight")

    found = history_of(client, account, route_id)
    assert found["TotalRevisions"] == 1
    assert found["Revisions"][0]["Action"] == "Create"


# --- secrets ------------------------------------------------------------------------------


def test_secret_changes_show_only_the_mask(client, account, create_route):
    route_id = create_route(**BASIC_AUTH)["CallRouteId"]
    ok(update(client, account, route_id, VoicePasswordToken=NEW_SECRET))
    ok(
        update(
            client,
            account,
            route_id,
            VoiceAuthenticationType="None",
            VoiceUsername=None,
            VoicePasswordToken=None,
        )
    )

    cleared, replaced, created = revisions(client, account, route_id)

    assert changes(created)["VoicePasswordToken"] == (None, MASK)
    assert changes(replaced) == {"VoicePasswordToken": (MASK, MASK)}
    assert changes(cleared)["VoicePasswordToken"] == (MASK, None)
    assert changes(cleared)["VoiceAuthenticationType"] == ("Basic", "None")


def test_history_never_contains_a_secret_value(client, account, create_route):
    route_id = create_route(**BASIC_AUTH)["CallRouteId"]
    ok(update(client, account, route_id, VoicePasswordToken=NEW_SECRET))
    ok(rollback(client, account, route_id, 1))

    text = client.get(HISTORY, params={"CallRouteId": route_id}, headers=account.headers).text

    assert SECRET not in text
    assert NEW_SECRET not in text
    assert MASK in text


# --- number assignments -------------------------------------------------------------------


def test_number_assignment_is_recorded_on_the_route(client, account, create_route):
    route_id = create_route()["CallRouteId"]

    answer = client.post(
        PROVISION, json={"PhoneNumber": NUMBER, "VoiceRouteId": route_id}, headers=account.headers
    )
    ok(answer)

    assigned = latest(client, account, route_id)
    assert assigned["Action"] == "NumberAssigned"
    assert assigned["Revision"] == 2
    assert changes(assigned) == {"PhoneNumber": (None, NUMBER)}
    assert_recorded_by(assigned, account, answer)


def test_moving_a_number_is_recorded_on_both_routes(client, account, create_route):
    first = create_route(RouteName="first")["CallRouteId"]
    second = create_route(RouteName="second")["CallRouteId"]
    ok(
        client.post(
            PROVISION, json={"PhoneNumber": NUMBER, "VoiceRouteId": first}, headers=account.headers
        )
    )

    answer = client.post(
        NUMBERS_UPDATE, json={"Number": NUMBER, "VoiceRouteId": second}, headers=account.headers
    )
    ok(answer)

    left = latest(client, account, first)
    arrived = latest(client, account, second)
    assert left["Action"] == "NumberUnassigned"
    assert changes(left) == {"PhoneNumber": (NUMBER, None)}
    assert arrived["Action"] == "NumberAssigned"
    assert changes(arrived) == {"PhoneNumber": (None, NUMBER)}
    assert left["TraceId"] == arrived["TraceId"] == answer.headers["X-Trace-Id"]


def test_detaching_and_releasing_numbers_are_recorded(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    for number in (NUMBER, "+14155550101"):
        ok(
            client.post(
                PROVISION,
                json={"PhoneNumber": number, "VoiceRouteId": route_id},
                headers=account.headers,
            )
        )

    ok(
        client.post(
            NUMBERS_UPDATE, json={"Number": NUMBER, "VoiceRouteId": None}, headers=account.headers
        )
    )
    ok(client.post(RELEASE, json={"Number": "+14155550101"}, headers=account.headers))

    actions = [(r["Action"], changes(r)) for r in revisions(client, account, route_id)]
    assert actions[:2] == [
        ("NumberUnassigned", {"PhoneNumber": ("+14155550101", None)}),
        ("NumberUnassigned", {"PhoneNumber": (NUMBER, None)}),
    ]


def test_updating_a_number_without_moving_it_records_nothing(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(
        client.post(
            PROVISION,
            json={"PhoneNumber": NUMBER, "VoiceRouteId": route_id},
            headers=account.headers,
        )
    )

    ok(
        client.post(
            NUMBERS_UPDATE,
            json={"Number": NUMBER, "VoiceEnabled": False, "VoiceRouteId": route_id},
            headers=account.headers,
        )
    )

    assert history_of(client, account, route_id)["TotalRevisions"] == 2


# --- who may read it ----------------------------------------------------------------------


def test_another_account_gets_404_for_the_history(client, account, make_account, create_route):
    route_id = create_route()["CallRouteId"]
    rival = make_account("rival")

    foreign = client.get(HISTORY, params={"CallRouteId": route_id}, headers=rival.headers)
    missing = client.get(
        HISTORY,
        params={"CallRouteId": "CRID-00000000-0000-4000-8000-000000000000"},
        headers=rival.headers,
    )

    problem(foreign, 404)
    problem(missing, 404)
    assert foreign.json()["Detail"].replace(route_id, "<id>") == missing.json()["Detail"].replace(
        "CRID-00000000-0000-4000-8000-000000000000", "<id>"
    )


def test_history_of_a_deleted_route_stays_private(client, account, make_account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(client.post(DELETE, json={"CallRouteId": route_id}, headers=account.headers))
    rival = make_account("rival")

    problem(client.get(HISTORY, params={"CallRouteId": route_id}, headers=rival.headers), 404)


def test_history_accepts_the_vendor_spelling_of_the_id(client, account, create_route):
    route_id = create_route()["CallRouteId"]

    answer = client.get(HISTORY, params={"CallRouteID": route_id}, headers=account.headers)

    assert ok(answer)["CallRouteId"] == route_id


# --- rollback -----------------------------------------------------------------------------


def test_rollback_restores_the_settings_of_a_revision(client, account, create_route):
    original = create_route(Trunk1Weight=3, HeaderManipulation="HMI8802029")
    route_id = original["CallRouteId"]
    ok(update(client, account, route_id, RouteName="Changed", Trunk1Weight=9))
    ok(update(client, account, route_id, HeaderManipulation=None, TrunkIp2="20.87.87.88"))

    answer = rollback(client, account, route_id, 1)

    restored = ok(answer)
    assert restored == original
    assert ok(get_route(client, account, route_id)) == original
    revision = latest(client, account, route_id)
    assert revision["Revision"] == 4
    assert revision["Action"] == "Rollback"
    assert revision["RestoredRevision"] == 1
    assert_recorded_by(revision, account, answer)
    assert changes(revision) == {
        "RouteName": ("Changed", "Main SIP Trunk"),
        "Trunk1Weight": (9, 3),
        "HeaderManipulation": (None, "HMI8802029"),
        "TrunkIp2": ("20.87.87.88", None),
    }


def test_rollback_to_a_middle_revision(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    for name in ("two", "three", "four"):
        ok(update(client, account, route_id, RouteName=name))

    assert ok(rollback(client, account, route_id, 3))["RouteName"] == "three"
    assert ok(get_route(client, account, route_id))["RouteName"] == "three"


def test_rollback_can_be_rolled_back(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(update(client, account, route_id, RouteName="second"))
    ok(rollback(client, account, route_id, 1))

    assert ok(rollback(client, account, route_id, 2))["RouteName"] == "second"
    assert latest(client, account, route_id)["RestoredRevision"] == 2


def test_rollback_restores_a_cleared_secret(client, account, create_route):
    route_id = create_route(**BASIC_AUTH)["CallRouteId"]
    ok(
        update(
            client,
            account,
            route_id,
            VoiceAuthenticationType="None",
            VoiceUsername=None,
            VoicePasswordToken=None,
        )
    )

    restored = ok(rollback(client, account, route_id, 1))

    assert restored["VoiceAuthenticationType"] == "Basic"
    assert restored["VoiceUsername"] == "admin"
    assert "VoicePasswordToken" not in restored
    assert changes(latest(client, account, route_id))["VoicePasswordToken"] == (None, MASK)


def test_rollback_keeps_number_assignments(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(
        client.post(
            PROVISION,
            json={"PhoneNumber": NUMBER, "VoiceRouteId": route_id},
            headers=account.headers,
        )
    )

    ok(rollback(client, account, route_id, 1))

    number = ok(
        client.get("/v1.0/numbers", params={"PhoneNumber": NUMBER}, headers=account.headers)
    )
    assert number["VoiceRouteId"] == route_id


def test_rollback_is_validated_like_an_update(client, account, create_route):
    route_id = create_route(TerminationUriSubdomain="alpha")["CallRouteId"]
    ok(update(client, account, route_id, TerminationUriSubdomain="beta"))
    create_route(RouteName="squatter", TerminationUriSubdomain="alpha")
    before = get_route(client, account, route_id)

    problem(rollback(client, account, route_id, 1), 409, "$.TerminationUriSubdomain")

    after = get_route(client, account, route_id)
    assert ok(after) == ok(before)
    assert after.headers["ETag"] == before.headers["ETag"]
    assert history_of(client, account, route_id)["TotalRevisions"] == 2


def test_rollback_to_an_unknown_revision_is_404(client, account, create_route):
    route_id = create_route()["CallRouteId"]

    problem(rollback(client, account, route_id, 99), 404)

    assert history_of(client, account, route_id)["TotalRevisions"] == 1


@pytest.mark.parametrize("revision", [0, -1, "1", 1.5, None])
def test_rollback_refuses_a_malformed_revision(client, account, create_route, revision):
    route_id = create_route()["CallRouteId"]

    problem(rollback(client, account, route_id, revision), 400, "$.Revision")


def test_rollback_of_a_deleted_route_is_404(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(client.post(DELETE, json={"CallRouteId": route_id}, headers=account.headers))

    problem(rollback(client, account, route_id, 2), 404)  # the deletion revision
    problem(rollback(client, account, route_id, 1), 404)

    assert history_of(client, account, route_id)["TotalRevisions"] == 2
    problem(get_route(client, account, route_id), 404)


def test_a_deletion_revision_has_no_state_to_restore(client, account, create_route, database):
    """Rollback reads a revision's state through this guard; a deletion revision is a 400."""
    route_id = create_route()["CallRouteId"]
    ok(client.post(DELETE, json={"CallRouteId": route_id}, headers=account.headers))
    with database.read() as session:
        account_id = session.scalars(select(Account.id).where(Account.key == account.key)).one()
        caller = Caller(account_id=account_id, account_key=account.key)

        with pytest.raises(ValidationFailed) as refused:
            history_service.revision_state(session, caller, route_id, 2)
        assert history_service.revision_state(session, caller, route_id, 1) is not None

    assert refused.value.status == 400
    assert "$.Revision" in refused.value.errors


def test_another_account_cannot_roll_back(client, account, make_account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(update(client, account, route_id, RouteName="kept"))
    rival = make_account("rival")

    problem(rollback(client, rival, route_id, 1), 404)

    assert ok(get_route(client, account, route_id))["RouteName"] == "kept"
    assert history_of(client, account, route_id)["TotalRevisions"] == 2
