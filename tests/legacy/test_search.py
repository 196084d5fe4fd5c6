"""`SearchCards` (SearchOptions: term, scope, filters, order, paging) and `ListNewCards`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from lanekit.storage.tables import cards
from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.legacy.helpers import API, failure, legacy_board, payload

pytestmark = pytest.mark.anyio

# leankit-client's SearchOptions defaults, as LeanKit's own suite sends them.
OPTIONS = {
    "IncludeArchiveOnly": False,
    "IncludeBacklogOnly": False,
    "IncludeComments": False,
    "IncludeDescription": False,
    "IncludeExternalId": False,
    "IncludeTags": False,
    "AddedAfter": None,
    "AddedBefore": None,
    "CardTypeIds": [],
    "ClassOfServiceIds": [],
    "AssignedUserIds": [],
    "UseFuzzySearch": False,
    "Page": 1,
    "MaxResults": 20,
    "OrderBy": "CreatedOn",
    "SortOrder": 0,
}


async def test_search_pages_through_the_matches(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        alpha = [(await make_card(conn, s.board, by=s.tenant.admin, title=f"alpha {n}")).id for n in range(5)]
        await make_card(conn, s.board, by=s.tenant.admin, title="beta")
    path = f"{API}/board/{s.board.id}/SearchCards"
    everything = payload(await s.admin.post(path, json=OPTIONS))
    assert everything["TotalResults"] == 6 and len(everything["Results"]) == 6
    seen: list[int] = []
    for page in (1, 2, 3):
        found = payload(
            await s.admin.post(path, json={**OPTIONS, "SearchTerm": "alpha", "Page": page, "MaxResults": 2})
        )
        assert (found["TotalResults"], found["Page"], found["MaxResults"]) == (5, page, 2)
        seen += [card["Id"] for card in found["Results"]]
    assert sorted(seen) == sorted(alpha) and len(seen) == 5
    titled = payload(await s.admin.post(path, json={**OPTIONS, "OrderBy": "Title", "searchterm": "alpha"}))
    assert [c["Title"] for c in titled["Results"]] == [f"alpha {n}" for n in range(5)]


async def test_search_scope_and_filters(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    doing = s.lanes["Doing Now"].id
    async with lanekit.db.begin() as conn:
        backlog = (await make_card(conn, s.board, by=s.tenant.admin)).id
        active = (await make_card(conn, s.board, by=s.tenant.admin, lane_id=doing)).id
        defect = (await make_card(conn, s.board, by=s.tenant.admin, lane_id=doing, type_id=None)).id
    types = payload(await s.admin.get(f"{API}/board/{s.board.id}/GetBoardIdentifiers"))["CardTypes"]
    defect_type = next(t["Id"] for t in types if t["Name"] == "Defect")
    await s.admin.patch(
        f"/io/card/{defect}", json=[{"op": "replace", "path": "/typeId", "value": str(defect_type)}]
    )
    path = f"{API}/board/{s.board.id}/searchcards"

    async def ids(**options: object) -> list[int]:
        found = payload(await s.admin.post(path, json={**OPTIONS, **options}))
        return sorted(c["Id"] for c in found["Results"])

    assert await ids(IncludeBacklogOnly=True) == [backlog]
    assert await ids(ExcludeArchiveAndBacklog=True) == sorted([active, defect])
    assert await ids(SearchInBacklog=True) == [backlog]
    assert await ids(CardTypeIds=[defect_type]) == [defect]
    assert await ids(LaneId=doing) == sorted([active, defect])
    assert "MaxResults" in failure(await s.admin.post(path, json={**OPTIONS, "MaxResults": 0}), 502)
    assert "Page" in failure(await s.admin.post(path, json={**OPTIONS, "Page": "one"}), 502)


async def test_list_new_cards(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        card = await make_card(conn, s.board, by=s.tenant.admin, tags=["a", "b"])
    [item] = payload(await s.admin.get(f"{API}/board/{s.board.id}/ListNewCards"))
    assert item["Id"] == card.id and item["Tags"] == "a,b" and item["TypeName"] == "Other Work"
    assert item["LaneId"] == s.lanes["New Requests"].id and item["Priority"] == 1


async def test_added_after_and_before_are_days_in_the_callers_format(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with lanekit.db.begin() as conn:
        old = (await make_card(conn, s.board, by=s.tenant.admin)).id
        new = (await make_card(conn, s.board, by=s.tenant.admin)).id
        await conn.execute(
            update(cards).where(cards.c.id == old).values(created_on=datetime(2020, 1, 15, 12, tzinfo=UTC))
        )
    path = f"{API}/board/{s.board.id}/searchcards"

    async def ids(**options: object) -> list[int]:
        found = payload(await s.admin.post(path, json={**OPTIONS, **options}))
        return sorted(c["Id"] for c in found["Results"])

    assert await ids(AddedBefore="01/16/2020") == [old]
    assert await ids(AddedBefore="01/15/2020") == []
    assert await ids(AddedAfter="01/15/2020") == [new]
    assert await ids(AddedAfter="01/14/2020") == sorted([old, new])
    assert "AddedAfter" in failure(
        await s.admin.post(path, json={**OPTIONS, "AddedAfter": "15.01.2020"}), 502
    )
