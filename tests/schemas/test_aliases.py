"""Every wire name of the voice route models, pinned: the vendor's spellings are the contract.

Python says ``trunk1_priority``; the wire says ``Trunk1Priortiy`` (sic). A rename on either side
must show up here, because existing clients send and read exactly these keys.
"""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, BaseModel, ValidationError

from voiceroute.schemas.voice_routes import (
    RouteSettings,
    RouteWrite,
    UpdateVoiceRoute,
    VoiceRouteAnswer,
)

# python name -> (names accepted on input, first = the documented request name; name answered)
SETTINGS_WIRE_NAMES: dict[str, tuple[tuple[str, ...], str]] = {
    "route_name": (("RouteName",), "RouteName"),
    "route_type": (("RouteType",), "RouteType"),
    "voice_url": (("VoiceUrl",), "VoiceUrl"),
    "voice_url_method": (("VoiceUrlMethod",), "VoiceUrlMethod"),
    "voice_authentication_type": (
        ("VoiceAuthenticationType", "VocieAuthenticationType"),
        "VoiceAuthenticationType",
    ),
    "voice_username": (("VoiceUsername",), "VoiceUsername"),
    "callback_voice_url": (("CallbackVoiceUrl",), "CallbackVoiceUrl"),
    "callback_voice_url_method": (("CallbackVoiceUrlMethod",), "CallbackVoiceUrlMethod"),
    "trunk_ip1": (("TrunkIp1",), "TrunkIp1"),
    "trunk_ip2": (("TrunkIp2",), "TrunkIp2"),
    "trunk_port1": (("TrunkPort1",), "TrunkPort1"),
    "trunk_port2": (("TrunkPort2",), "TrunkPort2"),
    "trunk_transport1": (("TrunkTransport1",), "TrunkTransport1"),
    "trunk_transport2": (("TrunkTransport2",), "TrunkTransport2"),
    "trunk_uri1": (("TrunkUri1",), "TrunkUri1"),
    "trunk_uri2": (("TrunkUri2",), "TrunkUri2"),
    "trunk_enabled1": (("TrunkEnabled1",), "TrunkEnabled1"),
    "trunk_enabled2": (("TrunkEnabled2",), "TrunkEnabled2"),
    "trunk1_priority": (("Trunk1Priortiy", "Trunk1Priority"), "Trunk1Priortiy"),
    "trunk1_weight": (("Trunk1Weight",), "Trunk1Weight"),
    "trunk2_priority": (("Trunk2Priortiy", "Trunk2Priority"), "Trunk2Priortiy"),
    "trunk2_weight": (("Trunk2Weight",), "Trunk2Weight"),
    "header_manipulation": (("HeaderManipulation",), "HeaderManipulation"),
    "enable_sip_refer": (("EnableSipRefer",), "EnableSipRefer"),
    "transfer_caller_id": (("TransferCallerId",), "TransferCallerId"),
    "symmetric_rtp": (("SymmetricRtp",), "SymmetricRtp"),
    "enable_trp_secure_trunk": (("EnableTrpSecureTrunk",), "EnableTrpSecureTrunk"),
    "enable_pstn_transfer": (("EnablePstnTransfer",), "EnablePstnTransfer"),
    "cnam_lookup": (("CnamLookup",), "CnamLookup"),
    "ip_whitelist": (("IpWhitelist", "IpWhiteList"), "IpWhiteList"),
    "termination_uri_subdomain": (("TerminationUriSubdomain",), "TerminationUriSubdomain"),
    "enable_call_streaming": (("EnableCallStreaming",), "EnableCallStreaming"),
    "wss_uri": (("WssUri",), "WssUri"),
    "intelligent_route_enabled": (("IntelligentRouteEnabled",), "IntelligentRouteEnabled"),
    "route_enabled": (("RouteEnabled",), "RouteEnabled"),
    "forward_number": (("ForwardNumber",), "ForwardNumber"),
}

WRITE_WIRE_NAMES = {
    **SETTINGS_WIRE_NAMES,
    "voice_password_token": (("VoicePasswordToken",), "VoicePasswordToken"),
    "account_id": (("AccountId",), "AccountId"),
    "call_route_status": (("CallRouteStatus",), "CallRouteStatus"),
}

UPDATE_WIRE_NAMES = {
    **WRITE_WIRE_NAMES,
    "call_route_id": (("CallRouteId",), "CallRouteId"),
}

ANSWER_WIRE_NAMES = {
    **SETTINGS_WIRE_NAMES,
    "call_route_id": (("CallRouteId",), "CallRouteId"),
    "account_id": (("AccountId",), "AccountId"),
    "call_route_status": (("CallRouteStatus",), "CallRouteStatus"),
}

MODELS = [
    pytest.param(RouteSettings, SETTINGS_WIRE_NAMES, id="RouteSettings"),
    pytest.param(RouteWrite, WRITE_WIRE_NAMES, id="RouteWrite"),
    pytest.param(UpdateVoiceRoute, UPDATE_WIRE_NAMES, id="UpdateVoiceRoute"),
    pytest.param(VoiceRouteAnswer, ANSWER_WIRE_NAMES, id="VoiceRouteAnswer"),
]


def accepted_names(model: type[BaseModel], field: str) -> tuple[str, ...]:
    alias = model.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    assert isinstance(alias, str), f"{field} has no wire name"
    return (alias,)


@pytest.mark.parametrize(("model", "expected"), MODELS)
def test_the_model_has_exactly_the_pinned_fields(model, expected):
    assert set(model.model_fields) == set(expected)


@pytest.mark.parametrize(("model", "expected"), MODELS)
def test_every_field_accepts_exactly_the_pinned_input_names(model, expected):
    actual = {field: accepted_names(model, field) for field in model.model_fields}
    assert actual == {field: names for field, (names, _) in expected.items()}


@pytest.mark.parametrize(("model", "expected"), MODELS)
def test_every_field_is_answered_under_the_pinned_name(model, expected):
    actual = {field: info.serialization_alias for field, info in model.model_fields.items()}
    assert actual == {field: answered for field, (_, answered) in expected.items()}


SAMPLE_VALUES: dict[str, object] = {
    "route_name": "Main SIP Trunk",
    "route_type": "Trunk",
    "voice_url": "https://domain.com",
    "voice_url_method": "GET",
    "voice_authentication_type": "Basic",
    "voice_username": "admin",
    "callback_voice_url": "https://apiendpoint.com",
    "callback_voice_url_method": "GET",
    "trunk_ip1": "20.87.87.87",
    "trunk_ip2": "20.87.87.86",
    "trunk_port1": "5061",
    "trunk_port2": "5060",
    "trunk_transport1": "TLS",
    "trunk_transport2": "TCP",
    "trunk_uri1": "https://pstn.joonto.com",
    "trunk_uri2": "sip:pstn2.joonto.com:5060",
    "trunk_enabled1": False,
    "trunk_enabled2": False,
    "trunk1_priority": 10,
    "trunk1_weight": 11,
    "trunk2_priority": 20,
    "trunk2_weight": 21,
    "header_manipulation": "HMI8802029",
    "enable_sip_refer": True,
    "transfer_caller_id": "Transferee/Transferor",
    "symmetric_rtp": True,
    "enable_trp_secure_trunk": True,
    "enable_pstn_transfer": True,
    "cnam_lookup": True,
    "ip_whitelist": [{"IpAddress": "20.20.10.10"}, {"IpAddress": "20.20.10.0/24"}],
    "termination_uri_subdomain": "client",
    "enable_call_streaming": True,
    "wss_uri": "wss://192.67.88.2",
    "intelligent_route_enabled": True,
    "route_enabled": False,
    "forward_number": "+14155550100",
}


@pytest.mark.parametrize(
    ("field", "name"),
    [(field, name) for field, (names, _) in SETTINGS_WIRE_NAMES.items() for name in names],
)
def test_each_input_name_sets_its_field(field, name):
    settings = RouteSettings.model_validate({name: SAMPLE_VALUES[field]})
    assert settings.model_fields_set == {field}
    assert settings.model_dump(mode="json")[SETTINGS_WIRE_NAMES[field][1]] == SAMPLE_VALUES[field]


def test_an_answer_carries_every_documented_key_and_no_secret():
    answer = VoiceRouteAnswer.model_validate(
        {
            "CallRouteId": "CRID-509de94f-79cc-429b-a317-2102654dabbb",
            "AccountId": "DID-1e8939ab-3f3c-4db1-89d7-956d80fd7930",
            "CallRouteStatus": "Active",
            **{SETTINGS_WIRE_NAMES[field][0][0]: value for field, value in SAMPLE_VALUES.items()},
        }
    )
    dumped = answer.model_dump(mode="json")
    assert set(dumped) == {answered for _, answered in ANSWER_WIRE_NAMES.values()}
    assert "VoicePasswordToken" not in dumped
    assert "IpWhitelist" not in dumped
    assert "VocieAuthenticationType" not in dumped
    assert dumped["IpWhiteList"] == SAMPLE_VALUES["ip_whitelist"]
    assert dumped["Trunk1Priortiy"] == 10
    assert dumped["Trunk2Priortiy"] == 20


@pytest.mark.parametrize("python_name", ["route_name", "trunk1_priority", "ip_whitelist"])
def test_python_names_are_not_wire_names(python_name):
    with pytest.raises(ValidationError) as raised:
        RouteSettings.model_validate({python_name: SAMPLE_VALUES[python_name]})
    assert [error["loc"] for error in raised.value.errors()] == [(python_name,)]
    assert raised.value.errors()[0]["type"] == "extra_forbidden"
