"""Comment bodies (LeanKit API: card comments): the comment of the writes and the list with its optional cards
and boards.  A comment object is `shapes.cards.comment_item`, the one the full card embeds."""

from __future__ import annotations

from typing import Any

from lanekit.domain.cards.comments import CommentPage
from lanekit.shapes.cards import card_face, comment_item
from lanekit.shapes.common import ident, page_meta
from lanekit.storage.records import CommentRecord


def comment(record: CommentRecord, *, base_url: str) -> dict[str, Any]:
    return comment_item(record, base_url=base_url)


def comment_list(page: CommentPage, *, offset: int, limit: int, base_url: str) -> dict[str, Any]:
    """`cards` (faces) and `boards` only for `includeChildComments=true`.  Lanekit has no board levels, so a
    board's `level` is null (decision 101)."""
    body: dict[str, Any] = {
        "pageMeta": page_meta(total=page.total, offset=offset, limit=limit, returned=len(page.comments)),
        "comments": [
            {**comment_item(c, base_url=base_url), "cardId": ident(c.card_id)} for c in page.comments
        ],
    }
    if page.cards is not None:
        body["cards"] = [card_face(r, base_url=base_url) for r in page.cards]
        boards = {r.board.id: r.board for r in page.cards}
        body["boards"] = [{"id": ident(b.id), "title": b.title, "level": None} for b in boards.values()]
    return body
