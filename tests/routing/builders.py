"""Builders and hypothesis strategies shared by the routing tests."""

from __future__ import annotations

from hypothesis import strategies as st

from voiceroute.routing import RouteKind, RouteView, TrunkSpec


def trunk(index: int, *, priority: int = 1, weight: int = 1, enabled: bool = True) -> TrunkSpec:
    return TrunkSpec(
        index=index, ip=f"192.0.2.{index}", priority=priority, weight=weight, enabled=enabled
    )


def trunk_route(*trunks: TrunkSpec, route_enabled: bool = True) -> RouteView:
    return RouteView(route_type=RouteKind.TRUNK, route_enabled=route_enabled, trunks=trunks)


def weighted(*weights: int, priority: int = 1) -> RouteView:
    """One priority group with these weights, trunks numbered from 1."""
    return trunk_route(
        *(trunk(i, priority=priority, weight=w) for i, w in enumerate(weights, start=1))
    )


# Few priorities and many small or zero weights, so that ties and weight-0 trunks are common.
priorities = st.integers(min_value=0, max_value=3)
weights = st.one_of(st.just(0), st.integers(min_value=1, max_value=10), st.just(65_535))


@st.composite
def trunk_lists(draw: st.DrawFn, min_size: int = 1, max_size: int = 5) -> tuple[TrunkSpec, ...]:
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    return tuple(
        trunk(index, priority=draw(priorities), weight=draw(weights), enabled=draw(st.booleans()))
        for index in range(1, size + 1)
    )


seeds = st.integers(min_value=0, max_value=2**32 - 1)
