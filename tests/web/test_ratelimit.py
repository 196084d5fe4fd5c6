"""Rate limiting (docs/conventions.md §6): a per-user window shared by all credentials, X-RateLimit-*
headers, 429 + Retry-After.

Each test runs with the in-process counters and with Redis (127.0.0.1:6379).  Redis is required like
PostgreSQL: when it is down these tests fail, they do not skip.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from email.utils import parsedate_to_datetime

import anyio
import httpx
import pytest
import redis.asyncio

from lanekit.settings import Settings
from tests.harness import Lanekit, bearer

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/0"
HTTP_DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")

MakeSettings = Callable[..., Settings]


async def _require_redis() -> None:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as exc:
        raise RuntimeError(f"Redis is unreachable at {REDIS_URL} ({exc}); these tests need it") from exc
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def limited(storage: str, make_settings: MakeSettings) -> Callable[[str], Settings]:
    """Settings with the given rate; on Redis under a key prefix of this test's own."""
    prefix = f"lanekit-test-{uuid.uuid4().hex}"

    def _make(rate: str) -> Settings:
        if storage == "redis":
            return make_settings(rate_limit=rate, redis_url=REDIS_URL, rate_limit_key_prefix=prefix)
        return make_settings(rate_limit=rate)

    return _make


@pytest.fixture
async def kits(storage: str) -> AsyncIterator[list[Lanekit]]:
    """Apps built by the test; their counters are removed afterwards."""
    if storage == "redis":
        await _require_redis()
    made: list[Lanekit] = []
    try:
        yield made
    finally:
        for kit in made:
            await kit.app.state.ctx.rate_limiter.reset()
            await kit.close()


def window(response: httpx.Response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["x-ratelimit-limit"]),
        int(headers["x-ratelimit-remaining"]),
        int(headers["x-ratelimit-reset"]),
    )


async def test_authenticated_responses_carry_the_window(
    limited: Callable[[str], Settings], kits: list[Lanekit]
) -> None:
    kit = Lanekit(limited("5/minute"))
    kits.append(kit)
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)

    before = time.time()
    first = await admin.get("/io/user/me")
    assert first.status_code == 200
    limit, remaining, reset = window(first)
    assert (limit, remaining) == (5, 4)
    # The window is 60 s from the first request, as unix seconds.
    assert before + 59 <= reset <= time.time() + 61

    # Error responses of an authenticated caller count and carry the headers too.
    second = await admin.get(f"/io/user/{2**63 - 1}")
    assert second.status_code == 404
    assert window(second) == (5, 3, reset)

    # Without credentials nobody is charged, so there is no window to report.
    anonymous = await kit.client(tenant).get("/io/user/me")
    assert anonymous.status_code == 401
    assert "x-ratelimit-limit" not in anonymous.headers


async def test_the_reset_time_stays_put_for_the_whole_window(
    limited: Callable[[str], Settings], kits: list[Lanekit]
) -> None:
    # Redis reports a key's lifetime in whole seconds; read that way, the reset moved by a second between
    # requests depending on where in the second they fell.  Requests spread over a second must all agree.
    kit = Lanekit(limited("10/minute"))
    kits.append(kit)
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)
    resets = set()
    for _ in range(5):
        response = await admin.get("/io/user/me")
        assert response.status_code == 200
        resets.add(window(response)[2])
        await anyio.sleep(0.25)
    assert len(resets) == 1, resets


async def test_an_exhausted_window_is_429_with_retry_after(
    limited: Callable[[str], Settings], kits: list[Lanekit]
) -> None:
    kit = Lanekit(limited("3/minute"))
    kits.append(kit)
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)
    for expected_remaining in (2, 1, 0):
        response = await admin.get("/io/user/me")
        assert response.status_code == 200
        assert window(response)[1] == expected_remaining

    refused = await admin.get("/io/user/me")
    assert refused.status_code == 429
    assert refused.json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "rate limit exceeded; retry after the time in Retry-After",
    }
    retry_after = refused.headers["retry-after"]
    assert HTTP_DATE.fullmatch(retry_after), retry_after
    limit, remaining, reset = window(refused)
    assert (limit, remaining) == (3, 0)
    assert parsedate_to_datetime(retry_after).timestamp() == reset

    # A refused write does not happen.
    write = await admin.post("/io/auth/token", json={"description": "too late"})
    assert write.status_code == 429
    async with kit.db.read() as conn:
        from lanekit.storage.queries import tokens as token_queries

        stored = await token_queries.list_for_user(
            conn, account_id=tenant.account.id, user_id=tenant.admin.id
        )
    assert stored == []


async def test_one_budget_per_user_across_basic_and_bearer(
    limited: Callable[[str], Settings], kits: list[Lanekit]
) -> None:
    kit = Lanekit(limited("3/minute"))
    kits.append(kit)
    tenant = await kit.tenant()
    other = await kit.user(tenant)
    basic_client = kit.as_admin(tenant)

    created = await basic_client.post("/io/auth/token", json={"description": "x"})  # 1
    assert created.status_code == 201
    bearer_client = kit.client(tenant, headers=bearer(created.json()["token"]))
    assert window(await bearer_client.get("/io/user/me"))[1] == 1  # 2
    assert window(await basic_client.get("/io/user/me"))[1] == 0  # 3
    assert (await bearer_client.get("/io/user/me")).status_code == 429
    assert (await basic_client.get("/io/user/me")).status_code == 429

    # Someone else in the same account has a window of their own.
    fresh = await kit.as_user(tenant, other).get("/io/user/me")
    assert fresh.status_code == 200
    assert window(fresh)[:2] == (3, 2)


async def test_every_process_sharing_a_store_shares_the_budget(
    storage: str, limited: Callable[[str], Settings], kits: list[Lanekit]
) -> None:
    """Two app instances over one database stand for two server processes."""
    settings = limited("3/minute")
    first, second = Lanekit(settings), Lanekit(settings)
    kits.extend([first, second])
    tenant = await first.tenant()
    for _ in range(2):
        assert (await first.as_admin(tenant).get("/io/user/me")).status_code == 200
    third = await second.as_admin(tenant).get("/io/user/me")
    assert third.status_code == 200
    fourth = await second.as_admin(tenant).get("/io/user/me")
    if storage == "redis":
        assert window(third)[1] == 0
        assert fourth.status_code == 429
    else:
        # In-process counters: each process keeps its own (why Redis exists).
        assert window(third)[1] == 2
        assert fourth.status_code == 200


async def test_an_unreachable_redis_falls_back_to_counting_in_memory(make_settings: MakeSettings) -> None:
    # Counting continues in the process (docs/decisions/153); tests/faults covers Redis going and coming back.
    kit = Lanekit(make_settings(redis_url="redis://127.0.0.1:1/0", rate_limit="2/minute"))
    try:
        tenant = await kit.tenant()
        admin = kit.as_admin(tenant)
        statuses = [(await admin.get("/io/user/me")).status_code for _ in range(3)]
        ready = await kit.client().get("/readyz")
    finally:
        await kit.close()
    assert statuses == [200, 200, 429]
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["failed"] == ["redis"]
