"""Attachment bodies (LeanKit API: attachments): the upload response and the list, both in the upload shape.

The shape itself is `shapes.cards.attachment_item`, the one copy the full card embeds too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lanekit.shapes.cards import attachment_item
from lanekit.storage.records import AttachmentRecord


def attachment(record: AttachmentRecord, *, base_url: str) -> dict[str, Any]:
    return attachment_item(record, base_url=base_url)


def attachments_body(records: Iterable[AttachmentRecord], *, base_url: str) -> dict[str, Any]:
    return {"attachments": [attachment_item(r, base_url=base_url) for r in records]}
