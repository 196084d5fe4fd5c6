"""The official node client's `v1` namespace (leankit-client 2.4.0, `src/api.v1/*.js`) against a live server:
board, card, comment and board-event calls, with the ReplyCodes LeanKit's own suite asserts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, read_stream, ref, run_leankit, token_auth, write_stream

pytestmark = pytest.mark.e2e


def test_v1_board_and_card_calls_with_the_node_client(live: Live) -> None:
    board, layout = run_leankit(
        live,
        live.admin_auth,
        [call("board.create", {"title": "E2E legacy"}), call("board.get", ref("0.data.id"))],
    )
    assert board.ok, board.data
    board_id = int(board.data["id"])
    lanes = {lane["name"]: int(lane["id"]) for lane in layout.data["lanes"]}
    doing, review = lanes["Doing Now"], lanes["Under Review"]

    results = run_leankit(
        live,
        live.admin_auth,
        [
            call("v1.board.list"),  # 0
            call("v1.board.get", board_id),  # 1
            call("v1.board.identifiers", board_id),  # 2
            call("v1.board.backlog", board_id),  # 3
            call("v1.board.archive", board_id),  # 4
            call(
                "v1.card.create",
                board_id,
                {"Title": "From v1", "TypeId": 0, "Tags": "node,v1", "ExternalCardID": "N-1", "Priority": 2},
            ),  # 5
            call("v1.card.create.multiple", board_id, [{"Title": "Bulk 1"}, {"Title": "Bulk 2"}]),  # 6
            call("v1.card.get", board_id, ref("5.data.CardId")),  # 7
            call("v1.card.get.by.externalCardId", board_id, "N-1"),  # 8
            call("v1.card.move", board_id, ref("5.data.CardId"), doing),  # 9
            call("v1.card.move.by.externalCardId", board_id, "N-1", review),  # 10
            call("v1.card.update", board_id, {"Id": ref("5.data.CardId"), "Title": "Renamed"}),  # 11
            call("v1.card.update.fields", {"CardId": ref("5.data.CardId"), "Tags": "changed"}),  # 12
            call("v1.card.update.multiple", board_id, [{"Id": ref("6.data.0.Id"), "Size": 4}]),  # 13
            call("v1.card.comment.create", board_id, ref("5.data.CardId"), 0, "first comment"),  # 14
            call("v1.card.comment.create.by.externalId", board_id, "N-1", 0, "second comment"),  # 15
            call("v1.card.comment.list", board_id, ref("5.data.CardId")),  # 16
            call("v1.card.history", board_id, ref("5.data.CardId")),  # 17
            call("v1.board.since.version", board_id, ref("1.data.Version")),  # 18
            call("v1.board.since.version.history", board_id, ref("1.data.Version")),  # 19
            call("v1.board.since.version.updates", board_id, ref("1.data.Version")),  # 20
            call("v1.card.destroy", board_id, ref("6.data.0.Id")),  # 21
            call("v1.card.destroy.multiple", board_id, [ref("6.data.1.Id")]),  # 22
            call("v1.board.archive.cards", board_id),  # 23
            call("v1.card.get", board_id, 999999),  # 24
        ],
    )
    for i, result in enumerate(results):
        assert result.ok or i == 24, (i, result)
    listed, got_board, identifiers, backlog, archive = results[:5]
    assert board_id in [b["Id"] for b in listed.data]
    assert got_board.data["Id"] == board_id and got_board.data["BoardUsers"]
    assert [t["IsDefault"] for t in got_board.data["CardTypes"]].count(True) == 1
    active = [lane for lane in identifiers.data["Lanes"] if lane["LaneClassType"] == 0]
    assert [lane["Index"] for lane in active[:2]] == [0, 1] and identifiers.data["CardTypes"]
    assert backlog.data[0]["Width"] > 0 and archive.data[0]["Lane"]["Width"] > 0

    created, multiple, got, by_external = results[5:9]
    assert created.status == 201 and created.data["CardId"] > 0
    assert [c["Title"] for c in multiple.data] == ["Bulk 1", "Bulk 2"]
    assert (
        got.data["Id"] == created.data["CardId"]
        and got.data["Tags"] == "node,v1"
        and got.data["Priority"] == 2
    )
    assert isinstance(by_external.data, list) and [c["Id"] for c in by_external.data] == [
        created.data["CardId"]
    ]

    moved, moved_by_external, updated, updated_fields, updated_many = results[9:14]
    assert (moved.reply_code, moved_by_external.reply_code) == (202, 202)
    assert moved_by_external.data[0] > moved.data[0]
    assert updated.reply_code == 202 and updated.data[0]["CardDTO"]["Title"] == "Renamed"
    assert updated.data[0]["CardDTO"]["LaneId"] == review
    assert updated_fields.reply_code == 202 and updated_fields.data[0]["CardDTO"]["Tags"] == "changed"
    assert updated_many.data == {"UpdatedCardsCount": 1}

    comment, comment_by_external, comments, history = results[14:18]
    assert (comment.reply_code, comment_by_external.reply_code) == (202, 202)
    assert [c["Text"] for c in comments.data] == ["first comment", "second comment"]
    assert history.data[0]["Type"] == "CommentPostEventDTO"
    assert [e["Type"] for e in history.data].count("CardMoveEventDTO") == 2

    newer, since, updates = results[18:21]
    assert newer.data["Version"] > got_board.data["Version"]
    assert since.data and all({"CardId", "EventType"} <= set(e) for e in since.data)
    assert updates.data["HasUpdates"] is True and updates.data["Events"] and updates.data["AffectedLanes"]

    destroyed, destroyed_many, archive_cards, missing = results[21:]
    assert (destroyed.reply_code, destroyed_many.reply_code) == (203, 203)
    assert archive_cards.data == []
    # A missing card: ReplyCode 100, which the client hands back whole.
    assert (missing.reply_code, missing.status_text) == (100, "Card not Found.")


def test_v1_refusals_reach_the_client_as_api_errors(live: Live) -> None:
    board = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E legacy errors"})])[0]
    board_id = int(board.data["id"])
    created, refused, quiet, token, with_token = run_leankit(
        live,
        live.admin_auth,
        [
            call("v1.card.create", board_id, {"Title": "first"}),
            call("v1.card.update", board_id, {"Id": ref("0.data.CardId"), "Priority": 9}),
            call("v1.board.since.version.updates", board_id, 999999999),
            call("auth.token.create", "legacy"),
            # leankit-client 2.x sends `Authorization: Bearer <token>` to the legacy paths as well.
            call("v1.card.get", board_id, ref("0.data.CardId"), auth=token_auth(ref("3.data.token"))),
        ],
    )
    assert token.ok and with_token.ok and with_token.data["Title"] == "first"
    assert created.ok and created.status == 201
    # HTTP 200 with ReplyCode 502: the client rejects it as an apiError carrying the ReplyCode and text.
    assert (refused.ok, refused.reply_code) == (False, 502)
    assert refused.message is not None and "Priority" in refused.message
    # Nothing newer: ReplyCode 200 and HasUpdates false, which the poller needs (a 100 would raise there).
    assert quiet.ok and quiet.status == 200 and quiet.data["HasUpdates"] is False


def test_v1_attachment_task_search_and_move_to_board_calls(live: Live, tmp_path: Path) -> None:
    board, other = run_leankit(
        live,
        live.admin_auth,
        [call("board.create", {"title": "E2E legacy 2"}), call("board.create", {"title": "E2E legacy 3"})],
    )
    board_id, other_id = int(board.data["id"]), int(other.data["id"])
    upload = tmp_path / "upload.txt"
    upload.write_bytes(b"test file")
    saved = tmp_path / "saved.txt"
    holder = ref("0.data.CardId")
    results = run_leankit(
        live,
        live.admin_auth,
        [
            call("v1.card.create", board_id, {"Title": "Holder"}),  # 0
            call(
                "v1.card.attachment.create",
                board_id,
                holder,
                {"name": "notes.txt", "description": "the notes", "file": read_stream(upload)},
            ),  # 1
            call("v1.card.attachment.count", board_id, holder),  # 2
            call("v1.card.attachment.list", board_id, holder),  # 3
            call("v1.card.attachment.get", board_id, holder, ref("1.data.0")),  # 4
            call("v1.card.attachment.download", board_id, ref("1.data.0"), write_stream(saved)),  # 5
            call("v1.card.attachment.destroy", board_id, holder, ref("1.data.0")),  # 6
            call("v1.task.create", board_id, holder, {"Title": "A task"}),  # 7
            call("v1.task.board.get", board_id, holder),  # 8
            call(
                "v1.task.update",
                board_id,
                holder,
                {"Id": ref("7.data.CardId"), "Title": "Task!"},
            ),  # 9
            call("v1.task.move", board_id, holder, ref("7.data.CardId"), ref("8.data.Lanes.1.Id")),  # 10
            call("v1.task.board.since.version", board_id, holder, 0),  # 11
            call("v1.task.destroy", board_id, holder, ref("7.data.CardId")),  # 12
            call("v1.card.search", board_id, {"SearchTerm": "Holder", "Page": 1, "MaxResults": 20}),  # 13
            call("v1.card.list.recent", board_id),  # 14
            call("v1.card.move.to.board", holder, other_id),  # 15
        ],
    )
    for i, result in enumerate(results):
        assert result.ok, (i, result)
    saved_id, count, listed, one, _download, destroyed = results[1:7]
    assert saved_id.reply_code == 202 and isinstance(saved_id.data[0], int)
    assert count.data == 1
    assert [(a["FileName"], a["Description"]) for a in listed.data] == [("notes.txt", "the notes")]
    assert one.data["Id"] == saved_id.data[0]
    assert saved.read_bytes() == b"test file"
    assert destroyed.reply_code == 203
    task, taskboard, task_updated, task_moved, task_updates, task_destroyed = results[7:13]
    assert task.status == 201 and task.data["CardId"] > 0
    assert (
        len(taskboard.data["Lanes"]) == 3
        and taskboard.data["Lanes"][0]["Cards"][0]["Id"] == task.data["CardId"]
    )
    assert (task_updated.reply_code, task_moved.reply_code, task_destroyed.reply_code) == (202, 202, 203)
    assert task_updates.data["HasUpdates"] is True and task_updates.data["Events"]
    assert task_updates.data["AffectedLanes"] and task_updates.data["CurrentBoardVersion"] > 1
    search, recent, moved = results[13:]
    assert search.data["TotalResults"] == 1 and search.data["Results"][0]["Title"] == "Holder"
    assert [c["Title"] for c in recent.data] == ["Holder"]
    assert moved.reply_code == 202 and moved.data[0]["DestinationBoardId"] == other_id
