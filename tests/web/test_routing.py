"""Routes that cannot shadow each other: every id in an /io path is an `{…:id}` segment (web/routing.py), so
a literal path reaches its own route whatever order the routers are included in, and a segment that is not
plainly an id matches no route at all."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from lanekit import app as app_module
from lanekit.domain.types import MAX_ID
from lanekit.settings import Settings
from lanekit.web.routing import IdConvertor, at_most
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

# Literal paths that sit where a sibling route has an id: (method, path, body, status, message prefix).
LITERALS: list[tuple[str, str, Any, int, str | None]] = [
    ("GET", "/io/user/me", None, 200, None),
    ("PATCH", "/io/user/me", {}, 200, None),
    ("GET", "/io/user/me/board/recent", None, 200, None),
    ("POST", "/io/board/access", {}, 422, "boardIds: is required"),
    ("DELETE", "/io/board/access", {}, 422, "boardIds: is required"),
    ("POST", "/io/card/dependency", {}, 422, "cardIds: is required"),
    ("PATCH", "/io/card/dependency", {}, 422, "body: must be a non-empty array"),
    ("DELETE", "/io/card/dependency", {}, 422, "cardIds: is required"),
    ("POST", "/io/card/connections", {}, 422, "cardIds: must name at least one card"),
    ("DELETE", "/io/card/connections", {}, 422, "cardIds: must name at least one card"),
    ("POST", "/io/card/list", {}, 200, None),
    ("POST", "/io/card/move", {}, 422, "cardIds: is required"),
    ("POST", "/io/card/assign", {}, 422, "cardIds: is required"),
    ("PATCH", "/io/card/bulk", {}, 422, "cardIds: is required"),
]


@pytest.fixture(params=["forward", "reversed"])
async def any_order(
    request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Lanekit]:
    if request.param == "reversed":
        monkeypatch.setattr(app_module, "AUTHENTICATED_ROUTERS", app_module.AUTHENTICATED_ROUTERS[::-1])
    kit = Lanekit(settings)
    try:
        yield kit
    finally:
        await kit.close()


async def test_every_literal_path_reaches_its_own_route_in_any_router_order(any_order: Lanekit) -> None:
    tenant = await any_order.tenant()
    admin = any_order.as_admin(tenant)
    for method, path, body, status, message in LITERALS:
        response = await admin.request(method, path, json=body)
        assert response.status_code == status, (method, path, response.text[:200])
        if message is not None:
            assert response.json()["message"].startswith(message), (method, path, response.json())
    me = await admin.get("/io/user/me")
    assert me.json()["id"] == str(tenant.admin.id)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/io/card/+1"),
        ("GET", "/io/card/1.0"),
        ("GET", "/io/card/0001"),
        ("GET", "/io/card/0"),
        ("GET", "/io/card/-1"),
        ("GET", "/io/card/1_6"),
        ("GET", "/io/card/\uff11"),  # a full-width 1: str.isdigit() says yes, an id says no
        ("GET", f"/io/card/{MAX_ID + 1}"),
        ("GET", "/io/card/" + "1" * 20),
        ("PATCH", "/io/user/+1/password"),
        ("GET", "/io/board/1e3"),
        ("DELETE", "/io/card/1/comment/0x10"),
    ],
)
async def test_a_segment_that_is_not_plainly_an_id_matches_no_route(
    lanekit: Lanekit, method: str, path: str
) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).request(method, path, json={} if method != "GET" else None)
    assert response.status_code == 404, response.text[:200]
    assert response.json() == {"statusCode": 404, "error": "Not Found", "message": "no such endpoint"}


async def test_the_largest_id_reaches_the_handler_as_an_int(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get(f"/io/card/{MAX_ID}")
    assert response.status_code == 404
    assert response.json()["message"] != "no such endpoint"
    assert str(MAX_ID) in response.json()["message"]


def test_the_id_regex_is_exactly_one_to_the_bound() -> None:
    for bound in (1, 9, 10, 19, 100, 307, 1000):
        regex = re.compile(at_most(bound))
        assert [n for n in range(0, 1100) if regex.fullmatch(str(n))] == list(range(1, bound + 1)), bound
    regex = re.compile(IdConvertor.regex)
    for accepted in ("1", "42", str(MAX_ID), str(MAX_ID - 1), "9" * 18, "1" + "0" * 18):
        assert regex.fullmatch(accepted), accepted
    for refused in (
        "",
        "0",
        "01",
        "+1",
        "-1",
        "1.0",
        "1_6",
        "1e3",
        str(MAX_ID + 1),
        "9" * 19,
        "1" + "0" * 19,
    ):
        assert not regex.fullmatch(refused), refused
    assert IdConvertor().convert(str(MAX_ID)) == MAX_ID


def test_the_openapi_document_names_every_path_parameter(settings: Settings) -> None:
    document = Lanekit(settings).app.openapi()
    assert document["paths"]
    for path, operations in document["paths"].items():
        assert ":" not in path, path
        names = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path, declared)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["type"] == "integer", (method, path, parameter)
