"""A voiceroute data plane per test: the real API, the real agent, real Kamailio, real SIPp.

Loopback addresses (all on ``lo``) play the parts:

* 127.0.0.2: the upstream carrier that sends inbound calls (the only ``sip_carriers``);
* 127.0.0.3, 127.0.0.4: trunks 1 and 2 of the routes under test (SIPp answerers);
* 127.0.0.5: a customer PBX whitelisted for termination; 127.0.0.7: one that is not;
* 127.0.0.9: the upstream carrier termination and Forward calls go out to (``sip_upstream``).

The ``client`` fixture runs every test on SQLite and on PostgreSQL; Kamailio reads the same
database (``kamailio_db_url(database.url)``, through ``DataPlane``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ApiAccount
from tests.sip.harness import SippAnswerer, SippCaller, free_port, require_tools
from voiceroute.config import Settings
from voiceroute.db import Database
from voiceroute.sip.process import DataPlane
from voiceroute.sip.sync import generations

CARRIER = "127.0.0.2"
TRUNK1 = "127.0.0.3"
TRUNK2 = "127.0.0.4"
PBX_ALLOWED = "127.0.0.5"
PBX_OTHER = "127.0.0.7"
UPSTREAM = "127.0.0.9"
SIP_DOMAIN = "sip.voiceroute.test"
PROBE_INTERVAL = 1


@dataclass
class Lab:
    client: TestClient
    account: ApiAccount
    database: Database
    plane: DataPlane
    proxy: tuple[str, int]
    workdir: Path
    upstream: SippAnswerer
    _answerers: list[SippAnswerer] = field(default_factory=list)

    # --- SIP side ---
    def answerer(self, host: str, reject: tuple[int, str] | None = None) -> SippAnswerer:
        answerer = SippAnswerer(self.workdir / "sipp", host, reject=reject).start()
        self._answerers.append(answerer)
        return answerer

    def caller(self, host: str = CARRIER) -> SippCaller:
        return SippCaller(self.workdir / "sipp", self.proxy, host)

    def termination_host(self, subdomain: str) -> str:
        return f"{subdomain}.{SIP_DOMAIN}"

    # --- API side ---
    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=self.account.headers)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def create_route(self, **fields: Any) -> dict[str, Any]:
        return self.post("/v1.0/voice/routes", {"RouteName": "lab", **fields})

    def trunk_route(self, a: SippAnswerer, b: SippAnswerer, **fields: Any) -> dict[str, Any]:
        return self.create_route(
            RouteType="Trunk",
            TrunkIp1=a.host,
            TrunkPort1=str(a.port),
            TrunkIp2=b.host,
            TrunkPort2=str(b.port),
            **fields,
        )

    def update_route(self, route_id: str, **fields: Any) -> dict[str, Any]:
        return self.post("/v1.0/voice/routes/update", {"CallRouteId": route_id, **fields})

    def provision(self, number: str, route_id: str | None, voice_enabled: bool = True) -> None:
        self.post(
            "/v1.0/numbers/provision",
            {"PhoneNumber": number, "VoiceEnabled": voice_enabled, "VoiceRouteId": route_id},
        )

    def explain(self, number: str) -> dict[str, Any]:
        return self.post("/v1.0/voice/routes/explain", {"PhoneNumber": number})

    def wait_synced(self, timeout: float = 10.0) -> float:
        """Wait until the agent has reloaded every table the API changed; seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with self.database.read() as session:
                current = generations(session)
            if self.plane.agent.applied == current:
                return time.monotonic() - started
            time.sleep(0.02)
        raise AssertionError(f"agent did not catch up: {self.plane.agent.applied} vs {current}")


@pytest.fixture
def lab_overrides() -> dict[str, Any]:
    """Extra settings for the data plane; a test parametrizes this name to change them."""
    return {}


@pytest.fixture
def lab(
    lab_overrides: dict[str, Any],
    client: TestClient,
    account: ApiAccount,
    database: Database,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> Iterator[Lab]:
    require_tools()
    port = free_port("127.0.0.1")
    upstream = SippAnswerer(tmp_path / "sipp", UPSTREAM, name="upstream")
    # A short run dir: Unix socket paths are limited to 108 bytes.
    settings = make_settings(
        sip_listen=f"udp:127.0.0.1:{port}",
        sip_domain=SIP_DOMAIN,
        sip_carriers=CARRIER,
        sip_upstream=f"sip:{UPSTREAM}:{upstream.port}",
        sip_probe_interval=PROBE_INTERVAL,
        sip_shm_mb=256,
        sip_workers=4,
        log_level="INFO",
        **lab_overrides,
    )
    plane = DataPlane(settings, database, node="test-node")
    upstream.start()
    plane.start()
    lab = Lab(client, account, database, plane, ("127.0.0.1", port), tmp_path, upstream)
    try:
        lab.wait_synced()
        yield lab
    finally:
        for answerer in lab._answerers:
            answerer.stop()
        upstream.stop()
        plane.stop()
