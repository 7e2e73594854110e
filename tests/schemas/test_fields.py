"""The value rules of a voice route, checked through the wire models (no database).

Each refusal must name the field as the client spelt it, since that key is what ``Errors``
shows; where the message carries a fact the user needs (a suggestion, the allowed values),
that is checked too.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voiceroute.errors import ValidationFailed
from voiceroute.schemas.voice_routes import CreateVoiceRoute, RouteSettings


def accepted(key: str, value: object) -> object:
    """The value as it would be answered, after the model accepted it."""
    settings = RouteSettings.model_validate({key: value})
    answered = settings.model_dump(mode="json")
    return answered["IpWhiteList" if key == "IpWhitelist" else key]


def refusal(body: dict[str, object]) -> dict[tuple[object, ...], str]:
    """``{location: message}`` of every error the create body raises."""
    with pytest.raises((ValidationError, ValidationFailed)) as raised:
        CreateVoiceRoute.model_validate(body)
    if isinstance(raised.value, ValidationFailed):  # raised before field validation (NUL)
        return {
            tuple(path.removeprefix("$.").split(".")): messages[0]
            for path, messages in raised.value.errors.items()
        }
    return {error["loc"]: error["msg"] for error in raised.value.errors()}


def refused(key: str, value: object) -> str:
    errors = refusal({key: value})
    assert list(errors) == [(key,)]
    return errors[(key,)]


# --- URLs -----------------------------------------------------------------------------------

GOOD_HTTP_URLS = [
    "https://domain.com",
    "http://domain.com",
    "https://apiendpoint.com/voice?x=1",
    "HTTPS://Example.COM:8443/path",
    "http://203.0.113.10:8080/hook",
    "https://[2001:db8::1]/hook",
]
BAD_HTTP_URLS = [
    "domain.com",
    "/voice",
    "ftp://domain.com",
    "wss://domain.com",
    "sip:pbx.example.com",
    "javascript:alert(1)",
    "https://",
    "https:///path-only",
    "https://exa mple.com",
    "https://domain.com:99999",
    "https://domain.com:port",
    "https://exa<mple>.com",
    "",
]


@pytest.mark.parametrize("key", ["VoiceUrl", "CallbackVoiceUrl"])
@pytest.mark.parametrize("url", GOOD_HTTP_URLS)
def test_webhook_urls_accept_absolute_http_urls(key, url):
    assert accepted(key, url) == url


@pytest.mark.parametrize("key", ["VoiceUrl", "CallbackVoiceUrl"])
@pytest.mark.parametrize("url", BAD_HTTP_URLS)
def test_webhook_urls_refuse_anything_but_absolute_http_urls(key, url):
    assert "http or https" in refused(key, url)


@pytest.mark.parametrize("url", ["wss://192.67.88.2", "ws://stream.example.com:8080/audio"])
def test_wss_uri_accepts_websocket_urls(url):
    assert accepted("WssUri", url) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://stream.example.com",
        "stream.example.com",
        "wss://",
        "sip:a@b.com",
        'wss://"stream".example.com',
    ],
)
def test_wss_uri_refuses_anything_but_websocket_urls(url):
    assert "ws or wss" in refused("WssUri", url)


@pytest.mark.parametrize("key", ["TrunkUri1", "TrunkUri2"])
@pytest.mark.parametrize(
    "uri",
    [
        "https://pstn.joonto.com",
        "http://pstn.joonto.com:8080",
        "sip:pbx.example.com",
        "sip:pbx.example.com:5060",
        "sips:pbx.example.com:5061",
        "sip:alice@pbx.example.com;transport=tcp",
        "sip:203.0.113.10:5060",
        "sip:[2001:db8::1]:5060",
        "SIP:PBX.example.com",
    ],
)
def test_trunk_uris_accept_sip_sips_http_and_https(key, uri):
    assert accepted(key, uri) == uri


@pytest.mark.parametrize("key", ["TrunkUri1", "TrunkUri2"])
@pytest.mark.parametrize(
    "uri",
    [
        "pstn.joonto.com",
        "ftp://pstn.joonto.com",
        "wss://pstn.joonto.com",
        "tel:+14155550100",
        "sip:",
        "sip:alice@",
        "sip:pbx..example.com",
        "sip:-pbx.example.com",
        "sip:pbx.example.com:0",
        "sip:pbx.example.com:99999",
        "sip:pbx.example.com:\u0665\u0660\u0666\u0660",
        "sip:999.1.1.1",
        "sip:[not-ipv6]:5060",
        "sip:pbx example.com",
        "sips://pbx.example.com",
    ],
)
def test_trunk_uris_refuse_other_schemes_and_malformed_sip_uris(key, uri):
    assert "sip" in refused(key, uri)


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["TrunkIp1", "TrunkIp2"])
@pytest.mark.parametrize(
    ("address", "answered"),
    [
        ("20.87.87.87", "20.87.87.87"),
        ("2001:db8::10", "2001:db8::10"),
        ("2001:DB8:0:0::10", "2001:db8::10"),
        ("::1", "::1"),
    ],
)
def test_trunk_ips_accept_ipv4_and_ipv6(key, address, answered):
    assert accepted(key, address) == answered


@pytest.mark.parametrize("key", ["TrunkIp1", "TrunkIp2"])
@pytest.mark.parametrize(
    "address",
    [
        "pbx.example.com",
        "256.1.1.1",
        "20.87.87",
        "20.87.87.87/32",
        "20.87.87.87:5060",
        "2001:db8::g",
        " 20.87.87.87",
        "",
    ],
)
def test_trunk_ips_refuse_anything_but_an_address(key, address):
    assert "IPv4 or IPv6" in refused(key, address)


def whitelist(*addresses: str) -> list[dict[str, str]]:
    return [{"IpAddress": address} for address in addresses]


@pytest.mark.parametrize("key", ["IpWhitelist", "IpWhiteList"])
def test_whitelist_accepts_addresses_and_networks_under_both_spellings(key):
    entries = whitelist("20.20.10.10", "20.20.10.0/24", "2001:db8::1", "2001:db8::/32")
    assert accepted(key, entries) == entries


def test_whitelist_accepts_an_empty_list():
    assert accepted("IpWhitelist", []) == []


@pytest.mark.parametrize("entry", ["pbx.example.com", "20.20.10.0/33", "2001:db8::/129", "1/24"])
def test_whitelist_refuses_an_entry_that_is_not_an_address_or_network(entry):
    errors = refusal({"IpWhitelist": whitelist("20.20.10.10", entry)})
    assert list(errors) == [("IpWhitelist", 1, "IpAddress")]
    assert "CIDR" in errors[("IpWhitelist", 1, "IpAddress")]


@pytest.mark.parametrize(
    ("entry", "suggestion"),
    [("20.20.10.10/24", "20.20.10.0/24"), ("2001:db8::1/32", "2001:db8::/32")],
)
def test_whitelist_refuses_host_bits_with_the_network_meant(entry, suggestion):
    errors = refusal({"IpWhitelist": whitelist(entry)})
    assert list(errors) == [("IpWhitelist", 0, "IpAddress")]
    assert f"did you mean {suggestion}?" in errors[("IpWhitelist", 0, "IpAddress")]


@pytest.mark.parametrize(
    "entries",
    [
        ("20.20.10.10", "20.20.10.10"),
        ("2001:db8::1", "2001:DB8:0::1"),
        ("20.20.10.0/24", "20.20.10.0/24"),
        ("20.20.10.10", "20.20.10.10/32"),
    ],
    ids=["same-text", "same-ipv6-other-text", "same-network", "host-and-its-/32"],
)
def test_whitelist_refuses_the_same_entry_twice(entries):
    errors = refusal({"IpWhitelist": whitelist(*entries)})
    assert list(errors) == [("IpWhitelist",)]
    assert "more than once" in errors[("IpWhitelist",)]


def test_whitelist_holds_at_most_100_entries():
    hundred = whitelist(*(f"10.0.0.{n}" for n in range(100)))
    assert accepted("IpWhitelist", hundred) == hundred
    errors = refusal({"IpWhitelist": [*hundred, {"IpAddress": "10.0.1.0"}]})
    assert list(errors) == [("IpWhitelist",)]


@pytest.mark.parametrize("entry", [{}, {"IpAddress": None}, {"IpAddress": 167772170}])
def test_whitelist_entry_needs_an_address_string(entry):
    errors = refusal({"IpWhitelist": [entry]})
    assert list(errors) == [("IpWhitelist", 0, "IpAddress")]


def test_whitelist_entry_refuses_unknown_keys():
    errors = refusal({"IpWhitelist": [{"IpAddress": "20.20.10.10", "Note": "office"}]})
    assert list(errors) == [("IpWhitelist", 0, "Note")]


# --- ports, priorities, weights -----------------------------------------------------------------


@pytest.mark.parametrize("key", ["TrunkPort1", "TrunkPort2"])
@pytest.mark.parametrize(
    ("port", "answered"),
    [("1", "1"), ("5060", "5060"), ("65535", "65535"), (5061, "5061"), (1, "1"), (65535, "65535")],
)
def test_ports_accept_1_to_65535_answered_as_strings(key, port, answered):
    assert accepted(key, port) == answered


@pytest.mark.parametrize("key", ["TrunkPort1", "TrunkPort2"])
@pytest.mark.parametrize(
    "port", ["0", "65536", "08", "abc", "", " 5060", "5060.0", "-1", "+5060", 0, 65536, -1]
)
def test_ports_refuse_what_is_not_1_to_65535(key, port):
    assert '"1" to "65535"' in refused(key, port)


@pytest.mark.parametrize("key", ["TrunkPort1", "TrunkPort2"])
@pytest.mark.parametrize("port", [True, False, 5060.0, ["5060"]])
def test_ports_refuse_booleans_floats_and_lists(key, port):
    refused(key, port)


PRIORITY_AND_WEIGHT_KEYS = [
    "Trunk1Priortiy",
    "Trunk2Priortiy",
    "Trunk1Priority",
    "Trunk2Priority",
    "Trunk1Weight",
    "Trunk2Weight",
]


@pytest.mark.parametrize("key", PRIORITY_AND_WEIGHT_KEYS)
@pytest.mark.parametrize("value", [0, 1, 10, 65535])
def test_priorities_and_weights_accept_integers_0_to_65535(key, value):
    settings = RouteSettings.model_validate({key: value})
    answered = settings.model_dump(mode="json")
    assert answered[key.replace("Priority", "Priortiy")] == value


@pytest.mark.parametrize("key", PRIORITY_AND_WEIGHT_KEYS)
@pytest.mark.parametrize("value", [-1, 65536, "10", 10.0, 10.5, True, False, [10]])
def test_priorities_and_weights_refuse_out_of_range_strings_floats_and_booleans(key, value):
    refused(key, value)


# --- names and labels ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "Main SIP Trunk", "x" * 128, "Ünïcode trunk ☎"])
def test_route_name_accepts_1_to_128_characters(name):
    assert accepted("RouteName", name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "x" * 129,
        "Main\nTrunk",
        "Main\tTrunk",
        "Main\x00Trunk",
        "Main\x7fTrunk",
        "Main\x85Trunk",
        "Main\x9b31mTrunk",
        42,
    ],
)
def test_route_name_refuses_empty_too_long_control_characters_and_non_strings(name):
    refused("RouteName", name)


@pytest.mark.parametrize("label", ["client", "a", "acme-pbx", "pbx2", "0", "a" * 63])
def test_termination_uri_subdomain_accepts_lowercase_dns_labels(label):
    assert accepted("TerminationUriSubdomain", label) == label


@pytest.mark.parametrize(
    "label",
    ["Client", "CLIENT", "-client", "client-", "cli_ent", "cli.ent", "cli ent", "", "a" * 64],
)
def test_termination_uri_subdomain_refuses_anything_but_a_lowercase_dns_label(label):
    refused("TerminationUriSubdomain", label)


@pytest.mark.parametrize(
    "target",
    [
        "+14155550100",
        "+442071838750",
        "+123456789012345",
        "sip:alice@pbx.example.com",
        "sips:alice@pbx.example.com:5061",
        "sip:+14155550100@203.0.113.10",
    ],
)
def test_forward_number_accepts_e164_or_a_sip_uri(target):
    assert accepted("ForwardNumber", target) == target


@pytest.mark.parametrize(
    "target",
    [
        "14155550100",
        "+0123456789",
        "+1",
        "+1234567890123456",
        "+1 415 555 0100",
        "tel:+14155550100",
        "https://pbx.example.com",
        "sip:",
        "alice@pbx.example.com",
    ],
)
def test_forward_number_refuses_anything_but_e164_or_a_sip_uri(target):
    assert "E.164" in refused("ForwardNumber", target)


@pytest.mark.parametrize(
    "key",
    [
        "TrunkEnabled1",
        "TrunkEnabled2",
        "EnableSipRefer",
        "SymmetricRtp",
        "EnableTrpSecureTrunk",
        "EnablePstnTransfer",
        "CnamLookup",
        "EnableCallStreaming",
        "IntelligentRouteEnabled",
        "RouteEnabled",
    ],
)
@pytest.mark.parametrize("value", ["true", 1, 0, "false"])
def test_flags_accept_only_json_booleans(key, value):
    refused(key, value)


# --- enums ----------------------------------------------------------------------------------------

ENUMS = {
    "RouteType": ["Trunk", "URL", "Forward"],
    "VoiceUrlMethod": ["GET", "POST"],
    "CallbackVoiceUrlMethod": ["GET", "POST"],
    "VoiceAuthenticationType": ["None", "Basic", "Bearer"],
    "VocieAuthenticationType": ["None", "Basic", "Bearer"],
    "TrunkTransport1": ["UDP", "TCP", "TLS"],
    "TrunkTransport2": ["UDP", "TCP", "TLS"],
    "TransferCallerId": ["Transferee", "Transferor", "Transferee/Transferor"],
    "CallRouteStatus": ["Active", "Disabled", "Deleted"],
}


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in ENUMS.items() for value in values]
)
def test_enums_accept_each_documented_value(key, value):
    assert (
        CreateVoiceRoute.model_validate({key: value}).model_dump(mode="json")[
            "VoiceAuthenticationType" if key == "VocieAuthenticationType" else key
        ]
        == value
    )


@pytest.mark.parametrize(
    ("key", "wrong"),
    [
        (key, wrong)
        for key, values in ENUMS.items()
        for wrong in ("Nonsense", values[0].swapcase(), values[-1].lower(), "")
    ],
)
def test_enums_refuse_other_values_and_other_cases_naming_the_allowed_ones(key, wrong):
    message = refused(key, wrong)
    for value in ENUMS[key]:
        assert f"'{value}'" in message


@pytest.mark.parametrize("key", list(ENUMS))
def test_enums_refuse_non_strings(key):
    refused(key, 1)
