"""/io/user: the caller's profile (`/io/user/me`, recent boards) and the administrator's user management."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from lanekit.storage.tables import users as users_table
from tests.harness import Lanekit, Tenant, basic

pytestmark = pytest.mark.anyio

DIGITS = re.compile(r"\d+")
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

# LeanKit's `GET /io/user/me` example, key for key, with the JSON type(s) each value may take.
USER_ME_KEYS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "username": (str,),
    "firstName": (str,),
    "lastName": (str,),
    "fullName": (str,),
    "emailAddress": (str,),
    "lastAccess": (str, type(None)),
    "dateFormat": (str,),
    "administrator": (bool,),
    "enabled": (bool,),
    "deleted": (bool,),
    "organizationId": (str,),
    "boardCreator": (bool,),
    "timeZone": (str,),
    "licenseType": (str,),
    "externalUserName": (str, type(None)),
    "teamManager": (bool,),
    "externalUser": (bool,),
    "planviewUserId": (str, type(None)),
    "avatar": (str,),
    "settings": (dict,),
    "boardRoles": (list,),
}
ME_SETTINGS_KEYS: dict[str, tuple[type, ...]] = {
    "recentBoards": (list,),
    "favoriteBoards": (list,),
    "useMondayForCalendarWeekViewStart": (bool,),
    "locale": (str,),
    "joeleanOptInDate": (str, type(None)),
    "avatarBounds": (str, type(None)),
    "theme": (str,),
    "cardLayout": (str,),
}
# `GET /io/user`: the user object without settings/boardRoles, plus createdOn and accountOwner.
LIST_ITEM_KEYS = (set(USER_ME_KEYS) - {"settings", "boardRoles"}) | {"createdOn", "accountOwner"}


def assert_types(body: dict[str, Any], spec: dict[str, tuple[type, ...]]) -> None:
    assert set(body) == set(spec)
    for key, types in spec.items():
        assert isinstance(body[key], types), (key, body[key])


async def stored_user(lanekit: Lanekit, user_id: int) -> dict[str, Any]:
    async with lanekit.db.read() as conn:
        row = (await conn.execute(select(users_table).where(users_table.c.id == user_id))).mappings().one()
    return dict(row)


# --- GET /io/user/me ---------------------------------------------------------------------------------


async def test_me_matches_appendix_b_key_for_key(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get("/io/user/me")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_types(body, USER_ME_KEYS)
    assert_types(body["settings"], ME_SETTINGS_KEYS)
    admin = tenant.admin
    assert body["id"] == str(admin.id)
    assert body["organizationId"] == str(tenant.account.id)
    assert body["username"] == admin.email
    assert body["emailAddress"] == admin.email
    assert body["fullName"] == f"{admin.first_name} {admin.last_name}"
    assert body["administrator"] is True
    assert body["boardCreator"] is True
    assert (body["enabled"], body["deleted"]) == (True, False)
    assert body["dateFormat"] == "MM/dd/yyyy"
    assert body["timeZone"] == "Etc/GMT"
    assert body["licenseType"] == "full"
    # The first authenticated request is an access: it is recorded and shown.
    assert INSTANT.fullmatch(body["lastAccess"])
    assert body["avatar"] == f"http://{tenant.host}/io/user/{admin.id}/avatar?s=25"
    assert body["settings"]["locale"] == "en-US"
    assert body["settings"]["useMondayForCalendarWeekViewStart"] is False
    assert body["settings"]["recentBoards"] == []
    assert body["settings"]["favoriteBoards"] == []
    assert body["boardRoles"] == []


async def test_me_requires_authentication(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.client(tenant).get("/io/user/me")
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401
    assert response.headers["www-authenticate"] == 'Basic realm="lanekit"'


# --- PATCH /io/user/me -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "field", "expected"),
    [
        ({"firstName": "Ada"}, "firstName", "Ada"),
        ({"lastName": "Lovelace"}, "lastName", "Lovelace"),
        ({"timeZone": "Europe/London"}, "timeZone", "Europe/London"),
        ({"dateFormat": "yyyy/MM/dd"}, "dateFormat", "yyyy/MM/dd"),
    ],
)
async def test_patch_me_changes_one_field(
    lanekit: Lanekit, sent: dict[str, Any], field: str, expected: str
) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    client = lanekit.as_user(tenant, user)
    before = (await client.get("/io/user/me")).json()

    response = await client.patch("/io/user/me", json=sent)
    assert response.status_code == 200
    body = response.json()
    assert_types(body, USER_ME_KEYS)
    assert body[field] == expected
    # Nothing else moved (fullName follows the names).
    unchanged = {k: v for k, v in before.items() if k not in (field, "fullName")}
    assert {k: body[k] for k in unchanged} == unchanged
    assert body["fullName"] == f"{body['firstName']} {body['lastName']}"
    assert (await client.get("/io/user/me")).json() == body


async def test_patch_me_settings_show_in_settings(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.as_admin(tenant)
    response = await client.patch("/io/user/me", json={"locale": "fr-CA", "useMondayForStartOfWeek": True})
    assert response.status_code == 200
    settings = response.json()["settings"]
    assert_types(settings, ME_SETTINGS_KEYS)
    assert settings["locale"] == "fr-CA"
    assert settings["useMondayForCalendarWeekViewStart"] is True
    assert (await client.get("/io/user/me")).json()["settings"] == settings
    stored = await stored_user(lanekit, tenant.admin.id)
    assert stored["settings"] == {"locale": "fr-CA", "useMondayForCalendarWeekViewStart": True}

    # An explicit null clears a setting back to its default; an absent key leaves it alone.
    cleared = await client.patch("/io/user/me", json={"locale": None})
    assert cleared.status_code == 200
    assert cleared.json()["settings"]["locale"] == "en-US"
    assert cleared.json()["settings"]["useMondayForCalendarWeekViewStart"] is True


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({"timeZone": "europe/london"}, "timeZone"),
        ({"dateFormat": "dd.MM.yyyy"}, "dateFormat"),
        ({"locale": "de-DE"}, "locale"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": None}, "firstName"),
        ({"lastName": None}, "lastName"),
        ({"timeZone": None}, "timeZone"),
        ({"dateFormat": None}, "dateFormat"),
        ({"firstName": 7}, "firstName"),
        ({"useMondayForStartOfWeek": "yes"}, "useMondayForStartOfWeek"),
    ],
)
async def test_patch_me_rejects_bad_values_naming_the_field(
    lanekit: Lanekit, sent: dict[str, Any], field: str
) -> None:
    tenant = await lanekit.tenant()
    client = lanekit.as_admin(tenant)
    before = await stored_user(lanekit, tenant.admin.id)
    response = await client.patch("/io/user/me", json=sent)
    assert response.status_code == 422
    body = response.json()
    assert body["statusCode"] == 422
    assert body["error"] == "Unprocessable Content"
    assert body["message"].startswith(f"{field}:"), body["message"]
    after = await stored_user(lanekit, tenant.admin.id)
    assert after == {**before, "last_access": after["last_access"]}


async def test_patch_me_cannot_grant_account_roles(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    client = lanekit.as_user(tenant, user)
    response = await client.patch("/io/user/me", json={"administrator": True, "firstName": "Eve"})
    assert response.status_code == 200
    assert response.json()["administrator"] is False
    assert response.json()["firstName"] == "Eve"
    assert (await stored_user(lanekit, user.id))["administrator"] is False


# --- GET /io/user --------------------------------------------------------------------------------------


async def _people(lanekit: Lanekit, tenant: Tenant) -> dict[str, Any]:
    """Three more users with known names; the tenant's admin is Test User."""
    return {
        "ann": await lanekit.user(tenant, first_name="Ann", last_name="Zimmer", email=f"ann@{tenant.host}"),
        "bob": await lanekit.user(
            tenant, first_name="Bob", last_name="Abbott", email=f"bob@{tenant.host}", enabled=False
        ),
        "cy": await lanekit.user(
            tenant, first_name="Cy", last_name="Moss", email=f"cy@{tenant.host}", license_type="reader"
        ),
    }


async def test_list_users_is_paged_with_page_meta(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    people = await _people(lanekit, tenant)
    other = await lanekit.tenant()
    await lanekit.user(other)
    admin = lanekit.as_admin(tenant)

    response = await admin.get("/io/user")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"pageMeta", "users"}
    assert body["pageMeta"] == {"totalRecords": 4, "offset": 0, "limit": 100, "startRow": 1, "endRow": 4}
    # Default sort: last name, then first name.
    assert [u["lastName"] for u in body["users"]] == ["Abbott", "Moss", "User", "Zimmer"]
    for item in body["users"]:
        assert set(item) == LIST_ITEM_KEYS
        assert INSTANT.fullmatch(item["createdOn"])
        assert DIGITS.fullmatch(item["id"])
    by_id = {u["id"]: u for u in body["users"]}
    assert by_id[str(tenant.admin.id)]["accountOwner"] is False
    assert by_id[str(people["bob"].id)]["enabled"] is False
    assert by_id[str(people["cy"].id)]["licenseType"] == "reader"

    page = (await admin.get("/io/user", params={"offset": 1, "limit": 2})).json()
    assert page["pageMeta"] == {"totalRecords": 4, "offset": 1, "limit": 2, "startRow": 2, "endRow": 3}
    assert [u["lastName"] for u in page["users"]] == ["Moss", "User"]

    last = (await admin.get("/io/user", params={"offset": 3, "limit": 2})).json()
    assert last["pageMeta"] == {"totalRecords": 4, "offset": 3, "limit": 2, "startRow": 4, "endRow": 4}

    empty = (await admin.get("/io/user", params={"offset": 10, "limit": 5})).json()
    assert empty == {
        "pageMeta": {"totalRecords": 4, "offset": 10, "limit": 5, "startRow": 0, "endRow": 0},
        "users": [],
    }


async def test_list_users_every_documented_sort(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    people = await _people(lanekit, tenant)
    admin = lanekit.as_admin(tenant)

    async def order(sort_by: str) -> list[str]:
        response = await admin.get("/io/user", params={"sortBy": sort_by})
        assert response.status_code == 200, sort_by
        return [u["firstName"] for u in response.json()["users"]]

    assert await order("lastName") == ["Bob", "Cy", "Test", "Ann"]
    assert await order("firstNameAsc") == ["Ann", "Bob", "Cy", "Test"]
    assert await order("firstNameDesc") == ["Test", "Cy", "Bob", "Ann"]
    assert await order("newUsers") == ["Cy", "Bob", "Ann", "Test"]
    assert await order("enabled") == ["Cy", "Test", "Ann", "Bob"]
    assert await order("disabled") == ["Bob", "Cy", "Test", "Ann"]
    assert await order("licenseTypeAsc") == ["Bob", "Test", "Ann", "Cy"]
    assert await order("licenseTypeDesc") == ["Cy", "Bob", "Test", "Ann"]
    assert await order("accountRole") == ["Test", "Bob", "Cy", "Ann"]
    assert people["bob"].enabled is False


async def test_list_users_rejects_an_unknown_sort_and_bad_paging(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    bad_sort = await admin.get("/io/user", params={"sortBy": "shoeSize"})
    assert bad_sort.status_code == 422
    assert bad_sort.json()["message"].startswith("sortBy:")
    too_many = await admin.get("/io/user", params={"limit": 1001})
    assert too_many.status_code == 422
    assert too_many.json()["message"].startswith("limit")
    negative = await admin.get("/io/user", params={"offset": -1})
    assert negative.status_code == 422
    assert negative.json()["message"].startswith("offset")
    not_a_number = await admin.get("/io/user", params={"limit": "ten"})
    assert not_a_number.status_code == 422
    assert not_a_number.json()["message"].startswith("limit")


async def test_list_users_search_matches_name_and_email(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    people = await _people(lanekit, tenant)
    admin = lanekit.as_admin(tenant)

    async def found(search: str) -> list[str]:
        body = (await admin.get("/io/user", params={"search": search})).json()
        assert body["pageMeta"]["totalRecords"] == len(body["users"])
        return sorted(u["id"] for u in body["users"])

    assert await found("zimm") == [str(people["ann"].id)]
    assert await found("BOB") == [str(people["bob"].id)]
    assert await found("cy moss") == [str(people["cy"].id)]
    assert await found(f"cy@{tenant.host}") == [str(people["cy"].id)]
    assert await found("nobody-by-this-name") == []
    # "%" and "_" are literal characters, not wildcards.
    assert await found("%") == []
    assert await found("_") == []


async def test_list_users_requires_an_administrator(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    response = await lanekit.as_user(tenant, user).get("/io/user")
    assert response.status_code == 403
    assert response.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "this action requires an account administrator",
    }


async def test_deleted_users_are_not_listed(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    gone = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    assert (await admin.delete(f"/io/user/{gone.id}")).status_code == 204
    body = (await admin.get("/io/user")).json()
    assert [u["id"] for u in body["users"]] == [str(tenant.admin.id)]
    assert body["pageMeta"]["totalRecords"] == 1


# --- GET /io/user/:userId ------------------------------------------------------------------------------


async def test_get_user_by_id(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant, first_name="Grace", last_name="Hopper", time_zone="America/New_York")
    response = await lanekit.as_admin(tenant).get(f"/io/user/{user.id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(USER_ME_KEYS)
    assert body["id"] == str(user.id)
    assert body["fullName"] == "Grace Hopper"
    assert body["timeZone"] == "America/New_York"
    assert body["lastAccess"] is None
    assert body["settings"] == {}
    assert body["boardRoles"] == []


async def test_get_user_hides_other_accounts_and_unknown_ids(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    stranger = await lanekit.user(other)
    admin = lanekit.as_admin(tenant)
    for user_id in (stranger.id, other.admin.id, 2**62):
        response = await admin.get(f"/io/user/{user_id}")
        assert response.status_code == 404, user_id
        assert response.json() == {
            "statusCode": 404,
            "error": "Not Found",
            "message": f"user {user_id} not found",
        }


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "1.5", str(2**63)])
async def test_get_user_at_a_malformed_id_is_no_endpoint(lanekit: Lanekit, bad: str) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get(f"/io/user/{bad}")
    assert response.status_code == 404
    assert response.json()["message"] == "no such endpoint"


async def test_get_user_requires_an_administrator_except_for_oneself(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    client = lanekit.as_user(tenant, user)
    assert (await client.get(f"/io/user/{tenant.admin.id}")).status_code == 403
    own = await client.get(f"/io/user/{user.id}")
    assert own.status_code == 200
    assert own.json()["id"] == str(user.id)


# --- POST /io/user ---------------------------------------------------------------------------------------


async def test_create_user_with_defaults(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    email = f"new.person@{tenant.host}"
    response = await admin.post(
        "/io/user",
        json={"emailAddress": email, "firstName": "New", "lastName": "Person", "password": "s3cret-pass"},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(USER_ME_KEYS)
    assert DIGITS.fullmatch(body["id"])
    assert body["username"] == email
    assert body["emailAddress"] == email
    assert body["fullName"] == "New Person"
    assert body["lastAccess"] is None
    assert body["settings"] == {}
    assert body["boardRoles"] == []
    assert body["organizationId"] == str(tenant.account.id)
    assert (body["timeZone"], body["dateFormat"], body["licenseType"]) == ("Etc/GMT", "MM/dd/yyyy", "full")
    assert (body["enabled"], body["administrator"], body["boardCreator"], body["deleted"]) == (
        True,
        False,
        False,
        False,
    )
    assert body["externalUserName"] is None
    assert "password" not in response.text and "s3cret-pass" not in response.text

    stored = await stored_user(lanekit, int(body["id"]))
    assert stored["account_id"] == tenant.account.id
    assert stored["password_hash"].startswith("$argon2id$")
    assert "s3cret-pass" not in stored["password_hash"]

    fetched = await admin.get(f"/io/user/{body['id']}")
    assert fetched.json() == body
    new_client = lanekit.client(tenant, headers=basic(email, "s3cret-pass"))
    assert (await new_client.get("/io/user/me")).json()["id"] == body["id"]


async def test_create_user_with_every_optional_field(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).post(
        "/io/user",
        json={
            "emailAddress": f"full@{tenant.host}",
            "firstName": "Full",
            "lastName": "Options",
            "password": "s3cret-pass",
            "timeZone": "Asia/Tokyo",
            "enabled": False,
            "administrator": True,
            "boardCreator": True,
            "dateFormat": "dd/MM/yyyy",
            "licenseType": "reader",
            "externalUserName": "full.options",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["timeZone"] == "Asia/Tokyo"
    assert body["enabled"] is False
    assert body["administrator"] is True
    assert body["boardCreator"] is True
    assert body["dateFormat"] == "dd/MM/yyyy"
    assert body["licenseType"] == "reader"
    assert body["externalUserName"] == "full.options"


@pytest.mark.parametrize("missing", ["emailAddress", "firstName", "lastName", "password"])
async def test_create_user_requires_each_documented_field(lanekit: Lanekit, missing: str) -> None:
    tenant = await lanekit.tenant()
    body = {"emailAddress": f"x@{tenant.host}", "firstName": "X", "lastName": "Y", "password": "s3cret-pass"}
    del body[missing]
    response = await lanekit.as_admin(tenant).post("/io/user", json=body)
    assert response.status_code == 422
    assert response.json()["message"] == f"{missing}: is required"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"emailAddress": "not-an-email"}, "emailAddress"),
        ({"password": "short"}, "password"),
        ({"timeZone": "Nowhere/Special"}, "timeZone"),
        ({"dateFormat": "yy-M-d"}, "dateFormat"),
        ({"licenseType": "platinum"}, "licenseType"),
        ({"administrator": "yes"}, "administrator"),
        ({"firstName": "  "}, "firstName"),
    ],
)
async def test_create_user_validates_values(lanekit: Lanekit, change: dict[str, Any], field: str) -> None:
    tenant = await lanekit.tenant()
    body = {"emailAddress": f"x@{tenant.host}", "firstName": "X", "lastName": "Y", "password": "s3cret-pass"}
    response = await lanekit.as_admin(tenant).post("/io/user", json={**body, **change})
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{field}:"), response.json()
    assert (await lanekit.as_admin(tenant).get("/io/user")).json()["pageMeta"]["totalRecords"] == 1


async def test_create_user_with_a_taken_email_is_409(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    body = {"firstName": "X", "lastName": "Y", "password": "s3cret-pass"}
    first = await admin.post("/io/user", json={**body, "emailAddress": f"dup@{tenant.host}"})
    assert first.status_code == 200
    again = await admin.post("/io/user", json={**body, "emailAddress": f"DUP@{tenant.host.upper()}"})
    assert again.status_code == 409
    assert again.json()["statusCode"] == 409
    assert again.json()["error"] == "Conflict"
    assert (await admin.get("/io/user")).json()["pageMeta"]["totalRecords"] == 2


async def test_the_same_email_may_exist_in_two_accounts(lanekit: Lanekit) -> None:
    first, second = await lanekit.tenant(), await lanekit.tenant()
    body = {
        "emailAddress": "shared@example.org",
        "firstName": "X",
        "lastName": "Y",
        "password": "s3cret-pass",
    }
    assert (await lanekit.as_admin(first).post("/io/user", json=body)).status_code == 200
    assert (await lanekit.as_admin(second).post("/io/user", json=body)).status_code == 200


async def test_create_user_requires_an_administrator(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    response = await lanekit.as_user(tenant, user).post(
        "/io/user",
        json={
            "emailAddress": f"x@{tenant.host}",
            "firstName": "X",
            "lastName": "Y",
            "password": "s3cret-pass",
        },
    )
    assert response.status_code == 403
    assert (await lanekit.as_admin(tenant).get("/io/user")).json()["pageMeta"]["totalRecords"] == 2


# --- PATCH /io/user/:userId ------------------------------------------------------------------------------


async def test_patch_user_changes_the_given_fields_only(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant, first_name="Old", external_user_name="old.name")
    admin = lanekit.as_admin(tenant)
    before = (await admin.get(f"/io/user/{user.id}")).json()
    new_email = f"renamed@{tenant.host}"
    response = await admin.patch(
        f"/io/user/{user.id}",
        json={
            "emailAddress": new_email,
            "timeZone": "Europe/Paris",
            "administrator": True,
            "boardCreator": True,
            "licenseType": "focused",
            "dateFormat": "dd/MM/yyyy",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["emailAddress"] == new_email
    assert body["username"] == new_email  # the username followed the email it was
    assert body["timeZone"] == "Europe/Paris"
    assert (body["administrator"], body["boardCreator"]) == (True, True)
    assert body["licenseType"] == "focused"
    assert body["dateFormat"] == "dd/MM/yyyy"
    assert body["firstName"] == before["firstName"] == "Old"
    assert body["externalUserName"] == "old.name"
    assert (await admin.get(f"/io/user/{user.id}")).json() == body

    cleared = await admin.patch(f"/io/user/{user.id}", json={"externalUserName": None})
    assert cleared.status_code == 200
    assert cleared.json()["externalUserName"] is None

    # The new email signs in; the old one does not.
    assert (
        await lanekit.client(tenant, headers=basic(new_email, "correct-horse-battery")).get("/io/user/me")
    ).status_code == 200
    assert (await lanekit.as_user(tenant, user).get("/io/user/me")).status_code == 401


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"emailAddress": None}, "emailAddress"),
        ({"enabled": None}, "enabled"),
        ({"timeZone": "UTC"}, "timeZone"),
        ({"licenseType": "gold"}, "licenseType"),
        ({"enabled": "false"}, "enabled"),
    ],
)
async def test_patch_user_validates(lanekit: Lanekit, sent: dict[str, Any], field: str) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    response = await lanekit.as_admin(tenant).patch(f"/io/user/{user.id}", json=sent)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{field}:"), response.json()


async def test_patch_user_to_a_taken_email_is_409(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    response = await lanekit.as_admin(tenant).patch(
        f"/io/user/{user.id}", json={"emailAddress": tenant.admin.email.upper()}
    )
    assert response.status_code == 409
    assert (await stored_user(lanekit, user.id))["email"] == user.email


async def test_patch_user_guards(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    assert (
        await lanekit.as_user(tenant, user).patch(f"/io/user/{tenant.admin.id}", json={"firstName": "X"})
    ).status_code == 403
    assert (await admin.patch(f"/io/user/{other.admin.id}", json={"firstName": "X"})).status_code == 404
    demote = await admin.patch(f"/io/user/{tenant.admin.id}", json={"administrator": False})
    assert demote.status_code == 422
    assert demote.json()["message"].startswith("administrator:")
    disable = await admin.patch(f"/io/user/{tenant.admin.id}", json={"enabled": False})
    assert disable.status_code == 422
    assert disable.json()["message"].startswith("enabled:")
    assert (await stored_user(lanekit, tenant.admin.id))["administrator"] is True


# --- PATCH /io/user/:userId/password ---------------------------------------------------------------------


async def test_patch_password(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    old_hash = (await stored_user(lanekit, user.id))["password_hash"]

    response = await admin.patch(f"/io/user/{user.id}/password", json={"password": "brand-new-secret"})
    assert response.status_code == 200
    assert set(response.json()) == set(USER_ME_KEYS)
    assert response.json()["id"] == str(user.id)
    assert "brand-new-secret" not in response.text
    new_hash = (await stored_user(lanekit, user.id))["password_hash"]
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")

    assert (await lanekit.as_user(tenant, user).get("/io/user/me")).status_code == 401
    assert (await lanekit.as_user(tenant, user, "brand-new-secret").get("/io/user/me")).status_code == 200


async def test_patch_password_validates_and_guards(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    missing = await admin.patch(f"/io/user/{user.id}/password", json={})
    assert (missing.status_code, missing.json()["message"]) == (422, "password: is required")
    short = await admin.patch(f"/io/user/{user.id}/password", json={"password": "abc"})
    assert short.status_code == 422
    assert short.json()["message"].startswith("password:")
    forbidden = await lanekit.as_user(tenant, user).patch(
        f"/io/user/{tenant.admin.id}/password", json={"password": "takeover-attempt"}
    )
    assert forbidden.status_code == 403
    foreign = await admin.patch(f"/io/user/{other.admin.id}/password", json={"password": "takeover-attempt"})
    assert foreign.status_code == 404
    assert (await lanekit.as_admin(other).get("/io/user/me")).status_code == 200


# --- DELETE /io/user/:userId ------------------------------------------------------------------------------


async def test_delete_user(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    as_user = lanekit.as_user(tenant, user)
    assert (await as_user.get("/io/user/me")).status_code == 200  # cached credentials
    admin = lanekit.as_admin(tenant)

    response = await admin.delete(f"/io/user/{user.id}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await as_user.get("/io/user/me")).status_code == 401
    assert (await admin.get(f"/io/user/{user.id}")).status_code == 404
    assert (await admin.delete(f"/io/user/{user.id}")).status_code == 404
    stored = await stored_user(lanekit, user.id)
    assert (stored["deleted"], stored["enabled"]) == (True, False)

    # The email is free again.
    again = await admin.post(
        "/io/user",
        json={
            "emailAddress": user.email,
            "firstName": "Back",
            "lastName": "Again",
            "password": "s3cret-pass",
        },
    )
    assert again.status_code == 200
    assert again.json()["id"] != str(user.id)


async def test_delete_user_guards(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    own = await admin.delete(f"/io/user/{tenant.admin.id}")
    assert own.status_code == 422
    assert own.json()["message"].startswith("userId:")
    assert (await lanekit.as_user(tenant, user).delete(f"/io/user/{tenant.admin.id}")).status_code == 403
    assert (await admin.delete(f"/io/user/{other.admin.id}")).status_code == 404
    assert (await lanekit.as_admin(other).get("/io/user/me")).status_code == 200
    assert (await admin.get("/io/user/me")).status_code == 200


# --- GET /io/user/me/board/recent -------------------------------------------------------------------------


async def test_recent_boards_of_a_new_user_is_empty(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    response = await lanekit.as_user(tenant, user).get("/io/user/me/board/recent")
    assert response.status_code == 200
    assert response.json() == {"boards": []}


async def test_avatar_is_an_initials_image_for_users_of_the_account(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    ann = await lanekit.user(tenant, first_name="ann", last_name="<Lee>")
    client = lanekit.as_user(tenant, ann)
    me = (await client.get("/io/user/me")).json()
    url = me["avatar"].removeprefix(f"http://{tenant.host}")
    assert url == f"/io/user/{ann.id}/avatar?s=25"

    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "private, max-age=86400"
    assert response.headers["x-content-type-options"] == "nosniff"
    svg = response.text
    assert svg.startswith("<svg ") and 'width="25" height="25"' in svg
    assert ">A&lt;</text>" in svg and "<script" not in svg
    assert (await client.get(url)).text == svg

    admin = lanekit.as_admin(tenant)
    admins_view = await admin.get(f"/io/user/{ann.id}/avatar?s=25")
    assert admins_view.text == svg
    mine = (await client.get(f"/io/user/{tenant.admin.id}/avatar")).text
    assert 'width="25"' in mine and ">" + tenant.admin.first_name[0].upper() in mine
    for asked, size in (("64", 64), ("1", 16), ("9999", 256), ("big", 25)):
        sized = await client.get(f"/io/user/{ann.id}/avatar?s={asked}")
        assert f'width="{size}" height="{size}"' in sized.text, asked


async def test_avatar_of_another_account_is_404_and_needs_authentication(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    stranger = await lanekit.user(other)
    client = lanekit.as_admin(tenant)
    assert (await client.get(f"/io/user/{stranger.id}/avatar")).status_code == 404
    assert (await client.get("/io/user/999999999/avatar")).status_code == 404
    assert (await lanekit.client(tenant).get(f"/io/user/{tenant.admin.id}/avatar")).status_code == 401
