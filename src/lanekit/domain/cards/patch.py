"""`PATCH /io/card/:cardId` and `PATCH /io/card/bulk` (cards.md §3.5-3.6): JSON Patch on a card.

The operations apply, in order, to a plain dict view of the card (`jsonpatch` does the pointer work on the
collections); each value is checked as its operation is applied, so an error names the operation
(`#/2/value`).  Only when every operation has applied are the differences written, in one UPDATE that is a
compare-and-set on the version; any error before that leaves the card untouched.

LeanKit extensions to RFC 6902 that clients rely on: `add` and `replace` are the same for single-valued
paths; `remove` with a `value` on a collection removes that value wherever it is; `/customFields/<n>` picks
the field by the `fieldId` inside the value (the index is only a slot); `test` on `/version` is the
optimistic-concurrency check (§4.3).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lanekit.domain import clock, events
from lanekit.domain.access import access_for_card, require
from lanekit.domain.cards import connections, mirrors, moves, values, wip
from lanekit.domain.cards.assignees import assignable_users, user_wip
from lanekit.domain.cards.patch_ops import PatchState, apply_ops, card_view, parse_op
from lanekit.domain.cards.placement import check_lane_wip, lane_entry, ranks_at, target_lane
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Conflict, Invalid, VersionMismatch
from lanekit.domain.types import Actor
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.queries import card_writes
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.records import CardRecord, LaneRecord, UserRef


def _stale(*, expected: str, actual: str) -> VersionMismatch:
    """The 428 with LeanKit's documented message first (§3.5)."""
    error = VersionMismatch(expected=expected, actual=actual)
    error.message = (
        f"Optimistic concurrency check failed: expected version {expected}, the card is at {actual}"
    )
    error.args = (error.message,)
    return error


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v.get("url") if isinstance(v, dict) else v) for v in value) or None
    return str(value)


# Columns whose change is reported as `cardChanged` (wire name → column).
_CHANGED = {
    "title": "title",
    "description": "description",
    "customId": "custom_id",
    "priority": "priority",
    "size": "size",
    "plannedStart": "planned_start",
    "plannedFinish": "planned_finish",
    "typeId": "type_id",
    "customIconId": "custom_icon_id",
    "externalLink": "external_links",
    "tags": "tags",
}


async def apply_patch(
    conn: AsyncConnection, *, actor: Actor, card_id: int, ops: list[Any], expected_version: str | None
) -> CardRecord:
    parsed = [parse_op(raw, i) for i, raw in enumerate(ops)]
    # The card, and with it its mirrors and sources when the patch concerns mirroring (decision 145).
    card, mirror_locks = await mirrors.lock_for_patch(conn, actor=actor, card_id=card_id, parsed=parsed)
    access = await access_for_card(conn, actor=actor, card_id=card_id, board_id=card.board_id)
    require(access, "card.update")
    expected = [str(raw["value"]) for op, parts, raw in parsed if op == "test" and parts[0] == "version"]
    if expected_version is not None:
        expected.insert(0, expected_version.strip())
    for wanted in expected:
        if wanted != str(card.version):
            raise _stale(expected=wanted, actual=str(card.version))
    versions = await bump_boards(conn, board_ids=[card.board_id, *mirror_locks.board_ids])
    board = access.board

    touched = {parts[0] for _, parts, _ in parsed}
    current_refs: dict[int, UserRef] = {}
    if "assignedUserIds" in touched:
        held = (await card_queries.list_assignees(conn, card_ids=[card.id])).get(card.id, [])
        current_refs = {u.id: u for u in held}
    current_assignees = list(current_refs)
    current_fields: list[tuple[int, Any]] = []
    if "customFields" in touched and any(
        op == "remove" for op, parts, _ in parsed if parts[0] == "customFields"
    ):
        current_fields = [
            (v.field_id, v.value)
            for v in (await card_queries.list_field_values(conn, card_ids=[card.id])).get(card.id, [])
        ]
    original = card_view(card, current_assignees, current_fields)
    state = PatchState(doc=copy.deepcopy(original), origin={}, fields={})
    apply_ops(state, parsed)
    doc = state.doc

    def at(key: str) -> str:
        return f"#/{state.origin.get(key, 0)}/value"

    now = clock.now()
    columns: dict[str, Any] = {}
    # The board's lanes matter only to a move, or to user WIP that leaves completed lanes out.
    needs_lanes = (
        "laneId" in state.origin
        or "index" in state.origin
        or ("assignedUserIds" in state.origin and board.exclude_completed_and_archive_violations)
    )
    lanes: dict[int, LaneRecord] = {}
    if needs_lanes:
        # A task moves only between its owner's task lanes.
        lanes = await moves.lanes_for(conn, account_id=actor.account_id, card=card)
    from_lane = lanes.get(card.lane_id)
    lane = from_lane
    if doc["laneId"] != card.lane_id:
        lane = target_lane(lanes, doc["laneId"], field=at("laneId"))
    if "typeId" in state.origin and doc["typeId"] != card.type_id:
        types = {
            t.id: t
            for t in await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        }
        values.check_type(types, board, doc["typeId"], at("typeId"))
    if doc["customIconId"] is not None and doc["customIconId"] != card.custom_icon_id:
        icons = await icon_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        if doc["customIconId"] not in {x.id for x in icons}:
            raise Invalid(
                at("customIconId"), f"custom icon {doc['customIconId']} is not an icon of this board"
            )
    field_values: dict[int, Any] = {}
    if state.fields:
        defs = {
            f.id: f
            for f in await field_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        }
        for field_id, (value, i) in state.fields.items():
            if field_id not in defs:
                raise Invalid(f"#/{i}/value/fieldId", f"custom field {field_id} is not a field of this board")
            field_values[field_id] = values.check_field_value(defs[field_id], value, f"#/{i}/value/value")

    comment = doc["wipOverrideComment"]
    new_events: list[events.NewEvent] = []
    # Assignments.
    wanted_users = [int(u) for u in doc["assignedUserIds"]]
    plus = [u for u in wanted_users if u not in current_assignees]
    minus = [u for u in current_assignees if u not in wanted_users]
    users = await assignable_users(
        conn, actor=actor, board=board, lanes=lanes, user_ids=plus, field_name=at("assignedUserIds")
    )
    # Task cards count toward their task lanes' WIP only, not their assignees'.
    user_breaches, user_comment = user_wip(
        {u: users[u] for u in plus},
        {u: 1 if card.containing_card_id is None else 0 for u in plus},
        comment,
        at("assignedUserIds"),
    )
    # Position.
    lane_breaches: list[wip.LaneBreach] = []
    lane_comment = None
    if lane is not None and lane.id != card.lane_id:
        lane_breaches, lane_comment = await check_lane_wip(
            conn,
            board=board,
            lanes=lanes,
            target_lane_id=lane.id,
            incoming=[wip.Incoming(card.lane_id, doc["size"])],
            comment=comment,
            field=at("laneId"),
        )
    if lane is not None and (lane.id != card.lane_id or "index" in state.origin):
        [columns["rank"]] = await ranks_at(conn, lane_id=lane.id, index=doc["index"], exclude=[card.id])
        columns.update(lane_entry(card, lane, now=now, user_id=actor.user_id))

    mirror_change = await mirrors.check_patch(
        conn, actor=actor, card=card, doc=doc, origin=state.origin, locked=mirror_locks
    )
    doc.update(mirror_change.view)
    columns.update(mirror_change.columns)
    changes: list[events.FieldChange] = []
    for name, column in _CHANGED.items():
        new_value = doc[name]
        if name == "externalLink":
            new_value = new_value or []
        old_value = getattr(card, column)
        if new_value != old_value:
            columns[column] = new_value
            changes.append(events.FieldChange(name, _shown(old_value), _shown(new_value)))
    # Blocking (§4.2): isBlocked decides; a reason alone blocks an unblocked card.
    blocked, reason = card.is_blocked, card.blocked_reason
    if "isBlocked" in state.origin:
        blocked = doc["isBlocked"]
    elif "blockReason" in state.origin and doc["blockReason"] and doc["blockReason"].strip():
        blocked = True
    if "blockReason" in state.origin:
        reason = doc["blockReason"] if doc["blockReason"] and doc["blockReason"].strip() else None
    if blocked != card.is_blocked:
        columns.update(is_blocked=blocked, blocked_on=now)
        columns["blocked_reason"] = reason if blocked else None
    elif blocked and reason != card.blocked_reason:
        columns["blocked_reason"] = reason

    columns.update(updated_on=now, updated_by=actor.user_id)
    updated = await card_writes.update_card(
        conn, account_id=actor.account_id, card_id=card.id, expected_version=card.version, **columns
    )
    if updated is None:
        raise Conflict(f"card {card.id} changed during the update; retry it")
    if "tags" in columns:
        await card_writes.replace_tags(conn, board_id=board.id, card_id=card.id, tags=updated.tags)
    await card_writes.delete_assignments(conn, pairs=[(card.id, u) for u in minus])
    await card_writes.insert_assignments(
        conn, account_id=actor.account_id, pairs=[(card.id, u) for u in plus], now=now
    )
    await card_writes.replace_field_values(conn, card_id=card.id, values=field_values)

    if changes:
        new_events.append(events.card_changed(updated, changes))
    if blocked != card.is_blocked:
        maker = events.card_blocked if blocked else events.card_unblocked
        new_events.append(maker(updated, reason))
    if "rank" in columns and from_lane is not None and lane is not None:
        new_events.append(await moves.moved_event(conn, card=updated, from_lane=from_lane, to_lane=lane))
    new_events += [events.user_assigned(updated, users[u][0]) for u in plus]
    new_events += [events.user_unassigned(updated, current_refs[u]) for u in minus]
    if lane_comment is not None:
        new_events += [
            events.lane_wip_exceeded(updated, b.lane_id, b.lane_title, lane_comment) for b in lane_breaches
        ]
    if user_comment is not None:
        new_events += [
            events.user_wip_exceeded(updated, users[b.user_id][0], user_comment) for b in user_breaches
        ]
    if field_values and not changes:
        names = [events.FieldChange("customFields", None, None)]
        new_events.append(events.card_changed(updated, names))
    new_events += await mirrors.after_patch(
        conn, actor=actor, before=card, after=updated, change=mirror_change, locked=mirror_locks, now=now
    )
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)
    if state.parents:
        await connections.patch_parents(conn, actor=actor, card=updated, ops=state.parents, versions=versions)
    return updated


async def bulk_update(conn: AsyncConnection, *, actor: Actor, card_ids: list[int], ops: list[Any]) -> None:
    """The same operations on every card, all or none (§3.6); `/mirrorSourceCardId` is refused."""
    if not card_ids:
        raise Invalid("cardIds", "must name at least one card")
    if not ops:
        raise Invalid("updates", "must hold at least one operation")
    for i, raw in enumerate(ops):
        if isinstance(raw, dict) and str(raw.get("path", "")).startswith("/mirrorSourceCardId"):
            raise Invalid(f"updates/{i}/path", "/mirrorSourceCardId cannot be changed in bulk")
    for card_id in sorted(set(card_ids)):
        try:
            await apply_patch(conn, actor=actor, card_id=card_id, ops=ops, expected_version=None)
        except Invalid as exc:
            raise Invalid(
                f"card {card_id}: {exc.field}" if exc.field else f"card {card_id}", exc.why
            ) from None
