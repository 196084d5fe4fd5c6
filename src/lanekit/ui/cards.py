"""The card panel: read a card, edit its fields, assign, block, comment, and its taskboard's tasks.

Edits are the API's JSON Patch operations applied by `patch.apply_patch` (the same values checks, WIP
limits for assignees, version bump and events as `PATCH /io/card/:cardId`); comments go through
`comments.add_comment`, tasks through `create_card` and `move_cards`.  Each answers the panel again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lanekit.domain.access import board_access
from lanekit.domain.boards import activity
from lanekit.domain.boards.reads import board_view
from lanekit.domain.cards import attachments, comments, connections, moves, patch, tasks
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards.create import NewCard, create_card
from lanekit.domain.errors import LanekitError
from lanekit.ui import views
from lanekit.ui.pages import refused, render
from lanekit.ui.session import Session, ctx_of, current_session

router = APIRouter(include_in_schema=False)
UiSession = Annotated[Session, Depends(current_session)]

PRIORITIES = ("low", "normal", "high", "critical")
MAX_COMMENTS = 100
MAX_TASKS = 200
MAX_LINKS = 100
MAX_EVENTS = 50


async def panel(
    request: Request, session: Session, card_id: int, *, status: int = 200, whole_page: bool = False
) -> Response:
    actor = session.actor
    async with ctx_of(request).db.read() as conn:
        read = await card_read.get_card(conn, actor=actor, card_id=card_id)
        access = await board_access(conn, actor=actor, board_id=read.card.board_id)
        listed = await comments.list_comments(
            conn,
            actor=actor,
            card_id=card_id,
            sort_by="newest",
            offset=0,
            limit=MAX_COMMENTS,
            include_children=False,
        )
        taskboard = await tasks.read_taskboard(conn, actor=actor, card_id=card_id)
        _, task_reads = (
            await tasks.list_tasks(conn, actor=actor, card_id=card_id, offset=0, limit=MAX_TASKS)
            if taskboard is not None
            else (0, [])
        )
        view = await board_view(conn, found=access)
        files = await attachments.list_attachments(conn, actor=actor, card_id=card_id)
        parents = await connections.list_parents(
            conn, actor=actor, card_id=card_id, board_id=None, offset=0, limit=MAX_LINKS
        )
        children = await connections.list_children(
            conn, actor=actor, card_id=card_id, board_id=None, statuses=None, offset=0, limit=MAX_LINKS
        )
        history = await activity.card_activity(
            conn, actor=actor, card_id=card_id, cursor=None, direction="older", limit=MAX_EVENTS
        )
    done_lanes = [lane.id for lane in taskboard.lanes if lane.lane_type == "completed"] if taskboard else []
    return render(
        request,
        "card_page.html" if whole_page else "card_panel.html",
        {
            "session": session,
            "read": read,
            "card": read.card,
            "face": views.card_face(read),
            "can_edit": access.allows("card.update"),
            "can_comment": access.allows("card.comment"),
            "can_attach": access.allows("card.attach"),
            "files": files,
            "parents": [views.card_face(r) for r in parents.cards],
            "children": [views.card_face(r) for r in children.cards],
            "history": [views.event_line(e) for e in history],
            "comments": listed.comments,
            "tasks": [(views.card_face(t), t.lane.id in done_lanes) for t in task_reads],
            "task_lane": {t.card.id: t.lane.id for t in task_reads},
            "done_lane": done_lanes[0] if done_lanes else None,
            "task_lanes": [(lane.id, lane.title) for lane in taskboard.lanes] if taskboard else [],
            "card_types": [t for t in view.card_types if t.is_card_type],
            "members": [views.person_of_member(m.user) for m in view.members],
            "priorities": PRIORITIES,
            "links": [
                link for link in (views.safe_link(x.get("url")) for x in read.card.external_links) if link
            ],
        },
        status=status,
    )


@router.get("/card/{cardId:id}")
async def card_panel(request: Request, session: UiSession, cardId: int) -> Response:
    """The panel (htmx), or, opened directly (a link in a new tab), a page holding it."""
    try:
        return await panel(request, session, cardId, whole_page="hx-request" not in request.headers)
    except LanekitError as exc:
        return refused(exc)


async def _patch(request: Request, session: Session, card_id: int, ops: list[dict[str, Any]]) -> Response:
    try:
        async with ctx_of(request).db.begin() as conn:
            await patch.apply_patch(
                conn, actor=session.actor, card_id=card_id, ops=ops, expected_version=None
            )
        return await panel(request, session, card_id)
    except LanekitError as exc:
        return refused(exc)


def _replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": f"/{path}", "value": value}


@router.post("/card/{cardId:id}")
async def edit_card(
    request: Request,
    session: UiSession,
    cardId: int,
    title: Annotated[str, Form(max_length=255)] = "",
    description: Annotated[str, Form(max_length=100_000)] = "",
    typeId: Annotated[str, Form(max_length=20)] = "",
    size: Annotated[str, Form(max_length=10)] = "0",
    priority: Annotated[str, Form(max_length=20)] = "normal",
    tags: Annotated[str, Form(max_length=5000)] = "",
    customId: Annotated[str, Form(max_length=255)] = "",
    plannedStart: Annotated[str, Form(max_length=20)] = "",
    plannedFinish: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    ops = [
        _replace("title", title),
        _replace("description", description or None),
        _replace("size", int(size) if size.strip().isdigit() else size),
        _replace("priority", priority),
        _replace("tags", [t.strip() for t in tags.split(",") if t.strip()]),
        _replace("customId", customId or None),
        _replace("plannedStart", plannedStart or None),
        _replace("plannedFinish", plannedFinish or None),
    ]
    if typeId:
        ops.append(_replace("typeId", typeId))
    return await _patch(request, session, cardId, ops)


@router.post("/card/{cardId:id}/block")
async def block_card(
    request: Request,
    session: UiSession,
    cardId: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
    blocked: Annotated[str, Form(max_length=5)] = "true",
) -> Response:
    if blocked == "true":
        ops = [_replace("isBlocked", True), _replace("blockReason", reason)]
    else:
        ops = [_replace("isBlocked", False), _replace("blockReason", reason or None)]
    return await _patch(request, session, cardId, ops)


@router.post("/card/{cardId:id}/assign")
async def assign(
    request: Request,
    session: UiSession,
    cardId: int,
    userId: Annotated[int, Form()],
    action: Annotated[str, Form(max_length=10)] = "add",
    wipOverrideComment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if action == "remove":
        ops: list[dict[str, Any]] = [{"op": "remove", "path": "/assignedUserIds", "value": str(userId)}]
    else:
        ops = [{"op": "add", "path": "/assignedUserIds/-", "value": str(userId)}]
        if wipOverrideComment:
            ops.append(_replace("wipOverrideComment", wipOverrideComment))
    return await _patch(request, session, cardId, ops)


@router.post("/card/{cardId:id}/comment")
async def add_comment(
    request: Request, session: UiSession, cardId: int, text: Annotated[str, Form(max_length=100_000)] = ""
) -> Response:
    try:
        async with ctx_of(request).db.begin() as conn:
            await comments.add_comment(conn, actor=session.actor, card_id=cardId, text=text)
        return await panel(request, session, cardId)
    except LanekitError as exc:
        return refused(exc)


@router.post("/card/{cardId:id}/task")
async def add_task(
    request: Request, session: UiSession, cardId: int, title: Annotated[str, Form(max_length=255)] = ""
) -> Response:
    try:
        async with ctx_of(request).db.begin() as conn:
            await create_card(
                conn,
                actor=session.actor,
                new=NewCard(title=title, parent_card_id=cardId, parent_field="cardId", lane_field="laneId"),
            )
        return await panel(request, session, cardId)
    except LanekitError as exc:
        return refused(exc)


@router.post("/card/{cardId:id}/task/{taskId:id}/move")
async def move_task(
    request: Request, session: UiSession, cardId: int, taskId: int, laneId: Annotated[int, Form()]
) -> Response:
    try:
        async with ctx_of(request).db.begin() as conn:
            await moves.move_cards(
                conn,
                actor=session.actor,
                card_ids=[taskId],
                destination=moves.MoveDestination(lane_id=laneId),
                wip_override_comment=None,
            )
        return await panel(request, session, cardId)
    except LanekitError as exc:
        return refused(exc)


@router.post("/card/{cardId:id}/connection")
async def connect(
    request: Request,
    session: UiSession,
    cardId: int,
    otherId: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[str, Form(max_length=10)] = "child",
    action: Annotated[str, Form(max_length=10)] = "add",
) -> Response:
    """Link (or unlink) a parent or child card by its id, as `POST`/`DELETE /io/card/connections` do."""
    links = {"children" if kind == "child" else "parents": [otherId.strip()]}
    change = connections.connect_cards if action == "add" else connections.disconnect_cards
    try:
        async with ctx_of(request).db.begin() as conn:
            await change(conn, actor=session.actor, card_ids=[str(cardId)], connections=links)
        return await panel(request, session, cardId)
    except LanekitError as exc:
        return refused(exc)
