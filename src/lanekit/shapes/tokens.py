from __future__ import annotations

from typing import Any

from lanekit.shapes.common import ident, instant
from lanekit.storage.records import TokenRecord


def token_item(record: TokenRecord) -> dict[str, Any]:
    return {
        "id": ident(record.id),
        "description": record.description,
        "createdOn": instant(record.created_on),
    }


def token_created(record: TokenRecord, token: str) -> dict[str, Any]:
    return {
        "id": ident(record.id),
        "token": token,
        "description": record.description,
        "createdOn": instant(record.created_on),
    }
