"""The custom field PATCH planner as a pure function: order, renumbering, and where errors point."""

from __future__ import annotations

from typing import Any

import pytest

from lanekit.domain.boards.custom_fields import PlannedField, field_limit, plan_operations
from lanekit.domain.errors import Invalid


def field(field_id: int, label: str, kind: str = "text") -> PlannedField:
    return PlannedField(id=field_id, type=kind, label=label, help_text="", choices=None)


CURRENT = [field(1, "A"), field(2, "B"), field(3, "C")]


def labels(ops: list[dict[str, Any]], current: list[PlannedField] = CURRENT, limit: int = 8) -> list[str]:
    return [f.label for f in plan_operations(current, ops, limit=limit).fields]


def test_add_appends_or_inserts_at_index() -> None:
    assert labels([{"op": "add", "path": "/", "value": {"label": "D", "type": "text"}}]) == [
        "A",
        "B",
        "C",
        "D",
    ]
    assert labels([{"op": "add", "path": "/", "value": {"label": "D", "type": "text", "index": 1}}]) == [
        "A", "D", "B", "C",
    ]  # fmt: skip
    assert (
        labels([{"op": "add", "path": "/", "value": {"label": "D", "type": "text", "index": 99}}])[-1] == "D"
    )


def test_replace_with_index_moves_the_field() -> None:
    assert labels([{"op": "replace", "path": "/3", "value": {"index": 0}}]) == ["C", "A", "B"]
    assert labels([{"op": "replace", "path": "/1", "value": {"index": 2, "label": "Z"}}]) == ["B", "C", "Z"]


def test_operations_apply_in_order() -> None:
    ops: list[dict[str, Any]] = [
        {"op": "remove", "path": "/2"},
        {"op": "add", "path": "/", "value": {"label": "B", "type": "number", "index": 0}},
    ]
    plan = plan_operations(CURRENT, ops, limit=8)
    assert [(f.id, f.label, f.type) for f in plan.fields] == [
        (None, "B", "number"),
        (1, "A", "text"),
        (3, "C", "text"),
    ]
    assert plan.removed == [2]
    with pytest.raises(Invalid) as refused:
        plan_operations(CURRENT, [{"op": "remove", "path": "/2"}, {"op": "remove", "path": "/2"}], limit=8)
    assert refused.value.field == "1/path"


def test_the_limit_names_the_first_add_past_it() -> None:
    add = {"op": "add", "path": "/", "value": {"label": "X", "type": "text"}}
    more = [dict(add, value={"label": f"X{n}", "type": "text"}) for n in range(3)]
    with pytest.raises(Invalid) as refused:
        plan_operations(CURRENT, more, limit=4)
    assert refused.value.field == "1/value"
    # Edits of a board already above a lowered limit stay possible while nothing is added.
    assert labels([{"op": "replace", "path": "/1", "value": {"label": "Q"}}], limit=1) == ["Q", "B", "C"]


@pytest.mark.parametrize(
    ("settings", "limit"),
    [({}, 8), ({"customCardFieldCountLimit": 12}, 12), ({"customCardFieldCountLimit": "9"}, 8),
     ({"customCardFieldCountLimit": True}, 8), ({"customCardFieldCountLimit": -1}, 8)],
)  # fmt: skip
def test_field_limit_reads_the_account_setting(settings: dict[str, Any], limit: int) -> None:
    assert field_limit(settings) == limit
