"""The official LeanKit node client's `reporting` namespace (auth.token and every export it wraps) on a live
server, as JSON and streamed as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.e2e.conftest import Live
from tests.e2e.leankit import call, ref, run_leankit, write_stream

pytestmark = pytest.mark.e2e

TOKEN = ref("0.data.token")


def test_reporting_auth_and_exports_with_the_node_client(live: Live, tmp_path: Path) -> None:
    [board] = run_leankit(live, live.admin_auth, [call("board.create", {"title": "E2E reporting"})])
    assert board.ok, board.data
    board_id = board.data["id"]
    title = 'Report, "quoted"\nand ünïcode'
    [card] = run_leankit(
        live,
        live.admin_auth,
        [
            call(
                "card.create",
                {
                    "boardId": board_id,
                    "title": title,
                    "tags": ["alpha"],
                    "assignedUserIds": [str(live.tenant.admin.id)],
                },
            )
        ],
    )
    assert card.status == 201, card.data
    card_id = card.data["id"]
    streamed = tmp_path / "cards.csv"
    only_board = {"boardId": board_id}
    results = run_leankit(
        live,
        live.admin_auth,
        [
            call("reporting.auth.token"),
            call("reporting.export.cards", {"token": TOKEN, "config": only_board}),
            call("reporting.export.cardpositions", {"token": TOKEN, "config": only_board}),
            call("reporting.export.userassignments", {"token": TOKEN}),
            call("reporting.export.userassignments.history", {"token": TOKEN}),
            call("reporting.export.lanes", {"token": TOKEN, "config": only_board}),
            call("reporting.export.tags", {"token": TOKEN}),
            call(
                "reporting.export.cards",
                {
                    "token": TOKEN,
                    "stream": write_stream(streamed),
                    "config": {"format": "csv", "quotedString": False, "boardId": board_id},
                },
            ),
        ],
    )
    signed, cards, positions, assignments, assignment_history, lanes, tags, _streamed = results
    assert signed.status == 200, signed.data
    assert set(signed.data) == {"token", "expires"}
    for result in results[1:7]:
        assert result.status == 200, result.data
    assert [(c["cardId"], c["cardTitle"]) for c in cards.data] == [(card_id, title)]
    assert [p["cardId"] for p in positions.data] == [card_id]
    assert positions.data[0]["laneExitDate"] is None
    assert [(a["cardId"], a["assignedUserId"]) for a in assignments.data] == [
        (card_id, str(live.tenant.admin.id))
    ]
    assert assignment_history.data[0]["assignedByUserId"] == str(live.tenant.admin.id)
    assert {lane["boardId"] for lane in lanes.data} == {board_id}
    assert tags.data == [{"boardId": board_id, "cardId": card_id, "tag": "alpha"}]
    with streamed.open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0][:4] == ["cardId", "parentCardId", "externalCardId", "cardTitle"]
    assert [(row[0], row[3]) for row in table[1:]] == [(card_id, title)]


def test_a_bad_password_and_a_bad_token_get_the_documented_401s(live: Live) -> None:
    wrong = {"email": live.tenant.admin.email, "password": "not-it"}
    [refused] = run_leankit(live, wrong, [call("reporting.auth.token")])
    assert refused.status == 401
    assert refused.data == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Login failed: email or password is incorrect",
    }
    [invalid] = run_leankit(live, live.admin_auth, [call("reporting.export.cards", {"token": "a.b.c"})])
    assert invalid.status == 401
    assert invalid.data["message"] == "Invalid token"
