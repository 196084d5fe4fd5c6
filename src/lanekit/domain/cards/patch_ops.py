"""JSON Patch operations on a card's dict view (LeanKit API: `PATCH /io/card/:cardId`): parsing, value checks,
and applying them.

`card_patch.apply_patch` builds the view, applies every operation here, then writes the differences.  Errors
name the operation's JSON pointer (`#/2/value`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import jsonpointer

from lanekit.domain import html
from lanekit.domain.cards import values
from lanekit.domain.errors import Invalid
from lanekit.domain.types import parse_digits
from lanekit.storage.records import CardRecord

OPS = ("add", "replace", "remove", "test")
# Operations in one PATCH (and in one bulk update): more than any client sends, few enough that applying
# them stays a few milliseconds of CPU (decision 152).
MAX_OPS = 1000
COLLECTIONS = ("tags", "assignedUserIds", "planningIncrementIds")
SCALARS = (
    "title",
    "typeId",
    "blockReason",
    "isBlocked",
    "customIconId",
    "customId",
    "description",
    "externalLink",
    "index",
    "laneId",
    "parentCardId",
    "plannedStart",
    "plannedFinish",
    "mirrorSourceCardId",
    "size",
    "wipOverrideComment",
    "version",
    "priority",
    "isHeader",
)
PATHS = frozenset((*COLLECTIONS, *SCALARS, "customFields"))
# What `remove` leaves on a single-valued path; absent keys cannot be removed.
REMOVED = {
    "blockReason": None,
    "isBlocked": False,
    "customIconId": None,
    "customId": None,
    "description": None,
    "externalLink": None,
    "plannedStart": None,
    "plannedFinish": None,
    "mirrorSourceCardId": None,
    "parentCardId": None,
    "size": 0,
    "wipOverrideComment": None,
    "priority": "normal",
    "isHeader": False,
}


@dataclass
class PatchState:
    doc: dict[str, Any]
    origin: dict[str, int]
    # fieldId → (stored value or None, op index)
    fields: dict[int, tuple[Any, int]]
    # `/parentCardId` operations as (op, parent id or None, value pointer), for domain/connections.py.
    parents: list[tuple[str, int | None, str]] = field(default_factory=list)
    # Collections appended to since they were last de-duplicated (see `apply_collection`).
    pending: set[str] = field(default_factory=set)

    def settle(self, key: str | None = None) -> None:
        """De-duplicate the collections appended to (keeping first occurrences), or only `key`'s."""
        for name in [key] if key is not None else sorted(self.pending):
            if name in self.pending:
                self.pending.discard(name)
                self.doc[name] = list(dict.fromkeys(self.doc[name]))


def check_scalar(key: str, value: Any, where: str) -> Any:
    """The normalised value of a single-valued path; raises Invalid naming `where`."""
    if key == "title":
        return values.check_title(value, where)
    if key in ("typeId", "laneId"):
        return values.check_id(value, where)
    if key == "customIconId":
        return None if value is None else values.check_id(value, where)
    if key == "description":
        # The sanitiser cannot take a lone surrogate; refuse unstorable text before it sees it.
        if isinstance(value, str):
            values.storable(value, where)
        return html.check_html(value, where)
    if key == "blockReason":
        return values.check_text(value, where)
    if key == "customId":
        return values.check_short_text(value, where)
    if key == "externalLink":
        return values.check_external_link(value, where)
    if key == "index":
        return values.check_index(value, where)
    if key in ("plannedStart", "plannedFinish"):
        return values.check_date(value, where)
    if key == "size":
        return values.check_size(value, where)
    if key == "priority":
        return values.check_priority(value, where)
    if key in ("isBlocked", "isHeader"):
        return values.check_bool(value, where)
    if key == "wipOverrideComment":
        return values.check_text(value, where)
    if key == "parentCardId":
        return values.check_id(value, where)
    if key == "mirrorSourceCardId":
        return values.check_id(value, where)
    raise Invalid(where, "cannot be set")


def check_element(key: str, value: Any, where: str) -> Any:
    if key == "tags":
        return values.check_tag(value, where)
    if key == "assignedUserIds":
        return str(values.check_id(value, where))
    raise Invalid(where, f"planning increment {value!r} not found")


@functools.lru_cache(maxsize=256)
def _pointer_parts(path: str) -> tuple[str, ...]:
    # A bulk patch repeats a few paths (`/tags/-`) many times; parse each once.
    return tuple(jsonpointer.JsonPointer(path).parts)


def check_op_count(ops: list[Any], field: str) -> None:
    if len(ops) > MAX_OPS:
        raise Invalid(field, f"holds {len(ops)} operations; at most {MAX_OPS} are allowed in one request")


def parse_op(raw: Any, i: int) -> tuple[str, list[str], dict[str, Any]]:
    if not isinstance(raw, dict):
        raise Invalid(f"#/{i}", "must be an operation object {op, path, value}")
    op, path = raw.get("op"), raw.get("path")
    if op not in OPS:
        raise Invalid(f"#/{i}/op", f"must be one of {', '.join(OPS)}")
    if not isinstance(path, str) or not path.startswith("/"):
        raise Invalid(f"#/{i}/path", "must be a JSON pointer such as /title")
    try:
        parts = list(_pointer_parts(path))
    except jsonpointer.JsonPointerException:
        raise Invalid(f"#/{i}/path", f"{path!r} is not a JSON pointer") from None
    if not parts or parts[0] not in PATHS:
        raise Invalid(f"#/{i}/path", f"unknown path {path!r}")
    collection = parts[0] in COLLECTIONS or parts[0] == "customFields"
    if len(parts) > 2 or (len(parts) == 2 and not collection):
        raise Invalid(f"#/{i}/path", f"unknown path {path!r}")
    if len(parts) == 2 and parts[1] != "-" and not parts[1].isdigit():
        raise Invalid(f"#/{i}/path", f"{parts[1]!r} is not an array index")
    if op in ("add", "replace", "test") and "value" not in raw:
        raise Invalid(f"#/{i}/value", "is required")
    if parts[0] == "version" and op != "test":
        raise Invalid(f"#/{i}/op", "/version is read-only; only test is allowed on it")
    return op, parts, raw


def apply_collection(state: PatchState, i: int, op: str, parts: list[str], raw: dict[str, Any]) -> None:
    """Apply one operation to a collection in place (the doc is the patch's own working copy).

    Tags and assignees hold each value once, the first occurrence kept.  An append (`add` to `/<key>/-`)
    does not de-duplicate at once: keeping first occurrences, de-duplicating after a run of appends is
    de-duplicating after each, so the run is settled once, before anything reads the list by position or
    value.  That keeps N appends linear in N, where settling (or copying the doc) per operation was
    quadratic.
    """
    key = parts[0]
    where = f"#/{i}/value"
    if op == "add" and parts[1:] == ["-"]:
        state.doc[key].append(check_element(key, raw["value"], where))
        if key in ("tags", "assignedUserIds"):
            state.pending.add(key)
        state.origin[key] = i
        return
    state.settle(key)
    current: list[Any] = state.doc[key]
    if op == "remove" and "value" in raw:
        # Remove by value, wherever it is (LeanKit extension; Pipedream also sends the index).
        target = raw["value"]
        wanted = str(values.check_id(target, where)) if key == "assignedUserIds" else target
        state.doc[key] = [v for v in current if v != wanted]
    elif len(parts) == 1:
        if op == "remove":
            state.doc[key] = []
        else:
            if not isinstance(raw["value"], list):
                raise Invalid(where, "must be an array")
            state.doc[key] = [check_element(key, v, f"{where}/{n}") for n, v in enumerate(raw["value"])]
    else:
        patch: dict[str, Any] = {"op": op, "path": "/" + "/".join(parts)}
        if op != "remove":
            patch["value"] = check_element(key, raw["value"], where)
        try:
            jsonpatch.apply_patch(state.doc, [patch], in_place=True)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise Invalid(f"#/{i}/path", str(exc)) from None
    if key == "tags":
        state.doc[key] = values.dedupe_tags(state.doc[key])
    if key == "assignedUserIds":
        state.doc[key] = list(dict.fromkeys(state.doc[key]))
    state.origin[key] = i


def apply_custom_field(state: PatchState, i: int, op: str, parts: list[str], raw: dict[str, Any]) -> None:
    where = f"#/{i}/value"
    if op == "remove":
        target = raw.get("value")
        if isinstance(target, dict):
            target = target.get("fieldId")
        if target is not None:
            state.fields[values.check_id(target, where)] = (None, i)
            return
        if len(parts) == 1:
            for entry in state.doc["customFields"]:
                state.fields[int(entry["fieldId"])] = (None, i)
            return
        slot = parse_digits(parts[1])
        if slot is None:
            slot = -1
        if not 0 <= slot < len(state.doc["customFields"]):
            raise Invalid(f"#/{i}/path", f"the card has no custom field value at {slot}")
        state.fields[int(state.doc["customFields"][slot]["fieldId"])] = (None, i)
        return
    items = raw["value"] if len(parts) == 1 and isinstance(raw["value"], list) else [raw["value"]]
    for n, item in enumerate(items):
        at = where if len(items) == 1 and not isinstance(raw["value"], list) else f"{where}/{n}"
        if not isinstance(item, dict) or "fieldId" not in item:
            raise Invalid(at, "must be an object {fieldId, value}")
        state.fields[values.check_id(item["fieldId"], f"{at}/fieldId")] = (item.get("value"), i)


def apply_op(state: PatchState, i: int, op: str, parts: list[str], raw: dict[str, Any]) -> None:
    key = parts[0]
    if op == "test":
        if key == "version":
            return
        state.settle()
        try:
            jsonpatch.apply_patch(
                state.doc, [{"op": "test", "path": raw["path"], "value": raw["value"]}], in_place=True
            )
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException):
            raise Invalid(f"#/{i}", f"test failed: {raw['path']} is not {raw['value']!r}") from None
        return
    if key == "parentCardId":
        # Connections, not a column: add/replace connect a parent, remove disconnects one (or, without a
        # value, every parent); card_patch hands them to domain/connections.patch_parents.
        where = f"#/{i}/value"
        value = raw.get("value")
        parent = None if op == "remove" and value is None else check_scalar(key, value, where)
        state.parents.append((op, parent, where))
        return
    if key == "customFields":
        apply_custom_field(state, i, op, parts, raw)
    elif key in COLLECTIONS:
        apply_collection(state, i, op, parts, raw)
    elif op == "remove":
        if key not in REMOVED:
            raise Invalid(f"#/{i}/op", f"/{key} cannot be removed")
        if key == "parentCardId" or key == "isHeader":
            return
        state.doc[key] = REMOVED[key]
        state.origin[key] = i
    else:
        checked = check_scalar(key, raw["value"], f"#/{i}/value")
        if key != "isHeader":
            state.doc[key] = checked
            state.origin[key] = i


def apply_ops(state: PatchState, parsed: list[tuple[str, list[str], dict[str, Any]]]) -> None:
    """Apply the parsed operations in order to `state.doc`, in place; the doc is settled when it returns."""
    for i, (op, parts, raw) in enumerate(parsed):
        apply_op(state, i, op, parts, raw)
    state.settle()
    if len(state.doc["tags"]) > values.MAX_TAGS:
        raise Invalid(f"#/{state.origin.get('tags', 0)}/value", f"a card has at most {values.MAX_TAGS} tags")


def card_view(card: CardRecord, assignees: list[int], fields: list[tuple[int, Any]]) -> dict[str, Any]:
    return {
        "title": card.title,
        "typeId": card.type_id,
        "assignedUserIds": [str(u) for u in assignees],
        "blockReason": card.blocked_reason,
        "isBlocked": card.is_blocked,
        "customIconId": card.custom_icon_id,
        "customId": card.custom_id,
        "customFields": [{"fieldId": str(f), "value": v} for f, v in fields],
        "description": card.description,
        "externalLink": list(card.external_links),
        "index": None,
        "laneId": card.lane_id,
        "parentCardId": None,
        "plannedStart": card.planned_start,
        "plannedFinish": card.planned_finish,
        "planningIncrementIds": [],
        "mirrorSourceCardId": card.mirror_source_card_id,
        "size": card.size,
        "tags": list(card.tags),
        "wipOverrideComment": None,
        "version": str(card.version),
        "priority": card.priority,
        "isHeader": False,
    }
