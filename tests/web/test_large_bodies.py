"""Large JSON bodies reach the server in pieces (web/routing.PiecewiseBody): a slow reader then holds one
piece in the server's socket buffer instead of a copy of the whole body, and the client still receives the
same bytes with the same Content-Length."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lanekit.web.routing import BODY_PIECE_BYTES, EncodedJson, JsonBody

pytestmark = pytest.mark.anyio


async def sent(response: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await response({"type": "http", "method": "GET"}, receive, send)
    return messages


def received(messages: list[dict[str, Any]]) -> tuple[dict[str, str], bytes]:
    start, *bodies = messages
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert [m.get("more_body", False) for m in bodies] == [True] * (len(bodies) - 1) + [False]
    return headers, b"".join(m["body"] for m in bodies)


async def test_a_large_body_is_sent_in_pieces_with_the_same_bytes() -> None:
    payload = {"cards": [{"id": str(i), "title": f"Card {i} " + "x" * 200} for i in range(3_000)]}
    response = JsonBody(payload)
    messages = await sent(response)

    headers, body = received(messages)
    assert len(messages) - 1 == -(-len(body) // BODY_PIECE_BYTES) > 1
    assert max(len(m["body"]) for m in messages[1:]) == BODY_PIECE_BYTES
    assert json.loads(body) == payload
    assert headers["content-length"] == str(len(body))
    assert headers["content-type"] == "application/json"

    cached = await sent(EncodedJson(content=body))
    assert received(cached) == (headers, body)


async def test_a_small_body_is_one_message() -> None:
    messages = await sent(JsonBody({"id": "1"}))
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[1]["body"] == b'{"id":"1"}'
    assert messages[1].get("more_body", False) is False
