"""The official LeanKit node client (leankit-client 2.4.0) against a live server, on both backends."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import basic_auth, call, ref, run_leankit, token_auth
from tests.factories.users import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e

INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
USER_FIELDS = {
    "id", "username", "firstName", "lastName", "fullName", "emailAddress", "lastAccess", "dateFormat",
    "administrator", "enabled", "deleted", "organizationId", "boardCreator", "timeZone", "licenseType",
    "externalUserName", "teamManager", "externalUser", "planviewUserId", "avatar", "settings", "boardRoles",
}  # fmt: skip
LIST_ITEM_FIELDS = (USER_FIELDS - {"settings", "boardRoles"}) | {"createdOn", "accountOwner"}


def page_meta(*, total: int, offset: int, limit: int, returned: int) -> dict[str, int]:
    return {
        "totalRecords": total,
        "offset": offset,
        "limit": limit,
        "startRow": offset + 1 if returned else 0,
        "endRow": offset + returned,
    }


def _error(status: int, reason: str) -> dict[str, object]:
    return {"statusCode": status, "error": reason}


def test_user_me_over_basic_auth(live: Live) -> None:
    admin, account = live.tenant.admin, live.tenant.account

    me, recent = run_leankit(live, live.admin_auth, [call("user.me"), call("user.boards.recent")])

    assert (me.ok, me.status) == (True, 200)
    assert set(me.data) == USER_FIELDS
    assert me.data["id"] == str(admin.id)
    assert me.data["organizationId"] == str(account.id)
    assert me.data["emailAddress"] == me.data["username"] == admin.email
    assert (me.data["firstName"], me.data["lastName"], me.data["fullName"]) == ("Test", "User", "Test User")
    assert (me.data["administrator"], me.data["enabled"], me.data["deleted"]) == (True, True, False)
    assert INSTANT.fullmatch(me.data["lastAccess"])
    assert me.data["avatar"] == f"{live.url}/io/user/{admin.id}/avatar?s=25"
    assert me.data["settings"]["recentBoards"] == me.data["settings"]["favoriteBoards"] == []
    assert me.data["boardRoles"] == []
    assert (recent.status, recent.data) == (200, {"boards": []})


def test_account_get_and_its_alias(live: Live) -> None:
    got, alias = run_leankit(live, live.admin_auth, [call("account.get"), call("account.me")])

    assert got.status == 200
    assert got.data["id"] == str(live.tenant.account.id)
    assert got.data["accountStatus"] == "active"
    assert got.data["defaultNewBoardRole"] == 0
    assert got.data["expiresOn"] is None
    assert {"userLimit", "defaultRoleId", "enableCustomCardFields", "reportingApiTokenExpirationInMinutes",
            "enableReportingApiCardExport", "accountType"} <= set(got.data)  # fmt: skip
    assert (alias.status, alias.data) == (200, got.data)


def test_token_create_list_bearer_use_and_revoke(live: Live) -> None:
    admin = live.tenant.admin
    bearer = token_auth(ref("0.data.token"))

    created, listed, me, revoked, after, listed_after, revoked_again = run_leankit(
        live,
        live.admin_auth,
        [
            call("auth.token.create", "e2e token"),
            call("auth.token.list"),
            call("user.me", auth=bearer),
            call("auth.token.revoke", ref("0.data.id")),
            call("user.me", auth=bearer),
            call("auth.token.list"),
            call("auth.token.revoke", ref("0.data.id")),
        ],
    )

    assert created.status == 201
    assert set(created.data) == {"id", "token", "description", "createdOn"}
    token_id = created.data["id"]
    assert re.fullmatch(r"\d+", token_id)
    assert created.data["description"] == "e2e token"
    assert INSTANT.fullmatch(created.data["createdOn"])
    assert len(bytes.fromhex(created.data["token"])) >= 32
    assert listed.status == 200
    assert listed.data == {
        "tokens": [{"id": token_id, "description": "e2e token", "createdOn": created.data["createdOn"]}]
    }
    assert me.status == 200
    assert (me.data["id"], me.data["emailAddress"]) == (str(admin.id), admin.email)
    assert (revoked.ok, revoked.status, revoked.data) == (True, 204, "")
    assert (after.ok, after.status) == (False, 401)
    assert after.data.items() >= _error(401, "Unauthorized").items()
    assert after.data["message"]
    assert (listed_after.status, listed_after.data) == (200, {"tokens": []})
    assert (revoked_again.ok, revoked_again.status) == (False, 404)
    assert revoked_again.data.items() >= _error(404, "Not Found").items()


def test_user_list_and_get(live: Live) -> None:
    admin = live.tenant.admin
    ada = live.user(first_name="Ada", last_name="Lovelace", email="ada@analytical.example")

    everyone, searched, second_page, got, missing = run_leankit(
        live,
        live.admin_auth,
        [
            call("user.list"),
            call("user.list", {"search": "lovelace"}),
            call("user.list", {"limit": 1, "offset": 1}),
            call("user.get", str(ada.id)),
            call("user.get", "987654321987"),
        ],
    )

    assert everyone.status == 200
    assert everyone.data["pageMeta"] == page_meta(total=2, offset=0, limit=100, returned=2)
    # Sorted by last name by default: Lovelace before User.
    assert [u["id"] for u in everyone.data["users"]] == [str(ada.id), str(admin.id)]
    assert all(set(u) == LIST_ITEM_FIELDS for u in everyone.data["users"])
    listed_ada = everyone.data["users"][0]
    assert (listed_ada["emailAddress"], listed_ada["fullName"]) == ("ada@analytical.example", "Ada Lovelace")
    assert (listed_ada["administrator"], listed_ada["accountOwner"]) == (False, False)
    assert INSTANT.fullmatch(listed_ada["createdOn"])

    assert searched.status == 200
    assert [u["emailAddress"] for u in searched.data["users"]] == ["ada@analytical.example"]
    assert searched.data["pageMeta"]["totalRecords"] == 1

    assert second_page.status == 200
    assert second_page.data["pageMeta"] == page_meta(total=2, offset=1, limit=1, returned=1)
    assert [u["id"] for u in second_page.data["users"]] == [str(admin.id)]

    assert got.status == 200
    assert set(got.data) == USER_FIELDS
    assert (got.data["id"], got.data["emailAddress"], got.data["lastAccess"]) == (
        str(ada.id), "ada@analytical.example", None
    )  # fmt: skip
    assert got.data["organizationId"] == str(live.tenant.account.id)

    assert (missing.ok, missing.status) == (False, 404)
    assert missing.data.items() >= _error(404, "Not Found").items()


def test_user_list_and_get_need_an_administrator(live: Live) -> None:
    member = live.user(email="member@e2e.example")

    me, listed, got = run_leankit(
        live,
        basic_auth(member.email, DEFAULT_PASSWORD),
        [call("user.me"), call("user.list"), call("user.get", str(live.tenant.admin.id))],
    )

    assert (me.status, me.data["id"], me.data["administrator"]) == (200, str(member.id), False)
    assert (listed.ok, listed.status) == (False, 403)
    assert listed.data.items() >= _error(403, "Forbidden").items()
    assert (got.status, got.data["statusCode"]) == (403, 403)


def test_bad_credentials_are_401_with_the_error_body(live: Live) -> None:
    wrong = basic_auth(live.tenant.admin.email, "not-the-password")
    [wrong_password] = run_leankit(live, wrong, [call("user.me")])
    [unknown_token] = run_leankit(live, token_auth("ab" * 32), [call("account.get")])

    for result in (wrong_password, unknown_token):
        assert (result.ok, result.status) == (False, 401)
        assert result.data.items() >= _error(401, "Unauthorized").items()
        assert "not-the-password" not in str(result.data)


def test_a_second_account_is_reached_by_its_host_and_sees_only_its_own_users(live: Live) -> None:
    other = live.server.tenant(f"other{live.tenant.account.name[3:]}")
    other_auth = basic_auth(other.admin.email, DEFAULT_PASSWORD, headers={"Host": other.host})

    me, foreign, own = run_leankit(
        live, other_auth, [call("user.me"), call("user.get", str(live.tenant.admin.id)), call("user.list")]
    )
    # The same credentials without the Host header land in the default account, where they are unknown.
    [default_account] = run_leankit(live, basic_auth(other.admin.email, DEFAULT_PASSWORD), [call("user.me")])

    assert me.status == 200
    assert (me.data["id"], me.data["organizationId"]) == (str(other.admin.id), str(other.account.id))
    assert (foreign.status, foreign.data["statusCode"]) == (404, 404)
    assert [u["id"] for u in own.data["users"]] == [str(other.admin.id)]
    assert (default_account.status, default_account.data["statusCode"]) == (401, 401)
