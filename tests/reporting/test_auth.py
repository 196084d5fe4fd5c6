"""`POST /io/reporting/auth` and how an export authenticates (reporting/routes.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from lanekit.domain import clock
from lanekit.domain.people.passwords import hash_password
from lanekit.reporting.routes import EXPORT_COST
from lanekit.settings import Settings
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import users as user_queries
from tests.factories.boards import make_board
from tests.factories.users import DEFAULT_PASSWORD
from tests.harness import Lanekit, Tenant, basic, bearer

pytestmark = pytest.mark.anyio

LOGIN_FAILED = {
    "statusCode": 401,
    "error": "Unauthorized",
    "message": "Login failed: email or password is incorrect",
}
INVALID_TOKEN = {"statusCode": 401, "error": "Unauthorized", "message": "Invalid token"}


async def sign_in(lanekit: Lanekit, tenant: Tenant, **body: Any) -> Any:
    values = {"email": tenant.admin.email, "password": DEFAULT_PASSWORD, "accountName": tenant.account.name}
    values.update(body)
    return await lanekit.client(tenant).post("/io/reporting/auth", json=values)


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def test_sign_in_returns_a_signed_token_with_leankits_claims(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await sign_in(lanekit, tenant)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "expires"}
    assert jwt.get_unverified_header(body["token"])["alg"] == "HS256"
    found = claims(body["token"])
    assert found["id"] == str(tenant.admin.id)
    assert found["orgId"] == str(tenant.account.id)
    assert found["email"] == tenant.admin.email
    assert found["name"] == f"{tenant.admin.first_name} {tenant.admin.last_name}"
    assert found["iss"] == found["aud"] == "leankit-reporting-api"
    assert found["cacheExpiration"] == 1440
    # The default lifetime is 10080 minutes (7 days); `expires` is that instant in ISO 8601 UTC.
    assert found["exp"] - found["iat"] == 10080 * 60
    expires = datetime.fromtimestamp(found["exp"], UTC).isoformat().replace("+00:00", "Z")
    assert body["expires"] == expires


async def test_the_lifetime_follows_the_account_setting(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        await account_queries.update_account(
            conn,
            tenant.account.id,
            title=tenant.account.title,
            settings={"reportingApiTokenExpirationInMinutes": 60},
        )
    found = claims((await sign_in(lanekit, tenant)).json()["token"])
    assert found["exp"] - found["iat"] == 3600


async def test_sign_in_accepts_a_form_and_any_account_name(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.client(tenant)
    form = {"email": tenant.admin.email, "password": DEFAULT_PASSWORD, "accountName": "127"}
    assert (await client.post("/io/reporting/auth", data=form)).status_code == 200
    # What leankit-client sends: its `account` argument verbatim, plus its own Authorization header.
    for name in ("http://127.0.0.1:8123", f"{tenant.account.name}.leankit.com", "someone-else", None):
        body = {"email": tenant.admin.email, "password": DEFAULT_PASSWORD, "accountName": name}
        response = await client.post("/io/reporting/auth", json=body, headers=basic("x", "y"))
        assert response.status_code == 200, (name, response.text)


async def test_bad_credentials_get_the_documented_401(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    wrong = await sign_in(lanekit, tenant, password="not-the-password")
    assert wrong.status_code == 401
    assert wrong.json() == LOGIN_FAILED
    unknown = await sign_in(lanekit, tenant, email="nobody@example.com")
    assert (unknown.status_code, unknown.json()) == (401, LOGIN_FAILED)
    missing = await lanekit.client(tenant).post("/io/reporting/auth", json={"email": tenant.admin.email})
    assert missing.status_code == 422
    assert "password" in missing.json()["message"]


async def export_status(lanekit: Lanekit, tenant: Tenant, token: str, **headers: str) -> tuple[int, Any]:
    response = await lanekit.client(tenant, headers=headers).get(
        "/io/reporting/export/boards", params={"token": token, "format": "json"}
    )
    return response.status_code, response.json()


async def test_an_export_takes_the_token_in_the_query_or_as_bearer(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin, title="Only board")
    token = (await sign_in(lanekit, tenant)).json()["token"]
    expected = [{"boardId": str(board.id), "boardTitle": "Only board"}]
    assert await export_status(lanekit, tenant, token) == (200, expected)
    by_header = await lanekit.client(tenant, headers=bearer(token)).get("/io/reporting/export/boards.json")
    assert (by_header.status_code, by_header.json()) == (200, expected)
    # The query token wins over whatever the Authorization header holds (clients send both).
    assert await export_status(lanekit, tenant, token, **basic("someone", "wrong")) == (200, expected)
    assert await export_status(lanekit, tenant, token, **bearer("0" * 64)) == (200, expected)
    # …and a bad query token is refused even beside good credentials.
    good_basic = basic(tenant.admin.email, DEFAULT_PASSWORD)
    assert await export_status(lanekit, tenant, token[:-2] + "xx", **good_basic) == (401, INVALID_TOKEN)


async def test_an_export_also_takes_basic_credentials_and_v2_tokens(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    assert (await admin.get("/io/reporting/export/boards")).status_code == 200
    created = await admin.post("/io/auth/token", json={"description": "reporting"})
    v2 = lanekit.client(tenant, headers=bearer(created.json()["token"]))
    response = await v2.get("/io/reporting/export/boards", params={"format": "json"})
    assert (response.status_code, response.json()) == (200, [])
    anonymous = await lanekit.client(tenant).get("/io/reporting/export/boards")
    assert anonymous.status_code == 401


async def test_a_token_ends_with_a_password_change_a_disabled_or_deleted_user(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    cases: list[dict[str, Any]] = [
        {"password_hash": await hash_password("another-password-1")},
        {"enabled": False},
        {"deleted": True},
    ]
    for change in cases:
        user = await lanekit.user(tenant)
        token = (await sign_in(lanekit, tenant, email=user.email)).json()["token"]
        assert (await export_status(lanekit, tenant, token))[0] == 200
        async with lanekit.db.begin() as conn:
            await user_queries.update_user(conn, account_id=tenant.account.id, user_id=user.id, **change)
        assert await export_status(lanekit, tenant, token) == (401, INVALID_TOKEN), change


async def test_a_token_is_refused_on_another_account_and_when_forged_or_expired(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    token = (await sign_in(lanekit, tenant)).json()["token"]
    assert await export_status(lanekit, other, token) == (401, INVALID_TOKEN)
    guessed = "a guessed key that is long enough for HS256"
    forged = jwt.encode({**claims(token), "id": str(other.admin.id)}, guessed, algorithm="HS256")
    assert await export_status(lanekit, tenant, forged) == (401, INVALID_TOKEN)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() - timedelta(days=8))
    old = (await sign_in(lanekit, tenant)).json()["token"]
    monkeypatch.setattr(clock, "now", real_now)
    assert await export_status(lanekit, tenant, old) == (401, INVALID_TOKEN)


async def test_the_signing_key_is_shared_by_every_process_and_survives_restarts(
    lanekit: Lanekit, settings: Settings
) -> None:
    tenant = await lanekit.tenant()
    token = (await sign_in(lanekit, tenant)).json()["token"]
    restarted = Lanekit(settings)
    try:
        assert (await export_status(restarted, tenant, token))[0] == 200
    finally:
        await restarted.close()


async def test_an_export_costs_more_rate_limit_points_than_a_read(
    make_settings: Any,
) -> None:
    kit = Lanekit(make_settings(rate_limit="20/minute"))
    try:
        tenant = await kit.tenant()
        token = (await sign_in(kit, tenant)).json()["token"]
        admin = kit.as_admin(tenant)
        read = await admin.get("/io/user/me")
        assert read.headers["x-ratelimit-remaining"] == "19"
        basic_export = await admin.get("/io/reporting/export/boards")
        assert basic_export.headers["x-ratelimit-remaining"] == str(19 - EXPORT_COST)
        token_export = await kit.client(tenant).get("/io/reporting/export/boards", params={"token": token})
        assert token_export.status_code == 200
        assert token_export.headers["x-ratelimit-remaining"] == str(19 - 2 * EXPORT_COST)
        for _ in range(5):
            last = await kit.client(tenant).get("/io/reporting/export/boards", params={"token": token})
        assert last.status_code == 429
    finally:
        await kit.close()


async def test_the_account_reports_the_token_lifetime_it_applies(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    assert (await admin.get("/io/account")).json()["reportingApiTokenExpirationInMinutes"] == 10080
    async with lanekit.db.begin() as conn:
        await account_queries.update_account(
            conn,
            tenant.account.id,
            title=tenant.account.title,
            settings={"reportingApiTokenExpirationInMinutes": 60},
        )
    assert (await admin.get("/io/account")).json()["reportingApiTokenExpirationInMinutes"] == 60
