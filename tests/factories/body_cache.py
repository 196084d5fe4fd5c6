"""Helpers of the body-cache tests (docs/decisions/163-body-cache.md, 166-card-list-cache.md): a GET answered
twice, the second time from the cache, and a GET that must be answered afresh."""

from __future__ import annotations

from typing import Any

import httpx

from lanekit.domain.body_cache import BodyCache
from tests.harness import Lanekit


def cache_of(lanekit: Lanekit) -> BodyCache:
    cache: BodyCache = lanekit.app.state.body_cache
    return cache


async def cached(lanekit: Lanekit, client: httpx.AsyncClient, path: str) -> Any:
    """GET twice; the second answer comes from the cache, byte for byte the first."""
    first = await client.get(path)
    assert first.status_code == 200, first.text
    hits = cache_of(lanekit).hits
    second = await client.get(path)
    assert cache_of(lanekit).hits == hits + 1, path
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert second.headers["content-length"] == first.headers["content-length"]
    return second.json()


async def fresh(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()
