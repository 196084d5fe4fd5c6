"""/io/board/:boardId/layout and lanes: the layout PUT, one lane PATCH, lane counts and leaf lanes
(LeanKit API: board layout)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StrictBool

from lanekit.domain.boards import lanes as lane_domain
from lanekit.domain.boards import layout
from lanekit.domain.errors import Invalid
from lanekit.domain.types import UNSET, BoardId, Id, LaneId, parse_digits
from lanekit.shapes import lanes as shapes
from lanekit.web.deps import Actor, Db
from lanekit.web.fields import Int32, LongText, Text16, Text32, Text255
from lanekit.web.routing import make_router, ok

router = make_router("layout")


class LayoutLane(BaseModel):
    id: Id | None = None
    title: Text255
    type: Text16 | None = None
    classType: Text16 | None = None
    index: Int32 | None = None
    columns: Int32 | None = None
    orientation: Text16 | None = None
    isConnectionDoneLane: StrictBool = False
    isDefaultDropLane: StrictBool = False
    wipLimit: Int32 | None = None
    description: LongText | None = None
    cardStatus: Text16 | None = None
    children: list[LayoutLane] = []

    def to_domain(self) -> layout.LayoutLaneIn:
        return layout.LayoutLaneIn(
            id=self.id,
            title=self.title,
            lane_type=self.type,
            class_type=self.classType,
            index=self.index,
            columns=self.columns,
            orientation=self.orientation,
            is_connection_done_lane=self.isConnectionDoneLane,
            is_default_drop_lane=self.isDefaultDropLane,
            wip_limit=self.wipLimit,
            description=self.description if "description" in self.model_fields_set else UNSET,
            card_status=self.cardStatus,
            children=[child.to_domain() for child in self.children],
        )


class LayoutBody(BaseModel):
    lanes: list[LayoutLane]
    layoutChecksum: Text255


class LaneUpdate(BaseModel):
    title: Text255 | None = None
    # Accepted and ignored, as documented.
    type: Text16 | None = None
    description: LongText | None = None
    wipLimit: Int32 | None = None
    isDefaultDropLane: StrictBool | None = None
    isConnectionDoneLane: StrictBool | None = None
    cardStatus: Text16 | None = None
    sortBy: Text32 | None = None

    def to_domain(self) -> lane_domain.LaneChanges:
        names = {
            "title": "title",
            "description": "description",
            "wipLimit": "wip_limit",
            "isDefaultDropLane": "is_default_drop_lane",
            "isConnectionDoneLane": "is_connection_done_lane",
            "cardStatus": "card_status",
            "sortBy": "sort_by",
        }
        given = self.model_dump(exclude_unset=True)
        return lane_domain.LaneChanges(**{names[key]: value for key, value in given.items() if key in names})


@router.put("/board/{boardId:id}/layout", operation_id="updateBoardLayout")
async def put_layout(actor: Actor, db: Db, boardId: BoardId, body: LayoutBody = Body()) -> JSONResponse:
    async with db.begin() as conn:
        result = await layout.replace_layout(
            conn,
            actor=actor,
            board_id=boardId,
            lanes=[lane.to_domain() for lane in body.lanes],
            checksum=body.layoutChecksum,
        )
    return ok(shapes.layout(result.lanes, result.checksum))


@router.patch("/board/{boardId:id}/lane/{laneId:id}", operation_id="updateLane")
async def patch_lane(
    actor: Actor,
    db: Db,
    boardId: BoardId,
    laneId: LaneId,
    body: LaneUpdate = Body(),
) -> JSONResponse:
    async with db.begin() as conn:
        lane = await lane_domain.update_lane(
            conn, actor=actor, board_id=boardId, lane_id=laneId, changes=body.to_domain()
        )
    return ok(shapes.lane_patched(lane))


@router.get("/board/{boardId:id}/laneCount", operation_id="getLaneCount")
async def get_lane_count(
    actor: Actor,
    db: Db,
    boardId: BoardId,
    lanes: Annotated[str | None, Query(max_length=20000)] = None,
) -> JSONResponse:
    lane_ids = None
    if lanes is not None:
        parts = [part.strip() for part in lanes.split(",") if part.strip()]
        parsed = [parse_digits(part) for part in parts]
        if not all(value is not None and 0 < value < 2**63 for value in parsed):
            raise Invalid("lanes", "must be a comma-separated list of lane ids")
        lane_ids = [value for value in parsed if value is not None]
    async with db.read() as conn:
        counts = await lane_domain.lane_counts(conn, actor=actor, board_id=boardId, lane_ids=lane_ids)
    return ok(shapes.lane_counts(counts))


@router.get("/board/{boardId:id}/leafLanes", operation_id="getLeafLanes")
async def get_leaf_lanes(actor: Actor, db: Db, boardId: BoardId) -> JSONResponse:
    async with db.read() as conn:
        leaves = await lane_domain.leaf_lanes(conn, actor=actor, board_id=boardId)
    return ok(shapes.leaf_lanes(leaves))
