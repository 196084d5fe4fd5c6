"""`/io/docs` works offline (local Swagger UI assets) and the OpenAPI document declares its security."""

from __future__ import annotations

import re

import pytest

from lanekit.web.docs import ASSETS
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def test_docs_page_references_only_local_assets_and_they_are_served(lanekit: Lanekit) -> None:
    client = lanekit.client(await lanekit.tenant())
    page = await client.get("/io/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert urls and all(u.startswith("/io/docs/") for u in urls), urls
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    for name, media_type in ASSETS.items():
        asset = await client.get(f"/io/docs/static/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"] == media_type
        assert len(asset.content) > 100
    for name in ("index.html", "swagger-initializer.js", "../__init__.py"):
        assert (await client.get(f"/io/docs/static/{name}")).status_code == 404, name
    ui_document = (await client.get("/io/docs/openapi.json")).json()
    assert ui_document["openapi"] == "3.0.3" and "/io/card" in ui_document["paths"]


async def test_openapi_declares_basic_and_bearer_and_the_card_list_parameters(lanekit: Lanekit) -> None:
    document = (await lanekit.client(await lanekit.tenant()).get("/io/openapi.json")).json()
    assert document["components"]["securitySchemes"] == {
        "basic": {"type": "http", "scheme": "basic", "description": "Email or username, and password."},
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from POST /io/auth/token.",
        },
    }
    assert document["security"] == [{"basic": []}, {"bearer": []}]
    assert document["paths"]["/healthz"]["get"]["security"] == []
    parameters = {p["name"]: p for p in document["paths"]["/io/card"]["get"]["parameters"]}
    assert set(parameters) >= {
        "offset", "limit", "select", "board", "lanes", "cards", "search", "customId", "customIds", "type",
        "types", "custom_icon", "assignedUserIds", "lane_class_types", "since", "deleted", "only", "omit",
        "sort", "include",
    }  # fmt: skip
    assert all(p["in"] == "query" and p["description"] for p in parameters.values())
    token = document["paths"]["/io/auth/token"]["post"]["requestBody"]["content"]
    assert set(token) == {"application/json", "application/x-www-form-urlencoded"}
