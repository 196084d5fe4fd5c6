"""Routes without a request body solve their dependencies from a plan made once (web/handler.py), not through
FastAPI's per-request solver, and answer exactly as FastAPI's handler does: same status, same body, same
422 details, same headers but the request id and the rate-limit reset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import routing as fastapi_routing

from lanekit.settings import Settings
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio

BIG = 2**63 - 1

# Requests whose answers come from parameter validation, authentication or the handler, good and bad.
REQUESTS: list[tuple[str, dict[str, str] | None]] = [
    ("/io/user/me", None),
    ("/io/user?limit=-1", None),
    ("/io/user?offset=abc&limit=5000", None),
    ("/io/user?limit=5000", None),
    ("/io/user?limit=1&sortBy=firstName", None),
    (f"/io/card/{BIG}", None),
    (f"/io/card/{BIG}?excludeComments=maybe", None),
    (f"/io/board/{BIG}/card?ignoreArchiveDate=x&limit=-2&offset=-1", None),
    (f"/io/board/{BIG}/changes?version=abc", None),
    (f"/io/board/{BIG}/changes", None),
    (f"/io/card/{BIG}/activity?limit=x&direction=sideways", None),
    ("/io/board?archived=sometimes&minimumAccess=ruler", None),
    ("/io/user/me", {"authorization": "Bearer nope"}),
    ("/io/user?limit=-1", {"authorization": "Digest x"}),
    ("/io/user/me", {"authorization": ""}),
]


@pytest.fixture
async def kit(settings: Settings) -> AsyncIterator[Lanekit]:
    made = Lanekit(settings)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
def fastapi_solves(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths FastAPI's own solver ran for, in order."""
    calls: list[str] = []
    original = fastapi_routing.solve_dependencies  # type: ignore[attr-defined]

    async def counting(**kwargs: Any) -> Any:
        calls.append(kwargs["request"].url.path)
        return await original(**kwargs)

    monkeypatch.setattr(fastapi_routing, "solve_dependencies", counting)
    return calls


def _comparable(response: httpx.Response) -> tuple[int, Any, list[tuple[str, str]]]:
    varying = {"x-request-id", "x-ratelimit-reset", "x-ratelimit-remaining", "date"}
    headers = sorted((k, v) for k, v in response.headers.items() if k not in varying)
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body, headers


async def _answers(kit: Lanekit, tenant: Tenant) -> list[tuple[int, Any, list[tuple[str, str]]]]:
    answers = []
    for path, headers in REQUESTS:
        client = kit.client(tenant, headers=headers) if headers is not None else kit.as_admin(tenant)
        answers.append(_comparable(await client.get(path)))
    return answers


async def test_body_less_routes_do_not_run_fastapis_solver(kit: Lanekit, fastapi_solves: list[str]) -> None:
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)
    me = await admin.get("/io/user/me")
    assert me.status_code == 200
    assert me.json()["id"] == str(tenant.admin.id)
    assert (await admin.get(f"/io/card/{BIG}")).status_code == 404
    assert (await admin.get("/io/user?limit=-1")).status_code == 422
    assert fastapi_solves == []

    # A route with a body keeps FastAPI's handler.
    assert (await admin.patch("/io/user/me", json={"firstName": "Ada"})).status_code == 200
    assert fastapi_solves == ["/io/user/me"]


async def test_planned_handlers_answer_as_fastapis_do(kit: Lanekit, fastapi_solves: list[str]) -> None:
    tenant = await kit.tenant()
    planned = await _answers(kit, tenant)
    assert fastapi_solves == []
    # Sanity: the list holds successes, 401s, 404s and 422s naming several fields at once.
    statuses = [status for status, _, _ in planned]
    assert {200, 401, 404, 422} <= set(statuses)
    several = planned[7][1]
    assert several["statusCode"] == 422 and len(several["details"]) == 3, several

    # With a dependency override set, every route takes FastAPI's own handler: the answers must not change.
    kit.app.dependency_overrides[object] = object
    try:
        general = await _answers(kit, tenant)
    finally:
        kit.app.dependency_overrides.clear()
    assert len(fastapi_solves) == len(REQUESTS)
    for (path, _), mine, theirs in zip(REQUESTS, planned, general, strict=True):
        assert mine == theirs, path


async def test_dependencies_run_once_per_request(kit: Lanekit) -> None:
    """`Actor` is asked for by the /io router and again by the handler (and `CurrentUser`): the caller is
    authenticated, and charged, once."""
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)
    first = await admin.get("/io/user/me")
    second = await admin.get("/io/user/me")
    assert int(first.headers["x-ratelimit-remaining"]) - int(second.headers["x-ratelimit-remaining"]) == 1
