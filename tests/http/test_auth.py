"""/io/auth/token and the two authentication schemes."""

from __future__ import annotations

import re

import pytest

from lanekit.storage.tables import api_tokens
from tests.harness import Lanekit, basic, bearer

pytestmark = pytest.mark.anyio


async def test_token_lifecycle_create_list_use_revoke(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)

    created = await admin.post("/io/auth/token", json={"description": "CI token"})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "token", "description", "createdOn"}
    assert body["description"] == "CI token"
    assert re.fullmatch(r"\d+", body["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["createdOn"])
    assert len(bytes.fromhex(body["token"])) >= 32

    listed = await admin.get("/io/auth/token")
    assert listed.status_code == 200
    assert listed.json() == {
        "tokens": [{"id": body["id"], "description": "CI token", "createdOn": body["createdOn"]}]
    }

    with_token = lanekit.client(tenant, headers=bearer(body["token"]))
    me = await with_token.get("/io/user/me")
    assert me.status_code == 200
    assert me.json()["id"] == str(tenant.admin.id)

    revoked = await admin.delete(f"/io/auth/token/{body['id']}")
    assert revoked.status_code == 204
    assert revoked.content == b""
    after = await with_token.get("/io/user/me")
    assert after.status_code == 401
    assert after.json()["statusCode"] == 401
    assert after.headers["www-authenticate"] == 'Basic realm="lanekit"'
    assert (await admin.get("/io/auth/token")).json() == {"tokens": []}


async def test_token_is_stored_only_as_a_hash(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    token = (await lanekit.as_admin(tenant).post("/io/auth/token", json={"description": "x"})).json()["token"]
    async with lanekit.db.read() as conn:
        rows = (await conn.execute(api_tokens.select())).mappings().all()
    stored = [r for r in rows if r["account_id"] == tenant.account.id]
    assert len(stored) == 1
    assert token not in str(dict(stored[0]))


async def test_token_needs_a_description(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    missing = await admin.post("/io/auth/token", json={})
    assert missing.status_code == 422
    assert missing.json()["message"] == "description: is required"
    blank = await admin.post("/io/auth/token", json={"description": "  "})
    assert blank.status_code == 422
    assert blank.json()["message"] == "description: must not be empty"
    wrong_type = await admin.post("/io/auth/token", json={"description": 5})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["message"].startswith("description:")


async def test_another_users_token_cannot_be_revoked(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    other = await lanekit.user(tenant)
    token_id = (await lanekit.as_admin(tenant).post("/io/auth/token", json={"description": "x"})).json()["id"]
    response = await lanekit.as_user(tenant, other).delete(f"/io/auth/token/{token_id}")
    assert response.status_code == 404
    assert len((await lanekit.as_admin(tenant).get("/io/auth/token")).json()["tokens"]) == 1


async def test_a_token_works_only_in_its_own_account(lanekit: Lanekit) -> None:
    first, second = await lanekit.tenant(), await lanekit.tenant()
    token = (await lanekit.as_admin(first).post("/io/auth/token", json={"description": "x"})).json()["token"]
    response = await lanekit.client(second, headers=bearer(token)).get("/io/user/me")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Basic", "Basic !!!notbase64", "Basic " + "bm9jb2xvbg==", "Digest abc", "Bearer "],
)
async def test_malformed_credentials_are_401(lanekit: Lanekit, header: str) -> None:
    tenant = await lanekit.tenant()
    headers = {"Authorization": header} if header else {}
    response = await lanekit.client(tenant, headers=headers).get("/io/user/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="lanekit"'
    assert set(response.json()) == {"statusCode", "error", "message"}


async def test_wrong_password_is_401_with_the_documented_message(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.client(tenant, headers=basic(tenant.admin.email, "nope-nope")).get("/io/user/me")
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Login failed: email or password is incorrect",
    }


async def test_basic_accepts_username_and_is_case_insensitive(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant, email="Mixed.Case@Example.org", username="mixy")
    for login in ("mixed.case@example.org", "MIXY"):
        response = await lanekit.client(tenant, headers=basic(login, tenant.admin_password)).get(
            "/io/user/me"
        )
        assert response.status_code == 200, login
        assert response.json()["id"] == str(user.id)


async def test_disabled_user_cannot_authenticate_by_either_method(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    as_user = lanekit.as_user(tenant, user)
    token = (await as_user.post("/io/auth/token", json={"description": "x"})).json()["token"]
    assert (await as_user.get("/io/user/me")).status_code == 200  # now cached

    disabled = await lanekit.as_admin(tenant).patch(f"/io/user/{user.id}", json={"enabled": False})
    assert disabled.status_code == 200
    assert (await as_user.get("/io/user/me")).status_code == 401
    assert (await lanekit.client(tenant, headers=bearer(token)).get("/io/user/me")).status_code == 401


async def test_password_change_invalidates_cached_basic_credentials(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    as_user = lanekit.as_user(tenant, user)
    assert (await as_user.get("/io/user/me")).status_code == 200
    assert len(lanekit.app.state.ctx.credentials) >= 1

    changed = await lanekit.as_admin(tenant).patch(
        f"/io/user/{user.id}/password", json={"password": "a-new-password"}
    )
    assert changed.status_code == 200
    assert (await as_user.get("/io/user/me")).status_code == 401
    fresh = lanekit.client(tenant, headers=basic(user.email, "a-new-password"))
    assert (await fresh.get("/io/user/me")).status_code == 200


async def test_basic_auth_verifies_the_hash_once_then_uses_the_cache(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanekit.domain.people import auth

    calls = 0
    real = auth.verify_password

    async def counting(password_hash: str, password: str) -> bool:
        nonlocal calls
        calls += 1
        return await real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    for _ in range(5):
        assert (await admin.get("/io/user/me")).status_code == 200
    assert calls == 1


async def test_token_request_may_be_form_encoded(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    created = await admin.post("/io/auth/token", data={"description": "Form & co"})
    assert created.status_code == 201, created.text
    assert created.json()["description"] == "Form & co"
    token = created.json()["token"]
    assert (await lanekit.client(tenant, headers=bearer(token)).get("/io/user/me")).status_code == 200
    missing = await admin.post("/io/auth/token", data={"other": "x"})
    assert missing.status_code == 422
    assert missing.json()["message"] == "description: is required"
    blank = await admin.post("/io/auth/token", data={"description": " "})
    assert blank.status_code == 422
    assert blank.json()["message"] == "description: must not be empty"


async def test_token_request_body_errors_read_as_before(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    malformed = await admin.post(
        "/io/auth/token", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert malformed.json()["message"].startswith("malformed JSON body:")
    empty = await admin.post("/io/auth/token")
    assert empty.status_code == 422
    assert empty.json()["message"] == "body: is required"
    untyped = await admin.post("/io/auth/token", content=b'{"description": "raw"}')
    assert untyped.status_code == 201
    anonymous = await lanekit.client(tenant).post("/io/auth/token", data={"description": "x"})
    assert anonymous.status_code == 401
