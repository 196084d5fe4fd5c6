"""Every operation of the served OpenAPI document, fed generated requests: none may answer 5xx.

Schemathesis generates requests from `/io/openapi.json` (seeded and bounded, so a run is repeatable and
short) and sends them in-process through the ASGI app as an authenticated tenant's administrator, on both
databases.  Path ids point at real rows half the time (the tenant's board, lane and card), so generated
bodies reach the domain and the database rather than stopping at a 404.
"""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from lanekit.domain.types import MAX_ID
from tests.factories.boards import make_board
from tests.factories.cards import board_lanes, make_card
from tests.harness import Lanekit

hypothesis = pytest.importorskip("hypothesis")
schemathesis = pytest.importorskip("schemathesis")
NOT_SET = pytest.importorskip("schemathesis.core").NOT_SET

pytestmark = pytest.mark.anyio

EXAMPLES_PER_OPERATION = 5
# Which path ids are swapped for real rows; the generated cases themselves are derandomized.
SEED = 152


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def generated_cases(strategy: Any, count: int) -> list[Any]:
    """`count` cases drawn deterministically (derandomized: the same cases on every run)."""
    found: list[Any] = []

    @hypothesis.settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(strategy)
    def draw(case: Any) -> None:
        found.append(case)

    draw()
    return found


async def test_no_generated_request_gets_a_5xx(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        lane = next(iter((await board_lanes(conn, board)).values()))
        card = await make_card(conn, board, by=tenant.admin)
    client = lanekit.as_admin(tenant)
    document = (await client.get("/io/openapi.json")).json()
    real = {"boardId": board.id, "laneId": lane.id, "cardId": card.id, "userId": tenant.admin.id}
    schema = schemathesis.openapi.from_dict(document)
    rng = random.Random(SEED)
    failures: list[str] = []
    sent = 0
    for method, path in operations(document):
        operation = schema[path][method]
        for case in generated_cases(operation.as_strategy(), EXAMPLES_PER_OPERATION):
            parameters = dict(case.path_parameters or {})
            for name, value in parameters.items():
                if name in real and rng.random() < 0.6:
                    parameters[name] = real[name]
                elif not isinstance(value, int) or not 1 <= value <= MAX_ID:
                    parameters[name] = 1
            url = path.format(**parameters)
            kwargs: dict[str, Any] = {"params": case.query or None}
            if case.body is not NOT_SET:
                kwargs["json"] = case.body
            try:
                response = await client.request(method, url, **kwargs)
            except (httpx.InvalidURL, UnicodeEncodeError, TypeError, ValueError):
                continue  # the client cannot send it; no server can receive it either
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{method} {url} {kwargs} -> {response.status_code} {response.text[:200]}")
    assert sent > len(operations(document)), "too few requests reached the server"
    assert not failures, "\n".join(failures[:20])
