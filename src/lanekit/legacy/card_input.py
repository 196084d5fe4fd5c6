"""Reading the card a v1 call names and the card it sends: v1 Card bodies as the /io create and update take
them (`new_card` → `create.NewCard`, `card_changes` → `patch.CardChanges`), path positions and lanes, and
the card a path names on its board (by id or by external id)."""

from __future__ import annotations

from typing import Any

from lanekit.domain.access import board_access
from lanekit.domain.cards import create
from lanekit.domain.cards import lists as card_lists
from lanekit.domain.cards import patch as card_patch
from lanekit.domain.cards import read as card_read
from lanekit.domain.cards.patch_ops import check_scalar
from lanekit.domain.cards.values import check_external_link, check_ids, check_index, check_tags
from lanekit.domain.enums import PRIORITIES
from lanekit.domain.errors import Invalid, NotFound
from lanekit.legacy.parsing import (
    Fields,
    optional_id,
    path_id,
    tags,
    user_date,
)
from lanekit.legacy.routing import Call
from lanekit.storage.executor import Connection
from lanekit.storage.records import CardReadRecord

_PRIORITY_NAMES = {value: name for name, value in PRIORITIES.items()}


# --- v1 card bodies --------------------------------------------------------------------------------


def _priority(value: Any) -> str:
    """v1 priorities are 0-3 (Low, Normal, High, Critical); names are taken too."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in _PRIORITY_NAMES:
        return _PRIORITY_NAMES[value]
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return value.strip().lower()
    raise Invalid("Priority", "must be 0 (Low), 1 (Normal), 2 (High) or 3 (Critical)")


def _blocked(fields: Fields) -> bool:
    value = fields.get("IsBlocked")
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid("IsBlocked", "must be true or false")


def _link(fields: Fields) -> dict[str, Any] | None:
    name, url = fields.get("ExternalSystemName"), fields.get("ExternalSystemUrl")
    if not name and not url:
        return None
    return {"label": name or None, "url": url or None}


def _iso(fields: Fields, name: str, c: Call) -> str | None:
    day = user_date(fields.get(name), name, date_format=c.user.date_format)
    return None if day is None else day.isoformat()


def new_card(
    fields: Fields, c: Call, *, board_id: int, lane_id: int | None, index: int | None, comment: str | None
) -> create.NewCard:
    """A v1 Card body as the create of POST /io/card takes it."""
    blocked = _blocked(fields)
    reason = fields.get("BlockReason")
    if blocked and not (isinstance(reason, str) and reason.strip()):
        raise Invalid("BlockReason", "is required when IsBlocked is true")
    priority = fields.get("Priority")
    assigned = fields.get("AssignedUserIds")
    if assigned is None and optional_id(fields.get("AssignedUserId"), "AssignedUserId") is not None:
        assigned = [fields.get("AssignedUserId")]
    return create.NewCard(
        title=fields.get("Title"),
        board_id=board_id,
        lane_id=lane_id,
        index=index,
        type_id=optional_id(fields.get("TypeId"), "TypeId"),
        assigned_user_ids=assigned or None,
        description=fields.get("Description"),
        size=fields.get("Size"),
        block_reason=reason if blocked else None,
        priority=None if priority is None else _priority(priority),
        custom_icon_id=optional_id(fields.get("ClassOfServiceId"), "ClassOfServiceId"),
        custom_id=fields.get("ExternalCardID") or None,
        external_link=_link(fields),
        planned_start=_iso(fields, "StartDate", c),
        planned_finish=_iso(fields, "DueDate", c),
        tags=tags(fields.get("Tags"), "Tags") or None,
        wip_override_comment=comment,
        index_field="Position",
        lane_field="LaneId",
        board_field="BoardId",
    )


def card_changes(fields: Fields, c: Call, *, comment: str | None) -> card_patch.CardChanges:
    """The fields a v1 Card body gives, as the changes PATCH /io/card/:cardId applies; a field not sent
    stays as it is."""
    given: dict[str, Any] = {}
    where: dict[str, str] = {}

    def put(attribute: str, wire: str, v1_name: str, value: Any) -> None:
        given[attribute] = value
        where[wire] = v1_name

    if fields.given("Title"):
        put("title", "title", "Title", check_scalar("title", fields.get("Title"), "Title"))
    if fields.given("Description"):
        put(
            "description",
            "description",
            "Description",
            check_scalar("description", fields.get("Description") or "", "Description"),
        )
    if fields.given("TypeId") and optional_id(fields.get("TypeId"), "TypeId") is not None:
        put("type_id", "typeId", "TypeId", optional_id(fields.get("TypeId"), "TypeId"))
    if fields.given("Priority") and fields.get("Priority") is not None:
        put("priority", "priority", "Priority", _priority(fields.get("Priority")))
    if fields.given("Size") and fields.get("Size") is not None:
        put("size", "size", "Size", check_scalar("size", fields.get("Size"), "Size"))
    if fields.given("IsBlocked"):
        put("is_blocked", "isBlocked", "IsBlocked", _blocked(fields))
    if fields.given("BlockReason"):
        put(
            "block_reason",
            "blockReason",
            "BlockReason",
            check_scalar("blockReason", fields.get("BlockReason"), "BlockReason"),
        )
    if fields.given("StartDate"):
        put(
            "planned_start",
            "plannedStart",
            "StartDate",
            check_scalar("plannedStart", _iso(fields, "StartDate", c), "StartDate"),
        )
    if fields.given("DueDate"):
        put(
            "planned_finish",
            "plannedFinish",
            "DueDate",
            check_scalar("plannedFinish", _iso(fields, "DueDate", c), "DueDate"),
        )
    if fields.given("ExternalCardID"):
        put(
            "custom_id",
            "customId",
            "ExternalCardID",
            check_scalar("customId", fields.get("ExternalCardID") or None, "ExternalCardID"),
        )
    if fields.given("ExternalSystemName") or fields.given("ExternalSystemUrl"):
        put(
            "external_links",
            "externalLink",
            "ExternalSystemUrl",
            check_external_link(_link(fields), "ExternalSystemUrl"),
        )
    if fields.given("Tags"):
        put("tags", "tags", "Tags", check_tags(tags(fields.get("Tags"), "Tags"), "Tags"))
    if fields.given("ClassOfServiceId"):
        put(
            "custom_icon_id",
            "customIconId",
            "ClassOfServiceId",
            optional_id(fields.get("ClassOfServiceId"), "ClassOfServiceId"),
        )
    if fields.given("AssignedUserIds") and fields.get("AssignedUserIds") is not None:
        put(
            "assigned_user_ids",
            "assignedUserIds",
            "AssignedUserIds",
            check_ids(fields.get("AssignedUserIds"), "AssignedUserIds"),
        )
    lane_id = optional_id(fields.get("LaneId"), "LaneId")
    if lane_id is not None:
        put("lane_id", "laneId", "LaneId", lane_id)
    return card_patch.CardChanges(**given, wip_override_comment=comment, where=where)


def comment_of(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    return value


def position_of(c: Call) -> int | None:
    """A v1 position, checked as /io checks a card's `index`: past the lane's end (9999, documented as the
    optimal value) is the end."""
    return check_index(int(c.request.path_params["position"]), "Position")


def lane_of(c: Call) -> int | None:
    """Lane 0 is the board's default drop lane (what v1 clients send when they name none)."""
    value = int(c.request.path_params["laneId"])
    return None if value == 0 else path_id(c.request, "laneId", "lane")


async def card_on_board(conn: Connection, c: Call, *, board_id: int, card_id: int) -> CardReadRecord:
    read = await card_read.get_card(conn, actor=c.actor, card_id=card_id)
    if read.card.board_id != board_id:
        raise NotFound("card", card_id)
    return read


async def by_external_id(
    conn: Connection, c: Call, *, board_id: int, external_id: str
) -> list[CardReadRecord]:
    page = await card_lists.list_cards(
        conn,
        actor=c.actor,
        query=card_lists.CardQuery(board_id=board_id, custom_ids=[external_id], limit=card_lists.MAX_LIMIT),
    )
    return page.cards


async def board_version(conn: Connection, c: Call, board_id: int) -> int:
    return (await board_access(conn, actor=c.actor, board_id=board_id)).board.version
