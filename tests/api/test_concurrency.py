"""ETag / If-Match, concurrent writers, and Idempotency-Key (extensions), over HTTP.

Every test here runs on SQLite and on PostgreSQL (the ``client`` fixture is parametrized).
The concurrent tests start their threads together on a ``threading.Barrier``; each thread has
its own ``TestClient`` on the same app.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.answers import ok, problem

ROUTES = "/v1.0/voice/routes"
UPDATE = "/v1.0/voice/routes/update"
DELETE = "/v1.0/voice/routes/delete"
LIST = "/v1.0/account/voice/routes"
HISTORY = "/v1.0/voice/routes/history"
ROLLBACK = "/v1.0/voice/routes/rollback"
PROVISION = "/v1.0/numbers/provision"
INVENTORY = "/v1.0/numbers/inventory"

STRONG_ETAG = re.compile(r'"[^"]+"')
ROUTE_BODY = {"RouteName": "Main SIP Trunk", "RouteType": "Trunk", "TrunkIp1": "20.87.87.87"}
NUMBER = "+14155550100"

# One field per thread, each with a value that differs from the route's default.
CONCURRENT_CHANGES: dict[str, object] = {
    "RouteName": "renamed by a thread",
    "TrunkIp2": "20.87.87.88",
    "Trunk1Weight": 7,
    "Trunk2Weight": 9,
    "HeaderManipulation": "HMI8802029",
    "TrunkPort1": "5061",
    "TrunkPort2": "5062",
    "TrunkTransport2": "TCP",
    "TrunkEnabled2": False,
    "EnableSipRefer": True,
    "SymmetricRtp": True,
    "CnamLookup": True,
    "EnablePstnTransfer": True,
    "IntelligentRouteEnabled": True,
}


def etag(answer) -> str:
    tag: str = answer.headers["ETag"]
    assert STRONG_ETAG.fullmatch(tag), tag
    return tag


def get_route(client, owner, route_id: str):
    return client.get(ROUTES, params={"CallRouteId": route_id}, headers=owner.headers)


def update(client, owner, route_id: str, if_match: str | None = None, **fields: object):
    headers = dict(owner.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.post(UPDATE, json={"CallRouteId": route_id, **fields}, headers=headers)


def delete(client, owner, route_id: str, if_match: str):
    headers = {**owner.headers, "If-Match": if_match}
    return client.post(DELETE, json={"CallRouteId": route_id}, headers=headers)


def rollback(client, owner, route_id: str, revision: int, if_match: str):
    headers = {**owner.headers, "If-Match": if_match}
    return client.post(
        ROLLBACK, json={"CallRouteId": route_id, "Revision": revision}, headers=headers
    )


def revision_count(client, owner, route_id: str) -> int:
    found = ok(client.get(HISTORY, params={"CallRouteId": route_id}, headers=owner.headers))
    total: int = found["TotalRevisions"]
    return total


def route_count(client, owner) -> int:
    total: int = ok(client.get(LIST, headers=owner.headers))["TotalRoutes"]
    return total


def run_together(count: int, work: Callable[[int, TestClient], Any], app: Any) -> list[Any]:
    """Run ``work(index, client)`` in ``count`` threads released at once; results in order."""
    barrier = threading.Barrier(count, timeout=30)

    def run(index: int) -> Any:
        thread_client = TestClient(app)
        barrier.wait()
        return work(index, thread_client)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


class KeyLookupPause:
    """Holds the first request that looks up an Idempotency-Key right after its lookup."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self._armed = True
        self._lock = threading.Lock()

    def after_execute(self, _conn, _cursor, statement: str, *_args: object) -> None:
        if "from idempotency_records" not in statement.lower():
            return
        with self._lock:
            if not self._armed:
                return
            self._armed = False
        self.reached.set()
        self.release.wait(timeout=30)


@contextmanager
def first_key_lookup_paused(database) -> Iterator[KeyLookupPause]:
    pause = KeyLookupPause()
    event.listen(database.engine, "after_cursor_execute", pause.after_execute)
    try:
        yield pause
    finally:
        pause.release.set()
        event.remove(database.engine, "after_cursor_execute", pause.after_execute)


def retry_overtaken_by_its_twin(client, database, send: Callable[[TestClient], Any]):
    """``send`` twice: the first is held after its key lookup until the second has committed.

    Returns ``(first, second)``. This is the interleaving of two racing retries on PostgreSQL
    (READ COMMITTED); SQLite serialises writers with ``BEGIN IMMEDIATE``, so it has no such
    interleaving and the test does not apply there.
    """
    if database.is_sqlite:
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no interleaving to provoke")
    with first_key_lookup_paused(database) as pause, ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(send, TestClient(client.app))
        assert pause.reached.wait(timeout=30), "the first request never looked its key up"
        second = send(TestClient(client.app))
        pause.release.set()
        first = held.result(timeout=60)
    return first, second


def create_with_key(client, owner, key: str, body: dict[str, object] | None = None):
    headers = {**owner.headers, "Idempotency-Key": key}
    return client.post(ROUTES, json=body or ROUTE_BODY, headers=headers)


def provision_with_key(client, owner, key: str, **fields: object):
    headers = {**owner.headers, "Idempotency-Key": key}
    return client.post(PROVISION, json={"PhoneNumber": NUMBER, **fields}, headers=headers)


# --- ETag ---------------------------------------------------------------------------------


def test_create_and_get_carry_the_same_etag(client, account):
    created = client.post(ROUTES, json=ROUTE_BODY, headers=account.headers)
    route_id = ok(created)["CallRouteId"]

    assert etag(get_route(client, account, route_id)) == etag(created)


def test_etag_changes_on_every_write(client, account):
    created = client.post(ROUTES, json=ROUTE_BODY, headers=account.headers)
    route_id = ok(created)["CallRouteId"]
    tags = [etag(created)]

    for weight in (2, 3):
        answer = update(client, account, route_id, Trunk1Weight=weight)
        ok(answer)
        tags.append(etag(answer))
        assert etag(get_route(client, account, route_id)) == tags[-1]
    rolled_back = rollback(client, account, route_id, 1, if_match=tags[-1])
    ok(rolled_back)
    tags.append(etag(rolled_back))

    assert len(set(tags)) == len(tags), tags
    assert etag(get_route(client, account, route_id)) == tags[-1]


def test_if_match_with_the_current_etag_succeeds(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    current = etag(get_route(client, account, route_id))

    answer = update(client, account, route_id, if_match=current, RouteName="fresh")

    assert ok(answer)["RouteName"] == "fresh"
    assert etag(answer) != current


def test_if_match_may_list_several_etags(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    current = etag(get_route(client, account, route_id))

    answer = update(client, account, route_id, if_match=f'"999", {current}', RouteName="listed")

    assert ok(answer)["RouteName"] == "listed"


def test_stale_if_match_on_update_is_412_and_changes_nothing(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    stale = etag(get_route(client, account, route_id))
    ok(update(client, account, route_id, RouteName="someone else"))
    before = get_route(client, account, route_id)

    problem(update(client, account, route_id, if_match=stale, RouteName="mine"), 412)

    after = get_route(client, account, route_id)
    assert ok(after) == ok(before)
    assert ok(after)["RouteName"] == "someone else"
    assert etag(after) == etag(before)
    assert revision_count(client, account, route_id) == 2


def test_stale_if_match_on_delete_is_412_and_keeps_the_route(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    stale = etag(get_route(client, account, route_id))
    ok(update(client, account, route_id, RouteName="moved on"))

    problem(delete(client, account, route_id, stale), 412)

    assert ok(get_route(client, account, route_id))["RouteName"] == "moved on"
    current = etag(get_route(client, account, route_id))
    ok(delete(client, account, route_id, current))
    problem(get_route(client, account, route_id), 404)


def test_stale_if_match_on_rollback_is_412_and_changes_nothing(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(update(client, account, route_id, RouteName="second"))
    stale = etag(get_route(client, account, route_id))
    ok(update(client, account, route_id, RouteName="third"))

    problem(rollback(client, account, route_id, 1, stale), 412)

    assert ok(get_route(client, account, route_id))["RouteName"] == "third"
    assert revision_count(client, account, route_id) == 3
    current = etag(get_route(client, account, route_id))
    assert ok(rollback(client, account, route_id, 1, current))["RouteName"] == "Main SIP Trunk"


def test_if_match_star_matches_any_version(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    ok(update(client, account, route_id, RouteName="moved on"))

    assert ok(update(client, account, route_id, if_match="*", Trunk1Weight=4))["Trunk1Weight"] == 4
    assert ok(rollback(client, account, route_id, 1, "*"))["RouteName"] == "Main SIP Trunk"
    ok(delete(client, account, route_id, "*"))


def test_a_weak_etag_never_matches(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    current = etag(get_route(client, account, route_id))

    problem(update(client, account, route_id, if_match=f"W/{current}", RouteName="weak"), 412)
    problem(update(client, account, route_id, if_match='W/"1"', RouteName="weak"), 412)
    problem(delete(client, account, route_id, f"W/{current}"), 412)

    assert ok(get_route(client, account, route_id))["RouteName"] == "Main SIP Trunk"
    assert etag(get_route(client, account, route_id)) == current


def test_if_match_on_another_accounts_route_is_404(client, account, make_account, create_route):
    route_id = create_route()["CallRouteId"]
    rival = make_account("rival")

    problem(update(client, rival, route_id, if_match="*", RouteName="hijack"), 404)

    assert ok(get_route(client, account, route_id))["RouteName"] == "Main SIP Trunk"


# --- concurrent writers -------------------------------------------------------------------


def test_concurrent_updates_of_different_fields_all_survive(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    fields = list(CONCURRENT_CHANGES.items())

    def work(index: int, thread_client: TestClient):
        name, value = fields[index]
        return update(thread_client, account, route_id, **{name: value})

    answers = run_together(len(fields), work, client.app)

    assert [answer.status_code for answer in answers] == [200] * len(fields), [
        answer.text for answer in answers if answer.status_code != 200
    ]
    final = ok(get_route(client, account, route_id))
    assert {name: final[name] for name in CONCURRENT_CHANGES} == CONCURRENT_CHANGES
    assert len({etag(answer) for answer in answers}) == len(fields)

    found = ok(client.get(HISTORY, params={"CallRouteId": route_id}, headers=account.headers))
    updates = [rev for rev in found["Revisions"] if rev["Action"] == "Update"]
    assert len(updates) == len(fields)
    assert found["TotalRevisions"] == len(fields) + 1
    assert sorted(rev["Revision"] for rev in updates) == list(range(2, len(fields) + 2))
    changed = sorted(change["Field"] for rev in updates for change in rev["Changes"])
    assert changed == sorted(CONCURRENT_CHANGES)


def test_concurrent_if_match_writers_exactly_one_wins(client, account, create_route):
    route_id = create_route()["CallRouteId"]
    current = etag(get_route(client, account, route_id))
    count = 8

    def work(index: int, thread_client: TestClient):
        return update(thread_client, account, route_id, if_match=current, RouteName=f"w{index}")

    answers = run_together(count, work, client.app)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * (count - 1), [answer.text for answer in answers]
    (winner,) = (answer for answer in answers if answer.status_code == 200)
    assert ok(get_route(client, account, route_id))["RouteName"] == winner.json()["RouteName"]
    assert revision_count(client, account, route_id) == 2


# --- Idempotency-Key ----------------------------------------------------------------------


def test_create_retry_with_the_same_key_replays_the_first_answer(client, account):
    first = create_with_key(client, account, "create-1")
    retry = create_with_key(client, account, "create-1")

    assert ok(retry) == ok(first)
    assert etag(retry) == etag(first)
    assert route_count(client, account) == 1
    assert revision_count(client, account, ok(first)["CallRouteId"]) == 1


def test_create_same_key_with_another_body_is_409(client, account):
    first = ok(create_with_key(client, account, "create-1"))

    answer = create_with_key(client, account, "create-1", {**ROUTE_BODY, "RouteName": "Other"})

    problem(answer, 409, "Idempotency-Key")
    listed = ok(client.get(LIST, headers=account.headers))
    assert [route["CallRouteId"] for route in listed["Results"]] == [first["CallRouteId"]]


def test_create_key_covers_the_secret_too(client, account):
    body = {
        **ROUTE_BODY,
        "VoiceAuthenticationType": "Bearer",
        "VoicePasswordToken": "token-one",
    }
    first = ok(create_with_key(client, account, "secret-key", body))

    replay = create_with_key(client, account, "secret-key", body)
    other = create_with_key(
        client, account, "secret-key", {**body, "VoicePasswordToken": "token-two"}
    )

    assert ok(replay)["CallRouteId"] == first["CallRouteId"]
    problem(other, 409, "Idempotency-Key")
    assert "token-one" not in replay.text
    assert route_count(client, account) == 1


def test_without_a_key_every_create_is_new(client, account):
    ok(client.post(ROUTES, json=ROUTE_BODY, headers=account.headers))
    ok(client.post(ROUTES, json=ROUTE_BODY, headers=account.headers))

    assert route_count(client, account) == 2


def test_accounts_use_the_same_key_independently(client, account, make_account):
    rival = make_account("rival")

    mine = ok(create_with_key(client, account, "shared-key"))
    theirs = ok(create_with_key(client, rival, "shared-key", {**ROUTE_BODY, "RouteName": "B"}))

    assert mine["CallRouteId"] != theirs["CallRouteId"]
    assert theirs["AccountId"] == rival.key
    assert theirs["RouteName"] == "B"
    assert route_count(client, account) == 1
    assert route_count(client, rival) == 1


def test_a_failed_create_does_not_use_up_the_key(client, account):
    problem(create_with_key(client, account, "retry-me", {**ROUTE_BODY, "RouteType": "URL"}), 400)

    answer = create_with_key(client, account, "retry-me", {**ROUTE_BODY, "RouteName": "fixed"})

    assert ok(answer)["RouteName"] == "fixed"
    assert route_count(client, account) == 1


@pytest.mark.parametrize("key", ["k" * 256, "tab\tkey"])
def test_a_malformed_key_is_400(client, account, key):
    problem(create_with_key(client, account, key), 400, "Idempotency-Key")

    assert route_count(client, account) == 0


def test_provision_retry_with_the_same_key_replays_the_first_answer(client, account):
    first = ok(provision_with_key(client, account, "number-1"))
    retry = ok(provision_with_key(client, account, "number-1"))

    assert retry == first
    inventory = ok(client.get(INVENTORY, headers=account.headers))
    assert inventory["TotalNumbers"] == 1
    assert inventory["Results"][0]["PhoneNumberId"] == first["PhoneNumberId"]


def test_provision_same_key_with_another_body_is_409(client, account):
    ok(provision_with_key(client, account, "number-1"))

    answer = provision_with_key(client, account, "number-1", VoiceEnabled=False)

    problem(answer, 409, "Idempotency-Key")
    assert ok(client.get(INVENTORY, headers=account.headers))["TotalNumbers"] == 1


def test_provision_keys_are_per_account(client, account, make_account):
    rival = make_account("rival")
    ok(provision_with_key(client, account, "number-1"))

    # Same key, same body, another account: not a replay of someone else's order.
    problem(provision_with_key(client, rival, "number-1"), 409, "$.PhoneNumber")
    theirs = ok(provision_with_key(client, rival, "number-1", PhoneNumber="+14155550199"))

    assert theirs["PhoneNumberAssigned"] == "+14155550199"
    assert ok(client.get(INVENTORY, headers=rival.headers))["TotalNumbers"] == 1


def test_concurrent_creates_with_one_key_create_one_route(client, account):
    count = 12

    def work(_: int, thread_client: TestClient):
        return create_with_key(thread_client, account, "race-key")

    answers = run_together(count, work, client.app)

    assert [answer.status_code for answer in answers] == [200] * count, [
        answer.text for answer in answers if answer.status_code != 200
    ]
    assert len({answer.json()["CallRouteId"] for answer in answers}) == 1
    assert route_count(client, account) == 1
    assert revision_count(client, account, answers[0].json()["CallRouteId"]) == 1


def test_concurrent_provisions_with_one_key_create_one_number(client, account):
    count = 16

    def work(_: int, thread_client: TestClient):
        return provision_with_key(thread_client, account, "race-number")

    answers = run_together(count, work, client.app)

    assert [answer.status_code for answer in answers] == [200] * count, [
        answer.text for answer in answers if answer.status_code != 200
    ]
    assert len({answer.json()["PhoneNumberId"] for answer in answers}) == 1
    assert ok(client.get(INVENTORY, headers=account.headers))["TotalNumbers"] == 1


def test_concurrent_creates_with_one_key_and_a_subdomain_create_one_route(client, account):
    """The subdomain is unique: the racing retries must replay, not collide with the winner."""
    count = 12
    body = {**ROUTE_BODY, "TerminationUriSubdomain": "acme-main"}

    def work(_: int, thread_client: TestClient):
        return create_with_key(thread_client, account, "race-subdomain", body)

    answers = run_together(count, work, client.app)

    assert [answer.status_code for answer in answers] == [200] * count, [
        answer.text for answer in answers if answer.status_code != 200
    ]
    assert len({answer.json()["CallRouteId"] for answer in answers}) == 1
    assert route_count(client, account) == 1


def test_create_retry_overtaken_by_its_twin_replays(client, account, database):
    def send(thread_client: TestClient):
        return create_with_key(thread_client, account, "twin-key")

    first, second = retry_overtaken_by_its_twin(client, database, send)

    assert ok(first)["CallRouteId"] == ok(second)["CallRouteId"]
    assert route_count(client, account) == 1


def test_create_retry_with_a_subdomain_overtaken_by_its_twin_replays(client, account, database):
    body = {**ROUTE_BODY, "TerminationUriSubdomain": "acme-twin"}

    def send(thread_client: TestClient):
        return create_with_key(thread_client, account, "twin-subdomain", body)

    first, second = retry_overtaken_by_its_twin(client, database, send)

    assert ok(second)["TerminationUriSubdomain"] == "acme-twin"
    assert ok(first)["CallRouteId"] == ok(second)["CallRouteId"]
    assert route_count(client, account) == 1


def test_provision_retry_overtaken_by_its_twin_replays(client, account, database):
    def send(thread_client: TestClient):
        return provision_with_key(thread_client, account, "twin-number")

    first, second = retry_overtaken_by_its_twin(client, database, send)

    assert ok(first)["PhoneNumberId"] == ok(second)["PhoneNumberId"]
    assert ok(client.get(INVENTORY, headers=account.headers))["TotalNumbers"] == 1
