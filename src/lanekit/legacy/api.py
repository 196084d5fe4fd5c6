"""The `/kanban/api` router with every v1 call registered (importing a call module registers its calls)."""

from __future__ import annotations

from lanekit.legacy import boards, cards, comments, search
from lanekit.legacy.routing import PREFIX, router

CALL_MODULES = (boards, cards, comments, search)

__all__ = ["CALL_MODULES", "PREFIX", "router"]
