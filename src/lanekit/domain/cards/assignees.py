"""`POST /io/card/assign`, and the assignee checks every card write shares: who can be assigned, and their
user WIP limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import accesses_for_cards
from lanekit.domain.cards import wip
from lanekit.domain.cards.placement import excluded_wip_lanes, lanes_by_id, lock_cards
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Invalid
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import card_writes, placement_reads
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import lanes as lane_queries
from lanekit.storage.records import BoardRecord, CardRecord, UserRef


async def assignable_users(
    conn: Connection,
    *,
    actor: Actor,
    board: BoardRecord,
    lanes: dict[int, Any],
    user_ids: Sequence[int],
    field_name: str,
) -> dict[int, tuple[UserRef, int | None, int]]:
    """The users by id with their board WIP limit and held cards; an unknown id is Invalid."""
    found = {
        u.id: (u, limit, held)
        for u, limit, held in await placement_reads.fetch_assignable_users(
            conn,
            account_id=actor.account_id,
            board_id=board.id,
            user_ids=user_ids,
            excluded_lane_ids=excluded_wip_lanes(board, lanes),
        )
    }
    for user_id in user_ids:
        if user_id not in found:
            raise Invalid(field_name, f"user {user_id} not found")
    return found


def user_wip(
    users: dict[int, tuple[UserRef, int | None, int]], adding: dict[int, int], comment: Any, field_name: str
) -> tuple[list[wip.UserBreach], str | None]:
    """The users' WIP breaches when each gets `adding[user id]` more cards, and the override comment to
    record; without a comment a breach is refused (`wip.enforce`)."""
    loads = [
        wip.UserLoad(u.id, u.full_name, limit, held, adding=adding.get(u.id, 0))
        for u, limit, held in users.values()
    ]
    breaches = wip.user_breaches(loads)
    recorded = wip.enforce(field=field_name, users=breaches, comment=wip_comment(comment))
    return breaches, recorded


def wip_comment(value: Any) -> str | None:
    """A `wipOverrideComment` as given: None or a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("wipOverrideComment", "must be a string")
    return value


async def assign(
    conn: Connection,
    *,
    actor: Actor,
    card_ids: list[int],
    assign_ids: list[int],
    unassign_ids: list[int],
    team_ids: list[int],
    wip_override_comment: Any,
) -> dict[int, int]:
    """Assign and unassign users on every card; returns each touched board's new version."""
    if not card_ids:
        raise Invalid("cardIds", "must name at least one card")
    if team_ids:
        raise Invalid("teamIdsToAssign", f"team {team_ids[0]} not found")
    cards = await lock_cards(conn, actor=actor, card_ids=card_ids)
    accesses = await accesses_for_cards(conn, actor=actor, cards=cards, action="card.assign")
    versions = await bump_boards(conn, board_ids=accesses)
    # Unassigning needs no lookup: whoever holds the card can be taken off it, even a deleted user.
    holders = await card_queries.list_assignees(conn, card_ids=card_ids)
    current = {card_id: [u.id for u in refs] for card_id, refs in holders.items()}
    held_refs = {u.id: u for refs in holders.values() for u in refs}
    users: dict[int, tuple[UserRef, int | None, int]] = {}
    breaches_by_board: dict[int, tuple[list[wip.UserBreach], str | None]] = {}
    for board_id, access in accesses.items():
        # Task cards count toward their task lanes' WIP only, not their assignees'.
        on_board = [c for c in cards if c.board_id == board_id and c.containing_card_id is None]
        lanes: dict[int, Any] = {}
        if access.board.exclude_completed_and_archive_violations:
            lanes = lanes_by_id(
                await lane_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
            )
        found = await assignable_users(
            conn,
            actor=actor,
            board=access.board,
            lanes=lanes,
            user_ids=assign_ids,
            field_name="userIdsToAssign",
        )
        users.update(found)
        adding = {u: sum(1 for c in on_board if u not in current.get(c.id, [])) for u in assign_ids}
        breaches_by_board[board_id] = user_wip(
            {u: found[u] for u in assign_ids}, adding, wip_override_comment, "userIdsToAssign"
        )

    now = clock.now()
    added: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    new_events: list[events.NewEvent] = []
    changed: list[CardRecord] = []
    for card in cards:
        held = current.get(card.id, [])
        plus = [u for u in assign_ids if u not in held and u not in unassign_ids]
        minus = [u for u in unassign_ids if u in held]
        added += [(card.id, u) for u in plus]
        removed += [(card.id, u) for u in minus]
        new_events += [events.user_assigned(card, users[u][0]) for u in plus]
        new_events += [events.user_unassigned(card, held_refs[u]) for u in minus]
        breaches, recorded = breaches_by_board[card.board_id]
        if recorded is not None:
            new_events += [
                events.user_wip_exceeded(card, users[b.user_id][0], recorded)
                for b in breaches
                if b.user_id in plus
            ]
        if plus or minus:
            changed.append(card)
    await card_writes.delete_assignments(conn, pairs=removed)
    await card_writes.insert_assignments(conn, account_id=actor.account_id, pairs=added, now=now)
    await card_writes.update_many(
        conn, rows=[{"card_id": c.id, "updated_on": now, "updated_by": actor.user_id} for c in changed]
    )
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)
    return versions
