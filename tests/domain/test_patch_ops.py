"""Applying JSON Patch operations to a card's view (domain/cards/patch_ops.py), without a database."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import pytest

from lanekit.domain.cards import patch_ops
from lanekit.domain.cards.patch_ops import PatchState, apply_ops, parse_op
from lanekit.domain.errors import Invalid


def view(**values: Any) -> dict[str, Any]:
    return {"tags": [], "assignedUserIds": [], "customFields": [], "title": "t", **values}


def run(doc: dict[str, Any], ops: list[dict[str, Any]]) -> PatchState:
    state = PatchState(doc=doc, origin={}, fields={})
    apply_ops(state, [parse_op(raw, i) for i, raw in enumerate(ops)])
    return state


def test_twenty_thousand_appends_apply_in_place_without_copying_the_card(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each append once copied the whole view (jsonpatch without in_place) and re-de-duplicated the list:
    # quadratic in the number of operations.  Count the copies instead of timing them.
    copies = 0
    real_deepcopy, real_apply = copy.deepcopy, jsonpatch.apply_patch

    def counting_deepcopy(value: Any, *args: Any) -> Any:
        nonlocal copies
        copies += 1
        return real_deepcopy(value, *args)

    def counting_apply(doc: Any, patch: Any, in_place: bool = False, **kw: Any) -> Any:
        nonlocal copies
        copies += 0 if in_place else 1
        return real_apply(doc, patch, in_place=in_place, **kw)

    monkeypatch.setattr(copy, "deepcopy", counting_deepcopy)
    monkeypatch.setattr(patch_ops.jsonpatch, "apply_patch", counting_apply)
    # The applier itself has no operation cap (the request's cap is the HTTP layer's); the distinct tags stay
    # within the card's tag cap (domain/cards/values.MAX_TAGS).
    n, distinct = 20_000, 99
    ops = [{"op": "add", "path": "/tags/-", "value": f"tag{k % distinct}"} for k in range(n)]
    doc = view(tags=["first"])
    state = run(doc, ops)
    assert state.doc is doc
    assert state.doc["tags"] == ["first", *(f"tag{k}" for k in range(distinct))]
    assert state.origin == {"tags": n - 1}
    assert copies == 0


def test_appends_are_settled_before_an_operation_reads_by_position() -> None:
    state = run(
        view(tags=["a"]),
        [
            {"op": "add", "path": "/tags/-", "value": "a"},
            {"op": "add", "path": "/tags/-", "value": "b"},
            {"op": "remove", "path": "/tags/1"},
            {"op": "add", "path": "/tags/-", "value": "c"},
            {"op": "test", "path": "/tags/1", "value": "c"},
            {"op": "add", "path": "/tags/0", "value": "c"},
        ],
    )
    assert state.doc["tags"] == ["c", "a"]


def test_assignee_appends_keep_each_user_once() -> None:
    state = run(
        view(assignedUserIds=["7"]),
        [{"op": "add", "path": "/assignedUserIds/-", "value": v} for v in (7, "8", 8, 9)],
    )
    assert state.doc["assignedUserIds"] == ["7", "8", "9"]


def test_a_bad_index_still_names_the_operation() -> None:
    with pytest.raises(Invalid) as caught:
        run(
            view(tags=["a"]),
            [{"op": "add", "path": "/tags/-", "value": "b"}, {"op": "remove", "path": "/tags/5"}],
        )
    assert caught.value.field == "#/1/path"
