"""When a failed attempt moves on to the next trunk (RFC 3263, RFC 3261 section 8.1.3.1).

Fail over only on a transport failure, a timeout with no response at all, or a 503. Every
other final answer goes back to the caller (never fail over on 486, 603, 404, 484), and
nothing fails over after a 2xx or after a provisional answer that carried SDP, because the
caller may already hear that trunk's early media. The widened set, a per-route or
per-deployment option, adds 408, 480, 500, 502 and 504, as carriers commonly do.

How the data plane reports the two non-answers, and how they are represented here:

* **No response at all**: Kamailio's tm module ends the branch with a *locally generated*
  408 (``t_branch_timeout()`` true, ``t_branch_replied()`` false). That is
  ``local_timeout=True`` here, and it always fails over. A 408 actually received, or a timer
  that fired after a provisional reply, is the plain code 408: widened set only.
* **Transport failure**: Kamailio answers a send failure locally with 477 ("error on sending
  to next hop") and an unresolvable destination with 478. That is ``transport_failure=True``
  here, and it always fails over. The codes themselves are kept out of the SIP code sets
  (``KAMAILIO_SEND_FAILURE``, ``KAMAILIO_UNRESOLVABLE``) because a remote server may send
  them too, and then they are just final answers.
"""

from __future__ import annotations

SERVICE_UNAVAILABLE = 503
LOCAL_TIMEOUT_CODE = 408
KAMAILIO_SEND_FAILURE = 477
KAMAILIO_UNRESOLVABLE = 478

DEFAULT_FAILOVER_CODES: frozenset[int] = frozenset({SERVICE_UNAVAILABLE})
WIDENED_FAILOVER_CODES: frozenset[int] = DEFAULT_FAILOVER_CODES | {408, 480, 500, 502, 504}


def failover_codes(widened: bool) -> frozenset[int]:
    """The received final SIP codes that move on to the next trunk."""
    return WIDENED_FAILOVER_CODES if widened else DEFAULT_FAILOVER_CODES


def should_fail_over(
    code: int | None,
    widened: bool = False,
    *,
    got_provisional_with_sdp: bool = False,
    local_timeout: bool = False,
    transport_failure: bool = False,
) -> bool:
    """Whether an attempt that ended this way moves on to the next trunk.

    ``code`` is the final SIP code the branch ended with (``None`` when there was none, as on
    a transport failure). ``local_timeout`` means the timer fired with no reply at all;
    ``transport_failure`` means the request could not be sent or the host not resolved.
    """
    if got_provisional_with_sdp:
        return False
    if local_timeout or transport_failure:
        return True
    return code is not None and code in failover_codes(widened)
