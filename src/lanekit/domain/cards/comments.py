"""Card comments (LeanKit API: card comments): list (optionally with the child cards' comments), add, edit,
delete.

Anyone who can read a card can read its comments; commenting takes `card.comment` (boardUser and up, as
LeanKit's readers cannot comment).  A comment is changed or deleted by its author (still holding
`card.comment`) or by a board administrator (`card.comment.moderate`; account administrators are board
administrators everywhere).  Comment text is HTML, sanitised on the way in (domain/html.py).  Adding a
comment records `commentAdded` and so grows the board's version; edits and deletes have no LeanKit event and
leave the board alone (decision 101).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from lanekit.domain import clock, events, html
from lanekit.domain.access import BoardAccess, access_for_card, accesses_for_cards, readable_card, require
from lanekit.domain.cards.lists import readable_board_ids
from lanekit.domain.cards.placement import lock_cards
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Forbidden, Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import card_filters
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import comments as comment_queries
from lanekit.storage.records import CardReadRecord, CommentRecord

SORTS = ("oldest", "newest")


@dataclass(frozen=True, slots=True)
class CommentPage:
    total: int
    comments: list[CommentRecord]
    # With `includeChildComments`: the cards the page's comments are on, in the order they first appear.
    cards: list[CardReadRecord] | None = None


def check_sort(value: str) -> bool:
    """True for newest first."""
    if value not in SORTS:
        raise Invalid("sortBy", f"must be one of {', '.join(SORTS)}")
    return value == "newest"


async def list_comments(
    conn: Connection,
    *,
    actor: Actor,
    card_id: int,
    sort_by: str,
    offset: int,
    limit: int,
    include_children: bool,
) -> CommentPage:
    """The card's comments; with `include_children`, interleaved with those of the child cards the caller
    can read."""
    newest_first = check_sort(sort_by)
    card, _ = await readable_card(conn, actor=actor, card_id=card_id)
    board_of = {card.id: card.board_id}
    if include_children:
        children = await comment_queries.list_live_children(
            conn, account_id=actor.account_id, parent_card_id=card.id
        )
        if children:
            readable = await readable_board_ids(
                conn, actor=actor, board_ids=sorted({board for _, board in children})
            )
            board_of.update((child, board) for child, board in children if board in readable)
    card_ids = list(board_of)
    total = await comment_queries.count_for_cards(conn, account_id=actor.account_id, card_ids=card_ids)
    page = await comment_queries.list_for_cards(
        conn,
        account_id=actor.account_id,
        card_ids=card_ids,
        newest_first=newest_first,
        offset=offset,
        limit=limit,
    )
    if not include_children:
        return CommentPage(total, page)
    shown = list(dict.fromkeys(c.card_id for c in page))
    return CommentPage(total, page, await _read_cards(conn, actor=actor, card_ids=shown, board_of=board_of))


async def _read_cards(
    conn: Connection, *, actor: Actor, card_ids: list[int], board_of: dict[int, int]
) -> list[CardReadRecord]:
    if not card_ids:
        return []
    where = card_filters.filter_where(
        card_filters.CardFilter(
            account_id=actor.account_id,
            board_ids=sorted({board_of[c] for c in card_ids}),
            card_ids=card_ids,
        )
    )
    found = {
        r.card.id: r
        for r in await card_queries.list_read(
            conn, where=where, sort="title", offset=0, limit=len(card_ids), with_fields=True
        )
    }
    return [found[c] for c in card_ids if c in found]


async def add_comment(conn: Connection, *, actor: Actor, card_id: int, text: Any) -> CommentRecord:
    [card] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    accesses = await accesses_for_cards(conn, actor=actor, cards=[card], action="card.comment")
    clean = html.check_required_html(text, "text")
    versions = await bump_boards(conn, board_ids=accesses)
    now = clock.now()
    comment = await comment_queries.insert_comment(
        conn, account_id=actor.account_id, card_id=card.id, text=clean, user_id=actor.user_id, now=now
    )
    await save_events(
        conn, actor=actor, now=now, versions=versions, events=[events.comment_added(card, clean)]
    )
    return comment


async def _changeable(conn: Connection, *, actor: Actor, card_id: int, comment_id: int) -> CommentRecord:
    """The comment, once the caller is known to be allowed to change it (the card row locked first)."""
    [card] = await lock_cards(conn, actor=actor, card_ids=[card_id])
    access = await access_for_card(conn, actor=actor, card_id=card.id, board_id=card.board_id)
    require(access, "card.read")
    comment = await comment_queries.fetch(
        conn, account_id=actor.account_id, card_id=card.id, comment_id=comment_id
    )
    if comment is None:
        raise NotFound("comment", comment_id)
    _require_author_or_moderator(access, comment)
    return comment


def _require_author_or_moderator(access: BoardAccess, comment: CommentRecord) -> None:
    own = comment.created_by is not None and comment.created_by.id == access.actor.user_id
    action = "card.comment" if own else "card.comment.moderate"
    if not own and not access.board.is_archived and not access.allows(action):
        raise Forbidden("only the comment's author or a board administrator may change or delete it")
    require(access, action)


async def edit_comment(
    conn: Connection, *, actor: Actor, card_id: int, comment_id: int, text: Any
) -> CommentRecord:
    comment = await _changeable(conn, actor=actor, card_id=card_id, comment_id=comment_id)
    clean = html.check_required_html(text, "text")
    now = clock.now()
    await comment_queries.update_text(conn, comment_id=comment.id, text=clean, now=now)
    return replace(comment, text=clean, updated_on=now)


async def delete_comment(conn: Connection, *, actor: Actor, card_id: int, comment_id: int) -> None:
    comment = await _changeable(conn, actor=actor, card_id=card_id, comment_id=comment_id)
    await comment_queries.delete_comment(conn, comment_id=comment.id)
