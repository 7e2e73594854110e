"""An API change reaches live calls: the agent reloads Kamailio and the next calls follow it.

Calls run continuously while the route's priorities are swapped; the delay printed is from the
API's 200 to the first call answered by the newly preferred trunk (SIPp logs wall-clock
times). Only a generous sanity bound is asserted: the figure itself is for the benchmark.
"""

from __future__ import annotations

import threading
import time

from tests.sip.conftest import TRUNK1, TRUNK2, Lab
from tests.sip.harness import CallRun

NUMBER = "+14155550133"
SANITY_BOUND_SECONDS = 5.0
SLACK_SECONDS = 0.1  # calls already routed when the reload landed may still arrive


def test_swapped_priorities_apply_to_the_next_calls(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, Trunk1Priortiy=1, Trunk2Priortiy=2)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    results: list[CallRun] = []
    caller = threading.Thread(
        target=lambda: results.append(lab.caller().run(NUMBER, calls=300, rate=100))
    )
    caller.start()
    try:
        time.sleep(1.0)
        lab.update_route(route["CallRouteId"], Trunk1Priortiy=2, Trunk2Priortiy=1)
        answered_at = time.time()
    finally:
        caller.join(timeout=60)

    run = results[0]
    assert run.completed == 300, run.errors
    before = [t for t, _ in one.records()]
    after = [t for t, _ in two.records()]
    assert before, "no call reached trunk 1 before the update"
    assert after, "no call reached trunk 2 after the update"
    delay = min(after) - answered_at
    print(f"propagation: first call on the new first trunk {delay * 1000:.0f} ms after the 200")
    assert delay < SANITY_BOUND_SECONDS
    # From then on, every new call follows the new order.
    assert max(before) <= min(after) + SLACK_SECONDS
    assert one.count() + two.count() == 300


def test_number_pointed_at_another_route_follows_at_once(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    first = lab.create_route(RouteType="Trunk", TrunkIp1=one.host, TrunkPort1=str(one.port))
    second = lab.create_route(RouteType="Trunk", TrunkIp1=two.host, TrunkPort1=str(two.port))
    lab.provision(NUMBER, first["CallRouteId"])
    lab.wait_synced()
    assert lab.caller().run(NUMBER, calls=3).completed == 3

    lab.post("/v1.0/numbers/update", {"Number": NUMBER, "VoiceRouteId": second["CallRouteId"]})
    waited = lab.wait_synced()
    print(f"propagation: agent applied the number move in {waited * 1000:.0f} ms")

    assert lab.caller().run(NUMBER, calls=3).completed == 3
    assert (one.count(), two.count()) == (3, 3)
