"""Flow metrics over HTTP (reporting/metrics.py): shapes, figures from real moves, and the read rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.two_boards import world
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


def count(card_count: int, card_size: int) -> dict[str, Any]:
    return {"cardCount": card_count, "cardSize": str(card_size)}


async def test_board_health_from_real_moves(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    doing, review = w.lanes_a["Doing Now"], w.lanes_a["Under Review"]
    cards = [await w.card(lanekit, w.a, title=f"m{i}", size=i + 1) for i in range(3)]
    for card in cards:
        body = {"cardIds": [str(card.id)], "destination": {"laneId": str(review.id)}}
        assert (await w.admin.post("/io/card/move", json=body)).status_code == 200
    finished = {
        "cardIds": [str(cards[0].id)],
        "destination": {"laneId": str(w.lanes_a["Recently Finished"].id)},
    }
    assert (await w.admin.post("/io/card/move", json=finished)).status_code == 200
    base = f"/io/reporting/boardHealth/{w.a.id}"

    throughput = (await w.admin.get(f"{base}/throughput")).json()["throughput"]
    assert len(throughput) == 9
    assert set(throughput[-1]) == {"startOfWeekDate", "started", "completed"}
    assert throughput[-1]["started"] == count(3, 6)
    assert throughput[-1]["completed"] == count(1, 1)
    assert all(week["started"] == count(0, 0) for week in throughput[:-1])

    wip = (await w.admin.get(f"{base}/wip", params={"timeOffset": -300})).json()["workInProcess"]
    assert wip[-1]["wip"] == count(2, 5)
    assert wip[-1]["startOfWeekDate"].endswith("05:00:00.000Z")

    lanes = (await w.admin.get(f"{base}/laneBottleneck")).json()["lanes"]
    # Three cards entered Under Review this week and one left it; the drop lane let all three out.
    assert lanes == [{"laneId": str(review.id), "in": count(3, 6), "out": count(1, 1)}]
    assert str(doing.id) not in {lane["laneId"] for lane in lanes}

    flow = (await w.admin.get(f"{base}/cfd")).json()["cumulativeFlow"]
    assert len(flow) == 14
    today = {lane["laneId"]: lane for lane in flow[-1]["lanes"]}
    assert set(today) == {str(lane.id) for lane in w.lanes_a.values()}
    assert (today[str(review.id)]["cardCount"], today[str(review.id)]["cardSize"]) == (2, "5")
    ranged = (
        await w.admin.get(f"{base}/cfd", params={"startDate": "2026-01-01", "endDate": "2026-01-03"})
    ).json()
    assert [d["date"] for d in ranged["cumulativeFlow"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]


async def test_board_health_needs_read_access_and_valid_parameters(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    hidden = f"/io/reporting/boardHealth/{w.b.id}"
    for metric in ("throughput", "wip", "laneBottleneck", "cfd"):
        assert (await w.as_user.get(f"{hidden}/{metric}")).status_code == 404, metric
        assert (await w.as_user.get(f"/io/reporting/boardHealth/{w.a.id}/{metric}")).status_code == 200
    outsider = await lanekit.tenant()
    assert (await lanekit.as_admin(outsider).get(f"{hidden}/throughput")).status_code == 404
    assert (await lanekit.client(w.tenant).get(f"{hidden}/throughput")).status_code == 401
    base = f"/io/reporting/boardHealth/{w.a.id}"
    bad = [
        (f"{base}/throughput", {"timeOffset": "5000"}, "timeOffset"),
        (f"{base}/cfd", {"startDate": "yesterday"}, "startDate"),
        (f"{base}/cfd", {"startDate": "2026-02-01", "endDate": "2026-01-01"}, "endDate"),
        (f"{base}/cfd", {"startDate": "2020-01-01", "endDate": "2026-01-01"}, "endDate"),
    ]
    for path, params, field in bad:
        response = await w.admin.get(path, params=params)
        assert response.status_code == 422, (path, params)
        assert response.json()["message"].startswith(field), response.json()


async def test_speed_reports_cycle_and_lead_time(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    doing, done = w.lanes_a["Doing Now"], w.lanes_a["Recently Finished"]
    card = await w.card(lanekit, w.a, title="Fast", size=2)
    for lane in (doing, done):
        body = {"cardIds": [str(card.id)], "destination": {"laneId": str(lane.id)}}
        assert (await w.admin.post("/io/card/move", json=body)).status_code == 200
    await w.card(lanekit, w.a, title="Not finished")
    today = (await w.admin.get(f"/io/reporting/boardHealth/{w.a.id}/cfd")).json()["cumulativeFlow"][-1][
        "date"
    ]
    query = {
        "boardId": str(w.a.id),
        "startLanes": [str(doing.id)],
        "finishLanes": [str(done.id)],
        "startDate": "2026-01-01",
        "endDate": today,
    }
    response = await w.admin.post("/io/reporting/speed", json=query)
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert (row["cardId"], row["cardTitle"], row["cardSize"]) == (str(card.id), "Fast", 2)
    assert row["createdDate"] <= row["startDate"] <= row["finishDate"]
    assert (row["cycleTimeDays"], row["leadTimeDays"], row["leadTimeHours"]) == (0, 0, 0)
    hidden = await w.as_user.post("/io/reporting/speed", json={**query, "boardId": str(w.b.id)})
    assert hidden.status_code == 404
    foreign = await w.admin.post(
        "/io/reporting/speed", json={**query, "finishLanes": [str(w.lanes_b["Doing Now"].id)]}
    )
    assert foreign.status_code == 422
    assert foreign.json()["message"].startswith("finishLanes")
    missing = await w.admin.post("/io/reporting/speed", json={"boardId": str(w.a.id)})
    assert missing.status_code == 422
