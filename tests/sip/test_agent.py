"""The agent: reloads exactly what changed, retries what failed, and reports trunk health."""

from sqlalchemy import select

from voiceroute.models import TrunkHealth
from voiceroute.sip.agent import ReloadAgent, destination_states
from voiceroute.sip.rpc import FakeKamailioRpc, RpcError

RELOADS = {"dispatcher.reload", "permissions.addressReload", "htable.reload"}


def reloads(rpc: FakeKamailioRpc) -> list[str]:
    calls = [method for method, _ in rpc.calls if method in RELOADS]
    rpc.calls.clear()
    return calls


def listing(*targets: tuple[str, str]) -> dict[str, object]:
    return {
        "NRSETS": 1,
        "RECORDS": [
            {"SET": {"ID": 14, "TARGETS": [{"DEST": {"URI": u, "FLAGS": f}} for u, f in targets]}}
        ],
    }


def test_first_pass_reloads_everything_then_only_what_changed(
    client, account, create_route, database
):
    rpc = FakeKamailioRpc()
    agent = ReloadAgent(database, rpc, node="node-a")

    assert agent.reload_if_changed()
    assert sorted(reloads(rpc)) == sorted(RELOADS)
    assert agent.reload_if_changed()
    assert reloads(rpc) == []

    route = create_route()
    client.post(
        "/v1.0/voice/routes/update",
        json={"CallRouteId": route["CallRouteId"], "IpWhitelist": [{"IpAddress": "10.0.0.1"}]},
        headers=account.headers,
    )
    agent.reload_if_changed()
    # The create moved dispatcher; the update moved address; vr_routing never changed.
    assert sorted(reloads(rpc)) == ["dispatcher.reload", "permissions.addressReload"]


def test_a_failed_reload_is_retried_until_it_succeeds(client, account, create_route, database):
    down = False

    def dispatcher_reload() -> None:
        if down:
            raise RpcError("connection refused")

    rpc = FakeKamailioRpc({"dispatcher.reload": dispatcher_reload})
    agent = ReloadAgent(database, rpc, node="node-a")
    agent.reload_if_changed()
    reloads(rpc)
    down = True
    create_route()

    assert not agent.reload_if_changed()
    assert not agent.reload_if_changed()
    down = False
    assert agent.reload_if_changed()
    assert reloads(rpc).count("dispatcher.reload") == 3
    assert agent.reload_if_changed()


def test_dispatcher_flags_become_states_worst_first():
    states = destination_states(
        {
            "RECORDS": [
                {"SET": {"TARGETS": [{"DEST": {"URI": "sip:a", "FLAGS": "AP"}}]}},
                {"SET": {"TARGETS": [{"DEST": {"URI": "sip:a", "FLAGS": "IP"}}]}},
                {"SET": {"TARGETS": [{"DEST": {"URI": "sip:b", "FLAGS": "TP"}}]}},
                {"SET": {"TARGETS": [{"DEST": {"URI": "sip:c", "FLAGS": "AX"}}]}},
            ]
        }
    )
    assert states == {"sip:a": "down", "sip:b": "probing", "sip:c": "up"}
    assert destination_states(None) == {}


def test_health_reaches_the_api_and_explain(client, account, create_route, database):
    route = create_route(TrunkIp2="127.0.0.3", Trunk2Priortiy=1, IntelligentRouteEnabled=True)
    rpc = FakeKamailioRpc(
        {"dispatcher.list": listing(("sip:20.87.87.87:5060", "IP"), ("sip:127.0.0.3:5060", "AP"))}
    )
    ReloadAgent(database, rpc, node="node-a").record_health()

    trunks = client.get(
        "/v1.0/voice/routes/trunks",
        params={"CallRouteId": route["CallRouteId"]},
        headers=account.headers,
    ).json()
    assert [(t["Trunk"], t["State"]) for t in trunks["Trunks"]] == [(1, "Down"), (2, "Up")]
    assert trunks["Trunks"][0]["Nodes"][0]["Node"] == "node-a"

    explained = client.post(
        "/v1.0/voice/routes/explain",
        json={"CallRouteId": route["CallRouteId"]},
        headers=account.headers,
    ).json()
    assert explained["SkippedDownTrunks"] == [1]
    assert [c["Trunk"] for c in explained["Candidates"]] == [2]


def test_a_state_change_moves_last_change_and_a_repeat_does_not(database):
    rpc = FakeKamailioRpc({"dispatcher.list": listing(("sip:x", "AP"))})
    agent = ReloadAgent(database, rpc, node="node-a")

    agent.record_health()
    first = _health(database)
    agent.record_health()
    assert _health(database)[0].changed_at == first[0].changed_at

    rpc.answers["dispatcher.list"] = listing(("sip:x", "IP"))
    agent.record_health()
    (after,) = _health(database)
    assert after.state == "down"
    assert after.changed_at >= first[0].changed_at


def test_unknown_without_reports(client, account, create_route):
    route = create_route()
    trunks = client.get(
        "/v1.0/voice/routes/trunks",
        params={"CallRouteId": route["CallRouteId"]},
        headers=account.headers,
    ).json()
    assert [t["State"] for t in trunks["Trunks"]] == ["Unknown", "Disabled"]


def _health(database) -> list[TrunkHealth]:
    with database.read() as session:
        return list(session.scalars(select(TrunkHealth)))
