"""Input the databases cannot store is a 422 naming the field, never a database error (a 500).

The attack list: a lone surrogate in any text field (both databases), a NUL byte in text or in `?search=`
(PostgreSQL refuses NUL in text), strings longer than their `varchar(n)` column, `priority` as a list or an
object, and integers past every column (2**70) as `index`, `wipLimit` or `offset`.  Each must be refused
before anything reaches the database, on both databases.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from lanekit.storage.tables import users
from tests.factories.boards import make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio

SURROGATE = "\ud800"
NUL = "\x00"
HUGE = 2**70


class Kit:
    def __init__(
        self, lanekit: Lanekit, tenant: Tenant, board: Any, lanes: dict[str, Any], card: Any
    ) -> None:
        self.lanekit, self.tenant, self.board, self.lanes, self.card = lanekit, tenant, board, lanes, card
        self.admin = lanekit.as_admin(tenant)

    @property
    def lane_id(self) -> int:
        return int(next(iter(self.lanes.values())).id)


@pytest.fixture
async def kit(lanekit: Lanekit) -> Kit:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
        card = await make_card(conn, board, by=tenant.admin)
    return Kit(lanekit, tenant, board, lanes, card)


def assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) >= {"statusCode", "error", "message"}
    assert body["statusCode"] == 422
    assert field in body["message"], body["message"]


def json_request(client: httpx.AsyncClient, method: str, url: str, body: Any) -> Any:
    # httpx would encode a lone surrogate as invalid UTF-8; send it as the JSON escape a client would.
    import json

    return client.request(method, url, content=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("bad", [SURROGATE, NUL], ids=["surrogate", "nul"])
async def test_unstorable_text_in_bodies_is_refused(kit: Kit, bad: str) -> None:
    card, board = kit.card, kit.board
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/io/card", {"boardId": str(board.id), "title": f"a{bad}b"}, "title"),
        (
            "PATCH",
            f"/io/card/{card.id}",
            [{"op": "replace", "path": "/title", "value": f"x{bad}"}],
            "0/value",
        ),
        ("PATCH", f"/io/card/{card.id}", [{"op": "add", "path": "/tags/-", "value": bad}], "0/value"),
        ("POST", f"/io/card/{card.id}/comment", {"text": f"hi{bad}"}, "text"),
        ("PATCH", "/io/user/me", {"firstName": bad}, "firstName"),
        ("PATCH", "/io/account", {"title": bad}, "title"),
        ("POST", "/io/board", {"title": f"b{bad}"}, "title"),
        ("POST", "/io/auth/token", {"description": bad}, "description"),
        (
            "POST",
            "/io/user",
            {"emailAddress": "n@x.example", "firstName": "a", "lastName": bad, "password": "Secret-pass-1"},
            "lastName",
        ),
    ]
    for method, url, body, field in cases:
        assert_refused(await json_request(kit.admin, method, url, body), field)


@pytest.mark.parametrize("bad", [SURROGATE, NUL], ids=["surrogate", "nul"])
async def test_unstorable_text_in_query_strings_is_refused(kit: Kit, bad: str) -> None:
    # A surrogate can only be percent-encoded as the invalid UTF-8 of its code point.
    encoded = "%ED%A0%80" if bad == SURROGATE else "%00"
    for url in ("/io/board", "/io/user", f"/io/board/{kit.board.id}/user"):
        response = await kit.admin.get(f"{url}?search=a{encoded}")
        if bad == SURROGATE:
            # A surrogate cannot be percent-encoded as UTF-8; what arrives is U+FFFD, which is storable.
            assert response.status_code == 200, response.text
        else:
            assert_refused(response, "search")


async def test_too_long_strings_are_refused_before_the_database(kit: Kit) -> None:
    user = (await kit.admin.get("/io/user/me")).json()
    cases: list[tuple[str, str, Any, str]] = [
        ("PATCH", f"/io/user/{user['id']}", {"externalUserName": "x" * 256}, "externalUserName"),
        ("PATCH", "/io/account", {"title": "t" * 256}, "title"),
        ("PATCH", f"/io/board/{kit.board.id}/lane/{kit.lane_id}", {"sortBy": "s" * 33}, "sortBy"),
    ]
    for method, url, body, field in cases:
        assert_refused(await kit.admin.request(method, url, json=body), field)


@pytest.mark.parametrize("priority", [["high"], {"p": "high"}], ids=["list", "object"])
async def test_priority_of_another_json_type_is_refused(kit: Kit, priority: Any) -> None:
    create = await kit.admin.post(
        "/io/card", json={"boardId": str(kit.board.id), "title": "t", "priority": priority}
    )
    assert_refused(create, "priority")
    patch = await kit.admin.patch(
        f"/io/card/{kit.card.id}", json=[{"op": "replace", "path": "/priority", "value": priority}]
    )
    assert_refused(patch, "value")


async def test_integers_past_every_column_are_refused(kit: Kit) -> None:
    board, card = kit.board, kit.card
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/io/card", {"boardId": str(board.id), "title": "t", "index": HUGE}, "index"),
        ("PATCH", f"/io/card/{card.id}", [{"op": "replace", "path": "/index", "value": HUGE}], "value"),
        ("PATCH", f"/io/board/{board.id}/lane/{kit.lane_id}", {"wipLimit": HUGE}, "wipLimit"),
        ("PATCH", f"/io/board/{board.id}/lane/{kit.lane_id}", {"wipLimit": 2**31}, "wipLimit"),
    ]
    for method, url, body, field in cases:
        assert_refused(await json_request(kit.admin, method, url, body), field)
    for url in ("/io/board", "/io/user", f"/io/board/{board.id}/card"):
        assert_refused(await kit.admin.get(url, params={"offset": str(HUGE)}), "offset")


async def test_a_refused_user_never_reaches_the_database(kit: Kit, lanekit: Lanekit) -> None:
    async with lanekit.db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(users))).scalar_one()
    for body in (
        {
            "emailAddress": "e" * 250 + "@x.example",
            "firstName": "a",
            "lastName": "b",
            "password": "Secret-pass-1",
        },
        {"emailAddress": "n@x.example", "firstName": "a" * 256, "lastName": "b", "password": "Secret-pass-1"},
        {
            "emailAddress": "n@x.example",
            "firstName": "a",
            "lastName": "b",
            "password": "Secret-pass-1",
            "externalUserName": "x" * 256,
        },
        {
            "emailAddress": "n@x.example",
            "firstName": "a",
            "lastName": "b",
            "password": "Secret-pass-1",
            "timeZone": "z" * 65,
        },
    ):
        response = await kit.admin.post("/io/user", json=body)
        assert response.status_code == 422, response.text
    async with lanekit.db.read() as conn:
        after = (await conn.execute(select(func.count()).select_from(users))).scalar_one()
    assert after == before


# --- caps (docs/decisions/152-input-caps.md) ---------------------------------------------------------------

MAX_OPS, MAX_TAGS, MAX_IDS = 1000, 100, 500


def ids(n: int, start: int = 1) -> list[str]:
    return [str(start + i) for i in range(n)]


async def test_each_cap_plus_one_is_refused_naming_the_limit(kit: Kit) -> None:
    card, board = kit.card, kit.board
    tag_op = {"op": "add", "path": "/tags/-", "value": "t"}
    too_many_tags = [f"t{i}" for i in range(MAX_TAGS + 1)]
    cases: list[tuple[str, str, Any, str]] = [
        ("PATCH", f"/io/card/{card.id}", [tag_op] * (MAX_OPS + 1), str(MAX_OPS)),
        (
            "PATCH",
            "/io/card/bulk",
            {"cardIds": [str(card.id)], "updates": [tag_op] * (MAX_OPS + 1)},
            str(MAX_OPS),
        ),
        ("POST", "/io/card", {"boardId": str(board.id), "title": "t", "tags": too_many_tags}, str(MAX_TAGS)),
        (
            "PATCH",
            f"/io/card/{card.id}",
            [{"op": "add", "path": "/tags/-", "value": tag} for tag in too_many_tags],
            str(MAX_TAGS),
        ),
        (
            "PATCH",
            f"/io/card/{card.id}",
            [{"op": "replace", "path": "/tags", "value": too_many_tags}],
            str(MAX_TAGS),
        ),
        ("PATCH", f"/io/card/{card.id}", [{"op": "add", "path": "/tags/-", "value": "x" * 256}], "255"),
        ("PATCH", "/io/card/bulk", {"cardIds": ids(MAX_IDS + 1), "updates": [tag_op]}, str(MAX_IDS)),
        (
            "POST",
            "/io/card/move",
            {"cardIds": ids(MAX_IDS + 1), "destination": {"laneId": str(kit.lane_id)}},
            str(MAX_IDS),
        ),
        ("DELETE", "/io/card", {"cardIds": ids(MAX_IDS + 1)}, str(MAX_IDS)),
        ("POST", "/io/card/assign", {"cardIds": ids(MAX_IDS + 1), "userIdsToAssign": ["1"]}, str(MAX_IDS)),
        (
            "POST",
            "/io/card/connections",
            {"cardIds": ids(MAX_IDS + 1), "connections": {"children": [str(card.id)]}},
            str(MAX_IDS),
        ),
        (
            "POST",
            "/io/card/connections",
            {"cardIds": [str(card.id)], "connections": {"children": ids(MAX_IDS + 1, 10**6)}},
            str(MAX_IDS),
        ),
    ]
    for method, url, body, limit in cases:
        response = await kit.admin.request(method, url, json=body)
        assert response.status_code == 422, (method, url, response.text)
        assert limit in response.json()["message"], (method, url, response.text)


async def test_the_largest_allowed_requests_keep_the_event_loop_responsive(
    kit: Kit, lanekit: Lanekit
) -> None:
    """The op cap of `add /tags/-` within the tag cap on one card, then a bulk update of the most cards, while
    a background task measures how late its 5 ms sleeps wake (the event loop's lag)."""
    import asyncio

    async with lanekit.db.begin() as conn:
        many = [await make_card(conn, kit.board, by=kit.tenant.admin) for _ in range(MAX_IDS)]
    worst = 0.0
    stop = asyncio.Event()

    async def probe() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(0.005)
            worst = max(worst, loop.time() - before - 0.005)

    tags = [{"op": "add", "path": "/tags/-", "value": f"tag{i % MAX_TAGS}"} for i in range(MAX_OPS)]
    bulk_body = {
        "cardIds": [str(c.id) for c in many],
        "updates": [{"op": "add", "path": "/tags/-", "value": "bulk"}],
    }
    # The first request of an app learns its routes (web/middleware.py), seconds of CPU on this machine;
    # measure the requests under test, not that warm-up.
    assert (await kit.admin.get(f"/io/card/{kit.card.id}")).status_code == 200
    requests = [("PATCH", f"/io/card/{kit.card.id}", tags, 200), ("PATCH", "/io/card/bulk", bulk_body, 202)]
    for method, url, body, status in requests:
        # The machine is shared: a stall that our code causes shows on every attempt, the scheduler's on
        # some, so the best of three attempts is what is asserted.
        lags = []
        for _attempt in range(3):
            worst = 0.0
            stop.clear()
            task = asyncio.create_task(probe())
            try:
                await asyncio.sleep(0.02)
                response = await kit.admin.request(method, url, json=body)
            finally:
                stop.set()
                await task
            assert response.status_code == status, response.text
            lags.append(worst)
            if worst < 0.050:
                break
        assert min(lags) < 0.050, f"{method} {url}: the event loop stalled for {min(lags) * 1000:.1f} ms"
    tagged = await kit.admin.get(f"/io/card/{kit.card.id}")
    assert len(tagged.json()["tags"]) == MAX_TAGS
