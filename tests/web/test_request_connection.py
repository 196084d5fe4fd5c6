"""One pooled connection per request, and a pool that serves a burst without opening connections
(web/connection.py, storage/engine.py; docs/decisions/161-request-connection.md).

Connections are counted with SQLAlchemy's pool events: `checkout` each time a connection is handed out,
`connect` each time one is opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from lanekit.settings import Settings
from lanekit.storage.engine import Database, after_commit
from lanekit.storage.tables import accounts
from tests.harness import Lanekit, Tenant, bearer
from tests.http.test_auth_cache import running

pytestmark = pytest.mark.anyio

DEFAULTS = {
    name: Settings.model_fields[name].default
    for name in ("db_pool_size", "db_max_overflow", "db_pool_timeout_seconds")
}


@contextmanager
def counting(db: Database, name: str) -> Iterator[list[int]]:
    """A one-element list holding how many times pool event `name` fired inside the block."""
    count = [0]

    def bump(*_args: Any) -> None:
        count[0] += 1

    pool = db.engine.sync_engine.pool
    event.listen(pool, name, bump)
    try:
        yield count
    finally:
        event.remove(pool, name, bump)


async def _board_and_card(client: httpx.AsyncClient) -> tuple[str, str]:
    board = await client.post("/io/board", json={"title": "Pool"})
    assert board.status_code == 200, board.text
    board_id = board.json()["id"]
    card = await client.post("/io/card", json={"boardId": board_id, "title": "first"})
    assert card.status_code == 201, card.text
    return board_id, card.json()["id"]


async def _token(client: httpx.AsyncClient) -> str:
    created = await client.post("/io/auth/token", json={"description": "pool"})
    assert created.status_code == 201, created.text
    token: str = created.json()["token"]
    return token


async def _checkouts_of(db: Database, send: Callable[[], Any]) -> tuple[int, httpx.Response]:
    with counting(db, "checkout") as checkouts:
        response: httpx.Response = await send()
    return checkouts[0], response


async def _assert_one_checkout_each(kit: Lanekit, tenant: Tenant, board_id: str, card_id: str) -> None:
    by_password = kit.as_admin(tenant)
    by_token = kit.client(tenant, headers=bearer(await _token(by_password)))
    for client in (by_password, by_token):
        assert (await client.get(f"/io/card/{card_id}")).status_code == 200  # warm: tenancy, last access
        for send in (
            lambda c=client: c.get(f"/io/card/{card_id}"),
            lambda c=client: c.get(f"/io/board/{board_id}"),
            lambda c=client: c.post("/io/card", json={"boardId": board_id, "title": "one checkout"}),
        ):
            checkouts, response = await _checkouts_of(kit.db, send)
            assert response.status_code in (200, 201), response.text
            assert checkouts == 1, (response.request.method, response.request.url.path)


async def test_a_request_checks_out_one_connection_when_it_authenticates_from_the_database(
    lanekit: Lanekit,
) -> None:
    # No lifespan, so no change notices: the credential cache trusts nothing and every request reads its
    # caller (Basic: the user row; Bearer: the token joined with the user) before the handler's own blocks.
    tenant = await lanekit.tenant()
    board_id, card_id = await _board_and_card(lanekit.as_admin(tenant))
    await _assert_one_checkout_each(lanekit, tenant, board_id, card_id)


async def test_a_request_checks_out_one_connection_when_it_authenticates_from_the_cache(
    lanekit: Lanekit,
) -> None:
    async with running(lanekit):
        tenant = await lanekit.tenant()
        board_id, card_id = await _board_and_card(lanekit.as_admin(tenant))
        await _assert_one_checkout_each(lanekit, tenant, board_id, card_id)


async def test_a_request_that_needs_no_database_takes_no_connection(lanekit: Lanekit) -> None:
    client = lanekit.client()
    checkouts, response = await _checkouts_of(lanekit.db, lambda: client.get("/healthz"))
    assert response.status_code == 200
    assert checkouts == 0
    # Refused before any lookup: no Authorization header and no account at this host.
    checkouts, response = await _checkouts_of(lanekit.db, lambda: client.get("/io/user/me"))
    assert response.status_code == 401
    assert checkouts <= 1  # the Host's account is looked up (and then cached by the resolver)


async def test_64_concurrent_requests_open_no_connection_after_warm_up(make_settings: Any) -> None:
    kit = Lanekit(make_settings(**DEFAULTS))
    try:
        tenant = await kit.tenant()
        admin = kit.as_admin(tenant)
        board_id, card_id = await _board_and_card(admin)
        by_token = kit.client(tenant, headers=bearer(await _token(admin)))

        def burst() -> list[Any]:
            sends = []
            for n in range(64):
                client = admin if n % 2 else by_token
                if n % 3 == 0:
                    sends.append(client.get(f"/io/card/{card_id}"))
                elif n % 3 == 1:
                    sends.append(client.get(f"/io/board/{board_id}"))
                else:
                    sends.append(client.post("/io/card", json={"boardId": board_id, "title": f"burst {n}"}))
            return sends

        warm = await asyncio.gather(*burst())
        assert {r.status_code for r in warm} <= {200, 201}, [r.text for r in warm if r.status_code >= 300]
        pool = kit.db.engine.sync_engine.pool
        with counting(kit.db, "connect") as connects:
            responses = await asyncio.gather(*burst())
        assert [r.status_code for r in responses if r.status_code not in (200, 201)] == []
        assert connects[0] == 0, pool.status()
        assert pool.checkedout() == 0  # every request gave its connection back
    finally:
        await kit.close()


async def test_waiting_too_long_for_a_connection_is_a_503_with_retry_after(make_settings: Any) -> None:
    kit = Lanekit(make_settings(db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.2))
    try:
        tenant = await kit.tenant()
        admin = kit.as_admin(tenant)
        assert (await admin.get("/io/user/me")).status_code == 200
        async with kit.db.read():  # the pool's only connection, held by someone else
            refused = await admin.get("/io/user/me")
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["statusCode"] == 503
        assert (await admin.get("/io/user/me")).status_code == 200
    finally:
        await kit.close()


async def _exists(db: Database, account_id: int) -> bool:
    async with db.read() as conn:
        return (
            await conn.execute(select(accounts.c.id).where(accounts.c.id == account_id))
        ).first() is not None


async def test_a_scope_shares_one_connection_until_released(lanekit: Lanekit) -> None:
    db = lanekit.db
    tenant = await lanekit.tenant()
    account_id = tenant.account.id
    with counting(db, "checkout") as checkouts:
        async with db.request_scope():
            assert await _exists(db, account_id)
            async with db.begin() as conn:
                await conn.execute(select(1))
            assert await _exists(db, account_id)
            assert checkouts[0] == 1
            async with db.read():
                # Opened inside another block: a connection of its own, as outside a scope.
                assert await _exists(db, account_id)
            assert checkouts[0] == 2
            await db.release()
            assert db.engine.sync_engine.pool.checkedout() == 0
            assert await _exists(db, account_id)
            assert checkouts[0] == 3
    assert db.engine.sync_engine.pool.checkedout() == 0


async def test_after_commit_runs_after_the_commit_inside_a_scope(lanekit: Lanekit) -> None:
    db = lanekit.db
    ran: list[str] = []
    async with db.request_scope():
        async with db.begin() as conn:
            after_commit(conn, lambda: ran.append("committed"))
            assert ran == []
        assert ran == ["committed"]
        with pytest.raises(RuntimeError):
            async with db.begin() as conn:
                after_commit(conn, lambda: ran.append("rolled back"))
                raise RuntimeError("roll back")
        # The failed block gave its connection up; the next one checks out a clean one.
        async with db.begin() as conn:
            after_commit(conn, lambda: ran.append("again"))
    assert ran == ["committed", "again"]


async def test_a_streamed_upload_holds_no_connection_while_the_client_sends(
    make_settings: Any, tmp_path: Any
) -> None:
    kit = Lanekit(make_settings(blob_dir=tmp_path / "blobs"))
    try:
        tenant = await kit.tenant()
        admin = kit.as_admin(tenant)
        _board_id, card_id = await _board_and_card(admin)
        pool = kit.db.engine.sync_engine.pool
        held_while_sending: list[int] = []
        boundary = "pool-test-boundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
        ).encode()

        async def body() -> Any:
            # Each chunk is pulled by the app's receive(), after the access check's read has run.
            for chunk in (head, b"x" * 4096, b"y" * 4096, f"\r\n--{boundary}--\r\n".encode()):
                held_while_sending.append(pool.checkedout())
                yield chunk

        with counting(kit.db, "checkout") as checkouts:
            created = await admin.post(
                f"/io/card/{card_id}/attachment",
                content=body(),
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )
        assert created.status_code == 201, created.text
        assert held_while_sending == [0, 0, 0, 0]
        # Authentication and the access check share one; the row's insert takes the second.
        assert checkouts[0] == 2
    finally:
        await kit.close()
