from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceroute.routing import (
    DEFAULT_FAILOVER_CODES,
    KAMAILIO_SEND_FAILURE,
    LOCAL_TIMEOUT_CODE,
    WIDENED_FAILOVER_CODES,
    failover_codes,
    should_fail_over,
)

final_codes = st.integers(min_value=200, max_value=699)


def test_default_set_is_503_only() -> None:
    assert sorted(DEFAULT_FAILOVER_CODES) == [503]
    assert failover_codes(widened=False) == {503}
    assert LOCAL_TIMEOUT_CODE not in DEFAULT_FAILOVER_CODES


def test_widened_set_adds_the_carrier_codes() -> None:
    assert sorted(WIDENED_FAILOVER_CODES) == [408, 480, 500, 502, 503, 504]
    assert failover_codes(widened=True) == WIDENED_FAILOVER_CODES


@pytest.mark.parametrize("widened", [False, True])
@pytest.mark.parametrize("code", [486, 603, 404, 484, 200, 202])
def test_never_fails_over_on_user_answers_or_success(code: int, widened: bool) -> None:
    assert not should_fail_over(code, widened)


@given(final_codes)
def test_by_default_only_503_fails_over(code: int) -> None:
    assert should_fail_over(code) == (code == 503)


@given(final_codes)
def test_widened_fails_over_exactly_on_its_codes(code: int) -> None:
    assert should_fail_over(code, widened=True) == (code in {503, 408, 480, 500, 502, 504})


def test_a_received_408_fails_over_only_when_widened() -> None:
    assert not should_fail_over(408)
    assert should_fail_over(408, widened=True)


@pytest.mark.parametrize("widened", [False, True])
def test_timeout_with_no_response_always_fails_over(widened: bool) -> None:
    assert should_fail_over(LOCAL_TIMEOUT_CODE, widened, local_timeout=True)


@pytest.mark.parametrize("code", [None, KAMAILIO_SEND_FAILURE])
def test_transport_failure_always_fails_over(code: int | None) -> None:
    assert should_fail_over(code, transport_failure=True)


def test_a_remote_477_is_just_a_final_answer() -> None:
    assert not should_fail_over(KAMAILIO_SEND_FAILURE, widened=True)


@pytest.mark.parametrize("widened", [False, True])
@pytest.mark.parametrize(
    ("code", "local_timeout", "transport_failure"),
    [(503, False, False), (408, True, False), (None, False, True)],
    ids=["503", "timeout", "transport"],
)
def test_nothing_fails_over_after_early_media(
    code: int | None, local_timeout: bool, transport_failure: bool, widened: bool
) -> None:
    assert not should_fail_over(
        code,
        widened,
        got_provisional_with_sdp=True,
        local_timeout=local_timeout,
        transport_failure=transport_failure,
    )


def test_no_code_and_no_failure_is_not_a_failover() -> None:
    assert not should_fail_over(None, widened=True)
