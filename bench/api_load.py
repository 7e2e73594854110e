"""API load benchmark with wrk: token, get, list and update against ``voiceroute serve``.

Run from the repository root, with the project's venv::

    python bench/api_load.py [--database sqlite|postgres|both] [--duration S]

Needs ``wrk`` on PATH (``apt-get install wrk``); installs nothing itself. For each database it
waits (up to ``--load-wait`` seconds) for the 1-minute load average to drop below
``--max-load``, then starts ``voiceroute serve --no-sip`` as a subprocess on a free loopback port
with ``VOICEROUTE_RATE_LIMIT=0`` and ``VOICEROUTE_LOG_LEVEL=WARNING``:

- ``sqlite``: a fresh temporary data dir (the embedded default);
- ``postgres``: a fresh throw-away database created on ``--postgres-admin-url`` (default
  ``postgres@127.0.0.1:5432/test``) and dropped afterwards, reached through
  ``VOICEROUTE_DATABASE_URL=postgresql+psycopg://...`` with a random 48-character
  ``VOICEROUTE_SECRET_KEY``.

It creates an account with the CLI, a token (TTL one hour) and 100 routes over HTTP, then runs
wrk (``--latency``; at most 2 wrk threads; Lua scripts generated into a temp dir) for each
endpoint at 1, 16 and 64 connections (one client = one keep-alive connection):

- ``token``: ``POST /v1.0/oauth2/tokens`` (argon2id verification on every call, by design);
- ``get``: ``GET /v1.0/voice/routes?CallRouteId=`` rotating over the 100 routes;
- ``list``: ``GET /v1.0/account/voice/routes`` (100 routes);
- ``update``: ``POST /v1.0/voice/routes/update``, each request to the next route (each wrk
  thread starts at a different one) with a new ``RouteName`` and ``Trunk1Weight``, so every
  call really writes (row, revision, data-plane rows);
- ``ceiling``: ``bench/ceiling_app.py``, a bare FastAPI ``def`` endpoint served by uvicorn with
  the settings of ``voiceroute serve``, answering the same JSON as ``get`` (same rotating
  paths) without auth, middleware, response model or storage; ``ceiling-async`` is the same
  from an ``async def`` endpoint (no threadpool hop), for reference.

Each endpoint gets an untimed 1-second warm-up at 16 connections first. ``% ceil`` compares
with ``ceiling`` at the same number of clients, on the same run. It prints a table and the
targets (update >= 30 % and get >= 50 % of the ceiling's req/s; p99 < 50 ms at 64 clients), and
writes ``bench/results/api_load.json`` (git-ignored). Servers are always stopped and a
throw-away database always dropped.

``srv ms/req`` is the voiceroute (or ceiling) process's CPU time per request: at one process
(one GIL) about 1000 / that is the most req/s it can give. ``busy %`` is the whole machine's CPU
use during the cell; wrk, the server and PostgreSQL share the same cores, so on a small machine
the figures are for all of them together.

``--profile-dir DIR`` (needs ``py-spy``: ``pip install py-spy``) adds, after the measured cells,
one run per endpoint at 16 clients with ``py-spy record --gil`` attached to the server; it
writes collapsed stacks (``DIR/<database>-<endpoint>.txt``) and prints the hottest frames. Those
runs are slower (sampling) and are not part of the table.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchkit import call, call_json, cpu_model, free_loopback_port, nproc, stop, voiceroute_command

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "api_load.json"
CEILING_APP = REPO / "bench" / "ceiling_app.py"
HOST = "127.0.0.1"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
STARTUP_SECONDS = 60.0
ROUTES = 100
CLIENTS = (1, 16, 64)
ENDPOINTS = ("ceiling", "ceiling-async", "get", "list", "update", "token")
MAX_WRK_THREADS = 2  # this is a 2-core machine shared by wrk, the server and the database
WRK_TIMEOUT = "10s"  # wrk's default (2 s) would count slow token calls as errors, not latency
WARMUP_SECONDS = 1
LOGIN_PATH = "/v1.0/oauth2/tokens"
ROUTES_PATH = "/v1.0/voice/routes"
LIST_PATH = "/v1.0/account/voice/routes"
UPDATE_PATH = "/v1.0/voice/routes/update"
TARGETS = {"update": 0.30, "get": 0.50}
P99_TARGET_MS = 50.0


@dataclass
class Cell:
    database: str
    endpoint: str
    clients: int
    wrk_threads: int
    seconds: float
    requests: int
    requests_per_second: float
    # None when no request completed within the cell (wrk drops those still in flight).
    p50_ms: float | None
    p75_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    non_2xx: int
    socket_errors: int
    server_cpu_ms_per_request: float | None
    machine_busy_pct: float
    load1_before: float
    pct_of_ceiling: float | None = None


@dataclass
class DatabaseRun:
    database: str
    load1_at_start: float
    loadavg_at_start: str
    server_version: str = ""
    cells: list[Cell] = field(default_factory=list)
    profiles: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- machine


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_for_quiet(max_load: float, max_wait: float) -> float:
    """Wait until the 1-minute load is below ``max_load`` (at most ``max_wait`` s); return it."""
    deadline = time.monotonic() + max_wait
    current = load1()
    announced = False
    while current >= max_load and time.monotonic() < deadline:
        if not announced:
            print(f"  load {current:.2f} >= {max_load}: waiting up to {max_wait:.0f} s", flush=True)
            announced = True
        time.sleep(5)
        current = load1()
    if current >= max_load:
        print(f"  load still {current:.2f} after {max_wait:.0f} s; running anyway", flush=True)
    return current


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` in clock ticks (Linux), or ``None``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks over all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


# --------------------------------------------------------------------------- servers


def venv_python() -> str:
    local = REPO / ".venv" / "bin" / "python"
    return str(local) if local.exists() else sys.executable


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess, ready on ``/readyz`` of the port in ``command``; always stopped."""
    port = int(command[command.index("--port") + 1])
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                sys.exit(f"{command[0]} exited with {server.returncode}:\n{log.read_text()}")
            with suppress(OSError):
                if call(port, "GET", "/readyz")[0] == 200:
                    break
            if time.monotonic() > deadline:
                sys.exit(
                    f"{command[0]} not ready after {STARTUP_SECONDS:.0f} s:\n{log.read_text()}"
                )
            time.sleep(0.1)
        yield server
    except BaseException:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        print(f"{log.name}, last lines:", *tail, sep="\n", file=sys.stderr)
        raise
    finally:
        stop(server)


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A new empty database on the server of ``admin_url``; dropped afterwards. Yields its URL."""
    import psycopg  # the project's driver, in the venv

    parts = urlsplit(admin_url)
    if parts.hostname not in LOOPBACK:
        sys.exit(f"--postgres-admin-url must be on loopback, not {parts.hostname!r}")
    name = f"voiceroute_bench_{secrets.token_hex(4)}"
    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # name is ours: hex only
    try:
        netloc = parts.netloc
        yield f"postgresql+psycopg://{netloc}/{name}"
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- wrk


_LUA_ROTATION = """
local counter = 0
local started = 0
function setup(thread)
  thread:set("offset", started * {stride})
  started = started + 1
end
function init(args)
  counter = offset or 0
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII text is a valid Lua string literal


def lua_scripts(
    directory: Path, token: str, account: dict[str, str], ids: list[str]
) -> dict[str, Path]:
    """One wrk script per endpoint, written into ``directory``."""
    auth = f'wrk.headers["Authorization"] = {lua_string("Bearer " + token)}\n'
    json_type = 'wrk.headers["Content-Type"] = "application/json"\n'
    id_table = "local ids = {" + ", ".join(lua_string(i) for i in ids) + "}\n"
    rotation = _LUA_ROTATION.replace("{stride}", str(max(1, len(ids) // MAX_WRK_THREADS)))
    get_paths = (
        id_table
        + rotation
        + "function request()\n"
        + "  counter = counter + 1\n"
        + '  return wrk.format("GET", "{path}?CallRouteId=" .. ids[counter % #ids + 1])\n'
        + "end\n"
    )
    token_body = json.dumps(
        {"AccountKey": account["AccountKey"], "AccountSecret": account["AccountSecret"]}
    )
    scripts = {
        "ceiling": get_paths.replace("{path}", ROUTES_PATH),
        "ceiling-async": get_paths.replace("{path}", ROUTES_PATH + "/async"),
        "get": auth + get_paths.replace("{path}", ROUTES_PATH),
        "list": auth + f"wrk.path = {lua_string(LIST_PATH)}\n",
        "token": (
            json_type
            + 'wrk.method = "POST"\n'
            + f"wrk.path = {lua_string(LOGIN_PATH)}\n"
            + f"wrk.body = {lua_string(token_body)}\n"
        ),
        "update": (
            auth
            + json_type
            + id_table
            + rotation
            + "function request()\n"
            + "  counter = counter + 1\n"
            + '  local body = \'{"CallRouteId":"\' .. ids[counter % #ids + 1]\n'
            + '    .. \'","RouteName":"Bench route rev \' .. counter\n'
            + "    .. '\",\"Trunk1Weight\":' .. (counter % 100 + 1) .. '}'\n"
            + f'  return wrk.format("POST", {lua_string(UPDATE_PATH)}, nil, body)\n'
            + "end\n"
        ),
    }
    paths = {}
    for name, text in scripts.items():
        paths[name] = directory / f"{name}.lua"
        paths[name].write_text(text)
    return paths


_TIME = re.compile(r"([\d.]+)(us|ms|s|m|h)$")
_TIME_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text: str) -> float:
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _TIME_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/sec, the latency distribution (``--latency``) and error counts of wrk's report."""
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    latency = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in ([\d.]+\w+)", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not (percentiles.keys() == {"50", "75", "90", "99"} and latency and total and rate):
        raise RuntimeError(f"could not parse wrk's report:\n{output}")
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = int(total.group(1))
    return {
        "requests": requests,
        "seconds": round(to_ms(total.group(2)) / 1e3, 3),
        "requests_per_second": float(rate.group(1)),
        **{
            f"p{p}_ms": round(to_ms(percentiles[p]), 3) if requests else None
            for p in ("50", "75", "90", "99")
        },
        "max_ms": round(to_ms(latency.group(1)), 3) if requests else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


def wrk(url: str, script: Path, clients: int, seconds: int) -> tuple[int, str]:
    threads = min(MAX_WRK_THREADS, clients)
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={clients}",
        f"--duration={seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        f"--script={script}",
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return threads, done.stdout


def measure(
    database: str, endpoint: str, url: str, script: Path, clients: int, seconds: int, pid: int
) -> Cell:
    before_load = load1()
    cpu_before = cpu_ticks(pid)
    busy_before, total_before = machine_ticks()
    threads, output = wrk(url, script, clients, seconds)
    busy_after, total_after = machine_ticks()
    cpu_after = cpu_ticks(pid)
    parsed = parse_wrk(output)
    per_request = None
    if cpu_before is not None and cpu_after is not None and parsed["requests"]:
        ticks = os.sysconf("SC_CLK_TCK")
        per_request = round((cpu_after - cpu_before) / ticks * 1e3 / parsed["requests"], 3)
    busy = 100.0 * (busy_after - busy_before) / max(1, total_after - total_before)
    return Cell(
        database=database,
        endpoint=endpoint,
        clients=clients,
        wrk_threads=threads,
        server_cpu_ms_per_request=per_request,
        machine_busy_pct=round(busy, 1),
        load1_before=before_load,
        **parsed,
    )


# --------------------------------------------------------------------------- profile


def py_spy_command() -> str | None:
    local = REPO / ".venv" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def profile(
    py_spy: str, out: Path, url: str, script: Path, seconds: int, pid: int
) -> list[tuple[str, float]]:
    """wrk at 16 clients with ``py-spy record --gil`` on ``pid``: hottest frames, inclusive %."""
    command = [py_spy, "record", "--pid", str(pid), "--gil", "--rate", "250", "--format", "raw"]
    command += ["--duration", str(seconds + 1), "--output", str(out), "--nonblocking"]
    recorder = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(0.5)
        wrk(url, script, 16, seconds)
        recorder.wait(timeout=seconds + 30)
    finally:
        if recorder.poll() is None:
            recorder.kill()
            recorder.wait(timeout=5)
    if not out.exists():
        err = recorder.stderr.read().decode(errors="replace") if recorder.stderr else ""
        print(f"  py-spy wrote nothing: {err.strip()}", file=sys.stderr)
        return []
    return hottest(out)


def hottest(collapsed: Path, top: int = 12) -> list[tuple[str, float]]:
    """Inclusive share of samples per frame (function and file) in a py-spy ``raw`` file."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frames = {re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")}
        for frame in frames:
            inclusive[frame] += samples
    shares = [(frame, round(100.0 * n / total, 1)) for frame, n in inclusive.most_common()]
    interesting = [s for s in shares if s[1] < 99.0]  # skip the thread/loop entry frames
    return interesting[:top]


# --------------------------------------------------------------------------- one database


def run_database(database: str, args: argparse.Namespace, workdir: Path) -> DatabaseRun:
    print(f"\n== {database} ==", flush=True)
    at_start = wait_for_quiet(args.max_load, args.load_wait)
    run = DatabaseRun(
        database=database,
        load1_at_start=at_start,
        loadavg_at_start=Path("/proc/loadavg").read_text().strip(),
    )
    print(f"  loadavg at start: {run.loadavg_at_start}", flush=True)
    data_dir = workdir / f"data-{database}"
    data_dir.mkdir()
    env = {
        **os.environ,
        "VOICEROUTE_DATA_DIR": str(data_dir),
        "VOICEROUTE_RATE_LIMIT": "0",
        "VOICEROUTE_LOG_LEVEL": "WARNING",
        "VOICEROUTE_TOKEN_TTL_SECONDS": "3600",
    }
    for inherited in ("VOICEROUTE_DATABASE_URL", "VOICEROUTE_SECRET_KEY", "VOICEROUTE_HOST"):
        env.pop(inherited, None)
    with _database(database, args.postgres_admin_url) as database_url:
        if database_url is not None:
            env["VOICEROUTE_DATABASE_URL"] = database_url
            env["VOICEROUTE_SECRET_KEY"] = secrets.token_urlsafe(36)  # 48 characters
        _run_servers(run, env, args, workdir)
    return run


@contextmanager
def _database(database: str, admin_url: str) -> Iterator[str | None]:
    if database == "sqlite":
        yield None
    else:
        with throwaway_postgres(admin_url) as url:
            yield url


def _run_servers(
    run: DatabaseRun, env: dict[str, str], args: argparse.Namespace, workdir: Path
) -> None:
    command = voiceroute_command()
    port, ceiling_port = free_loopback_port(), free_loopback_port()
    serve = [command, "serve", "--no-sip", "--host", HOST, "--port", str(port)]
    with running(serve, env, workdir / f"serve-{run.database}.log") as server:
        created = subprocess.run(
            [command, "accounts", "create", "--name", "bench"],
            env=env,
            capture_output=True,
            check=True,
            timeout=120,
        )
        account = json.loads(created.stdout)
        token = call_json(
            port, "POST", LOGIN_PATH, {k: account[k] for k in ("AccountKey", "AccountSecret")}
        )["token"]
        ids = [
            call_json(
                port,
                "POST",
                ROUTES_PATH,
                {
                    "RouteName": f"Bench route {n}",
                    "RouteType": "Trunk",
                    "TrunkIp1": "198.51.100.10",
                },
                token,
            )["CallRouteId"]
            for n in range(ROUTES)
        ]
        listed = call_json(port, "GET", LIST_PATH, token=token)
        assert listed["TotalRoutes"] == ROUTES, listed["TotalRoutes"]
        answer = call_json(port, "GET", f"{ROUTES_PATH}?CallRouteId={ids[0]}", token=token)
        answer_file = workdir / f"answer-{run.database}.json"
        answer_file.write_text(json.dumps(answer))
        # The update body wrk sends (see lua_scripts), once by hand: it must be accepted.
        sample = {"CallRouteId": ids[0], "RouteName": "Bench route rev 0", "Trunk1Weight": 1}
        call_json(port, "POST", UPDATE_PATH, sample, token)
        lua_dir = workdir / f"lua-{run.database}"
        lua_dir.mkdir()
        scripts = lua_scripts(lua_dir, token, account, ids)
        ceiling_cmd = [venv_python(), str(CEILING_APP), "--host", HOST, "--port", str(ceiling_port)]
        ceiling_cmd += ["--answer-file", str(answer_file)]
        ceiling_env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEROUTE_")}
        with running(ceiling_cmd, ceiling_env, workdir / f"ceiling-{run.database}.log") as ceiling:
            ceiling_answer = call_json(ceiling_port, "GET", f"{ROUTES_PATH}?CallRouteId={ids[0]}")
            assert ceiling_answer == answer, "the ceiling must answer the same JSON as get"
            targets = {
                name: (
                    (f"http://{HOST}:{ceiling_port}", ceiling.pid)
                    if name.startswith("ceiling")
                    else (f"http://{HOST}:{port}", server.pid)
                )
                for name in ENDPOINTS
            }
            for endpoint in args.endpoints:
                url, pid = targets[endpoint]
                wrk(url, scripts[endpoint], 16, WARMUP_SECONDS)
                for clients in args.clients:
                    cell = measure(
                        run.database, endpoint, url, scripts[endpoint], clients, args.duration, pid
                    )
                    run.cells.append(cell)
                    print(f"  {row(cell)}", flush=True)
            if args.profile_dir is not None:
                py_spy = py_spy_command()
                if py_spy is None:
                    sys.exit(
                        "py-spy: command not found; pip install py-spy (or drop --profile-dir)"
                    )
                args.profile_dir.mkdir(parents=True, exist_ok=True)
                for endpoint in args.endpoints:
                    url, pid = targets[endpoint]
                    out = args.profile_dir / f"{run.database}-{endpoint}.txt"
                    frames = profile(py_spy, out, url, scripts[endpoint], args.duration, pid)
                    run.profiles[endpoint] = frames
                    print(f"  profile {endpoint} -> {out}", flush=True)
                    for frame, share in frames:
                        print(f"    {share:5.1f}%  {frame}", flush=True)


# --------------------------------------------------------------------------- report


HEADER = (
    f"{'database':<8} {'endpoint':<13} {'clients':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
    f"{'% ceil':>7} {'errors':>6} {'srv ms/req':>10} {'busy %':>6}"
)


def row(cell: Cell) -> str:
    pct = "" if cell.pct_of_ceiling is None else f"{cell.pct_of_ceiling:.1f}"
    cpu = "" if cell.server_cpu_ms_per_request is None else f"{cell.server_cpu_ms_per_request:.2f}"
    return (
        f"{cell.database:<8} {cell.endpoint:<13} {cell.clients:>7} "
        f"{cell.requests_per_second:>9.1f} {ms(cell.p50_ms, cell):>8} {ms(cell.p99_ms, cell):>8} "
        f"{pct:>7} "
        f"{cell.non_2xx + cell.socket_errors:>6} {cpu:>10} {cell.machine_busy_pct:>6.1f}"
    )


def ms(value: float | None, cell: Cell) -> str:
    """A latency for the table; none completed in the cell means longer than the cell."""
    return f"{value:.2f}" if value is not None else f">{cell.seconds * 1e3:.0f}"


def add_ratios(run: DatabaseRun) -> None:
    ceiling = {c.clients: c.requests_per_second for c in run.cells if c.endpoint == "ceiling"}
    for cell in run.cells:
        base = ceiling.get(cell.clients)
        if base:
            cell.pct_of_ceiling = round(100.0 * cell.requests_per_second / base, 1)


def verdicts(run: DatabaseRun) -> list[dict[str, Any]]:
    """Each target, per endpoint and number of clients above 1."""
    out: list[dict[str, Any]] = []
    for cell in run.cells:
        if cell.endpoint.startswith("ceiling"):
            continue
        if cell.endpoint in TARGETS and cell.pct_of_ceiling is not None and cell.clients > 1:
            goal = 100.0 * TARGETS[cell.endpoint]
            out.append(
                {
                    "database": run.database,
                    "target": f"{cell.endpoint} >= {goal:.0f}% of ceiling req/s",
                    "clients": cell.clients,
                    "value": cell.pct_of_ceiling,
                    "met": cell.pct_of_ceiling >= goal,
                }
            )
        if cell.clients == 64:
            out.append(
                {
                    "database": run.database,
                    "target": f"{cell.endpoint} p99 < {P99_TARGET_MS:.0f} ms",
                    "clients": cell.clients,
                    "value": cell.p99_ms,  # None: no request completed within the cell
                    "met": cell.p99_ms is not None and cell.p99_ms < P99_TARGET_MS,
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=5, help="seconds per cell (default 5)")
    parser.add_argument(
        "--clients", default=",".join(map(str, CLIENTS)), help="connection counts (default 1,16,64)"
    )
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help=f"subset of {','.join(ENDPOINTS)}"
    )
    parser.add_argument(
        "--postgres-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="where to create (and drop) the throw-away database; loopback only",
    )
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for load1 below this")
    parser.add_argument("--load-wait", type=float, default=240, help="longest wait for it (s)")
    parser.add_argument("--profile-dir", type=Path, help="also profile each endpoint (py-spy)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the JSON file to write")
    args = parser.parse_args()
    args.clients = [int(part) for part in args.clients.split(",") if part.strip()]
    args.endpoints = [part.strip() for part in args.endpoints.split(",") if part.strip()]
    if not args.clients or min(args.clients) < 1 or args.duration < 1:
        parser.error("--clients values and --duration must be at least 1")
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints {sorted(unknown)}; choose from {','.join(ENDPOINTS)}")
    if "ceiling" not in args.endpoints:
        args.endpoints.insert(0, "ceiling")  # every ratio needs it
    if shutil.which("wrk") is None:
        sys.exit("wrk: command not found; install it with: apt-get install wrk")

    def terminate(_signum: int, _frame: object) -> None:
        raise SystemExit(f"stopped by signal {_signum}")  # runs every finally: servers stop

    signal.signal(signal.SIGTERM, terminate)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    started = time.time()
    runs: list[DatabaseRun] = []
    workdir = Path(tempfile.mkdtemp(prefix="voiceroute-api-load-"))
    try:
        for database in databases:
            run = run_database(database, args, workdir)
            add_ratios(run)
            runs.append(run)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nAPI load, wrk closed loop, {args.duration} s a cell, 1 server process, "
        f"{nproc()} CPUs ({cpu_model()}); % ceil = req/s vs ceiling at the same clients"
    )
    print(HEADER)
    for run in runs:
        for cell in run.cells:
            print(row(cell))
    checks = [check for run in runs for check in verdicts(run)]
    print("\ntargets:")
    for check in checks:
        unit = "ms" if "p99" in check["target"] else "%"
        mark = "met" if check["met"] else "MISSED"
        value = "none done" if check["value"] is None else f"{check['value']:.1f} {unit}"
        print(
            f"  {check['database']:<8} {check['target']:<32} at {check['clients']:>2} clients: "
            f"{value:>11} {mark}"
        )
    for run in runs:
        print(f"  {run.database}: ran at loadavg {run.loadavg_at_start}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "api_load",
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                "tool": "wrk (closed loop, --latency), at most 2 threads",
                "seconds_per_cell": args.duration,
                "warmup_seconds": WARMUP_SECONDS,
                "routes": ROUTES,
                "server": "voiceroute serve --no-sip, VOICEROUTE_RATE_LIMIT=0, LOG_LEVEL=WARNING",
                "ceiling": "bench/ceiling_app.py, same uvicorn settings, same JSON as get",
                "targets": {
                    "update_pct_of_ceiling": 100 * TARGETS["update"],
                    "get_pct_of_ceiling": 100 * TARGETS["get"],
                    "p99_ms_at_64_clients": P99_TARGET_MS,
                },
                "machine": {
                    "nproc": nproc(),
                    "cpu_model": cpu_model(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "runs": [asdict(run) for run in runs],
                "checks": checks,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
