"""Explain answers per second over HTTP, against a real ``voiceroute serve`` process.

Run from the repository root::

    python bench/explain_http.py                      # SQLite in a fresh temp data dir
    python bench/explain_http.py --threads 1,2,8 --requests 4000
    python bench/explain_http.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

It starts ``voiceroute serve`` as a subprocess on a free loopback port, with a fresh temporary
data dir and ``VOICEROUTE_RATE_LIMIT=0`` (with ``--database-url`` it uses that database and a
random 48-character ``VOICEROUTE_SECRET_KEY``), creates an account with the CLI
(``voiceroute accounts create --name bench``, same environment), logs in, creates a two-trunk
route (equal priorities, weights 3 and 1) and a number pointing at it, then times
``POST /v1.0/voice/routes/explain`` for that number: a fixed number of requests per run, spread
over N client threads, each with its own keep-alive connection. It prints a table, writes
``bench/results/explain_http.json`` (git-ignored) and stops the server. Only loopback addresses
are used. Prints numbers only; speed is never asserted anywhere.

The client threads share the machine with the server (``nproc`` is in the JSON), so on a
small machine the figures are for client and server together.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchkit import (
    call_json,
    cpu_model,
    free_loopback_port,
    nproc,
    request,
    stop,
    voiceroute_command,
)
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "explain_http.json"
HOST = "127.0.0.1"
EXPLAIN = "/v1.0/voice/routes/explain"
STARTUP_SECONDS = 60.0
ROUTE = {
    "RouteName": "Bench two trunks",
    "RouteType": "Trunk",
    "TrunkIp1": "198.51.100.10",
    "TrunkIp2": "198.51.100.11",
    "Trunk1Priortiy": 1,
    "Trunk2Priortiy": 1,
    "Trunk1Weight": 3,
    "Trunk2Weight": 1,
}


@dataclass
class Run:
    threads: int
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def wait_until_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"voiceroute serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            try:
                status, _ = request(connection, "GET", "/readyz")
            finally:
                connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"voiceroute serve not ready after {STARTUP_SECONDS:.0f} s:\n{log.read_text()}")


def measure(port: int, token: str, body: dict[str, Any], threads: int, total: int) -> Run:
    """``total`` explain requests over ``threads`` keep-alive connections, timed as a whole."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    ready = threading.Barrier(threads + 1)

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        connection.connect()
        ready.wait()
        own = latencies[slot]
        try:
            for _ in range(shares[slot]):
                started = time.perf_counter()
                connection.request("POST", EXPLAIN, body=payload, headers=headers)
                answer = connection.getresponse()
                raw = answer.read()
                own.append(time.perf_counter() - started)
                if answer.status != 200 or b'"Decision":"Accept"' not in raw:
                    errors[slot] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    every = sorted(latency for own in latencies for latency in own)
    cuts = statistics.quantiles(every, n=100, method="inclusive")
    return Run(
        threads=threads,
        requests=len(every),
        errors=sum(errors),
        seconds=round(seconds, 3),
        requests_per_second=round(len(every) / seconds, 1),
        p50_ms=round(statistics.median(every) * 1e3, 2),
        p99_ms=round(cuts[98] * 1e3, 2),
        max_ms=round(every[-1] * 1e3, 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    parser.add_argument(
        "--threads", default="1,8", help="client thread counts, one run each (default 1,8)"
    )
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests first")
    parser.add_argument(
        "--database-url", help="use this database instead of SQLite in a temp data dir"
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="server VOICEROUTE_LOG_LEVEL (INFO logs each call)"
    )
    args = parser.parse_args()
    thread_counts = [int(part) for part in args.threads.split(",") if part.strip()]
    if args.requests < 1 or not thread_counts or min(thread_counts) < 1:
        parser.error("--requests and every --threads value must be at least 1")

    command = voiceroute_command()
    data_dir = Path(tempfile.mkdtemp(prefix="voiceroute-bench-"))
    port = free_loopback_port()
    env = {
        **os.environ,
        "VOICEROUTE_DATA_DIR": str(data_dir),
        "VOICEROUTE_RATE_LIMIT": "0",
        "VOICEROUTE_LOG_LEVEL": args.log_level,
        "VOICEROUTE_TOKEN_TTL_SECONDS": "3600",
    }
    for inherited in ("VOICEROUTE_DATABASE_URL", "VOICEROUTE_SECRET_KEY", "VOICEROUTE_HOST"):
        env.pop(inherited, None)
    backend = "sqlite"
    if args.database_url:
        backend = make_url(args.database_url).get_backend_name()
        env["VOICEROUTE_DATABASE_URL"] = args.database_url
        env["VOICEROUTE_SECRET_KEY"] = secrets.token_urlsafe(36)  # 48 characters
        assert len(env["VOICEROUTE_SECRET_KEY"]) == 48
    log = data_dir / "server.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [command, "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(port, server, log)
        created = subprocess.run(
            [command, "accounts", "create", "--name", "bench"],
            env=env,
            capture_output=True,
            check=True,
            timeout=60,
        )
        account = json.loads(created.stdout)
        token = call_json(
            port,
            "POST",
            "/v1.0/oauth2/tokens",
            {"AccountKey": account["AccountKey"], "AccountSecret": account["AccountSecret"]},
        )["token"]
        route = call_json(port, "POST", "/v1.0/voice/routes", ROUTE, token)
        # A number is unique across accounts: a shared database may hold earlier runs' numbers.
        number = f"+1415{secrets.randbelow(10**7):07d}"
        call_json(
            port,
            "POST",
            "/v1.0/numbers/provision",
            {"PhoneNumber": number, "VoiceEnabled": True, "VoiceRouteId": route["CallRouteId"]},
            token,
        )
        body = {"PhoneNumber": number}
        sample = call_json(port, "POST", EXPLAIN, body, token)
        assert [c["FirstTryProbabilityExact"] for c in sample["Candidates"]] == ["3/4", "1/4"]

        if args.warmup:
            measure(port, token, body, 1, args.warmup)
        runs = [measure(port, token, body, threads, args.requests) for threads in thread_counts]

        if args.database_url:  # leave a shared database as it was, apart from the account
            call_json(port, "POST", "/v1.0/numbers/release", {"Number": number}, token)
            call_json(
                port,
                "POST",
                "/v1.0/voice/routes/delete",
                {"CallRouteId": route["CallRouteId"]},
                token,
            )
            subprocess.run(
                [command, "accounts", "disable", account["AccountKey"]],
                env=env,
                capture_output=True,
                check=True,
                timeout=60,
            )
    except BaseException:
        stop(server)
        tail = log.read_text(errors="replace").splitlines()[-40:]
        print("server log, last lines:", *tail, sep="\n", file=sys.stderr)
        raise
    finally:
        stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"explain over HTTP, {backend}, 1 server process, {nproc()} CPUs ({cpu_model()})")
    print(
        f"{'threads':>7} {'requests':>9} {'errors':>6} {'seconds':>8} {'req/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7}"
    )
    for run in runs:
        print(
            f"{run.threads:>7} {run.requests:>9} {run.errors:>6} {run.seconds:>8.2f} "
            f"{run.requests_per_second:>9.1f} {run.p50_ms:>7.2f} {run.p99_ms:>7.2f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "explain_http",
                "backend": backend,
                "server_log_level": args.log_level,
                "warmup_requests": args.warmup,
                "machine": {
                    "nproc": nproc(),
                    "cpu_model": cpu_model(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "runs": [asdict(run) for run in runs],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
