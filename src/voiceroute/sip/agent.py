"""The agent beside each Kamailio node: reloads what changed, and reports trunk health.

Every API write bumps the generation of each Kamailio table it changed (``sync.py``). The
agent polls those generations and asks its Kamailio to reload exactly the tables that moved:
debounced (one reload per table per poll, however many writes came in between), serialised
(one agent thread, one call at a time; concurrent permissions reloads have crashed Kamailio),
and retried (a table whose reload failed stays behind and is tried again, with back-off).
Nothing is lost while Kamailio is down: it loads the current tables when it starts, and the
agent's first pass reloads everything anyway.

It also copies the dispatcher's view of each destination (up, down, probing) into
``trunk_health``, so the API (any replica) can answer trunk health without talking SIP.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select

from voiceroute.db import Database
from voiceroute.metrics import DATAPLANE_RELOADS, DATAPLANE_TABLES_BEHIND
from voiceroute.models import TrunkHealth, utcnow
from voiceroute.sip.rpc import Rpc, RpcError
from voiceroute.sip.sync import generations

logger = logging.getLogger("voiceroute.sip.agent")

RELOAD_CALLS: dict[str, tuple[str, ...]] = {
    "dispatcher": ("dispatcher.reload",),
    "address": ("permissions.addressReload",),
    "vr_routing": ("htable.reload", "vr_routing"),
}
MAX_BACKOFF_SECONDS = 5.0


def destination_states(listing: Any) -> dict[str, str]:
    """``dispatcher.list`` -> destination URI: ``up``, ``down``, ``probing`` or ``disabled``.

    A URI listed in several sets takes its worst state. Flags' first letter: A active,
    I inactive, T trying, D disabled.
    """
    rank = {"up": 0, "probing": 1, "down": 2, "disabled": 3}
    by_letter = {"A": "up", "T": "probing", "I": "down", "D": "disabled"}
    states: dict[str, str] = {}
    records = (listing or {}).get("RECORDS") or []
    for record in records:
        for target in (record.get("SET") or {}).get("TARGETS") or []:
            destination = target.get("DEST") or {}
            uri, flags = destination.get("URI"), str(destination.get("FLAGS") or "")
            state = by_letter.get(flags[:1])
            if uri and state and rank[state] >= rank[states.get(uri, "up")]:
                states[uri] = state
    return states


class ReloadAgent:
    def __init__(
        self,
        db: Database,
        rpc: Rpc,
        node: str,
        poll_interval: float = 0.2,
        health_interval: float = 1.0,
    ) -> None:
        self._db = db
        self._rpc = rpc
        self.node = node
        self.poll_interval = poll_interval
        self.health_interval = health_interval
        self.applied: dict[str, int] = {}
        self.failures = 0
        self._health_failing = False

    def reload_if_changed(self) -> bool:
        """Reload every table whose generation moved; ``True`` when all are now current."""
        with self._db.read() as session:
            current = generations(session)
        current_everywhere = True
        for table, generation in current.items():
            if self.applied.get(table) == generation:
                continue
            try:
                self._rpc.call(*RELOAD_CALLS[table])
            except RpcError as exc:
                current_everywhere = False
                DATAPLANE_RELOADS.labels(table, "failed").inc()
                logger.warning(
                    "reload of %s failed; will retry",
                    table,
                    extra={"fields": {"table": table, "generation": generation, "error": str(exc)}},
                )
                continue
            self.applied[table] = generation
            DATAPLANE_RELOADS.labels(table, "ok").inc()
            logger.info(
                "reloaded %s",
                table,
                extra={"fields": {"event": "reload", "table": table, "generation": generation}},
            )
        self.failures = 0 if current_everywhere else self.failures + 1
        DATAPLANE_TABLES_BEHIND.set(
            sum(self.applied.get(table) != generation for table, generation in current.items())
        )
        return current_everywhere

    def record_health(self) -> None:
        try:
            states = destination_states(self._rpc.call("dispatcher.list"))
        except RpcError as exc:
            # Kamailio also answers an error while no route has a trunk yet: say it once.
            level = logging.DEBUG if self._health_failing else logging.WARNING
            logger.log(level, "dispatcher.list failed", extra={"fields": {"error": str(exc)}})
            self._health_failing = True
            return
        self._health_failing = False
        now = utcnow()
        with self._db.write() as session:
            known = {
                row.destination: row
                for row in session.scalars(select(TrunkHealth).where(TrunkHealth.node == self.node))
            }
            for destination, state in states.items():
                row = known.get(destination)
                if row is None:
                    session.add(
                        TrunkHealth(
                            node=self.node,
                            destination=destination,
                            state=state,
                            changed_at=now,
                            seen_at=now,
                        )
                    )
                    continue
                if row.state != state:
                    logger.info(
                        "trunk %s is %s",
                        destination,
                        state,
                        extra={"fields": {"event": "trunk_state", "was": row.state}},
                    )
                    row.state, row.changed_at = state, now
                row.seen_at = now
            for destination, row in known.items():
                if destination not in states:  # no longer configured on this node
                    session.delete(row)

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set."""
        next_health = 0.0
        elapsed = 0.0
        while not stop.is_set():
            try:
                self.reload_if_changed()
                if elapsed >= next_health:
                    self.record_health()
                    next_health = elapsed + self.health_interval
            except Exception:  # the agent must outlive a database hiccup
                self.failures += 1
                logger.exception("data-plane agent pass failed")
            delay = (
                self.poll_interval
                if not self.failures
                else min(MAX_BACKOFF_SECONDS, self.poll_interval * 2**self.failures)
            )
            stop.wait(delay)
            elapsed += delay
