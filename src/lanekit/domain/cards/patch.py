"""Changing a card: `update_card` takes a typed `CardChanges` and holds every rule of a card update; the
LeanKit API's JSON Patch (`PATCH /io/card/:cardId`, `PATCH /io/card/bulk`) is translated into one.

The patch operations apply, in order, to a plain dict view of the card (patch_ops.py); each value is checked
as its operation is applied, so an error names the operation (`#/2/value`).  What the operations set becomes
a `CardChanges` whose errors name the same operations.  The changes are written in one UPDATE that is a
compare-and-set on the version; any error before that leaves the card untouched.

LeanKit extensions to RFC 6902 that clients rely on: `add` and `replace` are the same for single-valued
paths; `remove` with a `value` on a collection removes that value wherever it is; `/customFields/<n>` picks
the field by the `fieldId` inside the value (the index is only a slot); `test` on `/version` is the
optimistic-concurrency check (LeanKit API: `PATCH /io/card/:cardId`).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import BoardAccess, access_for_card, require
from lanekit.domain.cards import connections, mirrors, moves, values, wip
from lanekit.domain.cards.assignees import assignable_users, user_wip
from lanekit.domain.cards.patch_ops import PatchState, apply_ops, card_view, check_op_count, parse_op
from lanekit.domain.cards.placement import check_lane_wip, lane_entry, ranks_at, target_lane
from lanekit.domain.changes import bump_boards, save_events
from lanekit.domain.errors import Conflict, Invalid, VersionMismatch
from lanekit.domain.types import UNSET, Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import card_types as type_queries
from lanekit.storage.queries import card_writes
from lanekit.storage.queries import cards as card_queries
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.queries import custom_icons as icon_queries
from lanekit.storage.records import CardRecord, LaneRecord, UserRef


def _stale(*, expected: str, actual: str) -> VersionMismatch:
    """The 428 with LeanKit's documented message first (LeanKit API: `PATCH /io/card/:cardId`)."""
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


@dataclass(frozen=True, slots=True)
class CardChanges:
    """What to change on one card: only the fields given; UNSET for a field left as it is, None to clear one.

    Values come normalised as the checks in values.py (and html.check_html) return them; `update_card`
    checks what depends on the board: the lane, type, icon, custom fields, assignees, WIP limits, mirroring
    and parents.  The attribute names are the card's column names.
    """

    title: Any = UNSET
    description: Any = UNSET
    custom_id: Any = UNSET
    priority: Any = UNSET
    size: Any = UNSET
    planned_start: Any = UNSET
    planned_finish: Any = UNSET
    type_id: Any = UNSET
    custom_icon_id: Any = UNSET
    external_links: Any = UNSET
    tags: Any = UNSET
    # `is_blocked` decides; a non-blank `block_reason` alone blocks an unblocked card.
    is_blocked: Any = UNSET
    block_reason: Any = UNSET
    # A move: to another lane (of the board, or for a task of its taskboard) and/or to a position in the
    # lane (None: the end).
    lane_id: Any = UNSET
    index: Any = UNSET
    # The whole wanted set of assignees (user ids).
    assigned_user_ids: Any = UNSET
    # Custom field id → raw value (None clears it); checked against the field's definition.
    custom_fields: Mapping[int, Any] = field(default_factory=dict)
    # Start (a card id), switch or end (None) mirroring.
    mirror_source_card_id: Any = UNSET
    # Parent connections, in order: (add|replace|remove, parent id or None for every parent, error field).
    parents: tuple[tuple[str, int | None, str], ...] = ()
    wip_override_comment: str | None = None
    # Change name (a wire name such as `laneId`, or `customFields/<id>`) → the field errors name; by
    # default the wire name.  The JSON Patch path names the operation (`#/2/value`).
    where: Mapping[str, str] = field(default_factory=dict)

    def at(self, name: str) -> str:
        return self.where.get(name, name)


# Wire name (patch path) → CardChanges attribute.
_ATTRIBUTES = {
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
    "isBlocked": "is_blocked",
    "blockReason": "block_reason",
    "laneId": "lane_id",
    "index": "index",
    "assignedUserIds": "assigned_user_ids",
    "mirrorSourceCardId": "mirror_source_card_id",
    "wipOverrideComment": "wip_override_comment",
}


def changes_from_patch(state: PatchState) -> CardChanges:
    """The changes a JSON Patch made to the card's view: each path an operation set, and the custom field
    values and parent operations it collected; errors name the last operation on each."""
    given: dict[str, Any] = {}
    where: dict[str, str] = {}
    for name, i in state.origin.items():
        attribute = _ATTRIBUTES.get(name)
        if attribute is None:
            continue
        value = state.doc[name]
        given[attribute] = [int(u) for u in value] if name == "assignedUserIds" else value
        where[name] = f"#/{i}/value"
    custom_fields: dict[int, Any] = {}
    for field_id, (value, i) in state.fields.items():
        custom_fields[field_id] = value
        where[f"customFields/{field_id}"] = f"#/{i}/value"
    return CardChanges(**given, custom_fields=custom_fields, parents=tuple(state.parents), where=where)


def _given_paths(changes: CardChanges) -> set[str]:
    return {name for name, attribute in _ATTRIBUTES.items() if getattr(changes, attribute) is not UNSET}


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


async def _open(
    conn: Connection,
    *,
    actor: Actor,
    card_id: int,
    paths: set[str],
    wanted_source: int | None,
    expected: Sequence[str],
) -> tuple[CardRecord, BoardAccess, mirrors.Locked, dict[int, int]]:
    """Lock the card (and with it its mirrors and sources when the change concerns mirroring; decision 145),
    check the caller may update it and that it is at every `expected` version, and bump the boards."""
    card, locked = await mirrors.lock_for_update(
        conn, actor=actor, card_id=card_id, paths=paths, wanted=wanted_source
    )
    access = await access_for_card(conn, actor=actor, card_id=card_id, board_id=card.board_id)
    require(access, "card.update")
    for wanted in expected:
        if wanted != str(card.version):
            raise _stale(expected=wanted, actual=str(card.version))
    versions = await bump_boards(conn, board_ids=[card.board_id, *locked.board_ids])
    return card, access, locked, versions


async def update_card(
    conn: Connection,
    *,
    actor: Actor,
    card_id: int,
    changes: CardChanges,
    expected_version: int | None = None,
) -> CardRecord:
    """Change the card as `changes` say (optionally only if it is at `expected_version`: a 428 otherwise);
    returns the updated card.  Every rule of a card update is applied here; see `CardChanges`."""
    wanted = changes.mirror_source_card_id
    card, access, locked, versions = await _open(
        conn,
        actor=actor,
        card_id=card_id,
        paths=_given_paths(changes),
        wanted_source=None if wanted is UNSET else wanted,
        expected=[] if expected_version is None else [str(expected_version)],
    )
    return await _write(
        conn, actor=actor, card=card, access=access, locked=locked, versions=versions, changes=changes
    )


async def apply_patch(
    conn: Connection, *, actor: Actor, card_id: int, ops: list[Any], expected_version: str | None
) -> CardRecord:
    """`PATCH /io/card/:cardId`: apply the operations to the card's view, then `update_card` what they set.
    `test /version` operations and the `X-LK-Resource-Version` header are the optimistic-concurrency check."""
    check_op_count(ops, "body")
    parsed = []
    for i, raw in enumerate(ops):
        parsed.append(parse_op(raw, i))
        if i % 250 == 249:
            # A patch of the most operations is milliseconds of parsing; let other requests run meanwhile.
            await asyncio.sleep(0)
    expected = [str(raw["value"]) for op, parts, raw in parsed if op == "test" and parts[0] == "version"]
    if expected_version is not None:
        expected.insert(0, expected_version.strip())
    paths = {parts[0] for _, parts, _ in parsed}
    card, access, locked, versions = await _open(
        conn,
        actor=actor,
        card_id=card_id,
        paths=paths,
        wanted_source=mirrors.wanted_source(parsed) if mirrors.FIELD in paths else None,
        expected=expected,
    )
    current_refs: dict[int, UserRef] | None = None
    if "assignedUserIds" in paths:
        held = (await card_queries.list_assignees(conn, card_ids=[card.id])).get(card.id, [])
        current_refs = {u.id: u for u in held}
    current_fields: list[tuple[int, Any]] = []
    if "customFields" in paths and any(
        op == "remove" for op, parts, _ in parsed if parts[0] == "customFields"
    ):
        current_fields = [
            (v.field_id, v.value)
            for v in (await card_queries.list_field_values(conn, card_ids=[card.id])).get(card.id, [])
        ]
    original = card_view(card, list(current_refs or {}), current_fields)
    state = PatchState(doc=copy.deepcopy(original), origin={}, fields={})
    apply_ops(state, parsed)
    return await _write(
        conn,
        actor=actor,
        card=card,
        access=access,
        locked=locked,
        versions=versions,
        changes=changes_from_patch(state),
        current_refs=current_refs,
    )


async def _write(
    conn: Connection,
    *,
    actor: Actor,
    card: CardRecord,
    access: BoardAccess,
    locked: mirrors.Locked,
    versions: dict[int, int],
    changes: CardChanges,
    current_refs: dict[int, UserRef] | None = None,
) -> CardRecord:
    """The rules of a card update, on the locked `card`: check the changes against the board, write them in
    one compare-and-set UPDATE with the tag, assignee and field rows, and record the events.

    `current_refs` are the card's assignees when the caller has read them already."""
    board = access.board
    at = changes.at
    now = clock.now()
    columns: dict[str, Any] = {}
    moving = changes.lane_id is not UNSET or changes.index is not UNSET
    assigning = changes.assigned_user_ids is not UNSET
    # The board's lanes matter only to a move, or to user WIP that leaves completed lanes out.
    lanes: dict[int, LaneRecord] = {}
    if moving or (assigning and board.exclude_completed_and_archive_violations):
        # A task moves only between its owner's task lanes.
        lanes = await moves.lanes_for(conn, account_id=actor.account_id, card=card)
    from_lane = lanes.get(card.lane_id)
    lane = from_lane
    if changes.lane_id is not UNSET and changes.lane_id != card.lane_id:
        lane = target_lane(lanes, changes.lane_id, field=at("laneId"))
    if changes.type_id is not UNSET and changes.type_id != card.type_id:
        types = {
            t.id: t
            for t in await type_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        }
        values.check_type(types, board, changes.type_id, at("typeId"))
    icon_id = changes.custom_icon_id
    if icon_id is not UNSET and icon_id is not None and icon_id != card.custom_icon_id:
        icons = await icon_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        if icon_id not in {x.id for x in icons}:
            raise Invalid(at("customIconId"), f"custom icon {icon_id} is not an icon of this board")
    field_values: dict[int, Any] = {}
    if changes.custom_fields:
        defs = {
            f.id: f
            for f in await field_queries.list_for_board(conn, account_id=actor.account_id, board_id=board.id)
        }
        for field_id, value in changes.custom_fields.items():
            where = at(f"customFields/{field_id}")
            if field_id not in defs:
                raise Invalid(f"{where}/fieldId", f"custom field {field_id} is not a field of this board")
            field_values[field_id] = values.check_field_value(defs[field_id], value, f"{where}/value")

    comment = changes.wip_override_comment
    new_events: list[events.NewEvent] = []
    # Assignments.
    plus: list[int] = []
    minus: list[int] = []
    if assigning:
        if current_refs is None:
            held = (await card_queries.list_assignees(conn, card_ids=[card.id])).get(card.id, [])
            current_refs = {u.id: u for u in held}
        wanted_users = list(changes.assigned_user_ids)
        plus = [u for u in wanted_users if u not in current_refs]
        minus = [u for u in current_refs if u not in wanted_users]
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
            incoming=[wip.Incoming(card.lane_id, card.size if changes.size is UNSET else changes.size)],
            comment=comment,
            field=at("laneId"),
        )
    if lane is not None and (lane.id != card.lane_id or changes.index is not UNSET):
        index = None if changes.index is UNSET else changes.index
        [columns["rank"]] = await ranks_at(conn, lane_id=lane.id, index=index, exclude=[card.id])
        columns.update(lane_entry(card, lane, now=now, user_id=actor.user_id))

    mirror_change = await mirrors.check_patch(
        conn,
        actor=actor,
        card=card,
        wanted=changes.mirror_source_card_id,
        where=at(mirrors.FIELD),
        locked=locked,
    )
    columns.update(mirror_change.columns)
    field_changes: list[events.FieldChange] = []
    for name, column in _CHANGED.items():
        old_value = getattr(card, column)
        new_value = mirror_change.view.get(name, getattr(changes, column))
        if new_value is UNSET:
            continue
        if name == "externalLink":
            new_value = new_value or []
        if new_value != old_value:
            columns[column] = new_value
            field_changes.append(events.FieldChange(name, _shown(old_value), _shown(new_value)))
    # Blocking (LeanKit API: `blockReason`, `isBlocked`): isBlocked decides; a reason alone blocks an
    # unblocked card.
    blocked, reason = card.is_blocked, card.blocked_reason
    given_reason = changes.block_reason
    if changes.is_blocked is not UNSET:
        blocked = changes.is_blocked
    elif given_reason is not UNSET and given_reason and given_reason.strip():
        blocked = True
    if given_reason is not UNSET:
        reason = given_reason if given_reason and given_reason.strip() else None
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

    if field_changes:
        new_events.append(events.card_changed(updated, field_changes))
    if blocked != card.is_blocked:
        maker = events.card_blocked if blocked else events.card_unblocked
        new_events.append(maker(updated, reason))
    if "rank" in columns and from_lane is not None and lane is not None:
        new_events.append(await moves.moved_event(conn, card=updated, from_lane=from_lane, to_lane=lane))
    new_events += [events.user_assigned(updated, users[u][0]) for u in plus]
    new_events += [events.user_unassigned(updated, (current_refs or {})[u]) for u in minus]
    if lane_comment is not None:
        new_events += [
            events.lane_wip_exceeded(updated, b.lane_id, b.lane_title, lane_comment) for b in lane_breaches
        ]
    if user_comment is not None:
        new_events += [
            events.user_wip_exceeded(updated, users[b.user_id][0], user_comment) for b in user_breaches
        ]
    if field_values and not field_changes:
        names = [events.FieldChange("customFields", None, None)]
        new_events.append(events.card_changed(updated, names))
    new_events += await mirrors.after_patch(
        conn, actor=actor, before=card, after=updated, change=mirror_change, locked=locked, now=now
    )
    await save_events(conn, actor=actor, now=now, versions=versions, events=new_events)
    if changes.parents:
        await connections.patch_parents(
            conn, actor=actor, card=updated, ops=changes.parents, versions=versions
        )
    return updated


async def bulk_update(conn: Connection, *, actor: Actor, card_ids: list[int], ops: list[Any]) -> None:
    """The same operations on every card, all or none (LeanKit API: `PATCH /io/card/bulk`);
    `/mirrorSourceCardId` is refused."""
    if not card_ids:
        raise Invalid("cardIds", "must name at least one card")
    if not ops:
        raise Invalid("updates", "must hold at least one operation")
    check_op_count(ops, "updates")
    values.check_id_count(card_ids, "cardIds")
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
