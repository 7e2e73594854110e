"""Termination: the customer's PBX calls sip:<number>@<subdomain>.<sip_domain>; only
IpWhitelist sources pass, and they go out to the upstream carrier."""

from __future__ import annotations

from tests.sip.conftest import PBX_ALLOWED, PBX_OTHER, Lab

CALLED = "+12125550100"


def termination_route(lab: Lab, **fields: object) -> dict[str, object]:
    route = lab.create_route(
        RouteType="Trunk",
        TrunkIp1="192.0.2.10",
        TerminationUriSubdomain="acme",
        IpWhitelist=[{"IpAddress": PBX_ALLOWED}],
        **fields,
    )
    lab.wait_synced()
    return route


def test_whitelisted_source_reaches_the_upstream(lab: Lab) -> None:
    termination_route(lab)

    run = lab.caller(PBX_ALLOWED).run(CALLED, calls=5, ruri_host=lab.termination_host("acme"))

    assert run.completed == 5, run.errors
    upstream = f"{lab.upstream.host}:{lab.upstream.port}"
    assert lab.upstream.calls() == [f"sip:{CALLED}@{upstream}"] * 5


def test_other_source_is_403(lab: Lab) -> None:
    termination_route(lab)

    run = lab.caller(PBX_OTHER).run(
        CALLED, scenario="uac_refused.xml", ruri_host=lab.termination_host("acme")
    )

    assert run.finals() == ["SIP/2.0 403 Source address not in IpWhitelist"], run.errors
    assert lab.upstream.count() == 0


def test_whitelist_change_applies_to_the_next_call(lab: Lab) -> None:
    route = termination_route(lab)
    lab.update_route(
        str(route["CallRouteId"]),
        IpWhitelist=[{"IpAddress": PBX_ALLOWED}, {"IpAddress": PBX_OTHER}],
    )
    lab.wait_synced()

    run = lab.caller(PBX_OTHER).run(CALLED, calls=2, ruri_host=lab.termination_host("acme"))

    assert run.completed == 2, run.errors


def test_unknown_subdomain_is_404(lab: Lab) -> None:
    termination_route(lab)

    run = lab.caller(PBX_ALLOWED).run(
        CALLED, scenario="uac_refused.xml", ruri_host=lab.termination_host("nobody")
    )

    assert run.finals() == ["SIP/2.0 404 Unknown termination URI"], run.errors


def test_disabled_route_is_403_for_termination(lab: Lab) -> None:
    termination_route(lab, RouteEnabled=False)

    run = lab.caller(PBX_ALLOWED).run(
        CALLED, scenario="uac_refused.xml", ruri_host=lab.termination_host("acme")
    )

    assert run.finals() == ["SIP/2.0 403 Route disabled"], run.errors
