"""Taskboards and task cards (LeanKit API: taskboards): `GET /io/card/:cardId/taskboard`, the task list, one
task, and the deprecated `POST /io/card/:cardId/tasks`.  Tasks are created the preferred way by
`POST /io/card` with `destination.cardId` (http/cards.py) and moved by `POST /io/card/move`."""

from __future__ import annotations

from typing import Any

from fastapi import Body
from fastapi.responses import JSONResponse

from lanekit.domain.cards import create as cards
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards import tasks
from lanekit.domain.types import CardId, Id
from lanekit.http.cards import CardFields
from lanekit.shapes import cards as card_shapes
from lanekit.shapes import tasks as shapes
from lanekit.shapes.common import page_meta
from lanekit.web.deps import Actor, BaseUrl, Db, PageParams, paging
from lanekit.web.routing import make_router, ok

router = make_router("task")


class TaskCreate(CardFields):
    """The deprecated create body: a card create's fields plus the task lane by `laneType` (or, as the
    official node client sends it, `laneTitle`) and a top-level `index`; a `cardId` in the body is ignored
    (the path names the card)."""

    laneTitle: Any = None
    laneId: Id | None = None
    index: Any = None

    def to_domain(self, card_id: int) -> cards.NewCard:
        return cards.NewCard(
            **self.card_values(),
            lane_id=self.laneId,
            index=self.index,
            parent_card_id=card_id,
            lane_title=self.laneTitle,
            index_field="index",
            lane_field="laneId",
            parent_field="cardId",
            lane_title_field="laneTitle",
        )


@router.get("/card/{cardId:id}/taskboard", operation_id="getCardTaskboard")
async def get_taskboard(actor: Actor, db: Db, cardId: CardId) -> JSONResponse:
    async with db.read() as conn:
        board = await tasks.read_taskboard(conn, actor=actor, card_id=cardId)
    if board is None:
        # The card has no taskboard yet: create its default lanes (decision 120).
        async with db.begin() as conn:
            board = await tasks.open_taskboard(conn, actor=actor, card_id=cardId)
    return ok(shapes.taskboard(board))


@router.get("/card/{cardId:id}/tasks", operation_id="listCardTasks")
async def list_tasks(
    actor: Actor, db: Db, base_url: BaseUrl, cardId: CardId, page: PageParams = paging(20)
) -> JSONResponse:
    async with db.read() as conn:
        total, records = await tasks.list_tasks(
            conn, actor=actor, card_id=cardId, offset=page.offset, limit=page.limit
        )
    faces = [card_shapes.card_face(r, base_url=base_url) for r in records]
    return ok(
        {
            "pageMeta": page_meta(total=total, offset=page.offset, limit=page.limit, returned=len(faces)),
            "cards": faces,
        }
    )


@router.post("/card/{cardId:id}/tasks", operation_id="createCardTask", status_code=201, deprecated=True)
async def create_task(
    actor: Actor, db: Db, base_url: BaseUrl, cardId: CardId, body: TaskCreate = Body()
) -> JSONResponse:
    async with db.begin() as conn:
        task = await cards.create_card(conn, actor=actor, new=body.to_domain(cardId))
        read = await card_read.get_card(conn, actor=actor, card_id=task.id)
    return ok(
        {**card_shapes.card_detail(read, base_url=base_url), "taskBoard": shapes.task_board_of(read)}, 201
    )


@router.get("/card/{cardId:id}/tasks/{taskId:id}", operation_id="getCardTask")
async def get_task(actor: Actor, db: Db, base_url: BaseUrl, cardId: CardId, taskId: CardId) -> JSONResponse:
    async with db.read() as conn:
        read = await tasks.get_task(conn, actor=actor, card_id=cardId, task_id=taskId)
    return ok(card_shapes.card_detail(read, base_url=base_url))
