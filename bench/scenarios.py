"""The scenarios of issue 5, each as a list of concrete requests built in Python from the data set.

Both load drivers replay the same list: `wrk` through `wrk/replay.lua` (from a file, one request a line), and
the in-process httpx loop of the smoke test.  Each wrk thread takes every T-th request in order, and the list
is long enough not to wrap during a run, so a write scenario never has two requests in flight on one card with
the same expected version.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import Dataset

DEEP_OFFSET = 15_000
PAGE = 200


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: str = ""
    version: str = ""  # sent as `x-lk-resource-version` when not empty


@dataclass(frozen=True, slots=True)
class Context:
    dataset: Dataset
    rng: random.Random
    count: int  # how many requests to build for a scenario that varies its requests
    card_versions: Callable[[], Awaitable[dict[int, int]]]


Builder = Callable[[Context], Awaitable[list[Request]]]


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: str
    method: str
    route: str  # the OpenAPI path with parameters written `{}`; the scenario is available when it is listed
    auth: str  # "bearer" or "basic"
    build: Builder
    writes: bool = False


def deep_offset(dataset: Dataset) -> int:
    """The issue's offset 15,000, or the last full page of a smaller largest board."""
    return max(0, min(DEEP_OFFSET, dataset.largest_board.cards - PAGE))


async def _random_cards(ctx: Context) -> list[Request]:
    ids = ctx.dataset.card_ids
    return [Request("GET", f"/io/card/{ctx.rng.choice(ids)}") for _ in range(ctx.count)]


async def _board(ctx: Context) -> list[Request]:
    return [Request("GET", f"/io/board/{ctx.dataset.largest_board.id}")]


async def _board_faces(ctx: Context) -> list[Request]:
    return [Request("GET", f"/io/board/{ctx.dataset.largest_board.id}/card")]


async def _deep_page(ctx: Context) -> list[Request]:
    board = ctx.dataset.largest_board.id
    return [Request("GET", f"/io/card?board={board}&offset={deep_offset(ctx.dataset)}&limit={PAGE}")]


async def _moves(ctx: Context) -> list[Request]:
    ds = ctx.dataset
    out = []
    for _ in range(ctx.count):
        i = ctx.rng.randrange(len(ds.card_ids))
        lane = ctx.rng.choice(ds.boards[ds.card_boards[i]].leaf_lanes)
        body = {"cardIds": [str(ds.card_ids[i])], "destination": {"laneId": str(lane)}}
        out.append(Request("POST", "/io/card/move", json.dumps(body)))
    return out


async def _patches(ctx: Context) -> list[Request]:
    """Cards in a shuffled order, round after round, each time with the version the last round left."""
    versions = await ctx.card_versions()
    order = list(ctx.dataset.card_ids)
    ctx.rng.shuffle(order)
    out = []
    for n in range(ctx.count):
        card = order[n % len(order)]
        body = [{"op": "replace", "path": "/title", "value": f"Bench title {n}"}]
        out.append(Request("PATCH", f"/io/card/{card}", json.dumps(body), str(versions[card])))
        versions[card] += 1
    return out


async def _creates(ctx: Context) -> list[Request]:
    ds = ctx.dataset
    out = []
    for n in range(ctx.count):
        lane = ctx.rng.choice(ctx.rng.choice(ds.boards).leaf_lanes)
        body = {"destination": {"laneId": str(lane)}, "title": f"Bench new card {n}"}
        out.append(Request("POST", "/io/card", json.dumps(body)))
    return out


async def _me(ctx: Context) -> list[Request]:
    return [Request("GET", "/io/user/me")]


# A board version no board reaches: the poller is up to date, the case CheckForUpdates serves most.
UP_TO_DATE = 2**62


async def _legacy_board(ctx: Context) -> list[Request]:
    return [Request("GET", f"/kanban/api/boards/{ctx.dataset.largest_board.id}")]


async def _legacy_no_updates(ctx: Context) -> list[Request]:
    board = ctx.dataset.largest_board.id
    return [Request("GET", f"/kanban/api/board/{board}/boardversion/{UP_TO_DATE}/checkforupdates")]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("a", "GET /io/card/:id (random cards)", "GET", "/io/card/{}", "bearer", _random_cards),
    Scenario("b", "GET /io/board/:id (largest board)", "GET", "/io/board/{}", "bearer", _board),
    Scenario("c", "GET /io/board/:id/card (200 faces)", "GET", "/io/board/{}/card", "bearer", _board_faces),
    Scenario("d", "GET /io/card?board, deep offset (15000; quick 1800), limit=200", "GET", "/io/card",
             "bearer", _deep_page),
    Scenario("l", "GET /kanban/api/boards/:id (largest board, every card)", "GET", "/kanban/api/boards/{}",
             "bearer", _legacy_board),
    Scenario("m", "GET /kanban/api/…/checkforupdates (nothing new)", "GET",
             "/kanban/api/board/{}/boardversion/{}/checkforupdates", "bearer", _legacy_no_updates),
    Scenario("h", "GET /io/user/me (Bearer)", "GET", "/io/user/me", "bearer", _me),
    Scenario("h-basic", "GET /io/user/me (Basic)", "GET", "/io/user/me", "basic", _me),
    Scenario("f", "PATCH /io/card/:id (title, x-lk-resource-version)", "PATCH", "/io/card/{}", "bearer",
             _patches, writes=True),
    Scenario("e", "POST /io/card/move (random card, random lane)", "POST", "/io/card/move", "bearer", _moves,
             writes=True),
    Scenario("g", "POST /io/card", "POST", "/io/card", "bearer", _creates, writes=True),
)  # fmt: skip
FLOOR_TITLE = "floor: raw driver, card row by id"


def by_keys(keys: Iterable[str] | None) -> list[Scenario]:
    """The scenarios named by `keys` (all when None), in the bench's order: reads first, then writes."""
    if keys is None:
        return list(SCENARIOS)
    wanted = {k.strip() for k in keys if k.strip()}
    unknown = wanted - {s.key for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"bench: unknown scenario(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(s.key for s in SCENARIOS)}")  # fmt: skip
    return [s for s in SCENARIOS if s.key in wanted]


def floor_requests(dataset: Dataset, rng: random.Random, count: int) -> list[Request]:
    return [Request("GET", f"/card/{rng.choice(dataset.card_ids)}") for _ in range(count)]


def normalise_route(path: str) -> str:
    """`/io/card/{cardId}` → `/io/card/{}`."""
    parts = ["{}" if p.startswith("{") and p.endswith("}") else p for p in path.split("/")]
    return "/".join(parts)


def available(scenario: Scenario, openapi: dict[str, Any]) -> bool:
    """Whether the server's OpenAPI document lists the scenario's method on its route.  The legacy
    /kanban/api is left out of that document (LeanKit documents its deprecated v1 itself), so its scenarios
    count as always available."""
    if scenario.route.startswith("/kanban/api/"):
        return True
    for path, methods in openapi.get("paths", {}).items():
        if normalise_route(path) == scenario.route and scenario.method.lower() in methods:
            return True
    return False


def write_requests(requests: list[Request], path: Path) -> None:
    """One request a line, tab-separated: method, path, version, body (JSON never holds a raw tab)."""
    with path.open("w") as out:
        for r in requests:
            out.write(f"{r.method}\t{r.path}\t{r.version}\t{r.body}\n")
