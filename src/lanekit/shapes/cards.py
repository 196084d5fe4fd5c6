"""The LeanKit card shapes (LeanKit API: cards), each built from one `CardReadRecord`.

- `card_detail`: the full card of `GET /io/card/:cardId`, create with `returnFullRecord`, PATCH.
- `card_list_item`: the flattened list item of `GET /io/card` / `POST /io/card/list`.
- `card_face`: the card face of `GET /io/board/:boardId/card`.

Collaboration fields (comments, attachments, connections, task boards) are present with their empty values
until the features that fill them exist.
"""

from __future__ import annotations

from typing import Any

from lanekit.domain.boards.defaults import board_settings, icon_path
from lanekit.shapes.common import day_instant, ident, instant, instant_ms, plain_date
from lanekit.shapes.users import avatar_url
from lanekit.storage.records import (
    AttachmentRecord,
    CardFieldValueRecord,
    CardReadRecord,
    CommentRecord,
    ConnectedCardStats,
    UserRef,
)

ICON_CARD_COLOR = "#FFFFFF"


def user_ref(user: UserRef | None, *, base_url: str) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": ident(user.id),
        "emailAddress": user.email,
        "fullName": user.full_name,
        "avatar": avatar_url(base_url, user.id),
    }


def comment_item(comment: CommentRecord, *, base_url: str) -> dict[str, Any]:
    """A comment as the full card and the comment writes (LeanKit API: card comments) show it; lists add
    `cardId`."""
    return {
        "id": ident(comment.id),
        "createdOn": instant(comment.created_on),
        "createdBy": user_ref(comment.created_by, base_url=base_url),
        "text": comment.text,
    }


def assigned_user(user: UserRef, *, base_url: str) -> dict[str, Any]:
    return {
        "id": ident(user.id),
        "emailAddress": user.email,
        "fullName": user.full_name,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "avatar": avatar_url(base_url, user.id),
    }


def _settings(read: CardReadRecord) -> dict[str, Any]:
    return board_settings(read.board.settings)


def custom_id(read: CardReadRecord) -> dict[str, Any]:
    settings = _settings(read)
    value = read.card.custom_id
    prefix = settings.get("prefix") if settings.get("isPrefixEnabled") else None
    url = None
    template = settings.get("format")
    if value and settings.get("isHyperlinkEnabled") and isinstance(template, str) and template:
        shown = f"{prefix or ''}{value}" if settings.get("isPrefixIncludedInHyperlink") else value
        url = template.replace("{id}", shown)
    return {"value": value, "prefix": prefix, "url": url}


def custom_header(identity: dict[str, Any]) -> dict[str, Any]:
    """`customHeader` of card faces and child cards, from the `customId` block: the prefixed value."""
    return {
        "value": identity["value"],
        "header": f"{identity['prefix'] or ''}{identity['value']}" if identity["value"] else None,
        "url": identity["url"],
    }


def assignee_refs(read: CardReadRecord, *, base_url: str) -> list[dict[str, Any]]:
    """`assignedUsers` of list items and card faces: id, name, email and avatar of each assignee."""
    return [
        {
            "id": ident(u.id),
            "fullName": u.full_name,
            "emailAddress": u.email,
            "avatar": avatar_url(base_url, u.id),
        }
        for u in read.assignees
    ]


def blocked_status(read: CardReadRecord, *, with_date: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"isBlocked": read.card.is_blocked, "reason": read.card.blocked_reason}
    if with_date:
        body["date"] = instant(read.card.blocked_on)
    return body


def board_ref(read: CardReadRecord) -> dict[str, Any]:
    return {
        "id": ident(read.board.id),
        "title": read.board.title,
        "version": str(read.board.version),
        "isArchived": read.board.is_archived,
    }


def lane_ref(read: CardReadRecord) -> dict[str, Any]:
    lane = read.lane
    return {
        "cardLimit": lane.wip_limit,
        "description": lane.description,
        "id": ident(lane.id),
        "index": lane.position,
        "laneClassType": lane.lane_class_type,
        "laneType": lane.lane_type,
        "orientation": lane.orientation,
        "title": lane.title,
        "taskBoard": task_board_ref(read),
        "cardStatus": lane.card_status,
    }


def task_board_ref(read: CardReadRecord) -> dict[str, Any] | None:
    """A task lane's `taskBoard`: its owner card's id and the board version (decision 120); null elsewhere."""
    if read.lane.task_card_id is None:
        return None
    return {"id": ident(read.lane.task_card_id), "version": str(read.board.version)}


def task_board_stats(read: CardReadRecord) -> dict[str, Any] | None:
    """`taskBoardStats`: null when the card has no live tasks."""
    stats = read.task_stats
    if stats is None:
        return None
    return {
        "totalCount": stats.total_count,
        "completedCount": stats.completed_count,
        "totalSize": stats.total_size,
        "completedSize": stats.completed_size,
    }


def type_ref(read: CardReadRecord) -> dict[str, Any]:
    return {
        "id": ident(read.card_type.id),
        "title": read.card_type.name,
        "cardColor": read.card_type.color_hex,
    }


def custom_icon(read: CardReadRecord, *, base_url: str, with_policy: bool = True) -> dict[str, Any] | None:
    icon = read.icon
    if icon is None:
        return None
    body: dict[str, Any] = {
        "id": ident(icon.id),
        "title": icon.name,
        "cardColor": ICON_CARD_COLOR,
        "iconColor": icon.icon_color,
        "iconName": icon.icon_name,
        "iconPath": base_url.rstrip("/") + icon_path(icon.icon_color, icon.icon_name),
    }
    if with_policy:
        body["policy"] = icon.policy or ""
    return body


def attachment_item(attachment: AttachmentRecord, *, base_url: str) -> dict[str, Any]:
    """An attachment as the full card and the attachment endpoints (LeanKit API: attachments) show it."""
    return {
        "id": ident(attachment.id),
        "attachmentSize": attachment.size,
        "createdBy": user_ref(attachment.created_by, base_url=base_url),
        "changedBy": user_ref(attachment.changed_by, base_url=base_url),
        "createdOn": instant(attachment.created_on),
        "updatedOn": instant(attachment.updated_on),
        "description": attachment.description,
        "name": attachment.name,
        "storageId": attachment.storage_id,
    }


def field_value(value: CardFieldValueRecord) -> dict[str, Any]:
    return {"fieldId": ident(value.field_id), "type": value.type, "label": value.label, "value": value.value}


def external_links(read: CardReadRecord) -> list[dict[str, Any]]:
    return [{"label": link.get("label"), "url": link.get("url")} for link in read.card.external_links]


def scoring() -> dict[str, Any]:
    """`scoring` of the full card and the card face, in the shape of LeanKit's `GET /io/card/:cardId` example.

    Lanekit has no card scoring yet, so every card shows the unscored value: no override, no totals, no
    metric scores.  A new dict each call, so a caller that edits one body never changes another.
    """
    return {
        "isTemplateChanged": False,
        "scoreTotal": None,
        "scoreOverride": None,
        "confidenceTotal": None,
        "scores": [],
    }


def _dates(read: CardReadRecord) -> dict[str, Any]:
    card = read.card
    return {
        "plannedStart": plain_date(card.planned_start),
        "plannedFinish": plain_date(card.planned_finish),
        "actualStart": instant(card.actual_start),
        "actualFinish": instant(card.actual_finish),
        "createdOn": instant(card.created_on),
        "updatedOn": instant(card.updated_on),
        "movedOn": instant(card.moved_on),
        "archivedOn": instant(card.archived_on),
    }


def parent_cards(read: CardReadRecord) -> list[dict[str, Any]]:
    """`parentCards` of the full card and list item: the parents the caller can read."""
    return [{"cardId": ident(p.card_id), "boardId": ident(p.board_id)} for p in read.parent_cards]


def progress(done: int, total: int) -> float | int:
    """A completion percentage: `done` of `total` (0 when there is no total)."""
    if total <= 0:
        return 0
    value = done / total * 100
    return int(value) if value.is_integer() else value


def connected_card_stats(
    stats: ConnectedCardStats | None, *, drill_through: bool = False
) -> dict[str, Any] | None:
    """The statistics of a card's children; null for a card without live children.

    - `connectedCardStats` (the full card's, the default): totals as `totalCount`/`totalSize`, planned dates
      as plain dates, instants to the second; `actualFinish` shows only once every child is finished, as in
      the documented examples.
    - `drill_through`: `drillThroughStats` and each board's `cardStats` of `GET /io/card/:cardId/statistics`
      (LeanKit API): planned dates as midnight instants, instants to the millisecond, the latest
      `actualFinish`, and `size`, `count`, `hasCardProjectedLate` and `progress` (= completed size / size
      * 100) last.
    """
    if stats is None:
        return None
    body: dict[str, Any] = {
        "startedCount": stats.started_count,
        "startedSize": stats.started_size,
        "notStartedCount": stats.not_started_count,
        "notStartedSize": stats.not_started_size,
        "completedCount": stats.completed_count,
        "completedSize": stats.completed_size,
        "blockedCount": stats.blocked_count,
    }
    if drill_through:
        body.update(
            plannedStart=day_instant(stats.planned_start),
            plannedFinish=day_instant(stats.planned_finish),
            actualStart=instant_ms(stats.actual_start),
            actualFinish=instant_ms(stats.actual_finish),
        )
    else:
        all_done = stats.completed_count == stats.total_count
        body.update(
            totalCount=stats.total_count,
            totalSize=stats.total_size,
            plannedStart=plain_date(stats.planned_start),
            plannedFinish=plain_date(stats.planned_finish),
            actualStart=instant(stats.actual_start),
            actualFinish=instant(stats.actual_finish) if all_done else None,
        )
    body["pastDueCount"] = stats.past_due_count
    body["projectedLateCount"] = stats.projected_late_count
    if drill_through:
        body.update(
            size=stats.total_size,
            count=stats.total_count,
            hasCardProjectedLate=stats.projected_late_count > 0,
            progress=progress(stats.completed_size, stats.total_size),
        )
    return body


def card_detail(read: CardReadRecord, *, base_url: str, exclude_comments: bool = False) -> dict[str, Any]:
    """The full card (LeanKit API: `GET /io/card/:cardId`)."""
    card = read.card
    body: dict[str, Any] = {
        "id": ident(card.id),
        "title": card.title,
        "description": card.description,
        "index": read.index,
        "version": str(card.version),
        "priority": card.priority,
        "size": card.size,
        "tags": list(card.tags),
        "color": read.card_type.color_hex,
        "iconPath": None,
        "customIconLabel": _settings(read)["customIconFieldLabel"],
        "customIcon": custom_icon(read, base_url=base_url),
        "customId": custom_id(read),
        "externalLinks": external_links(read),
        **_dates(read),
        "blockedStatus": blocked_status(read),
        "board": board_ref(read),
        "lane": lane_ref(read),
        "type": type_ref(read),
        "taskBoardStats": task_board_stats(read),
        "subscriptionId": None,
        "createdBy": user_ref(read.created_by, base_url=base_url),
        "updatedBy": user_ref(read.updated_by, base_url=base_url),
        "movedBy": user_ref(read.moved_by, base_url=base_url),
        "archivedBy": user_ref(read.archived_by, base_url=base_url),
        "assignedUsers": [assigned_user(u, base_url=base_url) for u in read.assignees],
        "assignedTeams": [],
        "attachments": [attachment_item(a, base_url=base_url) for a in read.attachments],
        "commentsCount": read.comments_count,
        "childCommentsCount": read.child_comments_count,
        "comments": [comment_item(c, base_url=base_url) for c in read.comments],
        "parentCards": parent_cards(read),
        "customFields": [field_value(v) for v in read.field_values],
        "planningIncrements": [],
        "connectedCardStats": connected_card_stats(read.connected_stats),
        "scoring": scoring(),
    }
    if card.mirror_source_card_id is not None:
        body["mirrorSourceCardId"] = ident(card.mirror_source_card_id)
    if exclude_comments:
        del body["comments"]
    return body


def card_list_item(
    read: CardReadRecord, *, base_url: str, include: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The list item (LeanKit API: `GET /io/card`); `include` adds the optional blocks."""
    card = read.card
    body: dict[str, Any] = {
        "assignedUsers": assignee_refs(read, base_url=base_url),
        "assignedTeams": [],
        "id": ident(card.id),
        "index": read.index,
        "version": str(card.version),
        "title": card.title,
        "description": card.description,
        "priority": card.priority,
        "size": card.size,
        **_dates(read),
        "tags": list(card.tags),
        "containingCardId": ident(read.card.containing_card_id),
        "color": read.card_type.color_hex,
        "iconPath": None,
        "customIconLabel": _settings(read)["customIconFieldLabel"],
        "customIcon": custom_icon(read, base_url=base_url, with_policy=False),
        "blockedStatus": blocked_status(read),
        "board": board_ref(read),
        "customId": custom_id(read),
        "externalLinks": external_links(read),
        "lane": lane_ref(read),
        "type": type_ref(read),
        "taskBoardStats": task_board_stats(read),
        "planningIncrements": [],
    }
    if "customFields" in include:
        body["customFields"] = [{"id": ident(v.field_id), "value": v.value} for v in read.field_values]
    if "parentCards" in include:
        body["parentCards"] = parent_cards(read)
    if "connectedCardStats" in include:
        body["connectedCardStats"] = connected_card_stats(read.connected_stats)
    if "externalAssociations" in include:
        body["externalAssociations"] = []
    if "dependencies" in include:
        body["dependencies"] = list_dependencies(read)
    return body


def list_dependencies(read: CardReadRecord) -> dict[str, list[dict[str, Any]]]:
    """A list item's `dependencies` (`include=dependencies`): the links to readable cards, split by
    direction."""
    body: dict[str, list[dict[str, Any]]] = {"incoming": [], "outgoing": []}
    for link in read.dependencies:
        body[link.direction].append(
            {
                "cardId": ident(link.other_card_id),
                "timing": link.timing,
                "createdOn": instant_ms(link.created_on),
                "boardId": ident(link.other_board_id),
            }
        )
    return body


def is_done(read: CardReadRecord) -> bool:
    return read.lane.lane_class_type == "archive" or read.lane.lane_type == "completed"


def card_face(read: CardReadRecord, *, base_url: str) -> dict[str, Any]:
    """The card face (LeanKit API: `GET /io/board/:boardId/card`)."""
    card = read.card
    identity = custom_id(read)
    icon = custom_icon(read, base_url=base_url, with_policy=False)
    if icon is not None and read.icon is not None:
        del icon["title"]
        icon["iconPath"] = icon_path(read.icon.icon_color, read.icon.icon_name)
    return {
        "id": ident(card.id),
        "title": card.title,
        "index": read.index,
        "laneId": ident(card.lane_id),
        "boardId": ident(card.board_id),
        "color": read.card_type.color_hex,
        "tags": list(card.tags),
        "size": card.size,
        "priority": card.priority,
        "plannedStart": plain_date(card.planned_start),
        "plannedFinish": plain_date(card.planned_finish),
        "actualStart": instant_ms(card.actual_start),
        "actualFinish": instant_ms(card.actual_finish),
        "archivedOn": instant_ms(card.archived_on),
        "isDone": is_done(read),
        "createdOn": instant_ms(card.created_on),
        "movedOn": instant_ms(card.moved_on),
        "updatedOn": instant_ms(card.updated_on),
        "externalLinks": external_links(read),
        "customIconLabel": _settings(read)["customIconFieldLabel"],
        "blockedStatus": blocked_status(read, with_date=False),
        "customIcon": icon,
        "customHeader": custom_header(identity),
        "customId": identity,
        "taskBoardStats": task_board_stats(read),
        "containingCardId": ident(read.card.containing_card_id),
        "cardType": {"id": ident(read.card_type.id), "name": read.card_type.name},
        "subscriptionId": None,
        "parentCards": [{"id": ident(p.card_id), "title": p.title} for p in read.parent_cards],
        "assignedUsers": assignee_refs(read, base_url=base_url),
        "connectedCardStats": connected_card_stats(read.connected_stats),
        "canView": True,
        "customFields": {ident(v.field_id): v.value for v in read.field_values},
        "planningIncrementIds": [],
        "isMirroredCard": card.mirror_source_card_id is not None,
        "scoring": scoring(),
    }


def select_fields(body: dict[str, Any], *, only: list[str] | None, omit: list[str] | None) -> dict[str, Any]:
    """`only` keeps the named keys (and `id`), `omit` drops them (`id` always stays, so a client can match a
    card)."""
    if only:
        wanted = set(only) | {"id"}
        body = {k: v for k, v in body.items() if k in wanted}
    if omit:
        dropped = set(omit) - {"id"}
        body = {k: v for k, v in body.items() if k not in dropped}
    return body
