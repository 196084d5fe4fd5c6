"""/io/scim/v1/Users: the SCIM 1.1 user resource, created, read, replaced, patched and deleted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from lanekit.domain.people import provisioning
from lanekit.storage.tables import users as users_table
from tests.harness import Lanekit, Tenant, basic, bearer

pytestmark = pytest.mark.anyio

EXT = "urn:scim:schemas:extension:leankit:user:1.0"
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def new_user_body(user_name: str = "jane.doe@example.com", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:scim:schemas:core:1.0", EXT],
        "userName": user_name,
        "externalId": "ABC234",
        "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
        "timezone": "America/Chicago",
        "active": True,
        "password": "Secret-passw0rd!",
        EXT: {
            "licenseType": "full",
            "administrator": False,
            "boardCreator": True,
            "dateFormat": "dd/mm/yyyy",
        },
    }
    body.update(overrides)
    return body


async def stored(lanekit: Lanekit, user_id: str) -> dict[str, Any]:
    async with lanekit.db.read() as conn:
        row = (
            (await conn.execute(select(users_table).where(users_table.c.id == int(user_id)))).mappings().one()
        )
    return dict(row)


async def create(lanekit: Lanekit, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    response = await lanekit.as_admin(tenant).post("/io/scim/v1/Users", json=new_user_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_answers_201_with_location_and_the_documented_resource(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).post("/io/scim/v1/Users", json=new_user_body())
    assert response.status_code == 201
    body = response.json()
    user_id = body["id"]
    assert user_id.isdigit()
    location = f"http://{tenant.host}/io/scim/v1/users/{user_id}"
    assert response.headers["location"] == location
    assert INSTANT.fullmatch(body["meta"]["created"])
    assert body == {
        "schemas": ["urn:scim:schemas:core:1.0", EXT],
        "id": user_id,
        "externalId": "ABC234",
        "userName": "jane.doe@example.com",
        "name": {"familyName": "Doe", "givenName": "Jane", "formatted": "Jane Doe"},
        "timezone": "America/Chicago",
        "active": True,
        "meta": {"created": body["meta"]["created"], "location": location},
        EXT: {
            "licenseType": "full",
            "lastAccess": None,
            "administrator": False,
            "boardCreator": True,
            "dateFormat": "dd/mm/yyyy",
        },
    }
    row = await stored(lanekit, user_id)
    assert row["email"] == "jane.doe@example.com"
    assert row["date_format"] == "dd/MM/yyyy"
    assert row["external_user_name"] == "ABC234"
    # Write-only: hashed with the same Argon2id as every password, never returned.
    assert row["password_hash"].startswith("$argon2id$")
    assert "password" not in response.text.lower()
    # The new user signs in with the password the identity provider set.
    me = await lanekit.client(tenant, headers=basic("jane.doe@example.com", "Secret-passw0rd!")).get(
        "/io/user/me"
    )
    assert me.status_code == 200


async def test_get_returns_the_resource_with_location_from_the_request_base_url(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    response = await lanekit.as_admin(tenant).get(f"/io/scim/v1/Users/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.json()["meta"]["location"].startswith(f"http://{tenant.host}/io/scim/v1/users/")
    # Every SCIM answer carries the rate-limit headers of /io.
    assert response.headers["x-ratelimit-limit"].isdigit()
    assert response.headers["x-ratelimit-remaining"].isdigit()


async def test_paths_match_in_any_case(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    client = lanekit.as_admin(tenant)
    for path in (f"/io/scim/v1/users/{created['id']}", f"/io/SCIM/V1/USERS/{created['id']}"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.json()["id"] == created["id"]
    listed = await client.get("/io/scim/v1/users")
    assert listed.status_code == 200
    assert listed.json()["totalResults"] == 2  # the administrator and the new user


async def test_create_without_password_makes_a_user_who_cannot_sign_in_yet(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    body = new_user_body()
    del body["password"]
    response = await lanekit.as_admin(tenant).post("/io/scim/v1/Users", json=body)
    assert response.status_code == 201
    row = await stored(lanekit, response.json()["id"])
    assert row["password_hash"].startswith("$argon2id$")


async def test_create_ignores_read_only_and_unknown_attributes(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    body = new_user_body(
        id="999999",
        meta={"created": "2001-01-01T00:00:00Z", "location": "https://elsewhere/x"},
        groups=[],
        emails=[{"primary": True, "value": "other@example.com", "type": "work"}],
        displayName="Someone Else",
        locale="en_US",
        nickName="JD",
    )
    body[EXT]["lastAccess"] = "2001-01-01T00:00:00Z"
    response = await lanekit.as_admin(tenant).post("/io/scim/v1/Users", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["id"] != "999999"
    assert created["userName"] == "jane.doe@example.com"
    assert created["meta"]["created"] != "2001-01-01T00:00:00Z"
    assert created[EXT]["lastAccess"] is None


async def test_duplicate_user_name_is_409_in_the_scim_error_body(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    await create(lanekit, tenant)
    again = await lanekit.as_admin(tenant).post(
        "/io/scim/v1/Users", json=new_user_body("JANE.DOE@example.com")
    )
    assert again.status_code == 409
    errors = again.json()["Errors"]
    assert len(errors) == 1 and errors[0]["code"] == "409"
    assert "jane.doe@example.com" in errors[0]["description"].lower()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"userName": None}, "userName"),
        ({"name": {"givenName": "Jane"}}, "name.familyName"),
        ({"userName": "not-an-email"}, "userName"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"active": "yes"}, "active"),
        ({"password": "short"}, "password"),
        ({EXT: {"dateFormat": "dd.mm.yy"}}, f"{EXT}.dateFormat"),
        ({EXT: {"licenseType": "platinum"}}, f"{EXT}.licenseType"),
    ],
)
async def test_invalid_create_is_400_naming_the_attribute(
    lanekit: Lanekit, change: dict[str, Any], field: str
) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).post("/io/scim/v1/Users", json=new_user_body(**change))
    assert response.status_code == 400, response.text
    [error] = response.json()["Errors"]
    assert error["code"] == "400"
    assert error["description"].startswith(f"{field}:"), error


async def test_malformed_json_is_400(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).post(
        "/io/scim/v1/Users", content=b'{"userName": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "400"


async def test_put_replaces_every_value_but_keeps_the_password(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    before = await stored(lanekit, created["id"])
    replacement = {
        "id": created["id"],
        "userName": "jane.smith@example.com",
        "name": {"givenName": "Janet", "familyName": "Smith"},
        "meta": created["meta"],
    }
    response = await lanekit.as_admin(tenant).put(f"/io/scim/v1/Users/{created['id']}", json=replacement)
    assert response.status_code == 200
    body = response.json()
    # What the body left out is back to its default: no externalId, GMT, not a board creator…
    assert body["userName"] == "jane.smith@example.com"
    assert body["name"] == {"familyName": "Smith", "givenName": "Janet", "formatted": "Janet Smith"}
    assert body["externalId"] is None
    assert body["timezone"] == "Etc/GMT"
    assert body["active"] is True
    assert body[EXT]["boardCreator"] is False
    assert body[EXT]["dateFormat"] == "mm/dd/yyyy"
    after = await stored(lanekit, created["id"])
    assert after["password_hash"] == before["password_hash"]
    assert after["email"] == "jane.smith@example.com"
    signed_in = await lanekit.client(tenant, headers=basic("jane.smith@example.com", "Secret-passw0rd!")).get(
        "/io/user/me"
    )
    assert signed_in.status_code == 200


async def test_put_with_a_password_changes_it(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    body = new_user_body(password="Another-passw0rd!")
    response = await lanekit.as_admin(tenant).put(f"/io/scim/v1/Users/{created['id']}", json=body)
    assert response.status_code == 200
    old = lanekit.client(tenant, headers=basic("jane.doe@example.com", "Secret-passw0rd!"))
    new = lanekit.client(tenant, headers=basic("jane.doe@example.com", "Another-passw0rd!"))
    assert (await old.get("/io/user/me")).status_code == 401
    assert (await new.get("/io/user/me")).status_code == 200


async def test_put_to_another_users_name_is_409(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    first = await create(lanekit, tenant)
    await create(lanekit, tenant, userName="john@example.com")
    response = await lanekit.as_admin(tenant).put(
        f"/io/scim/v1/Users/{first['id']}", json=new_user_body("john@example.com")
    )
    assert response.status_code == 409
    assert response.json()["Errors"][0]["code"] == "409"


async def test_patch_changes_only_what_the_body_carries(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    response = await lanekit.as_admin(tenant).patch(
        f"/io/scim/v1/Users/{created['id']}",
        json={
            "schemas": ["urn:scim:schemas:core:1.0"],
            "id": created["id"],
            "name": {"familyName": "Roe"},
            EXT: {"administrator": True},
        },
    )
    assert response.status_code == 200
    body = response.json()
    expected = dict(created)
    expected["name"] = {"familyName": "Roe", "givenName": "Jane", "formatted": "Jane Roe"}
    expected[EXT] = {**created[EXT], "administrator": True}
    assert body == expected


async def test_patch_with_the_whole_body_as_leankit_client_sends_it(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    whole = dict(created)
    whole["timezone"] = "Europe/Paris"
    response = await lanekit.as_admin(tenant).patch(f"/io/scim/v1/users/{created['id']}", json=whole)
    assert response.status_code == 200
    assert response.json() == {**created, "timezone": "Europe/Paris"}


async def test_patch_externalid_null_clears_it(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    response = await lanekit.as_admin(tenant).patch(
        f"/io/scim/v1/Users/{created['id']}", json={"externalId": None}
    )
    assert response.status_code == 200
    assert response.json()["externalId"] is None
    assert (await stored(lanekit, created["id"]))["external_user_name"] is None


async def test_patch_active_false_refuses_sign_in_at_once_and_true_restores_it(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    user_client = lanekit.client(tenant, headers=basic("jane.doe@example.com", "Secret-passw0rd!"))
    token = (await user_client.post("/io/auth/token", json={"description": "idp test"})).json()["token"]
    token_client = lanekit.client(tenant, headers=bearer(token))
    # Both credentials are good, and now remembered by the credential cache.
    assert (await user_client.get("/io/user/me")).status_code == 200
    assert (await token_client.get("/io/user/me")).status_code == 200

    admin = lanekit.as_admin(tenant)
    off = await admin.patch(f"/io/scim/v1/Users/{created['id']}", json={"active": False})
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert (await stored(lanekit, created["id"]))["enabled"] is False
    assert (await user_client.get("/io/user/me")).status_code == 401
    assert (await token_client.get("/io/user/me")).status_code == 401

    on = await admin.patch(f"/io/scim/v1/Users/{created['id']}", json={"active": True})
    assert on.status_code == 200
    assert on.json()["active"] is True
    assert (await user_client.get("/io/user/me")).status_code == 200
    assert (await token_client.get("/io/user/me")).status_code == 200


async def test_delete_answers_200_then_the_user_is_gone_and_cannot_sign_in(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await create(lanekit, tenant)
    user_client = lanekit.client(tenant, headers=basic("jane.doe@example.com", "Secret-passw0rd!"))
    assert (await user_client.get("/io/user/me")).status_code == 200
    admin = lanekit.as_admin(tenant)
    response = await admin.delete(f"/io/scim/v1/Users/{created['id']}")
    assert response.status_code == 200
    assert response.content == b""
    assert (await user_client.get("/io/user/me")).status_code == 401
    gone = await admin.get(f"/io/scim/v1/Users/{created['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"Errors": [{"description": f"Resource {created['id']} not found", "code": "404"}]}
    assert (await admin.delete(f"/io/scim/v1/Users/{created['id']}")).status_code == 404
    by_name = {"filter": 'userName eq "jane.doe@example.com"'}
    listed = (await admin.get("/io/scim/v1/Users", params=by_name)).json()
    assert listed["totalResults"] == 0
    # The row stays (cards, comments and history keep their author), marked deleted.
    assert (await stored(lanekit, created["id"]))["deleted"] is True


async def test_only_account_administrators_may_provision(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    member = await lanekit.user(tenant)
    client = lanekit.as_user(tenant, member)
    for method, path, body in (
        ("GET", "/io/scim/v1/Users", None),
        ("POST", "/io/scim/v1/Users", new_user_body()),
        ("GET", f"/io/scim/v1/Users/{member.id}", None),
        ("PUT", f"/io/scim/v1/Users/{member.id}", new_user_body()),
        ("PATCH", f"/io/scim/v1/Users/{member.id}", {"active": False}),
        ("DELETE", f"/io/scim/v1/Users/{member.id}", None),
        ("GET", "/io/scim/v1/Groups", None),
        ("GET", "/io/scim/v1/ServiceProviderConfigs", None),
        ("GET", "/io/scim/v1/Schemas", None),
    ):
        response = await client.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["Errors"][0]["code"] == "403"
    row = await stored(lanekit, str(member.id))
    assert row["enabled"] is True and row["deleted"] is False


async def test_another_accounts_user_is_not_found(lanekit: Lanekit) -> None:
    ours = await lanekit.tenant()
    theirs = await lanekit.tenant()
    stranger = await lanekit.user(theirs)
    admin = lanekit.as_admin(ours)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = new_user_body() if method in ("PUT", "PATCH") else None
        response = await admin.request(method, f"/io/scim/v1/Users/{stranger.id}", json=body)
        assert response.status_code == 404, method
    listed = (await admin.get("/io/scim/v1/Users")).json()
    assert str(stranger.id) not in {resource["id"] for resource in listed["Resources"]}
    assert (await stored(lanekit, str(stranger.id)))["enabled"] is True


async def test_bad_credentials_are_401_in_the_scim_error_body(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    for headers in ({}, basic(tenant.admin.email, "wrong-password"), bearer("not-a-token")):
        response = await lanekit.client(tenant, headers=headers).get("/io/scim/v1/Users")
        assert response.status_code == 401
        assert response.json()["Errors"][0]["code"] == "401"


async def test_bearer_token_works(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    created = await lanekit.as_admin(tenant).post("/io/auth/token", json={"description": "okta"})
    token = created.json()["token"]
    response = await lanekit.client(tenant, headers=bearer(token)).get("/io/scim/v1/Users")
    assert response.status_code == 200
    assert response.json()["totalResults"] == 1


async def test_an_unexpected_failure_is_a_500_in_the_scim_error_body_without_details(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(provisioning, "get_user", broken)
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get(f"/io/scim/v1/Users/{tenant.admin.id}")
    assert response.status_code == 500
    assert response.json() == {
        "Errors": [{"description": "internal error; the request was not completed", "code": "500"}]
    }
