"""What the data plane answers instead of routing (voiceroute.routing.refusals), and the
route types other than Trunk: Forward, URL; REFER when EnableSipRefer is false."""

from __future__ import annotations

from tests.sip.conftest import PBX_OTHER, TRUNK1, TRUNK2, Lab

NUMBER = "+14155550122"


def test_unknown_number_is_404(lab: Lab) -> None:
    run = lab.caller().run("+14155550999", scenario="uac_refused.xml")
    assert run.finals() == ["SIP/2.0 404 Unknown number"], run.errors


def test_disabled_route_is_403(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, RouteEnabled=False)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, scenario="uac_refused.xml")

    assert run.finals() == ["SIP/2.0 403 Route disabled"], run.errors
    assert one.count() + two.count() == 0


def test_number_with_voice_disabled_is_403(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two)
    lab.provision(NUMBER, route["CallRouteId"], voice_enabled=False)
    lab.wait_synced()

    run = lab.caller().run(NUMBER, scenario="uac_refused.xml")

    assert run.finals() == ["SIP/2.0 403 Voice disabled for this number"], run.errors


def test_unknown_source_is_403(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller(PBX_OTHER).run(NUMBER, scenario="uac_refused.xml")

    assert run.finals() == ["SIP/2.0 403 Source not allowed"], run.errors
    assert one.count() == 0


def test_number_without_plus_is_normalised(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER.lstrip("+"), calls=3)

    assert run.completed == 3, run.errors
    assert one.count() == 3


def test_forward_route_reaches_the_upstream_with_the_forward_number(lab: Lab) -> None:
    route = lab.create_route(RouteType="Forward", ForwardNumber="+442079460000")
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, calls=3)

    assert run.completed == 3, run.errors
    upstream = f"{lab.upstream.host}:{lab.upstream.port}"
    assert lab.upstream.calls() == [f"sip:+442079460000@{upstream}"] * 3


def test_url_route_gets_the_documented_error(lab: Lab) -> None:
    route = lab.create_route(RouteType="URL", VoiceUrl="https://hooks.example.com/voice")
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, scenario="uac_refused.xml")

    assert run.finals() == ["SIP/2.0 501 URL routes are not served by the data plane yet"]


def test_refer_refused_when_sip_refer_is_disabled(lab: Lab) -> None:
    one, two = lab.answerer(TRUNK1), lab.answerer(TRUNK2)
    route = lab.trunk_route(one, two, EnableSipRefer=False)
    lab.provision(NUMBER, route["CallRouteId"])
    lab.wait_synced()

    run = lab.caller().run(NUMBER, scenario="uac_refer.xml", calls=2)

    assert run.finals() == ["SIP/2.0 403 SIP REFER disabled for this route"] * 2, run.errors
    assert run.completed == 2  # the call itself goes on and hangs up normally
