"""leankit-client 0.6.0 (npm alias `leankit-client-0.6.0`) against a live server, with the assertions of
LeanKit's own live suite for it (`LeanKit/leankit-node-client` tag v0.6.0, `test/client-tests.js`):
`getTaskboard` has 3 lanes, `getCardByExternalId` returns an array, deletes reply 203, and so on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit, run_leankit_06

pytestmark = pytest.mark.e2e


def test_the_0_6_0_client_suite(live: Live, tmp_path: Path) -> None:
    board, other = run_leankit(
        live,
        live.admin_auth,
        [call("board.create", {"title": "API Test Board"}), call("board.create", {"title": "Other Board"})],
    )
    board_id, other_id = int(board.data["id"]), int(other.data["id"])
    upload = tmp_path / "attachment.txt"
    upload.write_text("test file")
    saved = tmp_path / "downloaded.txt"
    card = ref("5.data.CardId")
    results = run_leankit_06(
        live,
        live.tenant.admin.email,
        live.tenant.admin_password,
        [
            call("getBoards"),  # 0
            call("getNewBoards"),  # 1
            call("getBoard", board_id),  # 2
            call("getBoardIdentifiers", board_id),  # 3
            call("getBoardBacklogLanes", board_id),  # 4
            call(
                "addCard", board_id, 0, 0, {"Title": "Test card", "TypeId": 0, "ExternalCardId": "ext-123"}
            ),  # 5
            call(
                "addCards", board_id, [{"Title": "Card one", "TypeId": 0}, {"Title": "Card two", "TypeId": 0}]
            ),  # 6
            call("getCard", board_id, card),  # 7
            call("getCardByExternalId", board_id, "ext-123"),  # 8
            call("moveCard", board_id, card, ref("3.data.Lanes.0.Id"), 0, "test move"),  # 9
            call("moveCardByExternalId", board_id, "ext-123", ref("3.data.Lanes.1.Id"), 0, "test move"),  # 10
            call("updateCard", board_id, {"Id": card, "Title": "Updated title", "TypeId": 0}),  # 11
            call("updateCardFields", {"CardId": card, "Title": "Updated again", "Tags": "one,two"}),  # 12
            call("updateCards", board_id, [{"Id": ref("6.data.0.Id"), "Title": "Card one updated"}]),  # 13
            call("addComment", board_id, card, 0, "Test comment"),  # 14
            call("addCommentByExternalId", board_id, "ext-123", 0, "Test comment by external id"),  # 15
            call("getComments", board_id, card),  # 16
            call("getCardHistory", board_id, card),  # 17
            call("addAttachment", board_id, card, "Test attachment", str(upload)),  # 18
            call("getAttachments", board_id, card),  # 19
            call("getAttachment", board_id, card, ref("19.data.0.Id")),  # 20
            call("getAttachmentCount", board_id, card),  # 21
            call("downloadAttachment", board_id, ref("19.data.0.Id"), str(saved)),  # 22
            call("deleteAttachment", board_id, card, ref("19.data.0.Id")),  # 23
            call(
                "addTask", board_id, card, {"Title": "Test task", "TypeId": 0, "LaneId": 0, "Index": 0}
            ),  # 24
            call("getTaskboard", board_id, card),  # 25
            call("updateTask", board_id, card, {"Id": ref("24.data.CardId"), "Title": "Updated task"}),  # 26
            call("moveTask", board_id, card, ref("24.data.CardId"), ref("25.data.Lanes.1.Id"), 0),  # 27
            call("getTaskBoardUpdates", board_id, card, 0),  # 28
            call("deleteTask", board_id, card, ref("24.data.CardId")),  # 29
            call(
                "searchCards",
                board_id,
                {
                    "SearchTerm": "",
                    "Page": 1,
                    "MaxResults": 20,
                    "OrderBy": "CreatedOn",
                    "SortOrder": 0,
                    "IncludeDescription": False,
                },
            ),  # 30
            call("getNewCards", board_id),  # 31
            call("getNewerIfExists", board_id, ref("2.data.Version")),  # 32
            call("getBoardHistorySince", board_id, ref("2.data.Version")),  # 33
            call("getBoardUpdates", board_id, ref("2.data.Version")),  # 34
            call("getBoardArchiveLanes", board_id),  # 35
            call("moveCardToBoard", ref("6.data.1.Id"), other_id),  # 36
            call("deleteCard", board_id, ref("6.data.0.Id")),  # 37
            call("deleteCards", board_id, [card]),  # 38
        ],
    )
    for i, result in enumerate(results):
        assert result.ok, (i, result)
    data = [r.data for r in results]
    codes = [r.reply_code for r in results]
    assert board_id in [b["Id"] for b in data[0]] and data[1]
    assert data[2]["Id"] == board_id and data[2]["BoardUsers"]
    assert data[3]["Lanes"] and data[3]["CardTypes"]
    assert [lane for lane in data[3]["Lanes"] if lane["LaneClassType"] == 0 and lane["Index"] in (0, 1)]
    assert data[4][0]["Width"] > 0
    assert data[5]["CardId"] > 0
    assert len(data[6]) == 2 and data[6][0]["Title"] == "Card one"
    assert data[7]["Id"] == data[5]["CardId"]
    assert isinstance(data[8], list) and len(data[8]) == 1 and data[8][0]["Id"] == data[5]["CardId"]
    assert codes[9:13] == [202, 202, 202, 202]
    assert data[13]["UpdatedCardsCount"] > 0
    assert codes[14:16] == [202, 202]
    assert len(data[16]) == 2 and data[16][0]["Text"].startswith("Test comment")
    assert data[17]
    assert codes[18] == 202
    assert (
        all({"Id", "FileName", "Description"} <= set(a) for a in data[19])
        and data[20]["Id"] == data[19][0]["Id"]
    )
    assert data[21] > 0
    assert saved.read_text() == "test file"
    assert codes[23] == 203
    assert data[24]["CardId"] > 0
    assert data[25]["Id"] > 0 and len(data[25]["Lanes"]) == 3
    assert data[25]["Lanes"][0]["Cards"][0]["Id"] == data[24]["CardId"]
    assert codes[26:28] == [202, 202]
    assert data[28]["HasUpdates"] is True and data[28]["AffectedLanes"] and data[28]["Events"]
    assert data[28]["CurrentBoardVersion"] > 1
    assert codes[29] == 203
    assert len(data[30]["Results"]) > 2 and data[30]["TotalResults"] > 2
    assert data[31]
    assert data[32]["Version"] > data[2]["Version"]
    assert data[33] and all({"CardId", "EventType"} <= set(e) for e in data[33])
    assert data[34]["HasUpdates"] is True and data[34]["AffectedLanes"] and data[34]["Events"]
    assert data[35][0]["Lane"]["Width"] > 0
    assert codes[36:] == [202, 203, 203]
