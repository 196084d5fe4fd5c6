"""leankit-client 2.4.0's `scim` namespace against a live server, on both backends: lower-case paths,
PATCH with the whole body (`scim.user.update`), PUT (`replace`) and DELETE (`destroy`)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import basic_auth, call, run_leankit

pytestmark = pytest.mark.e2e

EXT = "urn:scim:schemas:extension:leankit:user:1.0"
NEW_USER = {
    "schemas": ["urn:scim:schemas:core:1.0", EXT],
    "userName": "node.user@example.com",
    "externalId": "node-1",
    "name": {"givenName": "Node", "familyName": "User"},
    "timezone": "America/Chicago",
    "active": True,
    "password": "Node-passw0rd!",
    EXT: {"administrator": False, "boardCreator": True, "dateFormat": "yyyy/mm/dd"},
}


def test_scim_user_life_cycle_through_the_node_client(live: Live) -> None:
    created, found = run_leankit(
        live,
        live.admin_auth,
        [
            call("scim.user.create", NEW_USER),
            call("scim.user.list", {"filter": 'userName eq "node.user@example.com"', "startIndex": 1}),
        ],
    )
    assert created.status == 201
    user = created.data
    assert user["userName"] == "node.user@example.com"
    assert user[EXT]["dateFormat"] == "yyyy/mm/dd"
    assert user["meta"]["location"] == f"{live.url}/io/scim/v1/users/{user['id']}"
    assert found.status == 200
    assert (found.data["totalResults"], found.data["itemsPerPage"], found.data["startIndex"]) == (1, 1, 1)
    assert found.data["Resources"] == [user]

    as_new_user = basic_auth("node.user@example.com", "Node-passw0rd!")
    whole = {**user, "timezone": "Europe/Paris", "active": False}
    [patched] = run_leankit(live, live.admin_auth, [call("scim.user.update", whole)])
    [refused] = run_leankit(live, as_new_user, [call("user.me")])
    assert patched.status == 200
    assert (patched.data["timezone"], patched.data["active"]) == ("Europe/Paris", False)
    assert (refused.ok, refused.status) == (False, 401)

    replacement = {
        "id": user["id"],
        "userName": "node.user@example.com",
        "name": {"givenName": "Nodette", "familyName": "User"},
        "active": True,
    }
    [replaced] = run_leankit(live, live.admin_auth, [call("scim.user.replace", replacement)])
    [signed_in] = run_leankit(live, as_new_user, [call("user.me")])
    assert replaced.status == 200
    assert replaced.data["name"]["givenName"] == "Nodette"
    assert replaced.data["timezone"] == "Etc/GMT"  # PUT replaces what it leaves out
    assert replaced.data[EXT]["boardCreator"] is False
    assert signed_in.status == 200  # the password was kept

    destroyed, listed = run_leankit(
        live,
        live.admin_auth,
        [
            call("scim.user.destroy", user["id"]),
            call("scim.user.list", {"filter": f'id eq "{user["id"]}"'}),
        ],
    )
    assert destroyed.ok and destroyed.status == 200
    assert listed.data["totalResults"] == 0
    reactivate = {"id": user["id"], "active": True}
    [gone] = run_leankit(live, live.admin_auth, [call("scim.user.update", reactivate)])
    assert (gone.ok, gone.status) == (False, 404)
    assert gone.data == {"Errors": [{"description": f"Resource {user['id']} not found", "code": "404"}]}
