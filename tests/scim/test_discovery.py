"""/io/scim/v1 discovery (ServiceProviderConfigs, Schemas, Groups) and answers for paths it does not serve."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lanekit.settings import Settings
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

CORE = "urn:scim:schemas:core:1.0"
EXT = "urn:scim:schemas:extension:leankit:user:1.0"
MakeSettings = Callable[..., Settings]


async def test_service_provider_configs_reports_leankits_capabilities(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get("/io/scim/v1/ServiceProviderConfigs")
    assert response.status_code == 200
    body = response.json()
    assert body["schemas"] == [CORE]
    assert body["patch"] == {"supported": False}
    assert body["bulk"] == {"supported": False, "maxOperations": 0, "maxPayloadSize": 0}
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert body["changePassword"] == {"supported": False}
    assert body["sort"] == {"supported": True}
    assert body["etag"] == {"supported": False}
    assert body["xmlDataFormat"] == {"supported": False}
    assert [scheme["type"] for scheme in body["authenticationSchemes"]] == ["httpbasic", "oauthbearertoken"]


async def test_schemas_lists_the_core_user_and_the_leankit_extension(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get("/io/scim/v1/schemas")
    assert response.status_code == 200
    body = response.json()
    assert body["totalResults"] == 2
    assert body["itemsPerPage"] == 2
    assert [schema["id"] for schema in body["Resources"]] == [CORE, EXT]
    core_names = [attribute["name"] for attribute in body["Resources"][0]["attributes"]]
    assert core_names == ["id", "externalId", "userName", "name", "timezone", "active", "password", "meta"]
    extension_names = [attribute["name"] for attribute in body["Resources"][1]["attributes"]]
    assert extension_names == ["licenseType", "lastAccess", "administrator", "boardCreator", "dateFormat"]


async def test_groups_is_an_empty_list_for_identity_providers_connection_tests(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    okta_test = {"startIndex": 1, "count": 100}
    response = await lanekit.as_admin(tenant).get("/io/scim/v1/Groups", params=okta_test)
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [CORE],
        "totalResults": 0,
        "itemsPerPage": 0,
        "startIndex": 1,
        "Resources": [],
    }


@pytest.mark.parametrize(
    "path", ["/io/scim/v1/Bulk", "/io/scim/v1/Users/abc", "/io/scim/v1/Groups/1", "/io/scim/v1/Users/1/x"]
)
async def test_unknown_scim_paths_are_404_in_the_scim_error_body(lanekit: Lanekit, path: str) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get(path)
    assert response.status_code == 404
    [error] = response.json()["Errors"]
    assert error["code"] == "404"


async def test_a_method_a_scim_path_does_not_serve_is_405_naming_those_it_does(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).delete("/io/scim/v1/users")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["Errors"][0]["code"] == "405"


async def test_a_missing_user_id_is_404(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get("/io/scim/v1/Users/987654321")
    assert response.status_code == 404
    assert response.json() == {"Errors": [{"description": "Resource 987654321 not found", "code": "404"}]}


async def test_a_body_over_the_limit_is_413_in_the_scim_error_body(make_settings: MakeSettings) -> None:
    kit = Lanekit(make_settings(max_body_bytes=200))
    try:
        tenant = await kit.tenant()
        response = await kit.as_admin(tenant).post(
            "/io/SCIM/v1/Users", json={"userName": "x@example.com", "padding": "x" * 300}
        )
        assert response.status_code == 413
        [error] = response.json()["Errors"]
        assert error["code"] == "413"
        assert "larger than the limit of 200 bytes" in error["description"]
        # /io keeps its own body.
        elsewhere = await kit.as_admin(tenant).post("/io/board", json={"title": "x" * 300})
        assert elsewhere.json()["statusCode"] == 413
    finally:
        await kit.close()


async def test_a_spent_rate_limit_is_429_in_the_scim_error_body(make_settings: MakeSettings) -> None:
    kit = Lanekit(make_settings(rate_limit="2/minute"))
    try:
        tenant = await kit.tenant()
        admin = kit.as_admin(tenant)
        statuses = [(await admin.get("/io/scim/v1/Users")).status_code for _ in range(2)]
        assert statuses == [200, 200]
        refused = await admin.get("/io/scim/v1/Users")
        assert refused.status_code == 429
        assert refused.headers["retry-after"]
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.json()["Errors"][0]["code"] == "429"
    finally:
        await kit.close()
