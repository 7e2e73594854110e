"""Crash safety: ``kill -9`` the real server during 1,000 concurrent updates, restart it on the
same data, and check that every acknowledged write survived and that the database is sound.

The server is ``voiceroute serve --no-sip`` as a subprocess on loopback, on a fresh SQLite data
directory or a fresh PostgreSQL database; the account comes from the CLI, as an operator makes
it. Every wait is bounded, and no server process outlives its test.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL

BIN = Path(sys.executable).parent
VOICEROUTE = str(BIN / "voiceroute")
ROUTES = 8
UPDATES = 1_000
THREADS = 24
KILL_AFTER_ANSWERS = UPDATES // 2
REQUEST_TIMEOUT = 20.0
START_TIMEOUT = 60.0
SECRET_KEY = "crash-safety-secret-key-0123456789-abcdefghijkl"  # 48 characters


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Deployment:
    """One installation: its environment (data dir, database) and its server process."""

    env: dict[str, str]
    log_dir: Path
    backend: str
    database_url: str | None
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    starts: int = 0

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [VOICEROUTE, *args], env=self.env, capture_output=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode()

    def start(self) -> None:
        assert self.process is None
        self.port = free_port()
        self.starts += 1
        log = (self.log_dir / f"server-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [VOICEROUTE, "serve", "--no-sip", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                status, _, _ = self.request("GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not start in {START_TIMEOUT} s:\n{self.log()}")

    def kill(self) -> None:
        """``kill -9``: no shutdown handler, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.reap()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        self.reap()

    def reap(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None

    def log(self) -> str:
        return (self.log_dir / f"server-{self.starts}.log").read_text(errors="replace")[-4000:]

    def connection(self, timeout: float = REQUEST_TIMEOUT) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> tuple[int, dict[str, str], Any]:
        connection = self.connection(timeout)
        try:
            return send(connection, method, path, body, token)
        finally:
            connection.close()


def send(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=payload, headers=headers)
    answer = connection.getresponse()
    raw = answer.read()
    return answer.status, dict(answer.getheaders()), json.loads(raw) if raw else None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOICEROUTE_")}
    env.update(
        {
            "VOICEROUTE_DATA_DIR": str(tmp_path / "data"),
            "VOICEROUTE_RATE_LIMIT": "0",
            "VOICEROUTE_LOG_LEVEL": "WARNING",
        }
    )
    database_url = None
    admin = None
    name = f"voiceroute_crash_{uuid.uuid4().hex[:12]}"
    if request.param == "postgres":
        admin_url = make_url(POSTGRES_ADMIN_URL)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = admin_url.set(database=name).render_as_string(hide_password=False)
        env["VOICEROUTE_DATABASE_URL"] = database_url
        env["VOICEROUTE_SECRET_KEY"] = SECRET_KEY
    deployment = Deployment(env, tmp_path, request.param, database_url)
    try:
        yield deployment
    finally:
        deployment.kill()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@dataclass
class Outcomes:
    """What each update's client saw: 200, another status, or no answer (lost in the crash)."""

    answered: dict[int, int] = field(default_factory=dict)  # update number -> status
    lost: set[int] = field(default_factory=set)  # sent, no answer: outcome unknown
    not_sent: set[int] = field(default_factory=set)  # the server was already dead
    lock: threading.Lock = field(default_factory=threading.Lock)
    half_answered: threading.Event = field(default_factory=threading.Event)
    killed: threading.Event = field(default_factory=threading.Event)

    def answer(self, update: int, status: int) -> None:
        with self.lock:
            self.answered[update] = status
            if len(self.answered) >= KILL_AFTER_ANSWERS:
                self.half_answered.set()


def route_of(update: int, route_ids: list[str]) -> str:
    return route_ids[update % len(route_ids)]


def value_of(update: int) -> str:
    return f"u-{update}"


def fire_updates(deployment: Deployment, token: str, route_ids: list[str]) -> Outcomes:
    outcomes = Outcomes()
    local = threading.local()
    opened: list[http.client.HTTPConnection] = []

    def update(number: int) -> None:
        if outcomes.killed.is_set():
            with outcomes.lock:
                outcomes.not_sent.add(number)
            return
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = deployment.connection()
            with outcomes.lock:
                opened.append(connection)
        local.connection = connection
        body = {"CallRouteId": route_of(number, route_ids), "RouteName": value_of(number)}
        try:
            status, _, _ = send(connection, "POST", "/v1.0/voice/routes/update", body, token)
        except (OSError, http.client.HTTPException):
            connection.close()
            local.connection = None
            with outcomes.lock:
                (outcomes.lost if outcomes.killed.is_set() else outcomes.not_sent).add(number)
                if not outcomes.killed.is_set():
                    raise
            return
        outcomes.answer(number, status)

    def killer() -> None:
        if outcomes.half_answered.wait(timeout=120):
            with outcomes.lock:
                outcomes.killed.set()
            deployment.kill()

    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(update, number) for number in range(UPDATES)]
            for future in futures:
                future.result(timeout=180)
    finally:
        for connection in opened:  # each worker thread's keep-alive connection
            connection.close()
    kill_thread.join(timeout=60)
    assert outcomes.killed.is_set(), "the server was never killed"
    return outcomes


def test_acknowledged_updates_survive_kill_9(deployment: Deployment) -> None:
    account = json.loads(deployment.cli("accounts", "create", "--name", "crash"))
    deployment.start()
    status, _, token_answer = deployment.request(
        "POST",
        "/v1.0/oauth2/tokens",
        {"AccountKey": account["AccountKey"], "AccountSecret": account["AccountSecret"]},
    )
    assert status == 200, token_answer
    token = token_answer["token"]
    route_ids = []
    for index in range(ROUTES):
        body = {"RouteName": f"start-{index}", "RouteType": "Trunk", "TrunkIp1": "192.0.2.10"}
        status, _, created = deployment.request("POST", "/v1.0/voice/routes", body, token)
        assert status == 200, created
        route_ids.append(created["CallRouteId"])

    outcomes = fire_updates(deployment, token, route_ids)
    ok = {number for number, status in outcomes.answered.items() if status == 200}
    # Before the kill every update is one of a handful of writers of its route; without
    # If-Match they are serialised, never refused.
    assert set(outcomes.answered.values()) == {200}, outcomes.answered
    assert len(ok) >= KILL_AFTER_ANSWERS
    assert len(ok) + len(outcomes.lost) + len(outcomes.not_sent) == UPDATES
    # The kill landed in the middle: some updates were cut off or never sent.
    assert outcomes.lost | outcomes.not_sent
    print(
        f"{deployment.backend}: {len(ok)} acknowledged, {len(outcomes.lost)} lost in flight,"
        f" {len(outcomes.not_sent)} not sent"
    )

    deployment.start()  # the same data dir / database, a new process
    status, _, _ = deployment.request(
        "POST",
        "/v1.0/oauth2/tokens",
        {"AccountKey": account["AccountKey"], "AccountSecret": account["AccountSecret"]},
    )
    assert status == 200

    # The rule. Writes to one route are serialised and a 200 is sent only after its commit, so:
    # - durability: every 200-answered RouteName is in the route's history (one revision each);
    # - no phantoms: every value in the history was sent, and was either answered 200 or lost
    #   (in flight when the server died: it may or may not have committed); none of the
    #   updates that were never sent appears;
    # - the route's current RouteName is the "After" of its newest revision, i.e. the last
    #   committed update: a 200-answered one or a lost one, never an older value that a later
    #   acknowledged write had replaced (all acknowledged revisions precede it);
    # - revisions are numbered 1..N without gaps, N = 1 create + the committed updates.
    sent_values = {value_of(n): n for n in range(UPDATES)}
    for index, route_id in enumerate(route_ids):
        status, _, route = deployment.request(
            "GET", f"/v1.0/voice/routes?CallRouteId={route_id}", token=token
        )
        assert status == 200, route
        status, _, history = deployment.request(
            "GET", f"/v1.0/voice/routes/history?CallRouteId={route_id}", token=token
        )
        assert status == 200, history
        revisions = sorted(history["Revisions"], key=lambda revision: revision["Revision"])
        assert [r["Revision"] for r in revisions] == list(range(1, len(revisions) + 1))
        assert revisions[0]["Action"] == "Create"
        names: list[str] = []
        for revision in revisions[1:]:
            assert revision["Action"] == "Update", revision
            change = {c["Field"]: c for c in revision["Changes"]}["RouteName"]
            names.append(change["After"])
        mine = {n for n in range(UPDATES) if route_of(n, route_ids) == route_id}
        acknowledged = {value_of(n) for n in ok & mine}
        possible = acknowledged | {value_of(n) for n in outcomes.lost & mine}
        assert len(names) == len(set(names)), "an update was recorded twice"
        assert acknowledged <= set(names), f"lost acknowledged: {acknowledged - set(names)}"
        assert set(names) <= possible, f"phantoms: {set(names) - possible}"
        assert all(name in sent_values for name in names)
        final = names[-1] if names else f"start-{index}"
        assert route["RouteName"] == final
        assert route["RouteName"] in possible | {f"start-{index}"}

    deployment.stop()
    check_integrity(deployment)


def check_integrity(deployment: Deployment) -> None:
    if deployment.backend == "sqlite":
        database = Path(deployment.env["VOICEROUTE_DATA_DIR"]) / "voiceroute.sqlite3"
        assert database.is_file()
        engine = create_engine(f"sqlite:///{database}")
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
            consistency_suite(connection)
        engine.dispose()
        return
    assert deployment.database_url is not None
    engine = create_engine(deployment.database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        try:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            has_amcheck = True
        except Exception:  # the contrib package may be missing: the suite below still runs
            has_amcheck = False
        if has_amcheck:
            indexes = connection.execute(
                text(
                    "SELECT c.oid, c.relname FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indexrelid"
                    " JOIN pg_am a ON a.oid = c.relam"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE a.amname = 'btree' AND n.nspname = 'public'"
                )
            ).all()
            assert indexes
            for oid, _name in indexes:
                connection.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
        consistency_suite(connection)
    engine.dispose()


def consistency_suite(connection: Any) -> None:
    queries = {
        "route without its account": "SELECT r.id FROM voice_routes r"
        " LEFT JOIN accounts a ON a.id = r.account_id WHERE a.id IS NULL",
        "revision without its account": "SELECT v.id FROM route_revisions v"
        " LEFT JOIN accounts a ON a.id = v.account_id WHERE a.id IS NULL",
        "revision numbers not contiguous": "SELECT route_id FROM route_revisions"
        " GROUP BY route_id HAVING MIN(revision) <> 1 OR MAX(revision) <> COUNT(*)"
        " OR COUNT(DISTINCT revision) <> COUNT(*)",
        "live route without history": "SELECT r.id FROM voice_routes r WHERE NOT EXISTS"
        " (SELECT 1 FROM route_revisions v WHERE v.route_id = r.id)",
    }
    for problem, query in queries.items():
        assert connection.execute(text(query)).all() == [], problem
