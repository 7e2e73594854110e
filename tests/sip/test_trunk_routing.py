"""Inbound calls to Trunk routes through real Kamailio: priority, weights, and explain.

Each test configures routes through the API, lets the agent reload Kamailio, places calls
with SIPp from the carrier address and counts what each trunk's SIPp answerer received.
"""

from __future__ import annotations

import pytest

from tests.sip.conftest import TRUNK1, TRUNK2, Lab
from tests.sip.stats import FALSE_ALARM, Z, tolerance

NUMBER = "+14155550100"


def first_try_odds(lab: Lab, number: str) -> dict[int, float]:
    explained = lab.explain(number)
    return {c["Trunk"]: c["FirstTryProbability"] for c in explained["Candidates"]}


def test_priority_one_takes_every_call(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, Trunk1Priortiy=1, Trunk2Priortiy=2)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, calls=100, rate=100)

    assert run.returncode == 0, run.errors
    assert run.completed == 100
    assert (one.count(), two.count()) == (100, 0)
    assert first_try_odds(lab, NUMBER) == {1: 1.0, 2: 0.0}


def test_priority_is_lower_first_whichever_trunk_it_is(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, Trunk1Priortiy=20, Trunk2Priortiy=10)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, calls=50, rate=100)

    assert run.completed == 50, run.errors
    assert (one.count(), two.count()) == (0, 50)


def test_disabled_trunk_never_gets_a_call(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, Trunk1Priortiy=1, Trunk2Priortiy=2, TrunkEnabled1=False)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, calls=100, rate=100)

    assert run.completed == 100, run.errors
    assert (one.count(), two.count()) == (0, 100)


def test_no_enabled_trunk_is_480(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, TrunkEnabled1=False, TrunkEnabled2=False)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, scenario="uac_refused.xml")

    assert run.finals() == ["SIP/2.0 480 No enabled trunk with an address"], run.errors
    assert (one.count(), two.count()) == (0, 0)


@pytest.mark.parametrize(("weights", "calls"), [((3, 1), 300), ((1, 1), 300)])
def test_equal_priorities_split_by_weight_as_explain_says(
    lab: Lab, weights: tuple[int, int], calls: int
) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(
        one,
        two,
        Trunk1Priortiy=5,
        Trunk2Priortiy=5,
        Trunk1Weight=weights[0],
        Trunk2Weight=weights[1],
    )
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, calls=calls, rate=150)

    assert run.returncode == 0, run.errors
    assert run.completed == calls
    # Every trunk answers, so each call is answered by its first try.
    assert one.count() + two.count() == calls
    share = one.count() / calls
    expected = weights[0] / sum(weights)
    odds = first_try_odds(lab, NUMBER)
    assert odds[1] == pytest.approx(expected)
    band = tolerance(odds[1], calls)
    print(
        f"weights {weights}: trunk 1 took {share:.3f} of {calls} first tries; explain says "
        f"{odds[1]:.3f}; band +/-{band:.3f} (z={Z:.2f}, false alarm {FALSE_ALARM})"
    )
    assert abs(share - odds[1]) <= band
