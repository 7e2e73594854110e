"""``POST /v1.0/voice/routes/explain`` over HTTP: what the platform would do with a call.

Every test here runs on SQLite and on PostgreSQL (the ``client`` fixture is parametrized).
The expected odds are ROUTING.md's: lower ``TrunkNPriortiy`` first, a priority group left only
when all of it was tried, and inside a group an unbiased draw in proportion to weight.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from fractions import Fraction
from statistics import NormalDist

import pytest

from tests.api.answers import problem as problem_errors
from voiceroute.models import VoiceRoute
from voiceroute.routing import Direction, plan
from voiceroute.services.route_state import RouteState

EXPLAIN = "/v1.0/voice/routes/explain"
PROVISION = "/v1.0/numbers/provision"
UPDATE_NUMBER = "/v1.0/numbers/update"
UPDATE_ROUTE = "/v1.0/voice/routes/update"

MISSING_ROUTE = "CRID-00000000-0000-4000-8000-000000000000"
NUMBER = "+14155550100"
OTHER_NUMBER = "+14155550101"
TWO_TRUNKS = {"TrunkIp1": "20.87.87.87", "TrunkIp2": "20.87.87.86"}
SECRET_TOKEN = "never-show-this-bearer-token-7f3a"


def explain(client, owner, **body: object):
    return client.post(EXPLAIN, json=body, headers=owner.headers)


def explained(client, owner, **body: object) -> dict:
    answer = explain(client, owner, **body)
    assert answer.status_code == 200, answer.text
    result: dict = answer.json()
    return result


def problem(answer, status: int, *fields: str) -> dict:
    """Assert ``answer`` is a ProblemDetails of ``status`` naming ``fields``; return the body."""
    problem_errors(answer, status, *fields)
    body: dict = answer.json()
    return body


def provision(client, owner, number: str = NUMBER, **fields: object) -> None:
    answer = client.post(
        PROVISION,
        json={"PhoneNumber": number, "VoiceEnabled": True, **fields},
        headers=owner.headers,
    )
    assert answer.status_code == 200, answer.text


def first_try(result: dict) -> dict[int, Fraction]:
    """Trunk number -> exact first-try probability, checking the float agrees with the text."""
    odds: dict[int, Fraction] = {}
    for candidate in result["Candidates"]:
        exact = Fraction(candidate["FirstTryProbabilityExact"])
        assert candidate["FirstTryProbability"] == pytest.approx(float(exact), abs=1e-12)
        odds[candidate["Trunk"]] = exact
    return odds


def try_orders(result: dict) -> dict[tuple[int, ...], Fraction]:
    """Full try order -> exact probability; they must sum to exactly 1 for a trunk plan."""
    orders: dict[tuple[int, ...], Fraction] = {}
    for entry in result["TryOrders"]:
        exact = Fraction(entry["ProbabilityExact"])
        assert entry["Probability"] == pytest.approx(float(exact), abs=1e-12)
        assert exact > 0, "an order that cannot happen is not listed"
        orders[tuple(entry["Order"])] = exact
    assert len(orders) == len(result["TryOrders"]), "each order is listed once"
    assert sum(orders.values()) == 1
    assert math.fsum(entry["Probability"] for entry in result["TryOrders"]) == pytest.approx(1)
    return orders


def trunk_numbers(result: dict) -> list[int]:
    return [candidate["Trunk"] for candidate in result["Candidates"]]


# --- which route: by number, by route id --------------------------------------------------


def test_explain_by_phone_number_follows_the_numbers_route(client, account, create_route):
    route = create_route(RouteName="Numbered")
    create_route(RouteName="Decoy")
    provision(client, account, VoiceRouteId=route["CallRouteId"])

    result = explained(client, account, PhoneNumber=NUMBER)

    assert result["CallRouteId"] == route["CallRouteId"]
    assert result["RouteName"] == "Numbered"
    assert result["RouteType"] == "Trunk"
    assert result["PhoneNumber"] == NUMBER
    assert result["Direction"] == "Inbound"
    assert result["Decision"] == "Accept"
    assert result["SipCode"] is None
    assert result["Action"] == "TryTrunks"
    assert result["Candidates"] == [
        {
            "Trunk": 1,
            "Uri": "sip:20.87.87.87:5060",
            "Priority": 1,
            "Weight": 1,
            "FirstTryProbability": 1.0,
            "FirstTryProbabilityExact": "1/1",
        }
    ]
    assert try_orders(result) == {(1,): 1}
    assert result["FailoverCodes"] == [503]
    assert result["SkippedDownTrunks"] == []
    assert result["Webhook"] is None
    assert result["ForwardTo"] is None


def test_explain_by_call_route_id(client, account, create_route):
    route = create_route(RouteName="Direct", **TWO_TRUNKS)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["CallRouteId"] == route["CallRouteId"]
    assert result["RouteName"] == "Direct"
    assert result["PhoneNumber"] is None
    assert result["Decision"] == "Accept"
    assert result["Action"] == "TryTrunks"
    assert trunk_numbers(result) == [1, 2]


def test_explain_follows_the_number_when_it_is_repointed(client, account, create_route):
    first = create_route(RouteName="First")
    second = create_route(RouteName="Second")
    provision(client, account, VoiceRouteId=first["CallRouteId"])
    assert explained(client, account, PhoneNumber=NUMBER)["CallRouteId"] == first["CallRouteId"]

    answer = client.post(
        UPDATE_NUMBER,
        json={"Number": NUMBER, "VoiceRouteId": second["CallRouteId"]},
        headers=account.headers,
    )
    assert answer.status_code == 200, answer.text

    assert explained(client, account, PhoneNumber=NUMBER)["CallRouteId"] == second["CallRouteId"]


def test_explain_sees_a_route_update_at_once(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1)
    assert first_try(explained(client, account, CallRouteId=route["CallRouteId"])) == {
        1: Fraction(1, 2),
        2: Fraction(1, 2),
    }

    answer = client.post(
        UPDATE_ROUTE,
        json={"CallRouteId": route["CallRouteId"], "Trunk1Weight": 3},
        headers=account.headers,
    )
    assert answer.status_code == 200, answer.text

    assert first_try(explained(client, account, CallRouteId=route["CallRouteId"])) == {
        1: Fraction(3, 4),
        2: Fraction(1, 4),
    }


# --- trunk routes: order and exact odds ---------------------------------------------------


def test_equal_priorities_and_weights_split_first_tries_evenly(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk1Priortiy=5, Trunk2Priortiy=5)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert first_try(result) == {1: Fraction(1, 2), 2: Fraction(1, 2)}
    assert [c["FirstTryProbabilityExact"] for c in result["Candidates"]] == ["1/2", "1/2"]
    assert try_orders(result) == {(1, 2): Fraction(1, 2), (2, 1): Fraction(1, 2)}


def test_weights_three_to_one_give_three_quarters_of_first_tries(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1, Trunk1Weight=3, Trunk2Weight=1)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert [(c["Trunk"], c["FirstTryProbabilityExact"]) for c in result["Candidates"]] == [
        (1, "3/4"),
        (2, "1/4"),
    ]
    assert result["Candidates"][0]["FirstTryProbability"] == 0.75
    assert result["Candidates"][1]["FirstTryProbability"] == 0.25
    assert [c["Weight"] for c in result["Candidates"]] == [3, 1]
    assert try_orders(result) == {(1, 2): Fraction(3, 4), (2, 1): Fraction(1, 4)}


def test_candidates_inside_a_priority_are_listed_by_odds(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1, Trunk1Weight=1, Trunk2Weight=3)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert trunk_numbers(result) == [2, 1]
    assert first_try(result) == {2: Fraction(3, 4), 1: Fraction(1, 4)}


def test_lower_priority_number_is_always_tried_first(client, account, create_route):
    # Defaults: Trunk1Priortiy 1, Trunk2Priortiy 2; the weights do not matter across groups.
    route = create_route(**TWO_TRUNKS, Trunk1Weight=1, Trunk2Weight=1000)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert [(c["Trunk"], c["Priority"]) for c in result["Candidates"]] == [(1, 1), (2, 2)]
    assert first_try(result) == {1: Fraction(1), 2: Fraction(0)}
    assert [c["FirstTryProbabilityExact"] for c in result["Candidates"]] == ["1/1", "0/1"]
    assert try_orders(result) == {(1, 2): Fraction(1)}


def test_priority_beats_slot_number(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk1Priortiy=20, Trunk2Priortiy=10)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert trunk_numbers(result) == [2, 1]
    assert first_try(result) == {2: Fraction(1), 1: Fraction(0)}
    assert try_orders(result) == {(2, 1): Fraction(1)}


def test_weight_zero_trunk_is_never_first_but_still_tried(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1, Trunk1Weight=0, Trunk2Weight=10)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert first_try(result) == {2: Fraction(1), 1: Fraction(0)}
    assert try_orders(result) == {(2, 1): Fraction(1)}


def test_all_zero_weights_in_a_priority_are_uniform(client, account, create_route):
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1, Trunk1Weight=0, Trunk2Weight=0)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert first_try(result) == {1: Fraction(1, 2), 2: Fraction(1, 2)}
    assert try_orders(result) == {(1, 2): Fraction(1, 2), (2, 1): Fraction(1, 2)}


@pytest.mark.parametrize("disabled", [1, 2])
def test_disabled_trunk_is_never_listed(client, account, create_route, disabled):
    enabled = 3 - disabled
    route = create_route(
        **TWO_TRUNKS, Trunk2Priortiy=1, **{f"TrunkEnabled{disabled}": False}, Trunk1Weight=5
    )

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["Decision"] == "Accept"
    assert trunk_numbers(result) == [enabled]
    assert first_try(result) == {enabled: Fraction(1)}
    assert try_orders(result) == {(enabled,): Fraction(1)}
    assert result["SkippedDownTrunks"] == []


def test_trunk_address_port_and_transport_make_the_uri(client, account, create_route):
    route = create_route(
        TrunkIp1="198.51.100.10",
        TrunkPort1="5080",
        TrunkTransport1="TCP",
        TrunkUri2="sip:pbx@trunk.example.com",
        TrunkTransport2="TLS",
    )

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert [c["Uri"] for c in result["Candidates"]] == [
        "sip:198.51.100.10:5080;transport=tcp",
        "sip:trunk.example.com:5061;transport=tls",
    ]


def test_trunk_route_fails_over_only_on_503(client, account, create_route):
    route = create_route(**TWO_TRUNKS)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["FailoverCodes"] == [503]


def test_explain_answers_the_same_every_time(client, account, create_route):
    # The odds are exact, so the one random draw of the try order behind each answer must not
    # change what the answer says.
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1)

    answers = [explained(client, account, CallRouteId=route["CallRouteId"]) for _ in range(20)]

    for answer in answers:
        assert answer["Candidates"] == answers[0]["Candidates"]
        assert try_orders(answer) == try_orders(answers[0])
        assert {k: v for k, v in answer.items() if k != "TryOrders"} == {
            k: v for k, v in answers[0].items() if k != "TryOrders"
        }


def test_try_orders_are_listed_in_a_stable_order(client, account, create_route):
    # Equally likely orders must still be listed the same way every time (as Candidates are,
    # by trunk number on a tie): a dry run whose text changes between two identical calls
    # cannot be diffed, cached or compared. With a 50/50 tie, 20 answers all alike by chance
    # would happen with probability 2**-19.
    route = create_route(**TWO_TRUNKS, Trunk2Priortiy=1)

    listings = {
        tuple(
            tuple(entry["Order"])
            for entry in explained(client, account, CallRouteId=route["CallRouteId"])["TryOrders"]
        )
        for _ in range(20)
    }

    assert len(listings) == 1, listings


def test_readme_example_route_is_explained(client, account, create_route):
    # The update example of README.md and the vendor docs: trunk 2 disabled, trunk 1 by IP.
    route = create_route(
        TrunkIp1="20.87.87.87",
        TrunkIp2="20.87.87.86",
        TrunkPort1="5061",
        TrunkPort2="5060",
        TrunkTransport1="UDP",
        TrunkTransport2="TCP",
        TrunkUri1="https://pstn.joonto.com",
        TrunkUri2="https://pstn2.joonto.com",
        TrunkEnabled1=True,
        TrunkEnabled2=False,
        Trunk1Priortiy=10,
        Trunk1Weight=10,
        Trunk2Priortiy=20,
        Trunk2Weight=20,
    )

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["Candidates"] == [
        {
            "Trunk": 1,
            "Uri": "sip:20.87.87.87:5061",
            "Priority": 10,
            "Weight": 10,
            "FirstTryProbability": 1.0,
            "FirstTryProbabilityExact": "1/1",
        }
    ]
    assert try_orders(result) == {(1,): Fraction(1)}


# --- refusals -----------------------------------------------------------------------------


def test_disabled_route_is_refused_with_403(client, account, create_route):
    route = create_route(**TWO_TRUNKS, RouteEnabled=False)
    provision(client, account, VoiceRouteId=route["CallRouteId"])

    for body in ({"CallRouteId": route["CallRouteId"]}, {"PhoneNumber": NUMBER}):
        result = explained(client, account, **body)
        assert result["Decision"] == "Refuse"
        assert result["Action"] == "Refuse"
        assert result["SipCode"] == 403
        assert result["Reason"] == "Route disabled"
        assert result["Candidates"] == []
        assert result["TryOrders"] == []
        assert result["Webhook"] is None
        assert result["ForwardTo"] is None


def test_number_with_voice_disabled_is_refused_with_403(client, account, create_route):
    route = create_route(**TWO_TRUNKS)
    provision(client, account, VoiceEnabled=False, VoiceRouteId=route["CallRouteId"])

    result = explained(client, account, PhoneNumber=NUMBER)

    assert result["CallRouteId"] == route["CallRouteId"]
    assert result["Decision"] == "Refuse"
    assert result["Action"] == "Refuse"
    assert result["SipCode"] == 403
    assert result["Reason"] == "Voice disabled for this number"
    assert result["Candidates"] == []
    assert result["TryOrders"] == []
    # The route itself still takes calls: only that number is switched off.
    assert explained(client, account, CallRouteId=route["CallRouteId"])["Decision"] == "Accept"


def test_route_with_no_usable_trunk_is_refused(client, account, create_route):
    route = create_route(TrunkEnabled1=False)

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["Decision"] == "Refuse"
    assert result["SipCode"] == 480
    assert result["Candidates"] == []
    assert result["TryOrders"] == []


# --- URL and Forward routes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "extra"),
    [
        ("Bearer", {}),
        ("Basic", {"VoiceUsername": "admin"}),
    ],
)
def test_url_route_calls_the_webhook_without_revealing_the_secret(
    client, account, create_route, auth, extra
):
    route = create_route(
        RouteType="URL",
        VoiceUrl="https://hooks.example.com/voice",
        VoiceUrlMethod="GET",
        VoiceAuthenticationType=auth,
        VoicePasswordToken=SECRET_TOKEN,
        **extra,
    )
    provision(client, account, VoiceRouteId=route["CallRouteId"])

    for body in ({"CallRouteId": route["CallRouteId"]}, {"PhoneNumber": NUMBER}):
        answer = explain(client, account, **body)
        assert answer.status_code == 200, answer.text
        assert SECRET_TOKEN not in answer.text
        assert SECRET_TOKEN not in str(answer.headers)
        result = answer.json()
        assert result["Decision"] == "Accept"
        assert result["Action"] == "CallWebhook"
        assert result["RouteType"] == "URL"
        assert result["Webhook"] == {
            "Url": route["VoiceUrl"],
            "Method": "GET",
            "AuthenticationType": auth,
        }
        assert route["VoiceUrl"].startswith("https://hooks.example.com/voice")
        assert result["Candidates"] == []
        assert result["TryOrders"] == []
        assert result["ForwardTo"] is None


def test_url_route_defaults_to_post_without_auth(client, account, create_route):
    route = create_route(RouteType="URL", VoiceUrl="https://hooks.example.com/voice")

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["Webhook"]["Method"] == "POST"
    assert result["Webhook"]["AuthenticationType"] == "None"


def test_disabled_url_route_shows_no_webhook(client, account, create_route):
    route = create_route(
        RouteType="URL", VoiceUrl="https://hooks.example.com/voice", RouteEnabled=False
    )

    result = explained(client, account, CallRouteId=route["CallRouteId"])

    assert result["Decision"] == "Refuse"
    assert result["SipCode"] == 403
    assert result["Webhook"] is None


@pytest.mark.parametrize("target", ["+14155550199", "sip:desk@pbx.example.com"])
def test_forward_route_forwards_to_its_number(client, account, create_route, target):
    route = create_route(RouteType="Forward", ForwardNumber=target)
    provision(client, account, VoiceRouteId=route["CallRouteId"])

    result = explained(client, account, PhoneNumber=NUMBER)

    assert result["Decision"] == "Accept"
    assert result["Action"] == "Forward"
    assert result["ForwardTo"] == target
    assert result["Webhook"] is None
    assert result["Candidates"] == []
    assert result["TryOrders"] == []


# --- termination --------------------------------------------------------------------------


TERMINATING = {
    "TerminationUriSubdomain": "client",
    "IpWhitelist": [{"IpAddress": "20.20.10.10"}, {"IpAddress": "203.0.113.0/24"}],
}


def test_termination_needs_a_source_ip(client, account, create_route):
    route = create_route(**TERMINATING)

    answer = explain(client, account, CallRouteId=route["CallRouteId"], Direction="Termination")

    problem(answer, 400, "$.SourceIp")


@pytest.mark.parametrize("source", ["20.20.10.10", "203.0.113.77", "::ffff:203.0.113.5"])
def test_termination_from_a_whitelisted_source_goes_to_the_carrier(
    client, account, create_route, source
):
    route = create_route(**TERMINATING)

    result = explained(
        client, account, CallRouteId=route["CallRouteId"], Direction="Termination", SourceIp=source
    )

    assert result["Direction"] == "Termination"
    assert result["Decision"] == "Accept"
    assert result["SipCode"] is None
    assert result["Action"] == "SendToCarrier"
    assert result["Candidates"] == []
    assert result["TryOrders"] == []


@pytest.mark.parametrize("source", ["20.20.10.11", "198.51.100.1", "2001:db8::1"])
def test_termination_from_another_source_is_refused_with_403(client, account, create_route, source):
    route = create_route(**TERMINATING)

    result = explained(
        client, account, CallRouteId=route["CallRouteId"], Direction="Termination", SourceIp=source
    )

    assert result["Decision"] == "Refuse"
    assert result["Action"] == "Refuse"
    assert result["SipCode"] == 403
    assert result["Reason"] == "Source address not in IpWhitelist"


def test_termination_with_an_empty_whitelist_lets_nobody_through(client, account, create_route):
    route = create_route(TerminationUriSubdomain="client")

    result = explained(
        client,
        account,
        CallRouteId=route["CallRouteId"],
        Direction="Termination",
        SourceIp="20.20.10.10",
    )

    assert result["Decision"] == "Refuse"
    assert result["SipCode"] == 403


def test_termination_to_a_disabled_route_is_refused(client, account, create_route):
    route = create_route(**TERMINATING, RouteEnabled=False)

    result = explained(
        client,
        account,
        CallRouteId=route["CallRouteId"],
        Direction="Termination",
        SourceIp="20.20.10.10",
    )

    assert result["Decision"] == "Refuse"
    assert result["SipCode"] == 403
    assert result["Reason"] == "Route disabled"


def test_termination_without_a_subdomain_is_refused_with_404(client, account, create_route):
    route = create_route(IpWhitelist=TERMINATING["IpWhitelist"])

    result = explained(
        client,
        account,
        CallRouteId=route["CallRouteId"],
        Direction="Termination",
        SourceIp="20.20.10.10",
    )

    assert result["Decision"] == "Refuse"
    assert result["Action"] == "Refuse"
    assert result["SipCode"] == 404
    assert result["Reason"] == "Route has no TerminationUriSubdomain"


# --- bad requests -------------------------------------------------------------------------


def test_neither_number_nor_route_is_a_400(client, account):
    problem(explain(client, account), 400, "$.PhoneNumber")


def test_both_number_and_route_is_a_400(client, account, create_route):
    route = create_route()
    provision(client, account, VoiceRouteId=route["CallRouteId"])

    answer = explain(client, account, PhoneNumber=NUMBER, CallRouteId=route["CallRouteId"])

    problem(answer, 400, "$.PhoneNumber")


def test_unknown_direction_is_a_400(client, account, create_route):
    route = create_route()

    answer = explain(client, account, CallRouteId=route["CallRouteId"], Direction="Outbound")

    problem(answer, 400, "$.Direction")


def test_explain_needs_a_token(client, create_route):
    route = create_route()

    answer = client.post(EXPLAIN, json={"CallRouteId": route["CallRouteId"]})

    assert answer.status_code == 401, answer.text


# --- not found, tenant isolation ----------------------------------------------------------


def comparable(body: dict, ident: str) -> dict:
    """A 404 body without what differs by design: the trace id and the id asked about."""
    assert ident in body["Detail"]
    return {
        **{key: value for key, value in body.items() if key != "TraceId"},
        "Detail": body["Detail"].replace(ident, "<id>"),
    }


def test_another_accounts_route_is_a_404_like_a_missing_one(
    client, account, make_account, create_route
):
    other = make_account("other")
    foreign = create_route(owner=other)

    foreign_answer = explain(client, account, CallRouteId=foreign["CallRouteId"])
    missing_answer = explain(client, account, CallRouteId=MISSING_ROUTE)

    foreign_body = problem(foreign_answer, 404)
    missing_body = problem(missing_answer, 404)
    assert comparable(foreign_body, foreign["CallRouteId"]) == comparable(
        missing_body, MISSING_ROUTE
    )
    assert "RouteName" not in foreign_answer.text
    # The owner still gets its answer.
    assert explained(client, other, CallRouteId=foreign["CallRouteId"])["Decision"] == "Accept"


def test_another_accounts_number_is_a_404_like_a_missing_one(
    client, account, make_account, create_route
):
    other = make_account("other")
    foreign = create_route(owner=other, RouteName="Their secret route")
    provision(client, other, VoiceRouteId=foreign["CallRouteId"])

    foreign_answer = explain(client, account, PhoneNumber=NUMBER)
    missing_answer = explain(client, account, PhoneNumber=OTHER_NUMBER)

    foreign_body = problem(foreign_answer, 404)
    missing_body = problem(missing_answer, 404)
    assert comparable(foreign_body, NUMBER) == comparable(missing_body, OTHER_NUMBER)
    assert foreign["CallRouteId"] not in foreign_answer.text
    assert "Their secret route" not in foreign_answer.text
    assert explained(client, other, PhoneNumber=NUMBER)["CallRouteId"] == foreign["CallRouteId"]


def test_number_without_a_route_is_a_404(client, account):
    provision(client, account)

    body = problem(explain(client, account, PhoneNumber=NUMBER), 404)

    assert NUMBER in body["Detail"]


def test_number_detached_from_its_route_is_a_404(client, account, create_route):
    route = create_route()
    provision(client, account, VoiceRouteId=route["CallRouteId"])
    answer = client.post(
        UPDATE_NUMBER, json={"Number": NUMBER, "VoiceRouteId": None}, headers=account.headers
    )
    assert answer.status_code == 200, answer.text

    problem(explain(client, account, PhoneNumber=NUMBER), 404)


# --- explain agrees with the sampler that routes calls ------------------------------------

# How the tolerance is derived. Each of N independent plans puts trunk t first with the exact
# probability p that explain reports, so the count is Binomial(N, p) and the observed
# frequency has mean p and standard deviation sqrt(p (1 - p) / N). When N p (1 - p) is large
# (asserted to be at least 10 below) the normal approximation holds, and a correct sampler
# lands outside p +- z sqrt(p (1 - p) / N) with probability FALSE_ALARM_RATE when z is the
# (1 - FALSE_ALARM_RATE / 2) standard normal quantile: z = 4.8916 for 1e-6. A test making k
# such checks fails by bad luck with probability at most k * 1e-6 (union bound). The seed is
# fixed, so every run is the same run; the bound says any other seed passes too except with
# that tiny probability. Probabilities 0 and 1 need no tolerance: those counts must be exact.
# A sampler biased like the literal RFC 2782 draw ({1,1} -> 2/3) is off by 1/6, about 67
# standard deviations at N = 20,000, so the check has power as well as a low false-alarm rate.
FALSE_ALARM_RATE = 1e-6
Z = NormalDist().inv_cdf(1 - FALSE_ALARM_RATE / 2)
DRAWS = 20_000
SEED = 20_240_917


def tolerance(p: Fraction, draws: int) -> float:
    assert draws * p * (1 - p) >= 10, "normal approximation not valid for so few draws"
    return Z * math.sqrt(float(p * (1 - p)) / draws)


def assert_frequencies_match(counts: Counter, exact: dict, draws: int) -> None:
    assert set(counts) <= set(exact), f"sampled {set(counts) - set(exact)} that explain omits"
    for key, p in exact.items():
        observed = counts[key] / draws
        if p in (0, 1):
            assert observed == p, (key, observed, p)
        else:
            assert abs(observed - float(p)) <= tolerance(p, draws), (key, observed, p)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"Trunk2Priortiy": 1}, id="equal-1-1"),
        pytest.param({"Trunk2Priortiy": 1, "Trunk1Weight": 3, "Trunk2Weight": 1}, id="3-1"),
        pytest.param({"Trunk2Priortiy": 1, "Trunk1Weight": 2, "Trunk2Weight": 7}, id="2-7"),
        pytest.param({"Trunk1Priortiy": 9, "Trunk2Priortiy": 4}, id="priorities"),
        pytest.param({"Trunk2Priortiy": 1, "Trunk1Weight": 0}, id="weight-0"),
        pytest.param({"Trunk2Priortiy": 1, "Trunk1Weight": 0, "Trunk2Weight": 0}, id="all-zero"),
    ],
)
def test_explained_odds_match_the_planners_frequencies(
    client, account, create_route, database, fields
):
    route = create_route(**TWO_TRUNKS, **fields)
    result = explained(client, account, CallRouteId=route["CallRouteId"])
    with database.read() as session:
        row = session.get(VoiceRoute, route["CallRouteId"])
        assert row is not None
        view = RouteState.of_row(row).view()

    rng = random.Random(SEED)
    plans = [plan(view, direction=Direction.ORIGINATION, rng=rng) for _ in range(DRAWS)]
    first_counts = Counter(p.trunks[0].index for p in plans)
    order_counts = Counter(tuple(c.index for c in p.trunks) for p in plans)

    # The planner routes to the same trunks, at the same addresses, that explain lists.
    assert {(c.index, c.address.sip_uri) for c in plans[0].trunks} == {
        (c["Trunk"], c["Uri"]) for c in result["Candidates"]
    }
    assert_frequencies_match(first_counts, first_try(result), DRAWS)
    assert_frequencies_match(order_counts, try_orders(result), DRAWS)
