"""What the legacy tests share: a board with its lanes, and reading a v1 envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from lanekit.storage.records import BoardRecord, LaneRecord
from tests.factories.boards import make_board
from tests.factories.cards import board_lanes
from tests.harness import Lanekit, Tenant

API = "/kanban/api"


@dataclass
class LegacyBoard:
    tenant: Tenant
    board: BoardRecord
    lanes: dict[str, LaneRecord]
    admin: httpx.AsyncClient


async def legacy_board(lanekit: Lanekit) -> LegacyBoard:
    """A tenant with the default board (LeanKit's default template) and the administrator's client."""
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lanes = await board_lanes(conn, board)
    return LegacyBoard(tenant, board, lanes, lanekit.as_admin(tenant))


def envelope(response: httpx.Response) -> dict[str, Any]:
    """The v1 envelope of a reply that must be HTTP 200 (failures included)."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"ReplyData", "ReplyCode", "ReplyText"}, body
    return body


def payload(response: httpx.Response, code: int = 200) -> Any:
    """`ReplyData[0]` of a successful reply with ReplyCode `code`."""
    body = envelope(response)
    assert body["ReplyCode"] == code, body
    data = body["ReplyData"]
    assert isinstance(data, list) and len(data) == 1, body
    return data[0]


def failure(response: httpx.Response, code: int) -> str:
    """The ReplyText of a failed call with ReplyCode `code` (ReplyData null)."""
    body = envelope(response)
    assert body["ReplyCode"] == code and body["ReplyData"] is None, body
    text: str = body["ReplyText"]
    return text
