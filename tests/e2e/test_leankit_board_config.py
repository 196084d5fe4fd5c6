"""The official LeanKit node client's board configuration calls on a live server: `board.customFields.list`,
`board.customFields.update`, `template.list`, `template.create`, `template.destroy`, and `board.create`
from a template."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit

pytestmark = pytest.mark.e2e

BAD_ADD = {"op": "add", "path": "/", "value": {"label": "X", "type": "url"}}


def test_custom_fields_and_templates_with_the_node_client(live: Live) -> None:
    steps = run_leankit(
        live,
        live.admin_auth,
        [
            call("board.create", {"title": "E2E config"}),
            call("board.customFields.list", ref("0.data.id")),
            call(
                "board.customFields.update",
                ref("0.data.id"),
                [
                    {"op": "add", "path": "/", "value": {"label": "Team", "type": "choice",
                                                           "choiceConfiguration": {"choices": ["A", "B"]}}},
                    {"op": "add", "path": "/", "value": {"label": "Points", "type": "number"}},
                ],
            ),
            call("board.customFields.update", ref("0.data.id"), [BAD_ADD]),
            call("template.list"),
            call("template.create", {"boardId": ref("0.data.id"), "templateName": "E2E flow",
                                     "includeCards": "false"}),
            call("template.list"),
            call("board.create", {"title": "From template", "templateId": ref("5.data.id")}),
            call("board.customFields.list", ref("7.data.id")),
            call("template.destroy", ref("5.data.id")),
            call("template.list"),
        ],
    )  # fmt: skip
    (
        board,
        empty,
        updated,
        refused,
        before,
        created,
        listed,
        from_template,
        copied_fields,
        destroyed,
        after,
    ) = steps
    assert board.ok, board.data
    assert (empty.status, empty.data) == (200, {"limit": 8, "customFields": []})
    assert updated.status == 200
    assert [(f["index"], f["type"], f["label"]) for f in updated.data["customFields"]] == [
        (0, "choice", "Team"),
        (1, "number", "Points"),
    ]
    assert updated.data["customFields"][0]["choiceConfiguration"] == {"choices": ["A", "B"]}
    assert (refused.ok, refused.status) == (False, 422)
    assert refused.data["message"] == "0/value/type: must be one of text, number, date, choice, multi"

    assert before.status == 200
    assert [c["id"] for c in before.data["categories"]] == ["1", "0"]
    assert before.data["categories"][0]["templates"] == []
    assert (created.status, set(created.data)) == (201, {"id"})
    assert listed.data["categories"][0]["templates"] == [
        {
            "id": created.data["id"],
            "name": "E2E flow",
            "description": "",
            "isEnabled": True,
            "isGlobal": False,
        }
    ]
    assert from_template.ok, from_template.data
    assert [(f["type"], f["label"]) for f in copied_fields.data["customFields"]] == [
        ("choice", "Team"),
        ("number", "Points"),
    ]
    assert (destroyed.ok, destroyed.status) == (True, 204)
    assert after.data["categories"][0]["templates"] == []
