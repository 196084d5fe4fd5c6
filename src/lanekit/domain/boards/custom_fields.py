"""Custom card fields of a board (LeanKit API: custom fields): the `PATCH` operation array, planned whole
before anything is written.

`plan_operations` is pure: it applies the operations one after another to the board's current field list
and returns the final list, or raises `Invalid` naming the operation (`<index>/path`,
`<index>/value/type`…).  Only a plan that passed every check is written, so the operations apply together
or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from lanekit.domain import clock, events
from lanekit.domain.access import board_access, require
from lanekit.domain.changes import save_events
from lanekit.domain.errors import Invalid, NotFound
from lanekit.domain.types import Actor
from lanekit.storage.executor import Connection
from lanekit.storage.queries import accounts as account_queries
from lanekit.storage.queries import boards as board_queries
from lanekit.storage.queries import custom_fields as field_queries
from lanekit.storage.records import CardRecord, CustomFieldRecord

FIELD_TYPES = ("text", "number", "date", "choice", "multi")
CHOICE_TYPES = ("choice", "multi")
DEFAULT_FIELD_LIMIT = 8
MAX_LABEL = 255
MAX_HELP_TEXT = 4000
MAX_CHOICE = 255
MAX_CHOICES = 500

_FIELD_PATH = re.compile(r"^/(\d{1,19})$")
# Keys a client may echo back from a GET on `replace`; they are checked or ignored, never stored.
_ECHOED_KEYS = frozenset({"id", "type", "createdOn", "createdBy"})
_ADD_KEYS = frozenset({"label", "helpText", "type", "index", "choiceConfiguration"})
_REPLACE_KEYS = frozenset({"label", "helpText", "index", "choiceConfiguration"}) | _ECHOED_KEYS


@dataclass(frozen=True, slots=True)
class PlannedField:
    """A field as it will be after the PATCH; `id` is None for a field the PATCH adds."""

    id: int | None
    type: str
    label: str
    help_text: str
    choices: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class FieldPlan:
    fields: list[PlannedField]
    removed: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FieldsView:
    limit: int
    fields: list[CustomFieldRecord]


def planned(record: CustomFieldRecord) -> PlannedField:
    stored: list[str] = (record.choice_configuration or {}).get("choices", [])
    return PlannedField(
        id=record.id,
        type=record.type,
        label=record.label,
        help_text=record.help_text or "",
        choices=tuple(stored) if record.type in CHOICE_TYPES else None,
    )


def field_limit(account_settings: dict[str, Any]) -> int:
    """The most fields a board may hold: the account's `customCardFieldCountLimit`, else 8."""
    value = account_settings.get("customCardFieldCountLimit", DEFAULT_FIELD_LIMIT)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return DEFAULT_FIELD_LIMIT


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise Invalid(where, "must be a string")
    text = value.strip()
    if not text:
        raise Invalid(where, "must not be empty")
    if len(text) > MAX_LABEL:
        raise Invalid(where, f"must be at most {MAX_LABEL} characters")
    return text


def _help_text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(where, "must be a string or null")
    if len(value) > MAX_HELP_TEXT:
        raise Invalid(where, f"must be at most {MAX_HELP_TEXT} characters")
    return value


def _index(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Invalid(where, "must be an integer of 0 or more")
    return value


def _choices(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or set(value) - {"choices"}:
        raise Invalid(where, 'must be an object {"choices": [string, ...]}')
    raw = value.get("choices", [])
    if not isinstance(raw, list):
        raise Invalid(f"{where}/choices", "must be an array of strings")
    if len(raw) > MAX_CHOICES:
        raise Invalid(f"{where}/choices", f"must hold at most {MAX_CHOICES} choices")
    seen: set[str] = set()
    choices: list[str] = []
    for n, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            raise Invalid(f"{where}/choices/{n}", "must be a non-empty string")
        text = item.strip()
        if len(text) > MAX_CHOICE:
            raise Invalid(f"{where}/choices/{n}", f"must be at most {MAX_CHOICE} characters")
        if text.lower() in seen:
            raise Invalid(f"{where}/choices/{n}", f"{text!r} is listed twice")
        seen.add(text.lower())
        choices.append(text)
    return tuple(choices)


def _check_keys(value: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in value:
        if key not in allowed:
            raise Invalid(f"{where}/{key}", "is not a custom field property that can be set")


def _place(fields: list[PlannedField], item: PlannedField, index: int | None) -> None:
    if index is None or index >= len(fields):
        fields.append(item)
    else:
        fields.insert(index, item)


def _position_of(fields: list[PlannedField], field_id: int, where: str) -> int:
    for n, item in enumerate(fields):
        if item.id == field_id:
            return n
    raise Invalid(where, f"no custom field {field_id} on this board")


def _check_unique_label(fields: list[PlannedField], label: str, *, skip: int | None, where: str) -> None:
    for n, item in enumerate(fields):
        if n != skip and item.label.lower() == label.lower():
            raise Invalid(where, f"a custom field labelled {label!r} already exists on this board")


def _plan_add(fields: list[PlannedField], n: int, path: Any, value: Any) -> None:
    if path not in ("/", ""):
        raise Invalid(f"{n}/path", 'must be "/" for add')
    if not isinstance(value, dict):
        raise Invalid(f"{n}/value", "must be an object describing the new field")
    _check_keys(value, _ADD_KEYS, f"{n}/value")
    if "label" not in value:
        raise Invalid(f"{n}/value/label", "is required")
    if "type" not in value:
        raise Invalid(f"{n}/value/type", "is required")
    kind = value["type"]
    if kind not in FIELD_TYPES:
        raise Invalid(f"{n}/value/type", f"must be one of {', '.join(FIELD_TYPES)}")
    label = _label(value["label"], f"{n}/value/label")
    _check_unique_label(fields, label, skip=None, where=f"{n}/value/label")
    choices: tuple[str, ...] | None = None
    if kind in CHOICE_TYPES:
        choices = _choices(value.get("choiceConfiguration"), f"{n}/value/choiceConfiguration")
    elif value.get("choiceConfiguration") is not None:
        raise Invalid(f"{n}/value/choiceConfiguration", "only choice and multi fields have choices")
    index = _index(value["index"], f"{n}/value/index") if value.get("index") is not None else None
    item = PlannedField(
        id=None,
        type=kind,
        label=label,
        help_text=_help_text(value.get("helpText"), f"{n}/value/helpText"),
        choices=choices,
    )
    _place(fields, item, index)


def _field_id(n: int, path: Any) -> int:
    match = _FIELD_PATH.match(path) if isinstance(path, str) else None
    if match is None:
        raise Invalid(f"{n}/path", 'must be "/<fieldId>"')
    return int(match.group(1))


def _plan_replace(fields: list[PlannedField], n: int, path: Any, value: Any) -> None:
    field_id = _field_id(n, path)
    at = _position_of(fields, field_id, f"{n}/path")
    if not isinstance(value, dict):
        raise Invalid(f"{n}/value", "must be an object with the properties to change")
    _check_keys(value, _REPLACE_KEYS, f"{n}/value")
    current = fields[at]
    if "type" in value and value["type"] != current.type:
        raise Invalid(f"{n}/value/type", "the type of a custom field cannot change")
    if "id" in value and str(value["id"]) != str(field_id):
        raise Invalid(f"{n}/value/id", "does not match the field in path")
    changed = current
    if "label" in value:
        label = _label(value["label"], f"{n}/value/label")
        _check_unique_label(fields, label, skip=at, where=f"{n}/value/label")
        changed = replace(changed, label=label)
    if "helpText" in value:
        changed = replace(changed, help_text=_help_text(value["helpText"], f"{n}/value/helpText"))
    if "choiceConfiguration" in value:
        if current.type not in CHOICE_TYPES:
            if value["choiceConfiguration"] is not None:
                raise Invalid(f"{n}/value/choiceConfiguration", "only choice and multi fields have choices")
        else:
            changed = replace(
                changed, choices=_choices(value["choiceConfiguration"], f"{n}/value/choiceConfiguration")
            )
    if value.get("index") is not None:
        index = _index(value["index"], f"{n}/value/index")
        del fields[at]
        _place(fields, changed, index)
    else:
        fields[at] = changed


def plan_operations(current: list[PlannedField], ops: list[dict[str, Any]], *, limit: int) -> FieldPlan:
    """Apply `ops` in order to a copy of `current` (by position); raise `Invalid` at the first bad one."""
    if not ops:
        raise Invalid("body", "must hold at least one operation")
    fields = list(current)
    removed: list[int] = []
    adds: list[int] = []
    for n, op in enumerate(ops):
        kind = op.get("op")
        path = op.get("path")
        value = op.get("value")
        if kind == "add":
            _plan_add(fields, n, path, value)
            adds.append(n)
        elif kind == "replace":
            _plan_replace(fields, n, path, value)
        elif kind == "remove":
            field_id = _field_id(n, path)
            del fields[_position_of(fields, field_id, f"{n}/path")]
            removed.append(field_id)
        else:
            raise Invalid(f"{n}/op", "must be one of add, replace, remove")
    excess = len(fields) - limit
    if adds and excess > 0:
        # The adds past the limit are the last `excess` ones; name the first of them.
        culprit = adds[max(len(adds) - excess, 0)]
        raise Invalid(f"{culprit}/value", f"the board may have at most {limit} custom fields")
    return FieldPlan(fields=fields, removed=removed)


# --- Use cases -------------------------------------------------------------------------------------------


async def _limit_for(conn: Connection, *, account_id: int) -> int:
    account = await account_queries.fetch(conn, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return field_limit(account.settings)


async def list_fields(conn: Connection, *, actor: Actor, board_id: int) -> FieldsView:
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "customField.read")
    records = await field_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
    return FieldsView(limit=await _limit_for(conn, account_id=actor.account_id), fields=records)


async def apply_operations(
    conn: Connection, *, actor: Actor, board_id: int, ops: list[dict[str, Any]]
) -> list[CustomFieldRecord]:
    """Run a custom field PATCH: plan it whole, then write the difference and bump the board version once."""
    access = await board_access(conn, actor=actor, board_id=board_id)
    require(access, "customField.manage")
    records = await field_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
    limit = await _limit_for(conn, account_id=actor.account_id)
    plan = plan_operations([planned(r) for r in records], ops, limit=limit)

    moment = clock.now()
    touched: list[CardRecord] = []
    if plan.removed:
        # The values go with the field (ON DELETE CASCADE); the cards that held one change version.
        touched = await field_queries.touch_cards_with_values(
            conn, field_ids=plan.removed, moment=moment, user_id=actor.user_id
        )
        await field_queries.delete_fields(conn, board_id=board_id, field_ids=plan.removed)
    by_id = {r.id: r for r in records}
    for position, item in enumerate(plan.fields):
        config = {"choices": list(item.choices)} if item.choices is not None else None
        if item.id is None:
            await field_queries.insert_custom_field(
                conn,
                account_id=actor.account_id,
                board_id=board_id,
                position=position,
                type=item.type,
                label=item.label,
                help_text=item.help_text,
                choice_configuration=config,
                created_on=moment,
                created_by=actor.user_id,
            )
            continue
        old = by_id[item.id]
        values = {
            "position": position,
            "label": item.label,
            "help_text": item.help_text,
            "choice_configuration": config,
        }
        before = {
            "position": old.position,
            "label": old.label,
            "help_text": old.help_text or "",
            "choice_configuration": old.choice_configuration if old.type in CHOICE_TYPES else None,
        }
        if values != before:
            await field_queries.update_field(conn, board_id=board_id, field_id=item.id, **values)
    version = await board_queries.bump_version(conn, board_id=board_id)
    change = [events.FieldChange("customFields", None, None)]
    await save_events(
        conn,
        actor=actor,
        now=moment,
        versions={board_id: version},
        events=[events.card_changed(card, change) for card in touched if card.deleted_on is None],
    )
    return await field_queries.list_for_board(conn, account_id=actor.account_id, board_id=board_id)
