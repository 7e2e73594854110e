"""Failover and probing through real Kamailio (ROUTING.md "When to fail over").

Trunk 1 (priority 1) misbehaves, trunk 2 (priority 2) answers. The next trunk is tried only on
a 503, on no answer at all (tm's fr_timer, sip_no_answer_timeout_ms) or a transport failure;
never on 486.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.sip.conftest import PROBE_INTERVAL, TRUNK1, TRUNK2, Lab
from voiceroute.config import Settings

NUMBER = "+14155550111"
# The default no-answer timeout, which the lab does not change.
FR_TIMER = Settings.model_fields["sip_no_answer_timeout_ms"].default / 1000


def two_trunks(lab: Lab, one: Any, two: Any, **fields: Any) -> None:
    route = lab.trunk_route(one, two, Trunk1Priortiy=1, Trunk2Priortiy=2, **fields)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()


def wait_for_state(lab: Lab, uri: str, letter: str, timeout: float) -> float:
    """Seconds until every entry of ``uri`` in dispatcher.list has state ``letter``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        flags = lab.plane.rpc.call("dispatcher.list") or {}
        states = {
            str(target["DEST"]["FLAGS"])[:1]
            for record in flags.get("RECORDS") or []
            for target in record["SET"]["TARGETS"]
            if target["DEST"]["URI"] == uri
        }
        if states == {letter}:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{uri} never became {letter!r}: {flags}")


def test_dead_first_trunk_calls_complete_on_the_second(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    two_trunks(lab, one, two)
    one.kill()

    run = lab.caller().run(NUMBER, calls=10, rate=20)

    assert run.returncode == 0, run.errors
    assert run.completed == 10
    assert two.count() == 10
    # Without probing every call pays the timeout on the dead trunk first.
    assert run.seconds >= FR_TIMER
    print(f"10 calls with trunk 1 dead, no probing: {run.seconds:.2f} s")


def test_503_fails_over(lab: Lab) -> None:
    one = lab.answerer(TRUNK1, reject=(503, "Service Unavailable"))
    two = lab.answerer(TRUNK2)
    two_trunks(lab, one, two)

    run = lab.caller().run(NUMBER, calls=20, rate=50)

    assert run.completed == 20, run.errors
    assert (one.count(), two.count()) == (20, 20)


@pytest.mark.parametrize(
    ("code", "reason"), [(486, "Busy Here"), (603, "Decline"), (480, "Temporarily Unavailable")]
)
def test_other_refusals_go_back_to_the_caller(lab: Lab, code: int, reason: str) -> None:
    one = lab.answerer(TRUNK1, reject=(code, reason))
    two = lab.answerer(TRUNK2)
    two_trunks(lab, one, two)

    run = lab.caller().run(NUMBER, calls=5, rate=50, scenario="uac_refused.xml")

    assert run.finals() == [f"SIP/2.0 {code} {reason}"] * 5, run.errors
    assert (one.count(), two.count()) == (5, 0)


@pytest.mark.parametrize("lab_overrides", [{"sip_wide_failover": True}])
def test_wide_failover_also_moves_on_480(lab: Lab) -> None:
    one = lab.answerer(TRUNK1, reject=(480, "Temporarily Unavailable"))
    two = lab.answerer(TRUNK2)
    two_trunks(lab, one, two)

    run = lab.caller().run(NUMBER, calls=10, rate=50)

    assert run.completed == 10, run.errors
    assert (one.count(), two.count()) == (10, 10)


def test_probing_takes_a_dead_trunk_out_and_brings_it_back(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    two_trunks(lab, one, two, IntelligentRouteEnabled=True)
    assert "P" in "".join(
        target["DEST"]["FLAGS"]
        for record in lab.plane.rpc.call("dispatcher.list")["RECORDS"]
        for target in record["SET"]["TARGETS"]
    ), "IntelligentRouteEnabled must make the trunks probed"

    one.kill()
    # Right after the crash a call still pays the timeout on trunk 1.
    first = lab.caller().run(NUMBER, calls=1, rate=10)
    assert first.completed == 1, first.errors
    down_after = wait_for_state(lab, one.uri, "I", timeout=PROBE_INTERVAL + FR_TIMER + 10)

    # Marked down: calls go straight to trunk 2, one at a time, none paying the timeout.
    calls = 5
    after = lab.caller().run(NUMBER, calls=calls, rate=100, limit=1)
    assert after.completed == calls, after.errors
    print(
        f"probing: first call after the crash {first.seconds:.2f} s; trunk marked down "
        f"{down_after:.2f} s later; then {calls} sequential calls took {after.seconds:.2f} s"
    )
    assert first.seconds >= FR_TIMER
    assert after.seconds < FR_TIMER, "calls still pay the timeout after the trunk went down"

    # The trunk comes back by itself once it answers the probes again.
    one.start()
    up_after = wait_for_state(lab, one.uri, "A", timeout=PROBE_INTERVAL + 10)
    back = lab.caller().run(NUMBER, calls=10, rate=50)
    assert back.completed == 10, back.errors
    assert one.count() == 10
    print(f"probing: trunk back up {up_after:.2f} s after its answerer restarted")
