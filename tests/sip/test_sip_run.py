"""``voiceroute sip run``: Kamailio as a supervised child, stopped cleanly, exit code passed on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.sip.harness import free_port, require_tools
from voiceroute.sip.rpc import KamailioRpc, RpcError

VOICEROUTE = str(Path(sys.executable).parent / "voiceroute")


def kamailio_pids(config: Path) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-f", f"kamailio -f {config}"], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def test_sip_run_serves_then_stops_kamailio_on_sigterm(database, tmp_path):
    require_tools()
    port = free_port("127.0.0.1")
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOICEROUTE_")}
    env.update(
        {
            "VOICEROUTE_DATA_DIR": str(tmp_path),
            "VOICEROUTE_DATABASE_URL": database.url,
            "VOICEROUTE_SECRET_KEY": "s" * 48,
            "VOICEROUTE_SIP_LISTEN": f"udp:127.0.0.1:{port}",
            "VOICEROUTE_SIP_SHM_MB": "128",
        }
    )
    config = (tmp_path / "kamailio" / "kamailio.cfg").resolve()
    runner = subprocess.Popen(
        [VOICEROUTE, "sip", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        rpc = KamailioRpc(tmp_path / "kamailio" / "rpc.sock")
        deadline = time.monotonic() + 30
        while True:
            try:
                assert "kamailio" in str(rpc.call("core.version")).lower()
                break
            except RpcError:
                assert runner.poll() is None, runner.stderr.read() if runner.stderr else ""
                assert time.monotonic() < deadline, "kamailio never answered"
                time.sleep(0.2)
        assert kamailio_pids(config)

        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=30) == 0
        assert kamailio_pids(config) == []
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
        if runner.stderr is not None:
            runner.stderr.close()
