"""The per-request overhead (issue 5): what one request costs the database, and sign-in under a burst.

Round trips are counted as the server sends them: every statement SQLAlchemy executes, plus on PostgreSQL
the BEGIN/COMMIT/ROLLBACK that asyncpg sends itself (its query logger sees those).  Reads run without a
transaction, so a read request costs its SELECTs only.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from lanekit.settings import Settings
from lanekit.storage.tables import users
from tests.factories.boards import make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit, Tenant, basic, bearer

pytestmark = pytest.mark.anyio


class RoundTrips:
    """Collects the statements the server sends while `on`."""

    def __init__(self, lanekit: Lanekit) -> None:
        self.engine = lanekit.db.engine.sync_engine
        self.sent: list[str] = []
        self.on = False

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.sent.append(" ".join(statement.split())[:40])

    def _logged(self, record: Any) -> None:
        if self.on:
            self.sent.append(record.query)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        raw: Any = getattr(dbapi_connection, "_connection", None)
        if hasattr(raw, "add_query_logger"):  # asyncpg
            raw.add_query_logger(self._logged)

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        raw: Any = getattr(dbapi_connection, "_connection", None)
        if hasattr(raw, "remove_query_logger"):
            raw.remove_query_logger(self._logged)

    def __enter__(self) -> RoundTrips:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "checkout", self._checkout)
        event.listen(self.engine, "checkin", self._checkin)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "checkout", self._checkout)
        event.remove(self.engine, "checkin", self._checkin)

    async def of(self, request: Callable[[], Any]) -> list[str]:
        self.sent.clear()
        self.on = True
        try:
            response = await request()
        finally:
            self.on = False
        assert response.status_code == 200, response.text
        return list(self.sent)


async def _token(lanekit: Lanekit, tenant: Tenant) -> str:
    created = await lanekit.as_admin(tenant).post("/io/auth/token", json={"description": "bench"})
    token: str = created.json()["token"]
    return token


async def test_user_me_costs_two_selects_and_no_transaction(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    by_token = lanekit.client(tenant, headers=bearer(await _token(lanekit, tenant)))
    by_password = lanekit.as_admin(tenant)
    # Warm: the tenancy lookup, the credential cache and the last-access stamp are behind us.
    assert (await by_token.get("/io/user/me")).status_code == 200
    assert (await by_password.get("/io/user/me")).status_code == 200

    with RoundTrips(lanekit) as trips:
        bearer_trips = await trips.of(lambda: by_token.get("/io/user/me"))
        basic_trips = await trips.of(lambda: by_password.get("/io/user/me"))

    # Authentication reads the user (by token, or by id for cached credentials); the handler reads only
    # the board roles: the user authentication read travels with the request.
    assert len(bearer_trips) == 2, bearer_trips
    assert len(basic_trips) == 2, basic_trips
    for sent in (bearer_trips, basic_trips):
        assert all(s.startswith("SELECT") for s in sent), sent


async def test_card_get_costs_auth_plus_its_reads_and_no_transaction(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        card = await make_card(conn, board, by=tenant.admin)
    client = lanekit.client(tenant, headers=bearer(await _token(lanekit, tenant)))
    assert (await client.get(f"/io/card/{card.id}")).status_code == 200

    with RoundTrips(lanekit) as trips:
        sent = await trips.of(lambda: client.get(f"/io/card/{card.id}"))

    # The token's user, then the card's one wide row: it has no assignees or custom-field values to fetch.
    assert len(sent) == 2, sent
    assert all(s.startswith("SELECT") for s in sent), sent

    assigned = await client.post(
        "/io/card/assign", json={"cardIds": [str(card.id)], "userIdsToAssign": [str(tenant.admin.id)]}
    )
    assert assigned.status_code == 200, assigned.text
    with RoundTrips(lanekit) as trips:
        sent = await trips.of(lambda: client.get(f"/io/card/{card.id}"))
    # Now its assignees too (on PostgreSQL folded into the card's row), and still no transaction.
    assert len(sent) == (2 if lanekit.db.dialect == "postgresql" else 3), sent
    assert all(s.startswith("SELECT") for s in sent), sent


async def test_user_me_shows_the_last_access_it_stamped(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    assert tenant.admin.last_access is None
    body = (await lanekit.as_admin(tenant).get("/io/user/me")).json()
    async with lanekit.db.read() as conn:
        stored = (
            (await conn.execute(users.select().where(users.c.id == tenant.admin.id)))
            .one()
            ._mapping["last_access"]
        )
    assert stored is not None
    assert body["lastAccess"] == stored.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_burst_of_sign_ins_with_one_password_verifies_it_once(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanekit.domain.people import auth, passwords

    calls = 0
    real = passwords.verify_password

    async def counting(password_hash: str, password: str) -> bool:
        nonlocal calls
        calls += 1
        return await real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    tenant = await lanekit.tenant()
    clients = [lanekit.as_admin(tenant) for _ in range(12)]
    responses = await asyncio.gather(*(c.get("/io/user/me") for c in clients))
    assert [r.status_code for r in responses] == [200] * 12
    assert calls == 1


async def test_a_burst_with_a_wrong_password_fails_every_request(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    wrong = [lanekit.client(tenant, headers=basic(tenant.admin.email, "not-the-password")) for _ in range(4)]
    right = lanekit.as_admin(tenant)
    responses = await asyncio.gather(*(c.get("/io/user/me") for c in [*wrong, right]))
    assert [r.status_code for r in responses] == [401, 401, 401, 401, 200]


async def test_password_verifications_run_at_most_one_per_cpu_at_a_time(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanekit.domain.people import auth

    cap = os.cpu_count() or 1
    signers = cap + 3
    active = 0
    most = 0
    release = asyncio.Event()

    async def held(_password_hash: str, _password: str) -> bool:
        nonlocal active, most
        active += 1
        most = max(most, active)
        await release.wait()
        active -= 1
        return True

    monkeypatch.setattr(auth, "verify_password", held)
    tenant = await lanekit.tenant()
    people = [await lanekit.user(tenant) for _ in range(signers)]
    # From as many addresses: one address gets one verification at a time (the fair queue of decision 150).
    requests = [
        asyncio.ensure_future(lanekit.as_user(tenant, person, address=f"192.0.2.{n + 1}").get("/io/user/me"))
        for n, person in enumerate(people)
    ]
    # Give every request the chance to reach the verification: the ones past the cap wait for a slot.
    for _ in range(200):
        if active == cap:
            break
        await asyncio.sleep(0.01)
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert most == cap
    release.set()
    responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [200] * signers


async def test_sqlite_writers_of_one_process_queue_instead_of_failing(
    backend: str, make_settings: Callable[..., Settings]
) -> None:
    # A busy timeout of 1 ms: writers that met in SQLite's lock would get "database is locked" (503).
    kit = Lanekit(make_settings(sqlite_busy_timeout_ms=1))
    try:
        tenant = await kit.tenant()
        people = [await kit.user(tenant) for _ in range(10)]
        clients = [kit.as_user(tenant, person) for person in people]
        for client in clients:  # fill the credential cache first
            assert (await client.get("/io/user/me")).status_code == 200
        responses = await asyncio.gather(
            *(c.patch("/io/user/me", json={"firstName": f"Name {i}"}) for i, c in enumerate(clients))
        )
        assert [r.status_code for r in responses] == [200] * len(clients)
        assert [r.json()["firstName"] for r in responses] == [f"Name {i}" for i in range(len(clients))]
    finally:
        await kit.close()
