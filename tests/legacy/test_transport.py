"""The /kanban/api transport: the envelope, HTTP 200 for failures, 401 for bad credentials, the three auth
schemes, case-insensitive paths, keys and query keys, empty POST bodies, GET and POST only."""

from __future__ import annotations

import base64

import pytest

from tests.factories.boards import grant_role, make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, envelope, failure, legacy_board, payload

pytestmark = pytest.mark.anyio


async def test_a_list_payload_is_wrapped_twice_and_paths_ignore_case(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    expected = [{"Id": s.board.id, "Title": s.board.title, "IsArchived": False}]
    for path in (
        "/kanban/api/boards",
        "/Kanban/Api/Boards",
        "/KANBAN/API/BOARDS",
        "/kanban/api/ListNewBoards",
    ):
        body = envelope(await s.admin.get(path))
        assert body["ReplyCode"] == 200
        assert body["ReplyText"] == "Board(s) successfully retrieved."
        # ReplyData is an array wrapping the payload, itself a list.
        assert len(body["ReplyData"]) == 1
        assert [{k: b[k] for k in ("Id", "Title", "IsArchived")} for b in body["ReplyData"][0]] == expected


async def test_bad_or_missing_credentials_answer_http_401(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    wrong = base64.b64encode(f"{s.tenant.admin.email}:wrong-password".encode()).decode()
    for headers in ({"Authorization": f"Basic {wrong}"}, {}, {"Authorization": "Token nonsense"}):
        response = await lanekit.client(s.tenant, headers=headers).get(f"{API}/boards")
        assert response.status_code == 401, response.text
        assert response.json()["ReplyCode"] == 1000 and response.json()["ReplyData"] is None
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_bearer_and_token_schemes_take_a_v2_api_token(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    created = await s.admin.post("/io/auth/token", json={"description": "legacy"})
    assert created.status_code in (200, 201), created.text
    token = created.json()["token"]
    for scheme in ("Bearer", "Token", "token"):
        client = lanekit.client(s.tenant, headers={"Authorization": f"{scheme} {token}"})
        board = payload(await client.get(f"{API}/boards/{s.board.id}"))
        assert board["Id"] == s.board.id
    # /io itself still takes only Basic and Bearer.
    io = lanekit.client(s.tenant, headers={"Authorization": f"Token {token}"})
    assert (await io.get("/io/user/me")).status_code == 401


async def test_failures_are_http_200_with_a_reply_code(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    missing = await s.admin.get(f"{API}/board/{s.board.id}/GetCard/999999")
    assert failure(missing, 100) == "Card not Found."
    assert failure(await s.admin.get(f"{API}/boards/999999"), 100) == "Board not Found."
    # An id beyond 64 bits is as missing as any other.
    assert failure(await s.admin.get(f"{API}/boards/99999999999999999999999"), 100) == "Board not Found."


async def test_another_accounts_board_and_card_are_not_found(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    other = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        foreign = await make_board(conn, other.account, creator=other.admin)
        card = await make_card(conn, foreign, by=other.admin)
    assert failure(await s.admin.get(f"{API}/boards/{foreign.id}"), 100) == "Board not Found."
    assert failure(await s.admin.get(f"{API}/board/{foreign.id}/getcard/{card.id}"), 100) == "Card not Found."
    moved = await s.admin.post(
        f"{API}/board/{foreign.id}/movecard/{card.id}/lane/{s.lanes['Doing Now'].id}/position/0"
    )
    assert failure(moved, 100) == "Card not Found."
    assert [b["Id"] for b in payload(await s.admin.get(f"{API}/boards"))] == [s.board.id]


async def test_board_roles_are_enforced(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    reader = await lanekit.user(s.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, s.board, reader, "boardReader")
        card = await make_card(conn, s.board, by=s.tenant.admin)
    client = lanekit.as_user(s.tenant, reader)
    assert payload(await client.get(f"{API}/board/{s.board.id}/getcard/{card.id}"))["Id"] == card.id
    doing = s.lanes["Doing Now"].id
    refused = await client.post(f"{API}/board/{s.board.id}/movecard/{card.id}/lane/{doing}/position/0")
    failure(refused, 1000)
    after = (await s.admin.get(f"/io/card/{card.id}")).json()
    assert after["lane"]["id"] == str(s.lanes["New Requests"].id)
    # A user with no role on the board does not see it at all.
    stranger = lanekit.as_user(s.tenant, await lanekit.user(s.tenant))
    assert failure(await stranger.get(f"{API}/boards/{s.board.id}"), 100) == "Board not Found."


async def test_empty_post_bodies_with_and_without_content_type(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        first = await make_card(conn, s.board, by=s.tenant.admin)
        second = await make_card(conn, s.board, by=s.tenant.admin)
    with_type = await s.admin.post(
        f"{API}/board/{s.board.id}/deletecard/{first.id}", headers={"Content-Type": "application/json"}
    )
    assert isinstance(payload(with_type, 203), int)
    without = await s.admin.post(f"{API}/board/{s.board.id}/DeleteCard/{second.id}")
    version = payload(without, 203)
    assert version == int((await s.admin.get(f"/io/board/{s.board.id}")).json()["version"])
    for card in (first, second):
        assert (await s.admin.get(f"/io/card/{card.id}")).status_code == 404


async def test_bad_bodies_are_user_exceptions_naming_the_problem(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    path = f"{API}/board/{s.board.id}/AddCardWithWipOverride/Lane/0/Position/0"
    malformed = await s.admin.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
    assert "body" in failure(malformed, 502)
    assert "title" in failure(await s.admin.post(path, json={"TypeId": 0}), 502).lower()
    assert "Priority" in failure(await s.admin.post(path, json={"Title": "t", "Priority": 7}), 502)
    assert "DueDate" in failure(await s.admin.post(path, json={"Title": "t", "DueDate": "2020-31-31x"}), 502)
    nul = await s.admin.post(
        path, content=b'{"Title": "a\\u0000b"}', headers={"Content-Type": "application/json"}
    )
    failure(nul, 502)
    faces = (await s.admin.get(f"/io/board/{s.board.id}/card")).json()
    assert faces["cards"] == []


async def test_only_get_and_post_are_routed(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    for method in ("PUT", "DELETE", "PATCH"):
        response = await s.admin.request(method, f"{API}/boards/{s.board.id}")
        assert response.status_code == 405, (method, response.text)


async def test_a_position_past_32_bits_is_a_user_exception(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin)
    doing = s.lanes["Doing Now"].id
    moved = await s.admin.post(
        f"{API}/board/{s.board.id}/movecard/{card.id}/lane/{doing}/position/99999999999"
    )
    assert "Position" in failure(moved, 502)
    added = await s.admin.post(
        f"{API}/board/{s.board.id}/AddCard/Lane/0/Position/99999999999", json={"Title": "t"}
    )
    assert "Position" in failure(added, 502)
