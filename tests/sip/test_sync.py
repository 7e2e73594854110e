"""The API keeps Kamailio's tables, in the same transaction as each change."""

from sqlalchemy import select

from voiceroute.models import AddressEntry, DispatcherEntry, RoutingEntry
from voiceroute.sip.sync import generations


def rows(database, model):
    with database.read() as session:
        return list(session.scalars(select(model)))


def routing(database) -> dict[str, str]:
    return {row.key_name: row.key_value for row in rows(database, RoutingEntry)}


def current_generations(database) -> dict[str, int]:
    with database.read() as session:
        return generations(session)


def test_a_created_route_and_its_number_reach_the_tables(client, account, create_route, database):
    route = create_route(TrunkIp2="127.0.0.3", TerminationUriSubdomain="acme")
    client.post(
        "/v1.0/numbers/provision",
        json={"PhoneNumber": "+14155550100", "VoiceRouteId": route["CallRouteId"]},
        headers=account.headers,
    )

    assert {(r.destination, r.description) for r in rows(database, DispatcherEntry)} == {
        ("sip:20.87.87.87:5060", route["CallRouteId"]),
        ("sip:127.0.0.3:5060", route["CallRouteId"]),
    }
    entries = routing(database)
    assert set(entries) == {"n:+14155550100", "s:acme"}
    assert ";t=T;e=1;v=1;" in entries["n:+14155550100"]


def test_only_the_tables_that_changed_move_their_generation(
    client, account, create_route, database
):
    route = create_route()
    before = current_generations(database)

    answer = client.post(
        "/v1.0/voice/routes/update",
        json={"CallRouteId": route["CallRouteId"], "IpWhitelist": [{"IpAddress": "10.1.0.0/16"}]},
        headers=account.headers,
    )
    assert answer.status_code == 200
    after = current_generations(database)

    assert after["address"] == before["address"] + 1
    assert after["dispatcher"] == before["dispatcher"]
    assert after["vr_routing"] == before["vr_routing"]
    assert [(a.ip_addr, a.mask) for a in rows(database, AddressEntry)] == [("10.1.0.0", 16)]


def test_a_refused_update_leaves_tables_and_generations_alone(
    client, account, create_route, database
):
    route = create_route()
    before = (current_generations(database), rows(database, DispatcherEntry))

    answer = client.post(
        "/v1.0/voice/routes/update",
        json={"CallRouteId": route["CallRouteId"], "TrunkIp1": None},
        headers=account.headers,
    )

    assert answer.status_code == 400
    after = (current_generations(database), rows(database, DispatcherEntry))
    assert after[0] == before[0]
    assert [r.destination for r in after[1]] == [r.destination for r in before[1]]


def test_a_number_moving_between_routes_changes_hands_at_once(
    client, account, create_route, database
):
    first, second = create_route(), create_route(TrunkIp1="127.0.0.9")
    number = {"PhoneNumber": "+14155550100", "VoiceRouteId": first["CallRouteId"]}
    client.post("/v1.0/numbers/provision", json=number, headers=account.headers)
    first_value = routing(database)["n:+14155550100"]

    moved = client.post(
        "/v1.0/numbers/update",
        json={"Number": "+14155550100", "VoiceRouteId": second["CallRouteId"]},
        headers=account.headers,
    )

    assert moved.status_code == 200
    assert routing(database)["n:+14155550100"] != first_value


def test_deleting_a_route_removes_its_rows(client, account, create_route, database):
    route = create_route(TerminationUriSubdomain="gone", IpWhitelist=[{"IpAddress": "10.0.0.1"}])

    client.post(
        "/v1.0/voice/routes/delete",
        json={"CallRouteId": route["CallRouteId"]},
        headers=account.headers,
    )

    assert rows(database, DispatcherEntry) == []
    assert rows(database, AddressEntry) == []
    assert routing(database) == {}


def test_released_and_voice_disabled_numbers(client, account, create_route, database):
    route = create_route()
    number = {"PhoneNumber": "+14155550100", "VoiceRouteId": route["CallRouteId"]}
    client.post("/v1.0/numbers/provision", json=number, headers=account.headers)

    client.post(
        "/v1.0/numbers/update",
        json={"Number": "+14155550100", "VoiceEnabled": False},
        headers=account.headers,
    )
    assert ";v=0;" in routing(database)["n:+14155550100"]

    client.post("/v1.0/numbers/release", json={"Number": "+14155550100"}, headers=account.headers)
    assert "n:+14155550100" not in routing(database)
