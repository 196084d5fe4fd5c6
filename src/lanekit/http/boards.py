"""/io/board: list, read, create, change settings, delete, archive and unarchive boards (LeanKit API:
boards)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, StrictBool

from lanekit.domain.boards import boards
from lanekit.domain.boards import reads as board_reads
from lanekit.domain.errors import Invalid
from lanekit.domain.types import BoardId, Id, parse_digits
from lanekit.shapes import boards as shapes
from lanekit.shapes.common import page_meta
from lanekit.storage.executor import Connection
from lanekit.web.cache import Lookup, body_cache, cached_json, fill_once
from lanekit.web.deps import Actor, BaseUrl, Db, PageParams, paging
from lanekit.web.fields import Int32, LongText, Text32, Text255
from lanekit.web.routing import make_router, no_content, ok

router = make_router("board")


class BoardCreate(BaseModel):
    title: Text255
    description: LongText | None = None
    isShared: StrictBool = False
    sharedBoardRole: Text32 = "none"
    templateId: Id | None = None
    fromBoardId: Id | None = None
    includeCards: StrictBool = False
    includeExistingUsers: StrictBool = False
    baseWipOnCardSize: StrictBool = False
    excludeCompletedAndArchiveViolations: StrictBool = False
    level: Int32 | None = None
    customBoardUrl: Text255 | None = None

    def to_domain(self) -> boards.NewBoard:
        return boards.NewBoard(
            title=self.title,
            description=self.description or "",
            is_shared=self.isShared,
            shared_board_role=self.sharedBoardRole,
            base_wip_on_card_size=self.baseWipOnCardSize,
            exclude_completed_and_archive_violations=self.excludeCompletedAndArchiveViolations,
            template_id=self.templateId,
            from_board_id=self.fromBoardId,
            include_cards=self.includeCards,
            include_existing_users=self.includeExistingUsers,
            level=self.level,
            custom_board_url=self.customBoardUrl,
        )


class BoardUpdate(BaseModel):
    title: Text255 | None = None
    description: LongText | None = None
    isShared: StrictBool | None = None
    sharedBoardRole: Text32 | None = None
    baseWipOnCardSize: StrictBool | None = None
    excludeCompletedAndArchiveViolations: StrictBool | None = None
    customBoardUrl: Text255 | None = None
    enableCustomIcon: StrictBool | None = None
    customIconFieldLabel: Text255 | None = None
    allowUsersToDeleteCards: StrictBool | None = None
    defaultCardType: Id | None = None
    defaultTaskType: Id | None = None
    allowPlanviewIntegration: StrictBool | None = None
    level: Int32 | None = None

    def to_domain(self) -> boards.BoardChanges:
        names = {
            "title": "title",
            "description": "description",
            "isShared": "is_shared",
            "sharedBoardRole": "shared_board_role",
            "baseWipOnCardSize": "base_wip_on_card_size",
            "excludeCompletedAndArchiveViolations": "exclude_completed_and_archive_violations",
            "customBoardUrl": "custom_board_url",
            "enableCustomIcon": "enable_custom_icon",
            "customIconFieldLabel": "custom_icon_field_label",
            "allowUsersToDeleteCards": "allow_users_to_delete_cards",
            "defaultCardType": "default_card_type",
            "defaultTaskType": "default_task_type",
            "allowPlanviewIntegration": "allow_planview_integration",
            "level": "level",
        }
        given = self.model_dump(exclude_unset=True)
        return boards.BoardChanges(**{names[key]: value for key, value in given.items()})


def _csv_ids(raw: str | None, field: str) -> list[int] | None:
    if raw is None:
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    ids = [parse_digits(part) for part in parts]
    if not all(value is not None and 0 < value < 2**63 for value in ids):
        raise Invalid(field, "must be a comma-separated list of ids")
    return [value for value in ids if value is not None]


def _only(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    fields = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [f for f in fields if f not in shapes.LIST_FIELDS]
    if unknown:
        raise Invalid(
            "only", f"unknown field(s) {', '.join(unknown)}; choose from {', '.join(shapes.LIST_FIELDS)}"
        )
    return fields


@router.get("/board", operation_id="listBoards")
async def list_boards(
    actor: Actor,
    db: Db,
    page: PageParams = paging(200),
    search: Annotated[str | None, Query(max_length=255)] = None,
    boards_csv: Annotated[str | None, Query(alias="boards", max_length=20000)] = None,
    invert: bool = False,
    minimumAccess: int | None = None,
    archived: bool = False,
    only: Annotated[str | None, Query(max_length=1000)] = None,
) -> JSONResponse:
    board_ids = _csv_ids(boards_csv, "boards")
    fields = _only(only)
    async with db.read() as conn:
        found = await board_reads.list_boards(
            conn,
            actor=actor,
            offset=page.offset,
            limit=page.limit,
            search=search,
            board_ids=board_ids,
            invert=invert,
            minimum_access=minimumAccess,
            archived=archived,
        )
    meta = page_meta(total=found.total, offset=page.offset, limit=page.limit, returned=len(found.boards))
    return ok(shapes.board_list(found, page_meta=meta, only=fields))


@router.get("/board/{boardId:id}", operation_id="getBoard")
async def get_board(actor: Actor, db: Db, base_url: BaseUrl, boardId: BoardId, request: Request) -> Response:
    cache = body_cache(request)

    async def look(conn: Connection) -> Lookup[board_reads.BoardProbe]:
        probe = await board_reads.probe_board(conn, actor=actor, board_id=boardId)
        slot = ("board", actor.account_id, boardId, base_url, probe.variant)
        return Lookup(slot, cache.get(slot, key=probe.key) if cache is not None else None, probe)

    async def build(conn: Connection, found: Lookup[board_reads.BoardProbe]) -> Response:
        probe = found.state
        view = await board_reads.board_view(conn, found=probe.access, probe=probe)
        response = ok(shapes.board_detail(view, base_url=base_url))
        if cache is not None:
            cache.put(found.slot, bytes(response.body), key=probe.key)
        return response

    found, response = await fill_once(db, cache, look, build, cached_json)
    if found.state.visit_due:
        async with db.begin() as conn:
            await board_reads.record_visit(conn, actor=actor, board_id=boardId)
    return response


@router.post("/board", operation_id="createBoard")
async def create_board(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    body: BoardCreate = Body(),
    returnFullRecord: bool = False,
) -> JSONResponse:
    async with db.begin() as conn:
        board = await boards.create_board(conn, actor=actor, new=body.to_domain())
        view = await board_reads.get_board(conn, actor=actor, board_id=board.id) if returnFullRecord else None
    if view is not None:
        return ok(shapes.board_detail(view, base_url=base_url))
    return ok({"id": str(board.id)})


@router.patch("/board/{boardId:id}", status_code=204, operation_id="updateBoard")
async def patch_board(actor: Actor, db: Db, boardId: BoardId, body: BoardUpdate = Body()) -> Response:
    async with db.begin() as conn:
        await boards.update_board(conn, actor=actor, board_id=boardId, changes=body.to_domain())
    return no_content()


@router.delete("/board/{boardId:id}", status_code=204, operation_id="deleteBoard")
async def delete_board(actor: Actor, db: Db, boardId: BoardId) -> Response:
    async with db.begin() as conn:
        await boards.delete_board(conn, actor=actor, board_id=boardId)
    return no_content()


@router.post("/board/{boardId:id}/archive", status_code=204, operation_id="archiveBoard")
async def archive_board(actor: Actor, db: Db, boardId: BoardId) -> Response:
    async with db.begin() as conn:
        await boards.archive_board(conn, actor=actor, board_id=boardId)
    return no_content()


@router.post("/board/{boardId:id}/unarchive", status_code=204, operation_id="unarchiveBoard")
async def unarchive_board(actor: Actor, db: Db, boardId: BoardId) -> Response:
    async with db.begin() as conn:
        await boards.unarchive_board(conn, actor=actor, board_id=boardId)
    return no_content()
