"""Every way the routing engine refuses a call, with the SIP code and reason the caller gets.

These are module constants so that the data plane (Kamailio's config) answers with exactly
the codes and reasons the engine and the API's explanations name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Refusal:
    sip_code: int
    reason: str


ROUTE_DISABLED = Refusal(403, "Route disabled")
SOURCE_NOT_WHITELISTED = Refusal(403, "Source address not in IpWhitelist")
# 480, not 503: nothing here is overloaded; the route's destinations are out of service, and
# a 503 would tell the upstream carrier to treat this platform itself as failing.
NO_USABLE_TRUNK = Refusal(480, "No enabled trunk with an address")
# A URL or Forward route missing its target passed validation only through a bug or a
# partial write: a server-side fault, hence 500.
NO_VOICE_URL = Refusal(500, "URL route without VoiceUrl")
NO_FORWARD_TARGET = Refusal(500, "Forward route without ForwardNumber")
# Inbound to a number whose VoiceEnabled is false: the number exists but takes no calls.
NUMBER_VOICE_DISABLED = Refusal(403, "Voice disabled for this number")
# Termination to a route that has no TerminationUriSubdomain: no SIP URI reaches it.
NO_TERMINATION_URI = Refusal(404, "Route has no TerminationUriSubdomain")
