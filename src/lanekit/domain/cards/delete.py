"""`DELETE /io/card/:cardId` and `DELETE /io/card`: soft-delete cards and what hangs off them."""

from __future__ import annotations

from lanekit.domain import clock, events
from lanekit.domain.access import MANAGER, accesses_for_cards, rank
from lanekit.domain.cards import attachments, connections, dependencies, mirrors
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Forbidden, Invalid
from lanekit.domain.types import Actor
from lanekit.storage.blobs import BlobStore
from lanekit.storage.executor import Connection
from lanekit.storage.queries import card_writes
from lanekit.storage.queries import comments as comment_queries
from lanekit.storage.queries import tasks as task_queries


async def delete_cards(conn: Connection, *, actor: Actor, card_ids: list[int], blobs: BlobStore) -> None:
    """Soft-delete: the rows stay for `/changes` and `deleted=true` lists; every read skips them.

    The cards' attachments go for good, their blobs from `blobs` once the transaction has committed.
    """
    if not card_ids:
        raise Invalid("cardIds", "must name at least one card")
    # The cards' mirrors are locked with them: deleting a source ends their mirroring (decision 145).
    cards, mirrored = await mirrors.lock_with_mirrors(conn, actor=actor, card_ids=card_ids)
    accesses = await accesses_for_cards(conn, actor=actor, cards=cards, action="card.delete")
    for access in accesses.values():
        if not access.board.allow_users_to_delete_cards and rank(access.effective_role) < rank(MANAGER):
            raise Forbidden(
                f"board {access.board.id} does not allow users to delete cards (allowUsersToDeleteCards)"
            )
    versions = await bump_boards(conn, board_ids=[*accesses, *mirrors.board_ids(mirrored)])
    now = clock.now()
    await card_writes.mark_deleted(conn, card_ids=card_ids, now=now, user_id=actor.user_id)
    # A card's tasks go with it (no events of their own); its taskboard lanes stay, as the task rows do.
    await task_queries.mark_deleted_for_owners(conn, owner_ids=card_ids, now=now, user_id=actor.user_id)
    await dependencies.remove_for_deleted(conn, card_ids=card_ids)
    await connections.forget_cards(conn, card_ids=card_ids)
    await mirrors.end_for_deleted(
        conn, actor=actor, deleted=cards, mirrors=mirrored, versions=versions, now=now
    )
    # Comments go with the card for good (the card row stays, soft-deleted, for /changes).
    await comment_queries.delete_for_cards(conn, card_ids=card_ids)
    await attachments.detach_all(conn, blobs=blobs, card_ids=[c.id for c in cards])
    await save_events(
        conn, actor=actor, now=now, versions=versions, events=[events.card_deleted(c) for c in cards]
    )
