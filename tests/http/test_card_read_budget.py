"""The heavy card reads (decision 092): board faces and deep list pages cost a fixed number of statements
whatever the board's size, and the faces' lane walk shows the same cards and indexes as a brute-force read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from lanekit.domain import clock
from lanekit.domain.cards import lists as card_lists
from lanekit.storage.records import BoardRecord
from lanekit.storage.tables import cards
from tests.factories.boards import actor_of, make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit, Tenant
from tests.http.board_config_helpers import board_setup
from tests.http.test_auth_cache import running
from tests.http.test_custom_fields import add
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio


async def _board_with_cards(lanekit: Lanekit, tenant: Tenant, per_lane: int) -> BoardRecord:
    """Cards in three active lanes and one archive lane; one deleted card, and archived cards of which
    some were archived long ago (hidden from the faces, yet still counted in their lane's indexes)."""
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
        made: dict[str, list[int]] = {}
        for title in ("Approved", "Doing Now", "Under Review", "Finished As Planned"):
            made[title] = [
                (
                    await make_card(
                        conn, board, by=tenant.admin, lane_id=lanes[title].id, title=f"{title} {n}"
                    )
                ).id
                for n in range(per_lane)
            ]
        long_ago = clock.now() - timedelta(days=30)
        archived = made["Finished As Planned"]
        await conn.execute(update(cards).where(cards.c.id.in_(archived[::2])).values(archived_on=long_ago))
        await conn.execute(
            update(cards).where(cards.c.id.in_(archived[1::2])).values(archived_on=clock.now())
        )
        await conn.execute(
            update(cards).where(cards.c.id == made["Doing Now"][1]).values(deleted_on=clock.now())
        )
    return board


async def _brute_force_indexes(lanekit: Lanekit, board: BoardRecord) -> dict[int, int]:
    """Each live card's place in its lane by (rank, id), from every row of the board."""
    async with lanekit.db.read() as conn:
        rows = (
            await conn.execute(
                cards.select().where(cards.c.board_id == board.id, cards.c.deleted_on.is_(None))
            )
        ).all()
    by_lane: dict[int, list[Any]] = {}
    for r in rows:
        by_lane.setdefault(r.lane_id, []).append(r)
    return {
        r.id: n
        for lane_rows in by_lane.values()
        for n, r in enumerate(sorted(lane_rows, key=lambda r: (r.rank, r.id)))
    }


async def _faces(lanekit: Lanekit, tenant: Tenant, board: BoardRecord, **kwargs: Any) -> Any:
    async with lanekit.db.read() as conn:
        return await card_lists.board_faces(
            conn,
            actor=actor_of(tenant.admin),
            board_id=board.id,
            lane_ids=kwargs.get("lane_ids"),
            card_ids=kwargs.get("card_ids"),
            ignore_archive_date=kwargs.get("ignore_archive_date", False),
            offset=kwargs.get("offset", 0),
            limit=kwargs.get("limit", 200),
        )


async def test_faces_pages_walk_the_lanes_with_brute_force_indexes(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    board = await _board_with_cards(lanekit, tenant, per_lane=9)
    expected_index = await _brute_force_indexes(lanekit, board)

    total, whole = await _faces(lanekit, tenant, board, limit=1000)
    # 9 + 8 (one deleted) + 9 active cards, and the 4 of 9 archive cards archived recently.
    assert total == len(whole) == 30
    assert [r.index for r in whole] == [expected_index[r.card.id] for r in whole]
    lanes_in_order = list(dict.fromkeys(r.lane.title for r in whole))
    assert lanes_in_order == ["Approved", "Doing Now", "Under Review", "Finished As Planned"]
    for title in lanes_in_order:
        shown = [r for r in whole if r.lane.title == title]
        assert [(r.card.rank, r.card.id) for r in shown] == sorted((r.card.rank, r.card.id) for r in shown)
    # The archive lane's shown cards keep their indexes among all its live cards (the old ones included).
    assert [r.index for r in whole if r.lane.title == "Finished As Planned"] == [1, 3, 5, 7]

    # Small pages across lane boundaries show the same cards in the same order.
    paged = []
    for offset in range(0, 33, 7):
        page_total, page = await _faces(lanekit, tenant, board, offset=offset, limit=7)
        assert page_total == 30
        paged += page
    assert [(r.card.id, r.index) for r in paged] == [(r.card.id, r.index) for r in whole]

    # Every archived card with ignoreArchiveDate; filters by lane and by card.
    total, everything = await _faces(lanekit, tenant, board, ignore_archive_date=True, limit=1000)
    assert total == 35
    assert sorted(r.index for r in everything if r.lane.title == "Finished As Planned") == list(range(9))
    doing = [r for r in whole if r.lane.title == "Doing Now"]
    total, some = await _faces(
        lanekit, tenant, board, card_ids=[doing[5].card.id, doing[2].card.id, whole[0].card.id]
    )
    assert total == 3
    assert [(r.card.id, r.index) for r in some] == [
        (whole[0].card.id, 0),
        (doing[2].card.id, doing[2].index),
        (doing[5].card.id, doing[5].index),
    ]
    lane_id = doing[0].lane.id
    total, one_lane = await _faces(lanekit, tenant, board, lane_ids=[lane_id], offset=3, limit=2)
    assert total == 8
    assert [(r.card.id, r.index) for r in one_lane] == [(r.card.id, r.index) for r in doing[3:5]]


async def _count_reads(
    lanekit: Lanekit, tenant: Tenant, board: BoardRecord, *, offset: int, per_lane: int
) -> tuple[int, int]:
    actor = actor_of(tenant.admin)
    with StatementCounter(lanekit) as counter:
        total, faces = await _faces(lanekit, tenant, board, offset=offset, limit=10)
        faces_count = len(counter.statements)
        counter.statements.clear()
        query = card_lists.parse_query(
            {"board": str(board.id), "offset": str(offset), "limit": "10"}, from_query_string=True
        )
        async with lanekit.db.read() as conn:
            page = await card_lists.list_cards(conn, actor=actor, query=query)
        list_count = len(counter.statements)
    assert len(faces) == 10 and len(page.cards) == 10
    assert total == 4 * per_lane - 1 - per_lane // 2
    assert page.total == 4 * per_lane - 1  # the list shows the long-archived cards too
    return faces_count, list_count


async def test_faces_and_deep_list_pages_cost_the_same_statements_on_any_board(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    small = await _board_with_cards(lanekit, tenant, per_lane=12)
    large = await _board_with_cards(lanekit, tenant, per_lane=60)

    small_counts = await _count_reads(lanekit, tenant, small, offset=20, per_lane=12)
    large_counts = await _count_reads(lanekit, tenant, large, offset=150, per_lane=60)

    # Faces: board access, lane tally, page ids, wide rows, assignees, custom field values (the page's lanes
    # hold no filtered-out card, so no index window).  List: readable boards, count, page ids, wide rows, lane
    # indexes, assignees.
    assert small_counts == large_counts
    faces_count, list_count = large_counts
    assert faces_count <= 6
    assert list_count <= 6


async def test_a_card_get_is_one_statement_on_postgresql_with_assignees_and_fields_in_order(
    lanekit: Lanekit,
) -> None:

    s = await board_setup(lanekit, roles=False)
    created = await s.admin.patch(f"{s.base}/customfield", json=[add("Zeta"), add("Alpha"), add("Mid")])
    assert created.status_code == 200, created.text
    # Reordered: the card shows its values in the board's field order, not in the order they were made.
    zeta, alpha, mid = (f["id"] for f in created.json()["customFields"])
    moved = await s.admin.patch(
        f"{s.base}/customfield", json=[{"op": "replace", "path": f"/{zeta}", "value": {"index": 2}}]
    )
    assert moved.status_code == 200, moved.text
    users = [await lanekit.user(s.tenant, first_name=f"U{n}") for n in range(3)]
    card = await s.admin.post(
        "/io/card",
        json={
            "boardId": str(s.board.id),
            "title": "Counted",
            "assignedUserIds": [str(users[2].id), str(users[0].id)],
            "customFields": [
                {"fieldId": zeta, "value": "z"},
                {"fieldId": mid, "value": "m"},
                {"fieldId": alpha, "value": "a"},
            ],
        },
    )
    assert card.status_code == 201, card.text
    card_id = card.json()["id"]
    third = await s.admin.post(
        "/io/card/assign", json={"cardIds": [card_id], "userIdsToAssign": [str(users[1].id)]}
    )
    assert third.status_code == 200, third.text
    bare = await s.admin.post("/io/card", json={"boardId": str(s.board.id), "title": "Bare"})
    assert bare.status_code == 201, bare.text

    counts = []
    for path in (f"/io/card/{card_id}", f"/io/card/{bare.json()['id']}"):
        # With the app running, its change notices let authentication answer from the credential cache
        # once warm: what is counted is the card GET's own statements.
        async with running(lanekit):
            await s.admin.get(path)
            with StatementCounter(lanekit) as counter:
                response = await s.admin.get(path)
        assert response.status_code == 200, response.text
        counts.append(counter.count)
        body = response.json()
        if path.endswith(card_id):
            # Assignment order (the two assigned together by id), whichever order the request named them in.
            expected = [users[0], users[2], users[1]]
            assert [u["id"] for u in body["assignedUsers"]] == [str(u.id) for u in expected]
            assert [(f["fieldId"], f["value"]) for f in body["customFields"]] == [
                (alpha, "a"),
                (mid, "m"),
                (zeta, "z"),
            ]
        else:
            assert body["assignedUsers"] == [] and body["customFields"] == []
    if lanekit.db.dialect == "postgresql":
        assert counts == [1, 1]
    else:
        assert counts == [3, 1]
