"""/metrics: Prometheus text, labelled by route template, with data-plane reload results."""

import re

from voiceroute.sip.agent import ReloadAgent
from voiceroute.sip.rpc import FakeKamailioRpc, RpcError


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample; 0 when the series does not exist yet."""
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series.split("{")[0] == name and all(f'{k}="{v}"' in series for k, v in labels.items()):
            return float(value)
    return 0.0


def test_requests_are_counted_by_route_template_never_by_id(client, account, create_route):
    route = create_route()
    before = client.get("/metrics").text
    client.get(
        "/v1.0/voice/routes", params={"CallRouteId": route["CallRouteId"]}, headers=account.headers
    )

    answer = client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    labels = {"method": "GET", "route": "/v1.0/voice/routes", "status": "200"}
    counted = sample(answer.text, "voiceroute_http_requests_total", **labels)
    assert counted == sample(before, "voiceroute_http_requests_total", **labels) + 1
    assert route["CallRouteId"] not in answer.text
    assert re.search(
        r'voiceroute_http_request_duration_seconds_bucket\{le="0.05",method="GET",'
        r'route="/v1.0/voice/routes"\}',
        answer.text,
    )


def test_data_plane_reload_results_are_counted(client, database):
    def refuse() -> None:
        raise RpcError("down")

    before = client.get("/metrics").text
    ReloadAgent(database, FakeKamailioRpc({"dispatcher.reload": refuse}), "n").reload_if_changed()
    after = client.get("/metrics").text

    def delta(**labels: str) -> float:
        name = "voiceroute_dataplane_reloads_total"
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta(table="dispatcher", result="failed") == 1
    assert delta(table="address", result="ok") == 1
    assert sample(after, "voiceroute_dataplane_tables_behind") == 1
