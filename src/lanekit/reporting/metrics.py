"""/io/reporting/boardHealth/:boardId/{throughput,wip,laneBottleneck,cfd}: flow metrics of one board.

The first three follow the shapes of LeanKit's board health routes (`{"throughput": [...]}`,
`{"workInProcess": [...]}`, `{"lanes": [...]}`, each count as `{cardCount, cardSize}` with the size as a
string); `cfd` is Lanekit's own cumulative flow series.  The rules are in `domain/reporting/flow.py`
(docs/decisions/174-flow-metrics.md).  They authenticate as the exports do and need read access to the
board (another board is 404).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StrictInt, StrictStr

from lanekit.domain import clock
from lanekit.domain.errors import Invalid
from lanekit.domain.reporting import flow
from lanekit.domain.reporting.history import durations
from lanekit.domain.types import BoardId, Id
from lanekit.reporting.routes import ReportingActor
from lanekit.shapes.common import ident, instant_ms, plain_date
from lanekit.web.deps import Db
from lanekit.web.routing import make_router, ok

router = make_router("reporting")

TimeOffset = Annotated[
    int, Query(description="Minutes added to UTC for the caller's local time (-300: UTC-5)")
]
CFD_DEFAULT_DAYS = 14


def _tally(tally: flow.Tally) -> dict[str, Any]:
    return {"cardCount": tally.card_count, "cardSize": str(tally.card_size)}


@router.get("/boardHealth/{boardId:id}/throughput", operation_id="getBoardThroughput")
async def get_throughput(
    actor: ReportingActor, db: Db, boardId: BoardId, timeOffset: TimeOffset = 0
) -> JSONResponse:
    offset = flow.check_offset(timeOffset)
    board = await flow.board_flow(db, actor=actor, board_id=boardId)
    weeks = flow.throughput(board, now=clock.now(), offset_minutes=offset)
    return ok(
        {
            "throughput": [
                {
                    "startOfWeekDate": instant_ms(w["start"]),
                    "started": _tally(w["started"]),
                    "completed": _tally(w["completed"]),
                }
                for w in weeks
            ]
        }
    )


@router.get("/boardHealth/{boardId:id}/wip", operation_id="getBoardWip")
async def get_wip(
    actor: ReportingActor, db: Db, boardId: BoardId, timeOffset: TimeOffset = 0
) -> JSONResponse:
    offset = flow.check_offset(timeOffset)
    board = await flow.board_flow(db, actor=actor, board_id=boardId)
    weeks = flow.work_in_process(board, now=clock.now(), offset_minutes=offset)
    return ok(
        {
            "workInProcess": [
                {"startOfWeekDate": instant_ms(w["start"]), "wip": _tally(w["wip"])} for w in weeks
            ]
        }
    )


@router.get("/boardHealth/{boardId:id}/laneBottleneck", operation_id="getBoardLaneBottlenecks")
async def get_lane_bottlenecks(actor: ReportingActor, db: Db, boardId: BoardId) -> JSONResponse:
    board = await flow.board_flow(db, actor=actor, board_id=boardId)
    found = flow.lane_bottlenecks(board, now=clock.now())
    return ok(
        {
            "lanes": [
                {"laneId": ident(lane.id), "in": _tally(came), "out": _tally(went)}
                for lane, came, went in found
            ]
        }
    )


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


@router.get("/boardHealth/{boardId:id}/cfd", operation_id="getBoardCumulativeFlow")
async def get_cumulative_flow(
    actor: ReportingActor,
    db: Db,
    boardId: BoardId,
    startDate: Annotated[
        str | None, Query(description="First day, YYYY-MM-DD (default: 13 days ago)")
    ] = None,
    endDate: Annotated[str | None, Query(description="Last day, YYYY-MM-DD (default: today)")] = None,
    timeOffset: TimeOffset = 0,
) -> JSONResponse:
    offset = flow.check_offset(timeOffset)
    today = (clock.now() + timedelta(minutes=offset)).date()
    last = today if endDate is None else _day(endDate, "endDate")
    first = last - timedelta(days=CFD_DEFAULT_DAYS - 1) if startDate is None else _day(startDate, "startDate")
    flow.check_range(first, last)
    board = await flow.board_flow(db, actor=actor, board_id=boardId)
    days = flow.cumulative_flow(board, first=first, last=last, offset_minutes=offset)
    return ok(
        {
            "cumulativeFlow": [
                {
                    "date": plain_date(day),
                    "lanes": [{"laneId": ident(lane.id), **_tally(tally)} for lane, tally in lanes],
                }
                for day, lanes in days
            ]
        }
    )


class SpeedQuery(BaseModel):
    boardId: Id
    startLanes: list[Id]
    finishLanes: list[Id]
    startDate: StrictStr
    endDate: StrictStr
    timeOffset: StrictInt = 0


@router.post("/speed", operation_id="getReportingSpeed")
async def get_speed(actor: ReportingActor, db: Db, body: SpeedQuery) -> JSONResponse:
    """Cycle and lead time of the cards that reached a finish lane in the date range."""
    offset = flow.check_offset(body.timeOffset)
    first, last = _day(body.startDate, "startDate"), _day(body.endDate, "endDate")
    flow.check_range(first, last)
    board = await flow.board_flow(db, actor=actor, board_id=body.boardId)
    found = flow.speed(
        board,
        start_lanes=flow.check_lanes(board, body.startLanes, "startLanes"),
        finish_lanes=flow.check_lanes(board, body.finishLanes, "finishLanes"),
        first=first,
        last=last,
        offset_minutes=offset,
    )
    now = clock.now()
    rows = []
    for item in found:
        cycle = durations(item.started, item.finished, now=now) if item.started else None
        lead = durations(item.created, item.finished, now=now)
        rows.append(
            {
                "cardId": ident(item.card.card_id),
                "cardTitle": item.card.title,
                "cardSize": item.card.size,
                "createdDate": instant_ms(item.created),
                "startDate": instant_ms(item.started),
                "finishDate": instant_ms(item.finished),
                "cycleTimeDays": None if cycle is None else cycle[0],
                "cycleTimeHours": None if cycle is None else cycle[1],
                "cycleTimeMinusWeekendsDays": None if cycle is None else cycle[2],
                "leadTimeDays": lead[0],
                "leadTimeHours": lead[1],
                "leadTimeMinusWeekendsDays": lead[2],
            }
        )
    return ok(rows)
