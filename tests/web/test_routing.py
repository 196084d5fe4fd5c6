"""Routes that cannot shadow each other: every id in an /io path is an `{…:id}` segment (web/routing.py), so
a literal path reaches its own route whatever order the routers are included in, and a segment that is not
plainly an id matches no route at all."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRouter
from starlette.routing import Match

from lanekit import app as app_module
from lanekit.app import create_app
from lanekit.domain.types import MAX_ID
from lanekit.settings import Settings
from lanekit.web.router import RouteTable
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


# The route table (web/router.py) must pick what FastAPI's own scan picks, and leave everything else to it.


def _plain(app: FastAPI) -> FastAPI:
    """The same app served by FastAPI's own router: the table's class taken off again."""
    app.router.__class__ = APIRouter
    app.router.middleware_stack = app.router.app
    return app


def _concrete(path_format: str) -> str:
    return re.sub(r"{\w+}", "7", path_format)


def _fastapi_choice(table: RouteTable, method: str, path: str) -> Any:
    """The route FastAPI's scan would run: the first entry, over the whole table in order, that fully
    matches."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    assert table._buckets is not None
    everything = sorted(
        {id(e): e for bucket in table._buckets.values() for e in bucket}.values(), key=lambda e: e.order
    )
    for entry in sorted([*everything, *table._anywhere], key=lambda e: e.order):
        target = entry.context if entry.context is not None else entry.route
        if target.matches(dict(scope))[0] is Match.FULL:
            return entry
    return None


@pytest.mark.parametrize("order", ["forward", "reversed"])
def test_the_table_picks_the_route_fastapi_would_for_every_route(
    order: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if order == "reversed":
        monkeypatch.setattr(app_module, "AUTHENTICATED_ROUTERS", app_module.AUTHENTICATED_ROUTERS[::-1])
    app = Lanekit(settings).app
    table = app.router
    assert isinstance(table, RouteTable)
    table.rebuild()
    assert table._buckets is not None
    assert not table._anywhere, table._anywhere  # every route of the app is indexed
    entries = {id(e): e for bucket in table._buckets.values() for e in bucket}.values()
    assert len(entries) > 80
    for entry in entries:
        target = entry.context if entry.context is not None else entry.route
        for method in target.methods:
            for path in (_concrete(target.path_format), _concrete(target.path_format).upper()):
                candidates = table.candidates(method, path)
                scope = {"type": "http", "method": method, "path": path, "root_path": ""}
                chosen = next(
                    (c for c in candidates if (c.context or c.route).matches(dict(scope))[0] is Match.FULL),
                    None,
                )
                assert chosen is _fastapi_choice(table, method, path), (method, path)
                if path == _concrete(target.path_format):
                    assert chosen is not None, (method, path)


async def test_the_openapi_document_is_byte_identical_to_plain_routing(settings: Settings) -> None:
    bodies = []
    for app in (create_app(settings), _plain(create_app(settings))):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/io/openapi.json")
            assert response.status_code == 200
            bodies.append(response.content)
        await app.state.ctx.db.dispose()
    assert bodies[0] == bodies[1]


# What the current app answers where no route fully matches (or a spelling varies): status, Allow, body.
UNMATCHED: list[tuple[str, str, int]] = [
    ("PUT", "/io/card/7", 405),
    ("POST", "/io/user/me", 405),
    ("DELETE", "/io/board/access/7", 404),
    ("GET", "/io/card/move", 405),
    ("GET", "/io/nothing/here", 404),
    ("GET", "/io", 404),
    # The web board (ui/) answers `/` by sending the browser to sign in.
    ("GET", "/", 303),
    ("GET", "/nothing/here", 404),
    ("GET", "/io/card/7/", 404),
    ("GET", "/io/CARD/7", 404),
    ("GET", "/io/User/Me", 200),
    ("GET", "/io/user/me/", 200),
    ("GET", "/io/card/abc", 404),
    ("GET", "/healthz", 200),
    ("POST", "/healthz", 405),
]


async def test_unmatched_requests_answer_as_with_plain_routing(settings: Settings) -> None:
    kits = [Lanekit(settings), Lanekit(settings)]
    _plain(kits[1].app)
    try:
        tenant = await kits[0].tenant()
        answers: list[list[tuple[int, str | None, bytes]]] = []
        for kit in kits:
            client = kit.as_admin(tenant)
            seen = []
            for method, path, _ in UNMATCHED:
                response = await client.request(method, path, json={} if method != "GET" else None)
                body = response.content if response.status_code != 200 else b""
                seen.append((response.status_code, response.headers.get("allow"), body))
            answers.append(seen)
        assert answers[0] == answers[1]
        assert [status for status, _, _ in answers[0]] == [status for _, _, status in UNMATCHED], answers[0]
        assert answers[0][0][1] is not None  # a 405 names what is allowed
    finally:
        for kit in kits:
            await kit.close()


async def test_a_full_match_is_served_without_fastapis_scan(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans: list[str] = []
    original = APIRouter.app

    async def counted(self: APIRouter, scope: Any, receive: Any, send: Any) -> None:
        scans.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(APIRouter, "app", counted)
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    assert (await admin.get("/io/user/me")).status_code == 200
    assert (await admin.get("/io/card/7")).status_code == 404
    assert scans == []
    assert (await admin.put("/io/card/7", json={})).status_code == 405
    assert scans == ["/io/card/7"]
