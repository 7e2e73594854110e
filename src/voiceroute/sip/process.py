"""Kamailio as a supervised child process, and the data plane it forms with its agent."""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from voiceroute.config import Settings
from voiceroute.db import Database
from voiceroute.errors import ConfigurationError
from voiceroute.sip.agent import ReloadAgent
from voiceroute.sip.rpc import KamailioRpc, RpcError

logger = logging.getLogger("voiceroute.sip")

PKG_MEMORY_MB = 32
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
START_TIMEOUT_SECONDS = 20.0


def kamailio_path(settings: Settings) -> str | None:
    return shutil.which(settings.kamailio_binary)


def _stop_with_parent() -> None:
    """In the child: have the kernel send SIGTERM when the process that started it dies.

    uvicorn re-raises SIGTERM after its graceful shutdown, which ends the process before any
    cleanup of ours can run; this way Kamailio never outlives voiceroute, even after kill -9.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class KamailioProcess:
    """``kamailio -DD -E``: in the foreground, logging to our stderr, stopped with SIGTERM."""

    def __init__(self, binary: str, config: Path, run_dir: Path, shm_mb: int) -> None:
        self.command = [
            binary,
            "-f", str(config),
            "-Y", str(run_dir),
            "-P", str(run_dir / "kamailio.pid"),
            "-DD",
            "-E",
            "-m", str(shm_mb),
            "-M", str(PKG_MEMORY_MB),
        ]  # fmt: skip
        self._child: subprocess.Popen[bytes] | None = None

    def check(self) -> None:
        """Let Kamailio parse the config (``-c``); raise with its own words if it refuses."""
        result = subprocess.run(  # noqa: S603 - our own binary and arguments
            [*self.command, "-c"], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise ConfigurationError(f"kamailio rejected its config:\n{result.stderr[-4000:]}")

    def start(self) -> None:
        self._child = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            self.command, preexec_fn=_stop_with_parent
        )

    @property
    def running(self) -> bool:
        return self._child is not None and self._child.poll() is None

    def wait(self) -> int:
        assert self._child is not None
        return self._child.wait()

    def stop(self, timeout: float = 10.0) -> int | None:
        if self._child is None:
            return None
        if self._child.poll() is None:
            self._child.send_signal(signal.SIGTERM)
            try:
                self._child.wait(timeout)
            except subprocess.TimeoutExpired:
                self._child.kill()
        return self._child.wait()


class DataPlane:
    """Kamailio with this node's rendered config, plus the agent that keeps it current."""

    def __init__(self, settings: Settings, db: Database, node: str | None = None) -> None:
        from voiceroute.sip.config import render_config  # the template is read only here

        binary = kamailio_path(settings)
        if binary is None:
            raise ConfigurationError(
                f"{settings.kamailio_binary!r} is not installed; install Debian's kamailio, "
                "kamailio-sqlite-modules and kamailio-postgres-modules, or set "
                "VOICEROUTE_KAMAILIO_BINARY"
            )
        self.run_dir = (settings.data_dir / "kamailio").resolve()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.rpc_socket = self.run_dir / "rpc.sock"
        self.config_path = self.run_dir / "kamailio.cfg"
        self.config_path.write_text(
            render_config(settings, database_url=db.url, rpc_socket=self.rpc_socket)
        )
        self.kamailio = KamailioProcess(binary, self.config_path, self.run_dir, settings.sip_shm_mb)
        self.rpc = KamailioRpc(self.rpc_socket)
        self.agent = ReloadAgent(db, self.rpc, node or f"{socket.gethostname()}:{self.run_dir}")
        self._stop = threading.Event()
        self._agent_thread = threading.Thread(
            target=self.agent.run, args=(self._stop,), name="voiceroute-sip-agent", daemon=True
        )

    def start(self) -> None:
        self.kamailio.check()
        self.kamailio.start()
        self._wait_for_rpc()
        self._agent_thread.start()
        logger.info(
            "data plane started",
            extra={"fields": {"config": str(self.config_path), "pid": os.getpid()}},
        )

    def _wait_for_rpc(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.kamailio.running:
                raise ConfigurationError("kamailio exited during start-up; see its log above")
            try:
                self.rpc.call("core.version")
                return
            except RpcError:
                time.sleep(0.1)
        raise ConfigurationError(f"kamailio did not answer on {self.rpc_socket}")

    def wait(self) -> int:
        return self.kamailio.wait()

    def stop(self) -> int | None:
        self._stop.set()
        if self._agent_thread.is_alive():
            self._agent_thread.join(timeout=5)
        return self.kamailio.stop()
