"""Card comments: list/add/edit/delete, who may do what, sanitised HTML, the `commentAdded` event,
the full card's `comments`/`commentsCount`/`childCommentsCount`, and comments going with a deleted card."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from lanekit.domain import clock
from lanekit.domain.cards import read as card_read
from lanekit.storage.records import BoardRecord, UserRecord
from lanekit.storage.tables import card_connections, comments
from tests.factories.boards import actor_of, grant_role, make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit, Tenant
from tests.http.test_layout import to_layout
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio

XSS = '<p onclick="alert(1)">Hi <script>alert(2)</script><a href="javascript:alert(3)">there</a></p>'
XSS_CLEAN = '<p>Hi <a rel="noopener noreferrer">there</a></p>'


async def setup(lanekit: Lanekit) -> tuple[Tenant, BoardRecord, httpx.AsyncClient, str]:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        card = await make_card(conn, board, by=tenant.admin, title="Commented")
    return tenant, board, lanekit.as_admin(tenant), str(card.id)


async def member(lanekit: Lanekit, tenant: Tenant, board: BoardRecord, role: str) -> UserRecord:
    user = await lanekit.user(tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, board, user, role)
    return user


def author(tenant: Tenant, user: UserRecord) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "emailAddress": user.email,
        "fullName": f"{user.first_name} {user.last_name}",
        "avatar": f"http://{tenant.host}/io/user/{user.id}/avatar?s=25",
    }


async def stored_comments(lanekit: Lanekit, card_id: str) -> list[str]:
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                select(comments.c.text).where(comments.c.card_id == int(card_id)).order_by("id")
            )
        ).all()
    return [r.text for r in rows]


async def test_add_list_edit_delete(lanekit: Lanekit) -> None:
    tenant, _, admin, card_id = await setup(lanekit)
    created = await admin.post(f"/io/card/{card_id}/comment", json={"text": "Sample comment body"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert re.fullmatch(r"\d+", body["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["createdOn"])
    assert body == {
        "id": body["id"],
        "createdOn": body["createdOn"],
        "createdBy": author(tenant, tenant.admin),
        "text": "Sample comment body",
    }

    listed = await admin.get(f"/io/card/{card_id}/comment")
    assert listed.status_code == 200
    assert listed.json() == {
        "pageMeta": {"totalRecords": 1, "offset": 0, "limit": 400, "startRow": 1, "endRow": 1},
        "comments": [{**body, "cardId": card_id}],
    }

    edited = await admin.put(f"/io/card/{card_id}/comment/{body['id']}", json={"text": "<p>Edited</p>"})
    assert edited.status_code == 200, edited.text
    assert edited.json() == {**body, "text": "<p>Edited</p>"}
    assert await stored_comments(lanekit, card_id) == ["<p>Edited</p>"]

    deleted = await admin.delete(f"/io/card/{card_id}/comment/{body['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert await stored_comments(lanekit, card_id) == []
    assert (await admin.get(f"/io/card/{card_id}/comment")).json() == {
        "pageMeta": {"totalRecords": 0, "offset": 0, "limit": 400, "startRow": 0, "endRow": 0},
        "comments": [],
    }
    again = await admin.delete(f"/io/card/{card_id}/comment/{body['id']}")
    assert again.status_code == 404


async def test_sort_and_paging(lanekit: Lanekit) -> None:
    _, _, admin, card_id = await setup(lanekit)
    for n in range(3):
        assert (await admin.post(f"/io/card/{card_id}/comment", json={"text": f"c{n}"})).status_code == 201

    async def texts(query: str) -> tuple[list[str], dict[str, int]]:
        response = await admin.get(f"/io/card/{card_id}/comment{query}")
        assert response.status_code == 200, response.text
        return [c["text"] for c in response.json()["comments"]], response.json()["pageMeta"]

    assert (await texts(""))[0] == ["c0", "c1", "c2"]
    assert (await texts("?sortBy=oldest"))[0] == ["c0", "c1", "c2"]
    assert (await texts("?sortBy=newest"))[0] == ["c2", "c1", "c0"]
    assert await texts("?sortBy=newest&offset=1&limit=1") == (
        ["c1"],
        {"totalRecords": 3, "offset": 1, "limit": 1, "startRow": 2, "endRow": 2},
    )
    bad = await admin.get(f"/io/card/{card_id}/comment?sortBy=popular")
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("sortBy:")
    assert (await admin.get(f"/io/card/{card_id}/comment?limit=-1")).status_code == 422
    assert (await admin.get(f"/io/card/{card_id}/comment?includeChildComments=maybe")).status_code == 422


@pytest.mark.parametrize(
    "body",
    [None, {}, {"text": None}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": ["x"]},
     {"text": "<script>alert(1)</script>"}, {"text": "x" * 100_001}],
)  # fmt: skip
async def test_bad_text_is_a_422_naming_text(lanekit: Lanekit, body: Any) -> None:
    _, _, admin, card_id = await setup(lanekit)
    created = await admin.post(f"/io/card/{card_id}/comment", json=body)
    assert created.status_code == 422, created.text
    assert created.json()["message"].startswith("text:")
    good = (await admin.post(f"/io/card/{card_id}/comment", json={"text": "ok"})).json()
    edited = await admin.put(f"/io/card/{card_id}/comment/{good['id']}", json=body)
    assert edited.status_code == 422
    assert edited.json()["message"].startswith("text:")
    assert await stored_comments(lanekit, card_id) == ["ok"]


async def test_who_may_read_add_change_and_delete(lanekit: Lanekit) -> None:
    tenant, board, admin, card_id = await setup(lanekit)
    reader = lanekit.as_user(tenant, await member(lanekit, tenant, board, "boardReader"))
    writer_user = await member(lanekit, tenant, board, "boardUser")
    writer = lanekit.as_user(tenant, writer_user)
    other = lanekit.as_user(tenant, await member(lanekit, tenant, board, "boardManager"))
    board_admin = lanekit.as_user(tenant, await member(lanekit, tenant, board, "boardAdministrator"))
    outsider = lanekit.as_user(tenant, await lanekit.user(tenant))
    stranger = lanekit.as_admin(await lanekit.tenant())
    url = f"/io/card/{card_id}/comment"

    # Readers read but do not comment; users without a role and other accounts do not see the card.
    assert (await reader.get(url)).status_code == 200
    refused = await reader.post(url, json={"text": "hi"})
    assert refused.status_code == 403
    assert "boardUser" in refused.json()["message"]
    for client in (outsider, stranger):
        assert (await client.get(url)).status_code == 404
        assert (await client.post(url, json={"text": "hi"})).status_code == 404
    assert (await admin.get("/io/card/999999999/comment")).status_code == 404

    mine = (await writer.post(url, json={"text": "mine"})).json()
    # The author edits their own comment; another user of the board may not.
    assert (await writer.put(f"{url}/{mine['id']}", json={"text": "mine, edited"})).status_code == 200
    denied = await other.put(f"{url}/{mine['id']}", json={"text": "not yours"})
    assert denied.status_code == 403
    assert "author or a board administrator" in denied.json()["message"]
    assert (await other.delete(f"{url}/{mine['id']}")).status_code == 403
    assert (await reader.delete(f"{url}/{mine['id']}")).status_code == 403
    for client in (outsider, stranger):
        assert (await client.put(f"{url}/{mine['id']}", json={"text": "x"})).status_code == 404
        assert (await client.delete(f"{url}/{mine['id']}")).status_code == 404
    assert await stored_comments(lanekit, card_id) == ["mine, edited"]

    # Board administrators and account administrators moderate.
    moderated = await board_admin.put(f"{url}/{mine['id']}", json={"text": "moderated"})
    assert moderated.status_code == 200
    assert moderated.json()["createdBy"] == author(tenant, writer_user)
    assert (await admin.delete(f"{url}/{mine['id']}")).status_code == 204

    # A comment id that is not on this card is not found, even to its author.
    async with lanekit.db.begin() as conn:
        elsewhere = await make_card(conn, board, by=tenant.admin)
    theirs = (await writer.post(f"/io/card/{elsewhere.id}/comment", json={"text": "x"})).json()
    assert (await writer.put(f"{url}/{theirs['id']}", json={"text": "y"})).status_code == 404
    assert (await writer.delete(f"{url}/{theirs['id']}")).status_code == 404
    # A malformed id names no route (strict ids).
    assert (await writer.delete(f"{url}/abc")).status_code == 404


async def test_html_is_sanitised_and_comment_added_is_logged(lanekit: Lanekit) -> None:
    tenant, board, admin, card_id = await setup(lanekit)
    before = (await admin.get(f"/io/board/{board.id}")).json()["version"]
    created = await admin.post(f"/io/card/{card_id}/comment", json={"text": XSS})
    assert created.status_code == 201
    assert created.json()["text"] == XSS_CLEAN
    assert (await admin.get(f"/io/card/{card_id}/comment")).json()["comments"][0]["text"] == XSS_CLEAN
    assert await stored_comments(lanekit, card_id) == [XSS_CLEAN]
    edited = await admin.put(f"/io/card/{card_id}/comment/{created.json()['id']}", json={"text": XSS + "!"})
    assert edited.json()["text"] == XSS_CLEAN + "!"

    events = (await admin.get(f"/io/card/{card_id}/activity")).json()["events"]
    assert [e["type"] for e in events] == ["commentAdded", "cardCreated"]
    assert events[0]["data"] == {"card": {"id": card_id, "title": "Commented"}, "comment": XSS_CLEAN}
    assert events[0]["user"]["id"] == str(tenant.admin.id)
    # Adding a comment grows the board version; /changes reports the card as updated.
    after = (await admin.get(f"/io/board/{board.id}")).json()["version"]
    assert int(after) == int(before) + 1
    changes = (await admin.get(f"/io/board/{board.id}/changes?version={before}")).json()
    assert changes["updatedCardIds"] == [card_id]


async def _link(lanekit: Lanekit, parent: str, child: str, account_id: int) -> None:
    async with lanekit.db.begin() as conn:
        await conn.execute(
            insert(card_connections).values(
                parent_card_id=int(parent),
                child_card_id=int(child),
                account_id=account_id,
                created_on=clock.now(),
            )
        )


async def test_full_card_shows_comments_and_counts(lanekit: Lanekit) -> None:
    tenant, board, admin, card_id = await setup(lanekit)
    empty = (await admin.get(f"/io/card/{card_id}")).json()
    assert (empty["commentsCount"], empty["childCommentsCount"], empty["comments"]) == (0, 0, [])

    first = (await admin.post(f"/io/card/{card_id}/comment", json={"text": "first"})).json()
    second = (await admin.post(f"/io/card/{card_id}/comment", json={"text": "<p>second</p>"})).json()
    async with lanekit.db.begin() as conn:
        child = await make_card(conn, board, by=tenant.admin)
        gone = await make_card(conn, board, by=tenant.admin)
    for linked in (child, gone):
        await _link(lanekit, card_id, str(linked.id), tenant.account.id)
        assert (
            await admin.post(f"/io/card/{linked.id}/comment", json={"text": "on child"})
        ).status_code == 201
    assert (await admin.delete(f"/io/card/{gone.id}")).status_code == 204

    full = (await admin.get(f"/io/card/{card_id}")).json()
    assert full["commentsCount"] == 2
    assert full["childCommentsCount"] == 1
    assert full["comments"] == [second, first]  # newest first (decision 101)
    excluded = (await admin.get(f"/io/card/{card_id}?excludeComments=true")).json()
    assert "comments" not in excluded
    assert (excluded["commentsCount"], excluded["childCommentsCount"]) == (2, 1)
    child_full = (await admin.get(f"/io/card/{child.id}")).json()
    assert (child_full["commentsCount"], child_full["childCommentsCount"]) == (1, 0)


async def test_card_read_fetches_comments_only_when_there_are_some(lanekit: Lanekit) -> None:
    tenant, _, admin, card_id = await setup(lanekit)
    actor = actor_of(tenant.admin)

    async def count() -> tuple[int, int]:
        with StatementCounter(lanekit) as counter:
            async with lanekit.db.read() as conn:
                read = await card_read.get_card(conn, actor=actor, card_id=int(card_id))
        return len(counter.statements), len(read.comments)

    without, shown = await count()
    assert shown == 0
    assert without <= 3
    await admin.post(f"/io/card/{card_id}/comment", json={"text": "one"})
    assert await count() == (without + 1, 1)


async def test_include_child_comments_adds_readable_children_with_cards_and_boards(lanekit: Lanekit) -> None:
    tenant, board, admin, card_id = await setup(lanekit)
    user = await member(lanekit, tenant, board, "boardUser")
    client = lanekit.as_user(tenant, user)
    async with lanekit.db.begin() as conn:
        hidden_board = await make_board(conn, tenant.account, creator=tenant.admin, title="Hidden")
        child = await make_card(conn, board, by=tenant.admin, title="Child")
        hidden = await make_card(conn, hidden_board, by=tenant.admin, title="Hidden child")
    for linked in (child, hidden):
        await _link(lanekit, card_id, str(linked.id), tenant.account.id)
    await admin.post(f"/io/card/{card_id}/comment", json={"text": "parent 1"})
    await admin.post(f"/io/card/{child.id}/comment", json={"text": "child 1"})
    await admin.post(f"/io/card/{hidden.id}/comment", json={"text": "hidden 1"})
    await admin.post(f"/io/card/{card_id}/comment", json={"text": "parent 2"})

    plain = (await client.get(f"/io/card/{card_id}/comment")).json()
    assert set(plain) == {"pageMeta", "comments"}
    assert [c["text"] for c in plain["comments"]] == ["parent 1", "parent 2"]

    body = (await client.get(f"/io/card/{card_id}/comment?includeChildComments=true")).json()
    assert body["pageMeta"]["totalRecords"] == 3
    assert [(c["text"], c["cardId"]) for c in body["comments"]] == [
        ("parent 1", card_id),
        ("child 1", str(child.id)),
        ("parent 2", card_id),
    ]
    assert [(c["id"], c["boardId"], c["title"]) for c in body["cards"]] == [
        (card_id, str(board.id), "Commented"),
        (str(child.id), str(board.id), "Child"),
    ]
    assert {"laneId", "cardType", "isDone", "customHeader"} <= set(body["cards"][0])
    assert body["boards"] == [{"id": str(board.id), "title": board.title, "level": None}]

    # The account administrator reads the other board too.
    everything = (
        await admin.get(f"/io/card/{card_id}/comment?includeChildComments=true&sortBy=newest")
    ).json()
    assert [c["text"] for c in everything["comments"]] == ["parent 2", "hidden 1", "child 1", "parent 1"]
    assert {b["title"] for b in everything["boards"]} == {board.title, "Hidden"}
    paged = (await admin.get(f"/io/card/{card_id}/comment?includeChildComments=true&limit=1&offset=1")).json()
    assert [c["cardId"] for c in paged["comments"]] == [str(child.id)]
    assert [c["id"] for c in paged["cards"]] == [str(child.id)]


async def test_deleting_a_card_deletes_its_comments(lanekit: Lanekit) -> None:
    tenant, board, admin, card_id = await setup(lanekit)
    async with lanekit.db.begin() as conn:
        kept = await make_card(conn, board, by=tenant.admin)
    for target in (card_id, str(kept.id)):
        await admin.post(f"/io/card/{target}/comment", json={"text": "doomed?"})
    assert (await admin.delete(f"/io/card/{card_id}")).status_code == 204
    assert await stored_comments(lanekit, card_id) == []
    assert await stored_comments(lanekit, str(kept.id)) == ["doomed?"]
    assert (await admin.get(f"/io/card/{card_id}/comment")).status_code == 404
    assert (await admin.post(f"/io/card/{card_id}/comment", json={"text": "late"})).status_code == 404


async def test_descriptions_are_sanitised(lanekit: Lanekit) -> None:
    _, board, admin, _ = await setup(lanekit)
    created = await admin.post(
        "/io/card?returnFullRecord=true", json={"boardId": str(board.id), "title": "D", "description": XSS}
    )
    assert created.status_code == 201, created.text
    assert created.json()["description"] == XSS_CLEAN
    card_id = created.json()["id"]
    patched = await admin.patch(
        f"/io/card/{card_id}", json=[{"op": "replace", "path": "/description", "value": "<b>x</b>" + XSS}]
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "<b>x</b>" + XSS_CLEAN
    assert (await admin.get(f"/io/card/{card_id}")).json()["description"] == "<b>x</b>" + XSS_CLEAN
    plain = await admin.patch(
        f"/io/card/{card_id}", json=[{"op": "replace", "path": "/description", "value": "Tom & Jerry"}]
    )
    assert plain.json()["description"] == "Tom & Jerry"

    lane_id = created.json()["lane"]["id"]
    lane = await admin.patch(f"/io/board/{board.id}/lane/{lane_id}", json={"description": XSS})
    assert lane.status_code == 200, lane.text
    assert lane.json()["description"] == XSS_CLEAN
    shown = (await admin.get(f"/io/board/{board.id}")).json()
    assert next(x for x in shown["lanes"] if x["id"] == lane_id)["description"] == XSS_CLEAN

    tree = to_layout(shown)
    tree[0]["description"] = '<img src="x" onerror="alert(1)">policy'
    put = await admin.put(
        f"/io/board/{board.id}/layout", json={"lanes": tree, "layoutChecksum": shown["layoutChecksum"]}
    )
    assert put.status_code == 200, put.text
    assert put.json()["lanes"][0]["description"] == '<img src="x">policy'
