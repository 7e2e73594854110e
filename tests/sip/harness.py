"""Real Kamailio and real SIPp on loopback, for the data-plane tests and the benchmark.

Every process started here is a child of the test process, started on free ports of one of the
127.0.0.0/8 addresses (all of them answer on ``lo``), and stopped by the code that started it
(fixtures use ``with`` blocks). ``sipp`` always runs under ``timeout`` and with
``-recv_timeout``: its own ``-timeout`` does not end a run with hung calls.

A missing ``kamailio`` or ``sipp`` is an error, never a skip: CI must fail without them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceroute.config import Settings
from voiceroute.sip.config import render_config
from voiceroute.sip.rpc import KamailioRpc, RpcError

SCENARIOS = Path(__file__).parent / "scenarios"
PKG_MB = 32


def require_tools() -> tuple[str, str]:
    """The kamailio and sipp executables; fails loudly (never skips) when one is missing."""
    kamailio = shutil.which("kamailio") or (
        "/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None
    )
    sipp = shutil.which("sipp")
    missing = [name for name, path in (("kamailio", kamailio), ("sipp", sipp)) if path is None]
    if missing:
        raise RuntimeError(
            f"the SIP data-plane tests need {' and '.join(missing)} installed "
            "(Debian: apt-get install kamailio kamailio-sqlite-modules "
            "kamailio-postgres-modules sip-tester); they fail rather than skip"
        )
    assert kamailio is not None
    assert sipp is not None
    return kamailio, sipp


def free_port(host: str = "127.0.0.1") -> int:
    """A UDP port free on ``host`` right now (and its TCP twin, for a later SIP listener)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind((host, port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port on {host}")


def _stop(child: subprocess.Popen[Any], timeout: float = 5.0) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout)


class KamailioProcess:
    """``kamailio -DD -E`` with a rendered voiceroute config (or any config text)."""

    def __init__(self, workdir: Path, config_text: str, shm_mb: int = 256) -> None:
        self.kamailio, _ = require_tools()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / "kamailio.cfg"
        self.config.write_text(config_text)
        self.log = workdir / "kamailio.log"
        self.rpc_socket = workdir / "rpc.sock"
        self.rpc = KamailioRpc(self.rpc_socket)
        self.shm_mb = shm_mb
        self._child: subprocess.Popen[bytes] | None = None

    @classmethod
    def voiceroute(
        cls, workdir: Path, settings: Settings, database_url: str, shm_mb: int = 256
    ) -> KamailioProcess:
        socket_path = workdir / "rpc.sock"
        text = render_config(settings, database_url=database_url, rpc_socket=socket_path)
        return cls(workdir, text, shm_mb)

    def start(self, timeout: float = 20.0) -> KamailioProcess:
        command = [
            self.kamailio, "-f", str(self.config), "-Y", str(self.workdir),
            "-P", str(self.workdir / "kamailio.pid"), "-DD", "-E",
            "-m", str(self.shm_mb), "-M", str(PKG_MB),
        ]  # fmt: skip
        check = subprocess.run([*command, "-c"], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"kamailio rejected {self.config}:\n{check.stderr[-3000:]}")
        with self.log.open("ab") as log:
            self._child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._child.poll() is not None:
                raise RuntimeError(f"kamailio exited at start:\n{self.tail()}")
            try:
                self.rpc.call("core.version")
                return self
            except RpcError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kamailio did not answer on {self.rpc_socket}:\n{self.tail()}")

    def stop(self) -> None:
        if self._child is not None:
            _stop(self._child, 10.0)
            self._child = None

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def reload_all(self) -> None:
        for call in (("dispatcher.reload",), ("permissions.addressReload",)):
            self.rpc.call(*call)
        self.rpc.call("htable.reload", "vr_routing")

    def destination_flags(self) -> dict[str, set[str]]:
        """Destination URI -> the FLAGS strings it has across sets (e.g. {"AP"}, {"IP"})."""
        listing = self.rpc.call("dispatcher.list") or {}
        flags: dict[str, set[str]] = {}
        for record in listing.get("RECORDS") or []:
            for target in (record.get("SET") or {}).get("TARGETS") or []:
                dest = target.get("DEST") or {}
                flags.setdefault(str(dest.get("URI")), set()).add(str(dest.get("FLAGS")))
        return flags

    def __enter__(self) -> KamailioProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SippAnswerer:
    """A SIPp UAS on ``host:port`` answering 200 (``uas.xml``) or a fixed refusal."""

    def __init__(
        self,
        workdir: Path,
        host: str,
        port: int | None = None,
        *,
        reject: tuple[int, str] | None = None,
        name: str | None = None,
    ) -> None:
        _, self.sipp = require_tools()
        self.host = host
        self.port = port or free_port(host)
        self.reject = reject
        self.name = name or f"uas-{host}-{self.port}"
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"{self.name}.log"
        self._child: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"sip:{self.host}:{self.port}"

    def start(self) -> SippAnswerer:
        scenario = SCENARIOS / "uas.xml"
        if self.reject:
            # SIPp needs a literal status code in a reply it sends: fill the template in.
            text = (SCENARIOS / "uas_reject.xml").read_text()
            code, reason = self.reject
            scenario = self.workdir / f"{self.name}.xml"
            scenario.write_text(text.replace("@@CODE@@", str(code)).replace("@@REASON@@", reason))
        command = [
            self.sipp, "-sf", str(scenario), "-i", self.host, "-p", str(self.port),
            "-bind_local", "-t", "u1", "-nostdin", "-trace_logs", "-log_file", str(self.log),
            "-trace_err", "-error_file", str(self.workdir / f"{self.name}.errors"),
            "-max_recv_loops", "10000", "-buff_size", "4194304",
        ]  # fmt: skip
        self._child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.workdir,
        )
        _wait_udp_bound(self.host, self.port, self._child)
        return self

    def stop(self) -> None:
        if self._child is not None:
            _stop(self._child)
            self._child = None

    def kill(self) -> None:
        """Die abruptly, as a crashed trunk does."""
        if self._child is not None:
            self._child.kill()
            self._child.wait(5)
            self._child = None

    def records(self) -> list[tuple[float, str]]:
        """(wall-clock time, Request-URI) of every INVITE answered so far."""
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            # "CALL <date>\t<time>\t<epoch> INVITE <uri>" (SIPp's [timestamp] has tabs)
            if line.startswith("CALL ") and " INVITE " in line:
                head, uri = line.split(" INVITE ", 1)
                out.append((float(head.split()[-1]), uri.strip()))
        return out

    def calls(self) -> list[str]:
        """The Request-URI of every INVITE answered so far."""
        return [uri for _, uri in self.records()]

    def count(self) -> int:
        return len(self.calls())

    def __enter__(self) -> SippAnswerer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_udp_bound(host: str, port: int, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"sipp on {host}:{port} exited at start ({child.returncode})")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return  # sipp holds it
        time.sleep(0.02)
    raise RuntimeError(f"sipp did not bind {host}:{port}")


@dataclass
class CallRun:
    returncode: int
    seconds: float
    log: str
    errors: str

    @property
    def completed(self) -> int:
        return sum(1 for line in self.log.splitlines() if line.startswith("DONE "))

    def finals(self) -> list[str]:
        """Status lines logged by uac_refused.xml / uac_refer.xml ("SIP/2.0 403 ...")."""
        out = []
        for line in self.log.splitlines():
            for prefix in ("FINAL ", "REFER "):
                if line.startswith(prefix):
                    out.append(line[len(prefix) :].strip())
        return out


class SippCaller:
    """Runs SIPp UAC scenarios from one loopback address against the proxy."""

    _runs = 0

    def __init__(self, workdir: Path, proxy: tuple[str, int], host: str = "127.0.0.2") -> None:
        _, self.sipp = require_tools()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.proxy = proxy
        self.host = host

    def run(
        self,
        number: str,
        *,
        calls: int = 1,
        rate: float = 10,
        scenario: str = "uac.xml",
        ruri_host: str | None = None,
        limit: int | None = None,
        recv_timeout_ms: int = 10_000,
        deadline: float = 120.0,
    ) -> CallRun:
        SippCaller._runs += 1
        tag = f"uac-{os.getpid()}-{SippCaller._runs}"
        log = self.workdir / f"{tag}.log"
        errors = self.workdir / f"{tag}.errors"
        port = free_port(self.host)
        proxy = f"{self.proxy[0]}:{self.proxy[1]}"
        command = [
            "timeout", "-k", "5", str(int(deadline)), self.sipp, proxy,
            "-sf", str(SCENARIOS / scenario), "-s", number,
            "-key", "ruri_host", ruri_host or proxy,
            "-i", self.host, "-p", str(port), "-bind_local", "-t", "u1",
            "-m", str(calls), "-r", str(rate), "-rp", "1000",
            "-recv_timeout", str(recv_timeout_ms), "-nostdin",
            "-trace_logs", "-log_file", str(log), "-trace_err", "-error_file", str(errors),
            "-max_recv_loops", "10000", "-buff_size", "4194304",
        ]  # fmt: skip
        if limit is not None:
            command += ["-l", str(limit)]
        started = time.monotonic()
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.workdir,
            check=False,
        )
        seconds = time.monotonic() - started
        return CallRun(
            returncode=result.returncode,
            seconds=seconds,
            log=log.read_text(errors="replace") if log.exists() else "",
            errors=(errors.read_text(errors="replace")[-3000:] if errors.exists() else "")
            + result.stderr.decode(errors="replace")[-2000:],
        )


@contextlib.contextmanager
def answerers(
    workdir: Path, *specs: tuple[str, tuple[int, str] | None]
) -> Iterator[list[SippAnswerer]]:
    started: list[SippAnswerer] = []
    try:
        for host, reject in specs:
            started.append(SippAnswerer(workdir, host, reject=reject).start())
        yield started
    finally:
        for answerer in started:
            answerer.stop()


def counts(*answerers_: SippAnswerer) -> Counter[str]:
    return Counter({a.name: a.count() for a in answerers_})
