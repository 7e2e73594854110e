"""Tolerances for call-count checks, derived from the number of calls.

A first try lands on trunk 1 with probability ``p`` independently per call (``$RANDOM`` per
call), so its count over ``n`` calls is binomial(n, p). A test accepts the observed share when
it lies within ``z * sqrt(p (1 - p) / n)`` of ``p``, ``z`` being the two-sided normal quantile
of the false-alarm rate: with ``FALSE_ALARM = 1e-4`` a correct data plane fails such a check
once in 10,000 runs (z = 3.89). With n = 300 and p = 3/4 that is +/- 0.097.
"""

from __future__ import annotations

import math
from statistics import NormalDist

FALSE_ALARM = 1e-4
Z = NormalDist().inv_cdf(1 - FALSE_ALARM / 2)


def tolerance(p: float, n: int, z: float = Z) -> float:
    """Half-width of the acceptance band for a share with true value ``p`` over ``n`` trials."""
    # A p of exactly 0 or 1 has no spread: the count must be exact.
    return z * math.sqrt(p * (1 - p) / n)
