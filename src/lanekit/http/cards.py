"""/io/card: create, get, list, JSON-Patch update, bulk, move, delete, assign (LeanKit API: cards),
and the board-level card reads `GET /io/board/:boardId/card` (faces) and `GET /io/board/:boardId/tag`.
Faces and one board's card lists are served from the body cache (docs/decisions/163-body-cache.md,
166-card-list-cache.md)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any

from fastapi import Body, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from lanekit.domain import clock
from lanekit.domain.access import BoardAccess
from lanekit.domain.body_cache import BodyCache
from lanekit.domain.cards import assignees, delete, moves
from lanekit.domain.cards import create as cards
from lanekit.domain.cards import lists as card_lists
from lanekit.domain.cards import patch as card_patch
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards.values import check_index
from lanekit.domain.errors import Invalid
from lanekit.domain.types import BoardId, CardId, Id
from lanekit.http.attachments import Blobs
from lanekit.shapes import cards as shapes
from lanekit.shapes.common import ident, page_meta
from lanekit.storage.executor import Connection
from lanekit.web.cache import Lookup, body_cache, cached_json, fill_once
from lanekit.web.deps import Actor, BaseUrl, Db, PageParams, paging
from lanekit.web.fields import IdList, LongText, OpList
from lanekit.web.routing import make_router, no_content, ok

router = make_router("card")

_LENIENT = ConfigDict(extra="ignore")


class Destination(BaseModel):
    model_config = _LENIENT
    boardId: Id | None = None
    laneId: Id | None = None
    cardId: Id | None = None
    index: Any = None
    laneTitle: Any = None


class CardFields(BaseModel):
    """The card fields a create body carries (LeanKit API: `POST /io/card`), shared by `POST /io/card` and the
    deprecated `POST /io/card/:cardId/tasks`; values are checked in the domain, which names the field at
    fault."""

    model_config = _LENIENT
    title: Any = None
    typeId: Any = None
    assignedUserIds: Any = None
    description: Any = None
    size: Any = None
    blockReason: Any = None
    priority: Any = None
    customIconId: Any = None
    customId: Any = None
    externalLink: Any = None
    plannedStart: Any = None
    plannedFinish: Any = None
    tags: Any = None
    wipOverrideComment: Any = None
    customFields: Any = None
    laneType: Any = None

    def card_values(self) -> dict[str, Any]:
        """The NewCard arguments these fields give."""
        return dict(
            title=self.title,
            type_id=self.typeId,
            assigned_user_ids=self.assignedUserIds,
            description=self.description,
            size=self.size,
            block_reason=self.blockReason,
            priority=self.priority,
            custom_icon_id=self.customIconId,
            custom_id=self.customId,
            external_link=self.externalLink,
            planned_start=self.plannedStart,
            planned_finish=self.plannedFinish,
            tags=self.tags,
            wip_override_comment=self.wipOverrideComment,
            custom_fields=self.customFields,
            lane_type=self.laneType,
        )


class CardCreate(CardFields):
    destination: Destination | None = None
    # The older top-level form, which `POST /io/card` still accepts for backward compatibility.
    boardId: Id | None = None
    laneId: Id | None = None
    index: Any = None
    connections: Any = None
    dependencies: Any = None
    mirrorSourceCardId: Any = None
    copiedFromCardId: Any = None

    def to_domain(self) -> cards.NewCard:
        dest = self.destination
        uses_destination = dest is not None and (dest.boardId or dest.laneId or dest.cardId) is not None
        if uses_destination:
            assert dest is not None
            board_id, lane_id, index, parent = dest.boardId, dest.laneId, dest.index, dest.cardId
            prefix = "destination."
        else:
            board_id, lane_id, index, parent = self.boardId, self.laneId, self.index, None
            prefix = ""
            if dest is not None and dest.index is not None and index is None:
                index, prefix = dest.index, "destination."
        return cards.NewCard(
            **self.card_values(),
            board_id=board_id,
            lane_id=lane_id,
            index=index,
            parent_card_id=parent,
            lane_title=dest.laneTitle if dest is not None else None,
            connections=self.connections,
            dependencies=self.dependencies,
            mirror_source_card_id=self.mirrorSourceCardId,
            copied_from_card_id=self.copiedFromCardId,
            index_field=f"{prefix}index",
            lane_field=f"{prefix}laneId",
            board_field=f"{prefix}boardId",
        )


class MoveDestination(BaseModel):
    model_config = _LENIENT
    laneId: Id | None = None
    boardId: Id | None = None
    cardId: Id | None = None
    index: Any = None


class CardMove(BaseModel):
    model_config = _LENIENT
    cardIds: IdList
    destination: MoveDestination
    wipOverrideComment: LongText | None = None


class CardIds(BaseModel):
    model_config = _LENIENT
    cardIds: IdList


class CardAssign(BaseModel):
    model_config = _LENIENT
    cardIds: IdList
    userIdsToAssign: IdList = []
    teamIdsToAssign: IdList = []
    userIdsToUnassign: IdList = []
    teamIdsToUnassign: IdList = []
    # Spellings seen in the docs' first example and in clients (LeanKit API: `POST /io/card/assign`).
    userIdToUnassign: IdList = []
    teamIdToUnassign: IdList = []
    userIds: IdList = []
    wipOverrideComment: Any = None


class BulkUpdate(BaseModel):
    model_config = _LENIENT
    cardIds: IdList
    updates: OpList


# --- create / read ---------------------------------------------------------------------------------------


@router.post("/card", operation_id="createCard", status_code=201)
async def create_card(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    body: CardCreate = Body(),
    returnFullRecord: Annotated[bool, Query()] = False,
) -> JSONResponse:
    async with db.begin() as conn:
        card = await cards.create_card(conn, actor=actor, new=body.to_domain())
        read = await card_read.get_card(conn, actor=actor, card_id=card.id) if returnFullRecord else None
    if read is None:
        return ok({"id": ident(card.id)}, 201)
    return ok(shapes.card_detail(read, base_url=base_url), 201)


# --- lists (before /card/{cardId} so the literal paths win) ---------------------------------------------


def _csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _list_response(
    result: card_lists.CardPage, *, base_url: str, query: card_lists.CardQuery
) -> JSONResponse:
    if query.deleted:
        items: list[dict[str, Any]] = [{"id": ident(i)} for i in result.deleted_ids]
    else:
        items = [
            shapes.select_fields(
                shapes.card_list_item(r, base_url=base_url, include=query.include),
                only=query.only,
                omit=query.omit,
            )
            for r in result.cards
        ]
    body: dict[str, Any] = {
        "cards": items,
        "pageMeta": page_meta(
            total=result.total, offset=query.offset, limit=query.limit, returned=len(items)
        ),
    }
    if query.card_ids is not None:
        body["inaccessibleCards"] = [
            {"id": ident(i.card_id), "isDeleted": i.is_deleted, "hasAccess": i.has_access}
            for i in result.inaccessible
        ]
    return ok(body)


def _query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_TEXT: dict[str, Any] = {"type": "string"}
_CSV = "A comma-separated list of "
# `list_cards` reads the query string by hand (a list parameter is one comma-separated value, as LeanKit
# documents it, not repeated keys), so FastAPI sees none of them: they are declared here for the
# OpenAPI document, after LeanKit's "Get a list of cards" (GET /io/card) page.
LIST_CARDS_PARAMETERS = [
    _query_parameter(
        "offset", "The number of cards to skip.", {"type": "integer", "minimum": 0, "default": 0}
    ),
    _query_parameter(
        "limit",
        "The number of cards to return.",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": card_lists.MAX_LIMIT,
            "default": card_lists.DEFAULT_LIMIT,
        },
    ),
    _query_parameter(
        "select",
        "Cards, task cards or both.",
        {"type": "string", "enum": list(card_lists.SELECTS), "default": "cards"},
    ),
    _query_parameter("board", "Only cards of this board (an id).", _TEXT),
    _query_parameter("lanes", _CSV + "lane ids: only cards in these lanes.", _TEXT),
    _query_parameter("cards", _CSV + "card ids: only these cards (adds `inaccessibleCards`).", _TEXT),
    _query_parameter("search", "Full-text search on the title and the custom id.", _TEXT),
    _query_parameter("customId", "Only cards with this custom (external) id.", _TEXT),
    _query_parameter("customIds", _CSV + "custom ids.", _TEXT),
    _query_parameter("type", "Only cards of this card type (an id).", _TEXT),
    _query_parameter("types", _CSV + "card type ids.", _TEXT),
    _query_parameter("custom_icon", "Only cards with this custom icon (an id).", _TEXT),
    _query_parameter("assignedUserIds", _CSV + "user ids: only cards assigned to one of them.", _TEXT),
    _query_parameter(
        "lane_class_types", _CSV + "lane class types: " + ", ".join(card_lists.LANE_CLASS_TYPES) + ".", _TEXT
    ),
    _query_parameter(
        "since", "Only cards updated after this ISO 8601 instant.", {"type": "string", "format": "date-time"}
    ),
    _query_parameter(
        "deleted", "Return the ids of deleted cards instead.", {"type": "boolean", "default": False}
    ),
    _query_parameter("only", _CSV + "fields: return only these (and `id`).", _TEXT),
    _query_parameter("omit", _CSV + "fields: return all but these (`id` stays).", _TEXT),
    _query_parameter(
        "sort",
        "The order: `rank` when searching, else `activity`.",
        {"type": "string", "enum": list(card_lists.SORTS)},
    ),
    _query_parameter(
        "include", _CSV + "optional blocks: " + ", ".join(card_lists.LIST_INCLUDES) + ".", _TEXT
    ),
]


@router.get("/card", operation_id="listCards", openapi_extra={"parameters": LIST_CARDS_PARAMETERS})
async def list_cards(actor: Actor, db: Db, base_url: BaseUrl, request: Request) -> Response:
    params = request.query_params
    raw: dict[str, Any] = {}
    for key in card_lists.SCALAR_PARAMS:
        if key in params:
            raw[key] = params[key]
    for key in card_lists.LIST_PARAMS:
        if key in params:
            raw[key] = _csv(params[key])
    query = card_lists.parse_query(raw, from_query_string=True)
    return await _list(actor, db, base_url, request, query)


@router.post("/card/list", operation_id="listCardsByBody")
async def list_cards_by_body(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    request: Request,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    query = card_lists.parse_query(body or {}, from_query_string=False)
    return await _list(actor, db, base_url, request, query)


async def _list(
    actor: Actor, db: Db, base_url: str, request: Request, query: card_lists.CardQuery
) -> Response:
    """Both list endpoints: a page of one board's cards that every reader of the board sees alike is served
    from the body cache while the board's version is unchanged (docs/decisions/166-card-list-cache.md)."""
    cache = body_cache(request)

    async def look(conn: Connection) -> Lookup[card_lists.CardListing]:
        listing = await card_lists.open_list(conn, actor=actor, query=query)
        key = listing.cache_key
        if cache is None or key is None:
            return Lookup(None, None, listing)
        # The caller is not in the slot: the page shows nothing per caller (the decision's audit).
        slot = ("cards", actor.account_id, key.board_id, base_url, key.parameters)
        return Lookup(slot, cache.get(slot, key=key.version), listing)

    async def build(conn: Connection, found: Lookup[card_lists.CardListing]) -> Response:
        listing = found.state
        response = _list_response(await card_lists.read_list(conn, listing=listing), base_url=base_url,
                                  query=query)  # fmt: skip
        if cache is not None and found.slot is not None and listing.cache_key is not None:
            cache.put(found.slot, bytes(response.body), key=listing.cache_key.version)
        return response

    return (await fill_once(db, cache, look, build, cached_json))[1]


# --- writes on many cards --------------------------------------------------------------------------------


@router.post("/card/move", operation_id="moveCards")
async def move_cards(actor: Actor, db: Db, body: CardMove = Body()) -> JSONResponse:
    index = (
        None if body.destination.index is None else check_index(body.destination.index, "destination.index")
    )
    async with db.begin() as conn:
        await moves.move_cards(
            conn,
            actor=actor,
            card_ids=body.cardIds,
            destination=moves.MoveDestination(
                lane_id=body.destination.laneId,
                board_id=body.destination.boardId,
                index=index,
                card_id=body.destination.cardId,
            ),
            wip_override_comment=body.wipOverrideComment,
        )
    return ok({})


@router.post("/card/assign", operation_id="assignCards")
async def assign_cards(actor: Actor, db: Db, body: CardAssign = Body()) -> JSONResponse:
    async with db.begin() as conn:
        versions = await assignees.assign(
            conn,
            actor=actor,
            card_ids=body.cardIds,
            assign_ids=list(dict.fromkeys(body.userIdsToAssign + body.userIds)),
            unassign_ids=list(dict.fromkeys(body.userIdsToUnassign + body.userIdToUnassign)),
            team_ids=body.teamIdsToAssign,
            wip_override_comment=body.wipOverrideComment,
        )
    return ok({"updatedBoards": [{"boardId": ident(b), "version": str(v)} for b, v in versions.items()]})


@router.delete("/card", operation_id="deleteCards", status_code=204)
async def delete_cards(actor: Actor, db: Db, blobs: Blobs, body: CardIds = Body()) -> Response:
    async with db.begin() as conn:
        # The attachments' blobs go once this commits (domain/cards/attachments.py).
        await delete.delete_cards(conn, actor=actor, card_ids=body.cardIds, blobs=blobs)
    return no_content()


@router.patch("/card/bulk", operation_id="updateCardsBulk", status_code=202)
async def bulk_update(actor: Actor, db: Db, body: BulkUpdate = Body()) -> Response:
    async with db.begin() as conn:
        await card_patch.bulk_update(conn, actor=actor, card_ids=body.cardIds, ops=body.updates)
    return Response(status_code=202)


# --- one card --------------------------------------------------------------------------------------------


@router.get("/card/{cardId:id}", operation_id="getCard")
async def get_card(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    excludeComments: Annotated[bool, Query()] = False,
) -> JSONResponse:
    async with db.read() as conn:
        read = await card_read.get_card(conn, actor=actor, card_id=cardId)
    return ok(shapes.card_detail(read, base_url=base_url, exclude_comments=excludeComments))


@router.patch("/card/{cardId:id}", operation_id="updateCard")
async def patch_card(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    cardId: CardId,
    body: Annotated[Any, Body()] = None,
    version: Annotated[str | None, Header(alias="x-lk-resource-version")] = None,
) -> JSONResponse:
    ops = body if isinstance(body, list) else [body] if isinstance(body, dict) else None
    if ops is None:
        raise Invalid("body", "must be an array of JSON Patch operations")
    async with db.begin() as conn:
        await card_patch.apply_patch(conn, actor=actor, card_id=cardId, ops=ops, expected_version=version)
        # Re-read inside the write transaction: the body shows this change, not a later one.
        read = await card_read.get_card(conn, actor=actor, card_id=cardId)
    return ok(shapes.card_detail(read, base_url=base_url))


@router.delete("/card/{cardId:id}", operation_id="deleteCard", status_code=204)
async def delete_card(actor: Actor, db: Db, blobs: Blobs, cardId: CardId) -> Response:
    async with db.begin() as conn:
        await delete.delete_cards(conn, actor=actor, card_ids=[cardId], blobs=blobs)
    return no_content()


# --- board-level card reads ------------------------------------------------------------------------------


@router.get("/board/{boardId:id}/card", operation_id="listBoardCardFaces", tags=["preview"])
async def list_board_cards(
    actor: Actor,
    db: Db,
    base_url: BaseUrl,
    boardId: BoardId,
    request: Request,
    page: PageParams = paging(200),
    lanes: Annotated[str | None, Query()] = None,
    cards_param: Annotated[str | None, Query(alias="cards")] = None,
    ignoreArchiveDate: Annotated[bool, Query()] = False,
) -> Response:
    lane_ids = card_lists.ids_of(_csv(lanes), "lanes")
    card_ids = card_lists.ids_of(_csv(cards_param), "cards")
    cache = body_cache(request)
    slot = (
        "faces",
        actor.account_id,
        boardId,
        base_url,
        None if lane_ids is None else tuple(lane_ids),
        None if card_ids is None else tuple(card_ids),
        ignoreArchiveDate,
        page.offset,
        page.limit,
    )

    async def look(conn: Connection) -> Lookup[BoardAccess]:
        access = await card_lists.open_faces(conn, actor=actor, board_id=boardId)
        body = None
        if cache is not None and (linked := cache.deps(slot)) is not None:
            key = await card_lists.faces_key(conn, access=access, linked=linked)
            body = cache.get(slot, key=key.shared, variant=key.variant, now=clock.now())
        return Lookup(slot, body, access)

    async def build(conn: Connection, found: Lookup[BoardAccess]) -> Response:
        return await _build_faces(
            conn, cache, slot, found.state, base_url=base_url, page=page, lane_ids=lane_ids,
            card_ids=card_ids, ignore_archive_date=ignoreArchiveDate,
        )  # fmt: skip

    return (await fill_once(db, cache, look, build, cached_json))[1]


async def _build_faces(
    conn: Connection,
    cache: BodyCache | None,
    slot: Hashable,
    access: BoardAccess,
    *,
    base_url: str,
    page: PageParams,
    lane_ids: list[int] | None,
    card_ids: list[int] | None,
    ignore_archive_date: bool,
) -> Response:
    found = await card_lists.read_faces(
        conn,
        access=access,
        lane_ids=lane_ids,
        card_ids=card_ids,
        ignore_archive_date=ignore_archive_date,
        offset=page.offset,
        limit=page.limit,
    )
    faces = [shapes.card_face(r, base_url=base_url) for r in found.cards]
    response = ok(
        {
            "pageMeta": page_meta(
                total=found.total, offset=page.offset, limit=page.limit, returned=len(faces)
            ),
            "cards": faces,
        }
    )
    if cache is not None:
        cache.put(
            slot,
            bytes(response.body),
            key=found.key.shared,
            variant=found.key.variant,
            deps=found.linked,
            expires=found.expires,
        )
    return response


@router.get("/board/{boardId:id}/tag", operation_id="listBoardTags")
async def list_board_tags(actor: Actor, db: Db, boardId: BoardId) -> JSONResponse:
    async with db.read() as conn:
        usage = await card_lists.tag_usage(conn, actor=actor, board_id=boardId)
    return ok({"tags": usage})
