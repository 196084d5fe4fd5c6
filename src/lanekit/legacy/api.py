"""The `/kanban/api` router with every v1 call registered (importing a call module registers its calls)."""

from __future__ import annotations

from lanekit.legacy import attachments, boards, card_writes, cards, comments, search, tasks
from lanekit.legacy.routing import PREFIX, router

CALL_MODULES = (attachments, boards, card_writes, cards, comments, search, tasks)
UPLOAD_PATH = attachments.UPLOAD_PATH

__all__ = ["CALL_MODULES", "PREFIX", "UPLOAD_PATH", "router"]
