"""Calls per second through Kamailio: voiceroute's rendered config against a plain dispatcher.

Run from the repository root (Kamailio and SIPp installed; loopback only)::

    python bench/sip_calls.py
    python bench/sip_calls.py --rates 500,1000,2000 --seconds 4 --updates 10

For each config in turn, and for each rate in ascending order, it starts a fresh Kamailio
(``-m 1024``, 4 UDP workers) and two fresh SIPp answerers (127.0.0.3, 127.0.0.4), runs one
SIPp caller (127.0.0.2) for ``--seconds`` at that rate (INVITE, 200, ACK, BYE, 200 through the
proxy) and records whether every call completed. It stops at the first rate with a failed
call. "Ours" is the config ``render_config`` makes, with the API, the database (a fresh
SQLite file) and the reload agent of ``voiceroute.sip.process.DataPlane``, routing a number
to a two-trunk route of equal priorities (weights 1 and 1): htable lookup, the weighted set
choice, dispatcher algorithm 8, failure route. "Plain" is the minimal dispatcher config
ROUTING.md measured (two destinations from a list file, round robin, failover flags 2, a
failure route with ds_next_dst), written below.

Then, on "ours", it measures propagation: with calls running at 200/s, it swaps the route's
priorities ``--updates`` times through the API and records, for each, the delay from the API's
200 to the first call answered by the newly preferred trunk (SIPp's wall-clock log times).

Prints a table, writes ``bench/results/sip_calls.json``. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402
from tests.sip.harness import (  # noqa: E402
    CallRun,
    KamailioProcess,
    SippAnswerer,
    SippCaller,
    free_port,
    require_tools,
)

from voiceroute.api.app import create_app  # noqa: E402
from voiceroute.config import Settings  # noqa: E402
from voiceroute.db import Database  # noqa: E402
from voiceroute.services.accounts import create_account  # noqa: E402
from voiceroute.services.container import Services  # noqa: E402
from voiceroute.sip.process import DataPlane  # noqa: E402
from voiceroute.sip.sync import generations  # noqa: E402

RESULTS = REPO / "bench" / "results" / "sip_calls.json"
CALLER, TRUNK1, TRUNK2 = "127.0.0.2", "127.0.0.3", "127.0.0.4"
NUMBER = "+14155550100"
SHM_MB = 1024
WORKERS = 4

PLAIN_CONFIG = """#!KAMAILIO
debug=1
log_stderror=yes
children={workers}
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:{port}

loadmodule "jsonrpcs"
loadmodule "kex"
loadmodule "tm"
loadmodule "tmx"
loadmodule "sl"
loadmodule "rr"
loadmodule "pv"
loadmodule "maxfwd"
loadmodule "textops"
loadmodule "siputils"
loadmodule "dispatcher"

modparam("jsonrpcs", "transport", 4)
modparam("jsonrpcs", "dgram_socket", "{rpc}")
modparam("tm", "fr_timer", 3000)
modparam("dispatcher", "list_file", "{dslist}")
modparam("dispatcher", "flags", 2)

request_route {{
	if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
	if (is_method("CANCEL")) {{ if (t_check_trans()) t_relay(); exit; }}
	if (!is_method("ACK")) {{
		if (t_precheck_trans()) {{ t_check_trans(); exit; }}
		t_check_trans();
	}}
	if (has_totag()) {{
		if (loose_route()) {{ t_relay(); exit; }}
		if (is_method("ACK") && t_check_trans()) {{ t_relay(); }}
		exit;
	}}
	record_route();
	if (!ds_select_dst("1", "4")) {{ sl_send_reply("480", "No destination"); exit; }}
	t_on_failure("NEXT");
	t_relay();
	exit;
}}

failure_route[NEXT] {{
	if (t_is_canceled()) exit;
	if (t_check_status("503") || (t_branch_timeout() && !t_branch_replied())) {{
		ds_mark_dst("ip");
		if (ds_next_dst()) {{ t_on_failure("NEXT"); t_relay(); exit; }}
	}}
}}
"""


@dataclass
class Step:
    config: str
    rate: int
    calls: int
    completed: int
    failed: int
    seconds: float
    ok: bool


def run_step(config: str, rate: int, seconds: float, workdir: Path, start_proxy: Any) -> Step:
    """One rate on a fresh proxy and fresh answerers."""
    calls = int(rate * seconds)
    one = SippAnswerer(workdir / "sipp", TRUNK1, name=f"{config}-{rate}-t1")
    two = SippAnswerer(workdir / "sipp", TRUNK2, name=f"{config}-{rate}-t2")
    one.start()
    two.start()
    proxy, stop = start_proxy(one, two)
    try:
        caller = SippCaller(workdir / "sipp", proxy, CALLER)
        run: CallRun = caller.run(
            NUMBER, calls=calls, rate=rate, recv_timeout_ms=10_000, deadline=seconds * 3 + 60
        )
    finally:
        stop()
        one.stop()
        two.stop()
    ok = run.returncode == 0 and run.completed == calls
    return Step(config, rate, calls, run.completed, calls - run.completed, run.seconds, ok)


class Ours:
    """The API, the database, DataPlane (rendered config + agent) on one temp dir."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.db = Database(f"sqlite:///{workdir / 'voiceroute.sqlite3'}")
        self.db.upgrade()
        self.port = free_port()
        self.settings = Settings.model_validate(
            {
                "data_dir": workdir,
                "database_url": self.db.url,
                "secret_key": "bench-secret-key-0123456789-abcdefghijklmnop",
                "rate_limit": 0,
                "sip_listen": f"udp:127.0.0.1:{self.port}",
                "sip_carriers": CALLER,
                "sip_probe_interval": 10,
                "sip_shm_mb": SHM_MB,
                "sip_workers": WORKERS,
                "log_level": "WARNING",
            }
        )
        self.client = TestClient(
            create_app(self.settings, Services.build(self.settings, db=self.db))
        )
        self.client.__enter__()
        account = create_account(self.db, "bench")
        token = self.client.post(
            "/v1.0/oauth2/tokens",
            json={"AccountKey": account.account_key, "AccountSecret": account.account_secret},
        ).json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.route_id: str | None = None

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=self.headers)
        if answer.status_code != 200:
            raise RuntimeError(answer.text)
        result: dict[str, Any] = answer.json()
        return result

    def point_at(self, one: SippAnswerer, two: SippAnswerer, **fields: Any) -> None:
        trunks = {
            "TrunkIp1": one.host, "TrunkPort1": str(one.port),
            "TrunkIp2": two.host, "TrunkPort2": str(two.port),
        }  # fmt: skip
        if self.route_id is None:
            route = self.post(
                "/v1.0/voice/routes",
                {"RouteName": "bench", "RouteType": "Trunk", **trunks, **fields},
            )
            self.route_id = str(route["CallRouteId"])
            self.post(
                "/v1.0/numbers/provision",
                {"PhoneNumber": NUMBER, "VoiceEnabled": True, "VoiceRouteId": self.route_id},
            )
        else:
            self.post(
                "/v1.0/voice/routes/update", {"CallRouteId": self.route_id, **trunks, **fields}
            )

    def start_proxy(self, one: SippAnswerer, two: SippAnswerer) -> tuple[tuple[str, int], Any]:
        self.point_at(one, two, Trunk1Priortiy=1, Trunk2Priortiy=1, Trunk1Weight=1, Trunk2Weight=1)
        plane = DataPlane(self.settings, self.db, node="bench")
        plane.start()
        self.wait_synced(plane)
        return ("127.0.0.1", self.port), plane.stop

    def wait_synced(self, plane: DataPlane, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.db.read() as session:
                if plane.agent.applied == generations(session):
                    return
            time.sleep(0.02)
        raise RuntimeError("agent did not catch up")

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.db.dispose()


def start_plain(workdir: Path) -> Any:
    def start(one: SippAnswerer, two: SippAnswerer) -> tuple[tuple[str, int], Any]:
        port = free_port()
        run_dir = workdir / f"plain-{port}"
        run_dir.mkdir(parents=True)
        dslist = run_dir / "dispatcher.list"
        dslist.write_text(f"1 {one.uri} 0 0\n1 {two.uri} 0 0\n")
        text = PLAIN_CONFIG.format(
            workers=WORKERS, port=port, rpc=run_dir / "rpc.sock", dslist=dslist
        )
        proxy = KamailioProcess(run_dir, text, shm_mb=SHM_MB).start()
        return ("127.0.0.1", port), proxy.stop

    return start


def ramp(config: str, rates: list[int], seconds: float, workdir: Path, start: Any) -> list[Step]:
    steps = []
    for rate in rates:
        step = run_step(config, rate, seconds, workdir, start)
        steps.append(step)
        print(
            f"  {config:5} {rate:5} calls/s: {step.completed}/{step.calls} completed "
            f"in {step.seconds:.1f} s {'ok' if step.ok else 'FAILED'}",
            flush=True,
        )
        if not step.ok:
            break
    return steps


def propagation(ours: Ours, workdir: Path, updates: int, gap: float) -> list[float]:
    one = SippAnswerer(workdir / "sipp", TRUNK1, name="prop-t1").start()
    two = SippAnswerer(workdir / "sipp", TRUNK2, name="prop-t2").start()
    proxy, stop = ours.start_proxy(one, two)
    ours.point_at(one, two, Trunk1Priortiy=1, Trunk2Priortiy=2)
    time.sleep(1.0)
    rate = 200
    total = int(rate * (updates * gap + 2))
    results: list[CallRun] = []
    caller = SippCaller(workdir / "sipp", proxy, CALLER)
    thread = threading.Thread(
        target=lambda: results.append(caller.run(NUMBER, calls=total, rate=rate, deadline=600))
    )
    delays: list[float] = []
    try:
        thread.start()
        time.sleep(1.0)
        first_is_one = True
        for _ in range(updates):
            first_is_one = not first_is_one
            priorities = (1, 2) if first_is_one else (2, 1)
            ours.point_at(one, two, Trunk1Priortiy=priorities[0], Trunk2Priortiy=priorities[1])
            answered = time.time()
            winner = one if first_is_one else two
            deadline = time.monotonic() + gap * 3
            delay = None
            while time.monotonic() < deadline:
                later = [t for t, _ in winner.records() if t >= answered]
                if later:
                    delay = min(later) - answered
                    break
                time.sleep(0.01)
            if delay is not None:
                delays.append(delay)
            time.sleep(max(0.0, gap - (delay or 0)))
    finally:
        thread.join(timeout=600)
        stop()
        one.stop()
        two.stop()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="500,1000,2000,3000,4000")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between updates")
    args = parser.parse_args()
    require_tools()
    rates = [int(r) for r in args.rates.split(",")]
    with tempfile.TemporaryDirectory(prefix="vr-sip-bench-") as tmp:
        workdir = Path(tmp)
        ours = Ours(workdir / "ours")
        try:
            print("ramp (fresh proxy and answerers per step):", flush=True)
            our_steps = ramp("ours", rates, args.seconds, workdir / "ours", ours.start_proxy)
            plain_steps = ramp("plain", rates, args.seconds, workdir, start_plain(workdir))
            print(f"propagation ({args.updates} priority swaps, calls at 200/s):", flush=True)
            delays = propagation(ours, workdir / "ours", args.updates, args.gap)
        finally:
            ours.close()

    def best(steps: list[Step]) -> int:
        return max((s.rate for s in steps if s.ok), default=0)

    ours_best, plain_best = best(our_steps), best(plain_steps)
    ms = sorted(d * 1000 for d in delays)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))] if ms else None
    summary = {
        "machine": {"nproc": os.cpu_count(), "platform": platform.platform()},
        "seconds_per_step": args.seconds,
        "steps": [asdict(s) for s in our_steps + plain_steps],
        "max_calls_per_second_zero_failures": {"ours": ours_best, "plain": plain_best},
        "ratio_ours_over_plain": (ours_best / plain_best) if plain_best else None,
        "propagation_ms": {
            "updates": args.updates,
            "measured": len(ms),
            "median": statistics.median(ms) if ms else None,
            "p95": p95,
            "max": max(ms) if ms else None,
            "all": [round(m, 1) for m in ms],
        },
        "note": "highest rate stepped to with 0 failed calls; the ramp stops at the first failure",
    }
    print()
    print(f"{'config':8}{'max calls/s, 0 failures':>26}")
    print(f"{'ours':8}{ours_best:>26}")
    print(f"{'plain':8}{plain_best:>26}")
    ratio = summary["ratio_ours_over_plain"]
    print(f"ratio ours/plain: {ratio:.2f}" if ratio is not None else "ratio: n/a")
    if ms:
        print(
            "propagation API 200 -> first call on the new trunk: "
            f"median {statistics.median(ms):.0f} ms, "
            f"p95 {p95:.0f} ms, max {max(ms):.0f} ms ({len(ms)}/{args.updates} updates measured)"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
