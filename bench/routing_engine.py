"""Throughput of the routing engine on a two-trunk route: plans/s and exact explanations/s.

Run from the repository root: ``python bench/routing_engine.py``. Prints numbers only; speed
is never asserted anywhere.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from voiceroute.routing import (
    Direction,
    RouteKind,
    RouteView,
    Transport,
    TrunkSpec,
    explain,
    plan,
)

ITERATIONS = 100_000
EXPLAIN_ITERATIONS = 20_000

ROUTE = RouteView(
    route_type=RouteKind.TRUNK,
    trunks=(
        TrunkSpec(index=1, ip="198.51.100.10", port=5060, priority=1, weight=3),
        TrunkSpec(
            index=2,
            uri="sip:pbx@trunk.example.com:5061",
            transport=Transport.TLS,
            priority=1,
            weight=1,
        ),
    ),
    ip_whitelist=("203.0.113.0/24", "2001:db8::/32"),
)


def per_second(label: str, iterations: int, run_once: Callable[[], object]) -> None:
    started = time.perf_counter()
    for _ in range(iterations):
        run_once()
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {iterations / elapsed:>12,.0f} /s  ({elapsed * 1e6 / iterations:.2f} us)")


def main() -> None:
    source = random.Random(1)
    per_second(
        "plan, origination, 2 trunks",
        ITERATIONS,
        lambda: plan(ROUTE, direction=Direction.ORIGINATION, rng=source),
    )
    per_second(
        "plan, termination, whitelist",
        ITERATIONS,
        lambda: plan(ROUTE, direction=Direction.TERMINATION, rng=source, source_ip="203.0.113.77"),
    )
    per_second(
        "explain (exact Fractions), 2 trunks",
        EXPLAIN_ITERATIONS,
        lambda: explain(ROUTE, direction=Direction.ORIGINATION, rng=source),
    )


if __name__ == "__main__":
    main()
