"""Authentication from memory: no round trip for remembered credentials, and no delay after a revocation.

The app's lifespan starts its change-notice listener (storage/notify.py); only then does the credential
cache trust what it remembers, so every test here runs inside the lifespan.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.harness import Lanekit, Tenant, basic, bearer, running
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio


async def _token(kit: Lanekit, tenant: Tenant, headers: dict[str, str] | None = None) -> tuple[str, str]:
    client = kit.client(tenant, headers=headers) if headers else kit.as_admin(tenant)
    created = await client.post("/io/auth/token", json={"description": "cache"})
    assert created.status_code == 201
    body = created.json()
    return body["id"], body["token"]


def _auth_statements(statements: list[str]) -> list[str]:
    """The statements that authenticate: reads of the users or api_tokens tables."""
    return [s for s in statements if "api_tokens" in s or "FROM users" in s]


async def test_cached_bearer_and_basic_requests_send_no_authentication_statement(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        _, token = await _token(lanekit, tenant)
        by_token = lanekit.client(tenant, headers=bearer(token))
        by_password = lanekit.as_admin(tenant)
        # Warm: tenancy, the credential cache and the last-access stamp are behind us.
        assert (await by_token.get("/io/user/me")).status_code == 200
        assert (await by_password.get("/io/user/me")).status_code == 200

        with StatementCounter(lanekit) as counter:
            assert (await by_token.get("/io/user/me")).status_code == 200
            bearer_statements = list(counter.statements)
            counter.statements.clear()
            assert (await by_password.get("/io/user/me")).status_code == 200
            basic_statements = list(counter.statements)

    # What remains is the handler's own read (the caller's board roles).
    assert _auth_statements(bearer_statements) == [], bearer_statements
    assert _auth_statements(basic_statements) == [], basic_statements
    assert len(bearer_statements) == 1, bearer_statements
    assert len(basic_statements) == 1, basic_statements


async def test_without_the_listener_every_request_reads_the_user(lanekit: Lanekit) -> None:
    # No lifespan, so no notices: what is remembered is not trusted (the behaviour before the cache).
    tenant = await lanekit.tenant()
    _, token = await _token(lanekit, tenant)
    by_token = lanekit.client(tenant, headers=bearer(token))
    assert (await by_token.get("/io/user/me")).status_code == 200
    with StatementCounter(lanekit) as counter:
        assert (await by_token.get("/io/user/me")).status_code == 200
    assert len(_auth_statements(counter.statements)) == 1, counter.statements


async def test_a_revoked_token_is_refused_at_once(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        token_id, token = await _token(lanekit, tenant)
        by_token = lanekit.client(tenant, headers=bearer(token))
        assert (await by_token.get("/io/user/me")).status_code == 200
        assert (await by_token.get("/io/user/me")).status_code == 200

        assert (await lanekit.as_admin(tenant).delete(f"/io/auth/token/{token_id}")).status_code == 204
        assert (await by_token.get("/io/user/me")).status_code == 401


async def test_a_disabled_user_is_refused_at_once_by_either_method(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        user = await lanekit.user(tenant)
        as_user = lanekit.as_user(tenant, user)
        _, token = await _token(lanekit, tenant, headers=dict(as_user.headers))
        by_token = lanekit.client(tenant, headers=bearer(token))
        for client in (as_user, by_token):
            assert (await client.get("/io/user/me")).status_code == 200

        disabled = await lanekit.as_admin(tenant).patch(f"/io/user/{user.id}", json={"enabled": False})
        assert disabled.status_code == 200
        for client in (as_user, by_token):
            assert (await client.get("/io/user/me")).status_code == 401

        enabled = await lanekit.as_admin(tenant).patch(f"/io/user/{user.id}", json={"enabled": True})
        assert enabled.status_code == 200
        for client in (as_user, by_token):
            assert (await client.get("/io/user/me")).status_code == 200


async def test_a_changed_password_refuses_the_old_one_at_once(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        user = await lanekit.user(tenant)
        as_user = lanekit.as_user(tenant, user)
        assert (await as_user.get("/io/user/me")).status_code == 200
        assert (await as_user.get("/io/user/me")).status_code == 200

        changed = await lanekit.as_admin(tenant).patch(
            f"/io/user/{user.id}/password", json={"password": "a-new-password"}
        )
        assert changed.status_code == 200
        assert (await as_user.get("/io/user/me")).status_code == 401
        fresh = lanekit.client(tenant, headers=basic(user.email, "a-new-password"))
        assert (await fresh.get("/io/user/me")).status_code == 200


async def test_a_deleted_user_is_refused_at_once_by_either_method(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        user = await lanekit.user(tenant)
        as_user = lanekit.as_user(tenant, user)
        _, token = await _token(lanekit, tenant, headers=dict(as_user.headers))
        by_token = lanekit.client(tenant, headers=bearer(token))
        for client in (as_user, by_token):
            assert (await client.get("/io/user/me")).status_code == 200

        assert (await lanekit.as_admin(tenant).delete(f"/io/user/{user.id}")).status_code == 204
        for client in (as_user, by_token):
            assert (await client.get("/io/user/me")).status_code == 401


async def test_a_demoted_administrator_loses_the_role_at_once(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        user = await lanekit.user(tenant, administrator=True)
        as_user = lanekit.as_user(tenant, user)
        assert (await as_user.get("/io/user")).status_code == 200

        demoted = await lanekit.as_admin(tenant).patch(f"/io/user/{user.id}", json={"administrator": False})
        assert demoted.status_code == 200
        assert (await as_user.get("/io/user")).status_code == 403


async def test_the_callers_own_profile_change_shows_on_the_next_request(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        admin = lanekit.as_admin(tenant)
        assert (await admin.get("/io/user/me")).status_code == 200
        patched = await admin.patch("/io/user/me", json={"firstName": "Renamed"})
        assert patched.status_code == 200
        me = await admin.get("/io/user/me")
        assert me.status_code == 200
        assert me.json()["firstName"] == "Renamed"


async def test_another_process_refuses_a_revoked_token_within_a_second(lanekit: Lanekit) -> None:
    # Two app instances on one database, each with its own engine, cache and listener, stand for two
    # server processes: on PostgreSQL the notice travels by NOTIFY, on SQLite through the epoch file.
    other = Lanekit(lanekit.settings)
    try:
        async with running(lanekit), running(other):
            tenant = await lanekit.tenant()
            token_id, token = await _token(lanekit, tenant)
            here = lanekit.client(tenant, headers=bearer(token))
            there = other.client(tenant, headers=bearer(token))
            for client in (here, there, there):
                assert (await client.get("/io/user/me")).status_code == 200
            with StatementCounter(other) as counter:
                assert (await there.get("/io/user/me")).status_code == 200
            assert _auth_statements(counter.statements) == [], "the other process answers from memory"

            assert (await lanekit.as_admin(tenant).delete(f"/io/auth/token/{token_id}")).status_code == 204
            deadline = time.monotonic() + 1.0
            while (status := (await there.get("/io/user/me")).status_code) != 401:
                assert status == 200
                assert time.monotonic() < deadline, "the other process still accepts the revoked token"
                await asyncio.sleep(0.02)
    finally:
        await other.close()


async def test_a_lost_listener_connection_makes_the_cache_read_again(lanekit: Lanekit) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        _, token = await _token(lanekit, tenant)
        by_token = lanekit.client(tenant, headers=bearer(token))
        assert (await by_token.get("/io/user/me")).status_code == 200
        notifier = lanekit.app.state.ctx.credentials._notifier
        notifier.live = False  # what the listener sets while it is disconnected
        with StatementCounter(lanekit) as counter:
            assert (await by_token.get("/io/user/me")).status_code == 200
        assert len(_auth_statements(counter.statements)) == 1, counter.statements


async def test_the_listener_reconnects_and_forgets_what_it_may_have_missed(
    lanekit: Lanekit, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no listener connection to lose")
    async with running(lanekit):
        tenant = await lanekit.tenant()
        _, token = await _token(lanekit, tenant)
        by_token = lanekit.client(tenant, headers=bearer(token))
        assert (await by_token.get("/io/user/me")).status_code == 200
        notifier = lanekit.app.state.ctx.credentials._notifier

        async with lanekit.db.read() as conn:
            killed = await conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'lanekit-notify' AND datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            assert killed.all(), "no listener connection found"
        deadline = time.monotonic() + 5
        while notifier.live:
            assert time.monotonic() < deadline, "the lost connection went unnoticed"
            await asyncio.sleep(0.02)
        while not notifier.live:
            assert time.monotonic() < deadline, "the listener did not reconnect"
            await asyncio.sleep(0.02)
        # Reconnected: what is remembered is read once again, then trusted again.
        with StatementCounter(lanekit) as counter:
            assert (await by_token.get("/io/user/me")).status_code == 200
            first = _auth_statements(counter.statements)
            counter.statements.clear()
            assert (await by_token.get("/io/user/me")).status_code == 200
            second = _auth_statements(counter.statements)
        assert len(first) == 1, first
        assert second == [], second
