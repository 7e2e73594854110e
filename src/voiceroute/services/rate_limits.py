"""Per-account request rate limit, counted in the database so every API replica shares it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from voiceroute.db import Database
from voiceroute.errors import RateLimited
from voiceroute.models import RateLimitWindow

WINDOW_SECONDS = 60


class RateLimiter:
    """Fixed one-minute windows: simple, shared, and exact about what ``Retry-After`` means."""

    def __init__(
        self, db: Database, per_minute: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = db
        self.per_minute = per_minute
        self._clock = clock
        self._insert: Any = sqlite.insert if db.is_sqlite else postgresql.insert

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def hit(self, account_id: int) -> None:
        """Count one request; raise ``RateLimited`` when it is over the limit."""
        if not self.enabled:
            return
        now = self._clock()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        statement = (
            self._insert(RateLimitWindow)
            .values(account_id=account_id, window_start=window, count=1)
            .on_conflict_do_update(
                index_elements=["account_id", "window_start"],
                set_={"count": RateLimitWindow.count + 1},
            )
            .returning(RateLimitWindow.count)
        )
        with self._db.write() as session:
            count = session.execute(statement).scalar_one()
            if count == 1:  # first request of a window: forget the account's older windows
                session.execute(
                    delete(RateLimitWindow).where(
                        RateLimitWindow.account_id == account_id,
                        RateLimitWindow.window_start < window,
                    )
                )
        if count > self.per_minute:
            retry_after = max(1, int(window + WINDOW_SECONDS - now + 0.999))
            raise RateLimited(retry_after, self.per_minute)
