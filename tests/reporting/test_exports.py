"""`GET /io/reporting/export/*`: columns, types, formats, paging and which boards an export may read."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from lanekit.domain.reporting import exports
from tests.factories.boards import actor_of, grant_role, make_board
from tests.factories.cards import make_card
from tests.factories.two_boards import World, world
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

# The documented columns, in order (LeanKit's Tableau web data connectors, one file per export).
COLUMNS = {
    "boards": "boardId boardTitle",
    "lanes": "laneId laneTitle fullLaneTitle boardId boardTitle lanePolicy laneClass laneOrientation "
    "laneType creationDate wipLimit laneWidth lanePosition parentLaneId isCompletedLane isDefaultDropLane "
    "isTopLevelLane canHoldCards hasChildLanes childLaneCount",
    "cards": "cardId parentCardId externalCardId cardTitle parentCardTitle cardTypeId cardType cardSize "
    "priority customIconId customIcon isCardBlocked currentBlockedReason cardExternalLinkName "
    "cardExternalLinkUrl creationDate plannedStartDate actualStartDate plannedFinishDate actualFinishDate "
    "attachmentsCount lastAttachmentDate commentsCount lastCommentDate lastActivityDate archivedDate "
    "lastMovedDate currentLaneId currentLaneTitle parentLaneId parentLaneTitle currentLaneClass "
    "currentLaneType currentBoardId currentBoardTitle",
    "tasks": "taskId containingCardId externalCardId taskTitle containingCardTitle taskType taskSize "
    "priority customIcon isTaskBlocked currentBlockedReason taskExternalLinkName taskExternalLinkUrl "
    "creationDate plannedStartDate actualStartDate plannedFinishDate actualFinishDate attachmentsCount "
    "lastAttachmentDate commentsCount lastCommentDate lastActivityDate archivedDate lastMovedDate "
    "currentTaskboardLaneId currentTaskboardLaneTitle currentTaskboardLaneType",
    "tags": "boardId cardId tag",
    "comments": "cardId commentText commentDate commentPostedByUserId",
    "connections": "cardId parentCardId connectionCreatedDate connectionCreatedByUserId",
    "customfields": "cardId currentBoardId externalCardId customFieldId label type customFieldValue",
    "userassignments/current": "cardId assignedUserId assignedUserFullName assignedUserEmailAddress "
    "assignedByUserId assignedByUserFullName assignedByUserEmailAddress assignedToDate cardTitle cardSize "
    "priority cardTypeId cardTypeTitle currentBoardId currentBoardTitle",
}
COLUMNS["usertaskassignments/current"] = COLUMNS["userassignments/current"]
COLUMNS["cardpositions"] = (
    "cardId externalCardId cardTitle laneEntryDate laneExitDate laneId laneTitle boardId boardTitle"
)
COLUMNS["cards/blockedhistory"] = (
    "cardId cardTitle cardSize priority cardTypeId cardTypeTitle currentBoardId currentBoardTitle "
    "blockedStartDate blockedEndDate blockedByUserId blockedByUserFullName blockedByUserEmailAddress "
    "unblockedByUserId unblockedByUserFullName unblockedByUserEmailAddress totalDurationDays "
    "totalDurationHours totalDurationMinusWeekendsDays"
)
COLUMNS["userassignments/history"] = COLUMNS["usertaskassignments/history"] = (
    "cardId assignedUserId assignedUserFullName assignedUserEmailAddress assignedByUserId "
    "assignedByUserFullName assignedByUserEmailAddress unassignedByUserId unassignedByUserFullName "
    "unassignedByUserEmailAddress assignedToDate assignedFromDate cardTitle cardSize priority cardTypeId "
    "cardTypeTitle currentBoardId currentBoardTitle totalDurationDays totalDurationHours "
    "totalDurationMinusWeekendsDays"
)

HOSTILE = ['Comma, "quoted" title', "two\nlines\r\nand CRLF", "ünïcödé — 日本語 🚀", "tab\there", "=1+2"]


async def as_json(client: httpx.AsyncClient, export: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"/io/reporting/export/{export}", params={"format": "json", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: list[dict[str, Any]] = response.json()
    return body


async def as_table(client: httpx.AsyncClient, path: str, **params: Any) -> list[list[str]]:
    response = await client.get(f"/io/reporting/export/{path}", params=params)
    assert response.status_code == 200, response.text
    tab = path.endswith(".tab") or params.get("format") == "tab"
    return list(
        csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""), delimiter="\t" if tab else ",")
    )


async def test_every_export_has_the_documented_columns_in_order(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.a, title="A card")
    assert set(COLUMNS) == set(exports.EXPORTS)
    for export, spec in COLUMNS.items():
        expected = spec.split()
        header = (await as_table(w.admin, export))[0]
        assert header == expected, export
        for row in await as_json(w.admin, export):
            assert list(row) == expected, export


async def test_card_rows_carry_typed_values(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(
        lanekit,
        w.a,
        title="Typed",
        size=3,
        priority="high",
        custom_id="EXT-1",
        external_link={"label": "Spec", "url": "https://example.com/spec"},
        planned_start="2026-01-02",
        block_reason="waiting",
        tags=["x"],
    )
    [row] = await as_json(w.admin, "cards", boardId=str(w.a.id))
    lane = next(lane for lane in w.lanes_a.values() if lane.id == card.lane_id)
    assert row["cardId"] == str(card.id)
    assert row["cardTitle"] == "Typed"
    assert row["cardSize"] == 3
    assert row["priority"] == "high"
    assert row["externalCardId"] == "EXT-1"
    assert (row["cardExternalLinkName"], row["cardExternalLinkUrl"]) == ("Spec", "https://example.com/spec")
    assert row["plannedStartDate"] == "2026-01-02"
    assert row["isCardBlocked"] is True
    assert row["currentBlockedReason"] == "waiting"
    assert row["cardTypeId"] == str(card.type_id)
    assert row["currentLaneId"] == str(lane.id)
    assert row["currentLaneTitle"] == lane.title
    assert row["currentLaneClass"] == lane.lane_class_type
    assert row["currentBoardId"] == str(w.a.id)
    assert row["currentBoardTitle"] == "Portfolio"
    assert (row["commentsCount"], row["attachmentsCount"], row["parentCardId"]) == (0, 0, None)
    assert row["creationDate"].endswith("Z") and row["creationDate"][10] == "T"


async def test_hostile_titles_round_trip_through_csv_tab_and_json(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    for title in HOSTILE:
        await w.card(lanekit, w.a, title=title)
    board = str(w.a.id)
    titles = sorted(HOSTILE)
    assert sorted(r["cardTitle"] for r in await as_json(w.admin, "cards", boardId=board)) == titles
    for path, params in (("cards", {}), ("cards.csv", {"quotedString": "false"}), ("cards.tab", {})):
        table = await as_table(w.admin, path, boardId=board, **params)
        index = table[0].index("cardTitle")
        assert sorted(row[index] for row in table[1:]) == titles, path
        assert all(len(row) == len(table[0]) for row in table), path


async def test_quoted_strings_and_plain_csv(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.a, title="plain", size=2)
    quoted = (await w.admin.get("/io/reporting/export/cards", params={"boardId": w.a.id})).text
    plain_params = {"boardId": str(w.a.id), "quotedString": "false"}
    plain = (await w.admin.get("/io/reporting/export/cards.csv", params=plain_params)).text
    assert quoted.splitlines()[0].startswith('"cardId","parentCardId"')
    assert ',"plain",' in quoted and ",2," in quoted
    assert plain.splitlines()[0].startswith("cardId,parentCardId,")
    assert ",plain," in plain
    assert plain.endswith("\r\n")


async def test_format_is_chosen_by_query_or_suffix(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.a, title="f")
    cases = {
        ("cards", None): "text/csv; charset=utf-8",
        ("cards.tab", None): "text/tab-separated-values; charset=utf-8",
        ("cards.json", None): "application/json",
        ("cards", "tab"): "text/tab-separated-values; charset=utf-8",
        # leankit-client forces ?format=json on every export it wraps; the query wins over a suffix.
        ("cards.csv", "json"): "application/json",
    }
    for (path, fmt), media in cases.items():
        params = {} if fmt is None else {"format": fmt}
        response = await w.admin.get(f"/io/reporting/export/{path}", params=params)
        assert (response.status_code, response.headers["content-type"]) == (200, media), (path, fmt)
    bad = await w.admin.get("/io/reporting/export/cards", params={"format": "xml"})
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("format:")
    for value in ("abc", "1,x", "-3"):
        wrong = await w.admin.get("/io/reporting/export/cards", params={"boardId": value})
        assert wrong.status_code == 422, value
        assert wrong.json()["message"].startswith("boardId:")
    assert (await w.admin.get("/io/reporting/export/cards", params={"limit": "-1"})).status_code == 422


async def ids(client: httpx.AsyncClient, export: str, key: str, **params: Any) -> list[str]:
    return [row[key] for row in await as_json(client, export, **params)]


async def test_paging_returns_every_row_once_in_a_stable_order(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches, so a page is read in several keyset steps.
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    w = await world(lanekit)
    made = [await w.card(lanekit, board, title=f"c{i}") for i, board in enumerate([w.a, w.b] * 4)]
    every = await ids(w.admin, "cards", "cardId", boardId=f"{w.a.id},{w.b.id}")
    assert every == sorted((str(c.id) for c in made), key=int)
    paged: list[str] = []
    offset = 0
    while True:
        page = await ids(w.admin, "cards", "cardId", boardId=f"{w.a.id},{w.b.id}", limit=3, offset=offset)
        paged += page
        offset += 3
        if len(page) < 3:
            break
    assert paged == every
    csv_rows = await as_table(w.admin, "cards.csv", boardId=f"{w.a.id},{w.b.id}", limit=5, offset=2)
    assert [r[0] for r in csv_rows[1:]] == every[2:7]
    assert await ids(w.admin, "cards", "cardId", limit=0) == []
    assert await ids(w.admin, "cards", "cardId", boardId="0") == every


async def test_a_user_sees_only_boards_they_can_read(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    mine = await w.card(lanekit, w.a, title="mine", tags=["ok"])
    hidden = await w.card(lanekit, w.b, title="hidden", tags=["secret"])
    assert (
        await w.admin.post(f"/io/card/{hidden.id}/comment", json={"text": "hidden words"})
    ).status_code == 201
    body = {"cardIds": [str(mine.id)], "connections": {"parents": [str(hidden.id)]}}
    assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201
    user = w.as_user
    for boards in (None, "0", str(w.b.id), f"{w.a.id},{w.b.id}"):
        params = {} if boards is None else {"boardId": boards}
        assert set(await ids(user, "boards", "boardId", **params)) <= {str(w.a.id)}
        assert str(hidden.id) not in await ids(user, "cards", "cardId", **params)
        assert "secret" not in await ids(user, "tags", "tag", **params)
        assert await ids(user, "comments", "cardId", **params) == []
        lanes = await as_json(user, "lanes", **params)
        assert {row["boardId"] for row in lanes} <= {str(w.a.id)}
        # The connection names a parent on a board the user cannot read: the row is left out.
        assert await as_json(user, "connections", **params) == []
        [row] = await as_json(user, "cards", **params) or [{"parentCardId": None}]
        assert row["parentCardId"] is None
    admin_connections = await as_json(w.admin, "connections")
    assert [(c["cardId"], c["parentCardId"]) for c in admin_connections] == [(str(mine.id), str(hidden.id))]
    assert admin_connections[0]["connectionCreatedByUserId"] == str(w.tenant.admin.id)
    assert (await as_json(w.admin, "cards", boardId=str(w.a.id)))[0]["parentCardTitle"] == "hidden"


async def test_another_accounts_rows_never_appear(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.a, title="theirs", tags=["t"])
    outsider = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        own = await make_board(conn, outsider.account, creator=outsider.admin, title="Own")
        await make_card(conn, own, by=outsider.admin, title="own card")
    client = lanekit.as_admin(outsider)
    for export in exports.EXPORTS:
        for boards in (None, str(w.a.id), f"{w.a.id},{w.b.id}"):
            params = {} if boards is None else {"boardId": boards}
            rows = await as_json(client, export, **params)
            board_keys = ("boardId", "currentBoardId")
            seen = {row[k] for row in rows for k in board_keys if k in row}
            assert seen <= {str(own.id)}, (export, boards, rows)
    assert await ids(client, "cards", "cardTitle") == ["own card"]


async def test_lanes_tags_comments_tasks_and_assignments(lanekit: Lanekit) -> None:
    w: World = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Work", tags=["b-tag", "a-tag"])
    assert (
        await w.admin.post(f"/io/card/{card.id}/comment", json={"text": 'Looks, "good"'})
    ).status_code == 201
    task = await w.admin.post(f"/io/card/{card.id}/tasks", json={"title": "A task"})
    assert task.status_code in (200, 201), task.text
    assigned = await w.admin.post(
        "/io/card/assign", json={"cardIds": [str(card.id)], "userIdsToAssign": [str(w.user.id)]}
    )
    assert assigned.status_code in (200, 201, 204), assigned.text
    board = {"boardId": str(w.a.id)}

    tags = await as_json(w.admin, "tags", **board)
    assert tags == [
        {"boardId": str(w.a.id), "cardId": str(card.id), "tag": "a-tag"},
        {"boardId": str(w.a.id), "cardId": str(card.id), "tag": "b-tag"},
    ]
    [comment] = await as_json(w.admin, "comments", **board)
    assert comment["cardId"] == str(card.id)
    assert "Looks" in comment["commentText"]
    assert comment["commentPostedByUserId"] == str(w.tenant.admin.id)
    [row] = await as_json(w.admin, "tasks", **board)
    assert (row["containingCardId"], row["taskTitle"], row["containingCardTitle"]) == (
        str(card.id),
        "A task",
        "Work",
    )
    assert row["isTaskBlocked"] is False
    assert [r["cardId"] for r in await as_json(w.admin, "cards", **board)] == [str(card.id)]
    [assignment] = await as_json(w.admin, "userassignments/current", **board)
    assert assignment["cardId"] == str(card.id)
    assert assignment["assignedUserId"] == str(w.user.id)
    assert assignment["assignedUserEmailAddress"] == w.user.email
    assert assignment["assignedByUserId"] == str(w.tenant.admin.id)
    assert assignment["assignedByUserEmailAddress"] == w.tenant.admin.email
    assert assignment["currentBoardTitle"] == "Portfolio"
    assert await as_json(w.admin, "usertaskassignments/current", **board) == []

    lanes = await as_json(w.admin, "lanes", **board)
    by_id = {row["laneId"]: row for row in lanes}
    assert set(by_id) == {str(lane.id) for lane in w.lanes_a.values()}
    for row in lanes:
        assert row["isTopLevelLane"] is (row["parentLaneId"] is None)
        assert row["hasChildLanes"] is (row["childLaneCount"] > 0)
        assert row["canHoldCards"] is (not row["hasChildLanes"])
        parent = by_id.get(row["parentLaneId"])
        expected = row["laneTitle"] if parent is None else f"{parent['fullLaneTitle']} - {row['laneTitle']}"
        assert row["fullLaneTitle"] == expected
        assert row["boardTitle"] == "Portfolio"


async def test_custom_field_values(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Valued", custom_id="X-9")
    added = await w.admin.patch(
        f"/io/board/{w.a.id}/customfield",
        json=[
            {"op": "add", "path": "/", "value": {"label": "Cost", "type": "number"}},
            {
                "op": "add",
                "path": "/",
                "value": {
                    "label": "Area",
                    "type": "multi",
                    "choiceConfiguration": {"choices": ["UI", "API"]},
                },
            },
        ],
    )
    assert added.status_code == 200, added.text
    fields = {
        f["label"]: f["id"]
        for f in (await w.admin.get(f"/io/board/{w.a.id}/customfield")).json()["customFields"]
    }
    patched = await w.admin.patch(
        f"/io/card/{card.id}",
        json=[
            {"op": "add", "path": "/customFields/0", "value": {"fieldId": fields["Cost"], "value": 5}},
            {
                "op": "add",
                "path": "/customFields/1",
                "value": {"fieldId": fields["Area"], "value": ["UI", "API"]},
            },
        ],
    )
    assert patched.status_code == 200, patched.text
    rows = await as_json(w.admin, "customfields", boardId=str(w.a.id))
    assert sorted((r["label"], r["type"], r["customFieldValue"]) for r in rows) == [
        ("Area", "multi", "UI, API"),
        ("Cost", "number", "5"),
    ]
    assert {(r["cardId"], r["currentBoardId"], r["externalCardId"]) for r in rows} == {
        (str(card.id), str(w.a.id), "X-9")
    }


async def test_a_granted_role_opens_a_board_to_the_export(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.b, title="on b")
    assert await ids(w.as_user, "cards", "cardTitle", boardId=str(w.b.id)) == []
    async with lanekit.db.begin() as conn:
        await grant_role(conn, w.b, w.user, "boardReader")
    assert await ids(w.as_user, "cards", "cardTitle", boardId=str(w.b.id)) == ["on b"]


async def test_an_export_is_produced_batch_by_batch(lanekit: Lanekit) -> None:
    """The rows reach the response a batch at a time, never as one list of the whole export."""
    w = await world(lanekit)
    made = [await w.card(lanekit, w.a, title=f"b{i}") for i in range(5)]
    async with lanekit.db.read() as conn:
        plan = await exports.plan_export(conn, actor=actor_of(w.tenant.admin), export="cards", board_ids=None)
    batches = [
        batch async for batch in exports.export_rows(lanekit.db, plan, offset=1, limit=None, batch_size=2)
    ]
    assert [len(batch) for batch in batches] == [2, 2]
    assert [row[0] for batch in batches for row in batch] == [c.id for c in made[1:]]


async def test_a_tableau_style_client_pages_every_export_as_json_and_csv(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of `limit` rows with `boardId=a,b` until a short page: every row once, in the unpaged order."""
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    w = await world(lanekit)
    for board in (w.a, w.b, w.a):
        card = await w.card(lanekit, board, title='paged, "x"', tags=["p", "q"], block_reason="held")
        await w.admin.post(f"/io/card/{card.id}/comment", json={"text": "c"})
        await w.admin.post(
            "/io/card/assign", json={"cardIds": [str(card.id)], "userIdsToAssign": [str(w.user.id)]}
        )
        await w.admin.post(f"/io/card/{card.id}/tasks", json={"title": "t"})
    boards = {"boardId": f"{w.a.id},{w.b.id}"}
    limit = 2
    for export in exports.EXPORTS:
        whole = await as_json(w.admin, export, **boards)
        paged: list[dict[str, Any]] = []
        while True:
            page = await as_json(w.admin, export, limit=limit, offset=len(paged), **boards)
            paged += page
            if len(page) < limit:
                break
        assert paged == whole, export
        table = await as_table(w.admin, f"{export}.csv", **boards)
        rows: list[list[str]] = []
        while True:
            page_table = await as_table(w.admin, f"{export}.csv", limit=limit, offset=len(rows), **boards)
            assert page_table[0] == table[0], export
            rows += page_table[1:]
            if len(page_table) - 1 < limit:
                break
        assert rows == table[1:], export


async def test_each_card_names_its_own_parent(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    first_parent = await w.card(lanekit, w.b, title="first parent")
    second_parent = await w.card(lanekit, w.b, title="second parent")
    children = [await w.card(lanekit, w.a, title=f"child {i}") for i in range(2)]
    orphan = await w.card(lanekit, w.a, title="orphan")
    for child, parent in zip(children, (first_parent, second_parent), strict=True):
        body = {"cardIds": [str(child.id)], "connections": {"parents": [str(parent.id)]}}
        assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201
    expected = [
        (str(children[0].id), str(first_parent.id), "first parent"),
        (str(children[1].id), str(second_parent.id), "second parent"),
        (str(orphan.id), None, None),
    ]
    found = await as_json(w.admin, "cards", boardId=str(w.a.id))
    assert [(r["cardId"], r["parentCardId"], r["parentCardTitle"]) for r in found] == expected
    table = await as_table(w.admin, "cards.csv", boardId=str(w.a.id), quotedString="false")
    title = table[0].index("parentCardTitle")
    assert [row[title] for row in table[1:]] == ["first parent", "second parent", ""]


async def test_an_export_left_half_read_gives_its_connection_back(lanekit: Lanekit) -> None:
    """A client that stops reading while the next batch is being read: the read stops, nothing is held."""
    w = await world(lanekit)
    for i in range(5):
        await w.card(lanekit, w.a, title=f"h{i}")
    async with lanekit.db.read() as conn:
        plan = await exports.plan_export(conn, actor=actor_of(w.tenant.admin), export="cards", board_ids=None)
    before = lanekit.db.engine.pool.checkedout()  # type: ignore[attr-defined]
    batches = exports.export_rows(lanekit.db, plan, offset=0, limit=None, batch_size=2)
    first = await anext(batches)
    await batches.aclose()
    assert [row[0] for row in first] == sorted(row[0] for row in first) and len(first) == 2
    assert lanekit.db.engine.pool.checkedout() == before  # type: ignore[attr-defined]
