"""Deprovisioning is immediate in every process: two app instances on one database stand for two server
processes, each with its own credential cache and change-notice listener (PostgreSQL: NOTIFY; SQLite: the
epoch file).  What the identity provider does through one, the other enforces on its next requests."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.harness import Lanekit, basic, bearer, running

pytestmark = pytest.mark.anyio

PASSWORD = "Provisioned-passw0rd!"


async def _until(client: httpx.AsyncClient, status: int, path: str = "/io/user/me") -> None:
    """Poll `client` on `path` until it answers `status`, for at most a second."""
    deadline = time.monotonic() + 1.0
    while (answer := (await client.get(path)).status_code) != status:
        assert time.monotonic() < deadline, f"the other process still answers {answer}, not {status}"
        await asyncio.sleep(0.02)


async def test_deactivation_and_deletion_reach_the_other_process(lanekit: Lanekit) -> None:
    other = Lanekit(lanekit.settings)
    try:
        async with running(lanekit), running(other):
            tenant = await lanekit.tenant()
            idp = lanekit.as_admin(tenant)
            created = await idp.post(
                "/io/scim/v1/Users",
                json={"userName": "leaver@corp.example", "name": {"givenName": "L", "familyName": "Eaver"}}
                | {"password": PASSWORD},
            )
            assert created.status_code == 201
            user_url = f"/io/scim/v1/Users/{created.json()['id']}"
            by_password = other.client(tenant, headers=basic("leaver@corp.example", PASSWORD))
            token = (await by_password.post("/io/auth/token", json={"description": "cli"})).json()["token"]
            by_token = other.client(tenant, headers=bearer(token))
            signed_in = await other.client(tenant).post(
                "/io/reporting/auth",
                json={"email": "leaver@corp.example", "password": PASSWORD, "accountName": "corp"},
            )
            assert signed_in.status_code == 200, signed_in.text
            export = f"/io/reporting/export/boards.json?token={signed_in.json()['token']}"
            by_report = other.client(tenant)
            # All three are now remembered, or were just verified, by the other process.
            for client in (by_password, by_token, by_password, by_token):
                assert (await client.get("/io/user/me")).status_code == 200
            assert (await by_report.get(export)).status_code == 200

            assert (await idp.patch(user_url, json={"active": False})).status_code == 200
            await _until(by_password, 401)
            await _until(by_token, 401)
            await _until(by_report, 401, export)

            assert (await idp.patch(user_url, json={"active": True})).status_code == 200
            await _until(by_password, 200)
            await _until(by_token, 200)  # the same token, not revoked
            await _until(by_report, 200, export)  # and the same reporting token

            assert (await idp.delete(user_url)).status_code == 200
            await _until(by_password, 401)
            await _until(by_token, 401)
            await _until(by_report, 401, export)
    finally:
        await other.close()
