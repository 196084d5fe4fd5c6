"""A cached body is built once however many requests miss it together (docs/decisions/169-single-fill.md):
after a change every open view of a board misses at once, and the others wait for the one building it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lanekit.domain.boards import reads as board_reads
from lanekit.domain.cards import lists as card_lists
from tests.factories.body_cache import cache_of
from tests.factories.two_boards import world
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

CONCURRENT = 8


def count_builds(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Counts calls of `module.name`, each held a moment so that concurrent requests overlap it."""
    built = [0]
    original: Callable[..., Awaitable[Any]] = getattr(module, name)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        built[0] += 1
        await asyncio.sleep(0.05)
        return await original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
    return built


@pytest.mark.parametrize(
    ("module", "builder", "path"),
    [
        (board_reads, "board_view", "/io/board/{board}"),
        (card_lists, "read_faces", "/io/board/{board}/card"),
        (card_lists, "read_list", "/io/card?board={board}"),
        (board_reads, "board_view", "/kanban/api/boards/{board}"),
    ],
    ids=["board", "faces", "list", "legacy-board"],
)
async def test_concurrent_misses_build_the_body_once_and_all_see_it(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch, module: Any, builder: str, path: str
) -> None:
    w = await world(lanekit)
    admin = w.admin
    await w.card(lanekit, w.a, title="Before")
    url = path.format(board=w.a.id)
    before = await admin.get(url)  # the cache holds the body of this version
    assert before.status_code == 200, before.text

    added = await admin.post("/io/card", json={"boardId": str(w.a.id), "title": "After"})
    assert added.status_code == 201, added.text
    built = count_builds(monkeypatch, module, builder)
    hits = cache_of(lanekit).hits
    answers = await asyncio.gather(*(admin.get(url) for _ in range(CONCURRENT)))

    assert [a.status_code for a in answers] == [200] * CONCURRENT
    assert len({a.content for a in answers}) == 1
    assert answers[0].content != before.content
    cache_of(lanekit).clear()
    assert (await admin.get(url)).content == answers[0].content  # what an uncached GET answers
    assert built[0] == 2  # once for the concurrent GETs, once after the cache was cleared
    assert cache_of(lanekit).hits == hits + CONCURRENT - 1


async def test_a_failed_build_lets_a_waiting_request_build_it(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await world(lanekit)
    admin = w.admin
    await w.card(lanekit, w.a, title="Shown")
    original = card_lists.read_faces
    calls = [0]

    async def first_fails(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        await asyncio.sleep(0.05)
        if calls[0] == 1:
            raise RuntimeError("the first build fails")
        return await original(*args, **kwargs)

    monkeypatch.setattr(card_lists, "read_faces", first_fails)
    first, second = await asyncio.gather(
        admin.get(f"/io/board/{w.a.id}/card"), admin.get(f"/io/board/{w.a.id}/card")
    )
    assert sorted([first.status_code, second.status_code]) == [200, 500]
    assert calls[0] == 2
