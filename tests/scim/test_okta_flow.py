"""Okta's SCIM 1.1 provisioning sequence, replayed with its documented bodies and headers (Okta developer
docs, "SCIM 1.1" reference), then a delete as leankit-client's `scim.user.destroy` sends it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.users import make_user
from tests.harness import Lanekit, basic

pytestmark = pytest.mark.anyio

CORE = "urn:scim:schemas:core:1.0"
EXT = "urn:scim:schemas:extension:leankit:user:1.0"
OKTA_HEADERS = {"User-Agent": "Okta SCIM Client 1.0.0", "Accept": "application/json"}
OKTA_CREATE: dict[str, Any] = {
    "schemas": [CORE],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en_US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


async def test_okta_provisioning_life_cycle(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        for index in range(130):
            await make_user(conn, tenant.account, email=f"existing{index:03}@corp.example")
    okta = lanekit.client(
        tenant, headers={**OKTA_HEADERS, **basic(tenant.admin.email, tenant.admin_password)}
    )
    base = "/io/scim/v1"

    # 1. Connection test, always these values.
    users_probe = await okta.get(f"{base}/Users?startIndex=1&count=2")
    assert users_probe.status_code == 200
    assert users_probe.json()["itemsPerPage"] == 2
    groups_probe = await okta.get(f"{base}/Groups?startIndex=1&count=100")
    assert groups_probe.status_code == 200
    assert groups_probe.json()["Resources"] == []

    # 2. Does the user exist?  No match is Okta's documented empty list.
    lookup = f"{base}/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100"
    missing = await okta.get(lookup)
    assert missing.status_code == 200
    assert missing.json() == {
        "schemas": [CORE, EXT],
        "totalResults": 0,
        "itemsPerPage": 0,
        "startIndex": 1,
        "Resources": [],
    }

    # 3. Create: 201 with the full user, id included.
    created = await okta.post(f"{base}/Users", json=OKTA_CREATE)
    assert created.status_code == 201
    user = created.json()
    assert user["id"].isdigit()
    assert user["userName"] == "test.user@okta.local"
    assert user["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert user["active"] is True
    user_url = f"{base}/Users/{user['id']}"
    assert created.headers["location"].endswith(f"/io/scim/v1/users/{user['id']}")
    found = (await okta.get(lookup)).json()
    assert found["totalResults"] == 1
    assert found["Resources"] == [user]

    # 4. The same create again: 409 in the SCIM error body.
    duplicate = await okta.post(f"{base}/Users", json=OKTA_CREATE)
    assert duplicate.status_code == 409
    assert duplicate.json()["Errors"][0]["code"] == "409"

    # 5. Import by pages of 100 until totalResults: every user once, in a stable order.
    imported: list[str] = []
    start = 1
    while True:
        page = (await okta.get(f"{base}/Users?startIndex={start}&count=100")).json()
        imported.extend(resource["id"] for resource in page["Resources"])
        if start + page["itemsPerPage"] > page["totalResults"] or not page["Resources"]:
            break
        start += page["itemsPerPage"]
    assert page["totalResults"] == 132
    assert len(imported) == len(set(imported)) == 132
    assert user["id"] in imported

    # 6. Profile update: GET, then PUT the whole object back with meta, groups, emails and displayName.
    current = (await okta.get(user_url)).json()
    current.update(groups=[], emails=OKTA_CREATE["emails"], displayName="Test User", locale="en_US")
    current["name"]["familyName"] = "Userson"
    replaced = await okta.put(user_url, json=current)
    assert replaced.status_code == 200
    assert replaced.json()["name"] == {
        "givenName": "Test",
        "familyName": "Userson",
        "formatted": "Test Userson",
    }
    assert replaced.json()["meta"] == user["meta"]

    # 7. Deactivate: the user's own sign-in is refused from the next request on.
    signed_in = lanekit.client(tenant, headers=basic("test.user@okta.local", "1mz050nq"))
    assert (await signed_in.get("/io/user/me")).status_code == 200
    off = await okta.patch(user_url, json={"schemas": [CORE], "id": user["id"], "active": False})
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert (await signed_in.get("/io/user/me")).status_code == 401

    # 8. Reactivate: sign-in works again, with the same password.
    on = await okta.patch(user_url, json={"schemas": [CORE], "id": user["id"], "active": True})
    assert on.status_code == 200
    assert on.json()["active"] is True
    assert (await signed_in.get("/io/user/me")).status_code == 200

    # Okta never deletes; leankit-client's destroy does, on the lower-case path.
    deleted = await okta.delete(f"{base}/users/{user['id']}")
    assert deleted.status_code == 200
    assert (await signed_in.get("/io/user/me")).status_code == 401
    assert (await okta.get(lookup)).json()["totalResults"] == 0
