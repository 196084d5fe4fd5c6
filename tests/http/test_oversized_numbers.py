"""Digit strings too long to be any id, index or size are 422s naming the field (404s in a path), never 500s.

Found by fuzzing the OpenAPI document: `int()` of a 20,000-digit string raises past Python's 4,300-digit
guard, which used to escape as a 500.
"""

from __future__ import annotations

import pytest

from tests.factories.boards import make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

HUGE = "9" * 20_000


async def test_huge_digit_strings_are_refused_by_name(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        card = await make_card(conn, board, by=tenant.admin)
    admin = lanekit.as_admin(tenant)

    cases = [
        (admin.get(f"/io/board?boards={HUGE}"), "boards"),
        (admin.get(f"/io/board/{board.id}/laneCount?lanes={HUGE}"), "lanes"),
        (admin.get(f"/io/card?board={board.id}&offset={HUGE}"), "offset"),
        (admin.post("/io/card", json={"boardId": str(board.id), "title": "x", "size": HUGE}), "size"),
        (admin.post("/io/card", json={"boardId": str(board.id), "title": "x", "index": HUGE}), "index"),
        (
            admin.patch(f"/io/card/{card.id}", json=[{"op": "remove", "path": f"/customFields/{HUGE}"}]),
            "#/0/path",
        ),
    ]
    for pending, field in cases:
        response = await pending
        assert response.status_code == 422, (field, response.status_code, response.text[:200])
        body = response.json()
        assert set(body) >= {"statusCode", "error", "message"}
        assert field in body["message"], (field, body["message"])

    # In a path, a digit string that is no id matches no route at all.
    assert (await admin.get(f"/io/card/{HUGE}")).status_code == 404
