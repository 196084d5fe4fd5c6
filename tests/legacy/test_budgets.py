"""Statement budgets: a legacy call costs what its /io endpoint costs, plus only what v1 adds to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.factories.cards import make_card
from tests.harness import Lanekit
from tests.http.test_auth_cache import running
from tests.legacy.helpers import API, legacy_board
from tests.statements import StatementCounter

pytestmark = pytest.mark.anyio


async def count(lanekit: Lanekit, send: Callable[[], Awaitable[Any]]) -> int:
    with StatementCounter(lanekit) as counter:
        response = await send()
    assert response.status_code in (200, 201), response.text
    return counter.count


async def test_legacy_calls_cost_what_io_costs(lanekit: Lanekit) -> None:
    s = await legacy_board(lanekit)
    async with running(lanekit):
        async with lanekit.db.begin() as conn:
            cards = [(await make_card(conn, s.board, by=s.tenant.admin)).id for _ in range(4)]
        await s.admin.get("/io/user/me")  # warms the credential cache
        b, doing = s.board.id, s.lanes["Doing Now"].id

        io_get = await count(lanekit, lambda: s.admin.get(f"/io/card/{cards[0]}"))
        v1_get = await count(lanekit, lambda: s.admin.get(f"{API}/board/{b}/getcard/{cards[0]}"))
        # GetCard adds the newest history event (LastActivity): its authorisation and its read.
        assert v1_get == io_get + 3, (io_get, v1_get)

        io_move = await count(
            lanekit,
            lambda: s.admin.post(
                "/io/card/move",
                json={"cardIds": [str(cards[1])], "destination": {"laneId": str(doing), "index": 9999}},
            ),
        )
        v1_move = await count(
            lanekit, lambda: s.admin.post(f"{API}/board/{b}/movecard/{cards[2]}/lane/{doing}/position/9999")
        )
        assert v1_move == io_move, (io_move, v1_move)

        io_comment = await count(
            lanekit, lambda: s.admin.post(f"/io/card/{cards[3]}/comment", json={"text": "a"})
        )
        v1_comment = await count(
            lanekit, lambda: s.admin.post(f"{API}/card/savecomment/{b}/{cards[3]}", json={"Text": "b"})
        )
        # SaveComment first checks that the card is on the board the path names (the card read of GetCard).
        assert v1_comment == io_comment + 2, (io_comment, v1_comment)
