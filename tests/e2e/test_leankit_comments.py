"""The official LeanKit node client's comment calls (card.comment.create/list/update/destroy) on a live
server."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit

pytestmark = pytest.mark.e2e


def test_comment_workflow_with_the_node_client(live: Live) -> None:
    [board] = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E comments"})])
    assert board.ok, board.data

    created, posted, listed, updated, relisted, full, destroyed, emptied = run_leankit(
        live,
        live.admin_auth,
        [
            call("card.create", {"boardId": board.data["id"], "title": "Discussed"}),
            call("card.comment.create", ref("0.data.id"), "<p>From node <script>alert(1)</script></p>"),
            call("card.comment.list", ref("0.data.id")),
            call("card.comment.update", ref("0.data.id"), ref("1.data.id"), "Edited & plain"),
            call("card.comment.list", ref("0.data.id")),
            call("card.get", ref("0.data.id")),
            call("card.comment.destroy", ref("0.data.id"), ref("1.data.id")),
            call("card.comment.list", ref("0.data.id")),
        ],
    )
    assert created.status == 201, created.data
    card_id = created.data["id"]
    comment = posted.data
    assert posted.status == 201, comment
    assert set(comment) == {"id", "createdOn", "createdBy", "text"}
    assert comment["text"] == "<p>From node </p>"
    assert comment["createdBy"]["emailAddress"] == live.tenant.admin.email

    assert listed.status == 200
    assert listed.data["pageMeta"]["totalRecords"] == 1
    assert listed.data["comments"] == [{**comment, "cardId": card_id}]

    assert updated.status == 200
    assert updated.data == {**comment, "text": "Edited & plain"}
    assert [c["text"] for c in relisted.data["comments"]] == ["Edited & plain"]

    assert full.status == 200
    assert (full.data["commentsCount"], full.data["childCommentsCount"]) == (1, 0)
    assert [c["id"] for c in full.data["comments"]] == [comment["id"]]

    assert (destroyed.ok, destroyed.status) == (True, 204)
    assert emptied.data["comments"] == []
    assert emptied.data["pageMeta"]["totalRecords"] == 0
