"""The legacy v1 (`/kanban/api`) board bodies: lanes (flat, with their hierarchy), boards, identifiers,
archive lanes and taskboards (LeanKit's C# client `TransferObjects`: Board, Lane, User, ClassOfService,
BoardIdentifiers, HierarchicalLane, Taskboard).  Cards inside lanes are CardViews (`shapes/legacy.py`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lanekit.domain.boards.layout import tree_order
from lanekit.domain.enums import BOARD_ROLE_LABELS, BOARD_ROLES, LANE_CLASS_TYPES, LANE_TYPES
from lanekit.shapes.legacy import PRIORITY_TEXT, Dates, card_type, full_name
from lanekit.shapes.users import avatar_url
from lanekit.storage.records import (
    BoardRecord,
    CardReadRecord,
    CardTypeRecord,
    CustomIconRecord,
    LaneRecord,
    UserRecord,
)


def _lane_class(lane: LaneRecord) -> int:
    return LANE_CLASS_TYPES.get(lane.lane_class_type, 0)


def _lane_type(lane: LaneRecord) -> int:
    return LANE_TYPES.get(lane.lane_type, 99)


# --- lanes and boards --------------------------------------------------------------------------------------


class LaneTree:
    """Parent, children and siblings of a board's lanes, for the v1 lane fields that name them."""

    def __init__(self, lanes: Sequence[LaneRecord]) -> None:
        self.ordered = tree_order(list(lanes))
        self.by_id = {lane.id: lane for lane in self.ordered}
        self.children: dict[int | None, list[int]] = {}
        for lane in self.ordered:
            self.children.setdefault(lane.parent_lane_id, []).append(lane.id)

    def top_level(self, class_type: str) -> list[LaneRecord]:
        return [
            self.by_id[i] for i in self.children.get(None, []) if self.by_id[i].lane_class_type == class_type
        ]

    def of_class(self, class_type: str) -> list[LaneRecord]:
        return [lane for lane in self.ordered if lane.lane_class_type == class_type]


def _lane_state(lane: LaneRecord, tree: LaneTree) -> str:
    has_children = bool(tree.children.get(lane.id))
    if lane.parent_lane_id is None:
        return "parent" if has_children else "lane"
    return "childParent" if has_children else "child"


def lane(lane: LaneRecord, tree: LaneTree, cards: list[dict[str, Any]]) -> dict[str, Any]:
    siblings = tree.children.get(lane.parent_lane_id, [])
    return {
        "Id": lane.id,
        "Index": lane.position,
        "Active": True,
        "Title": lane.title,
        "Description": lane.description or "",
        "ClassType": _lane_class(lane),
        "Type": _lane_type(lane),
        "ActivityId": None,
        "ActivityName": None,
        "CardContextId": None,
        "Width": lane.columns,
        "ParentLaneId": lane.parent_lane_id or 0,
        "Cards": cards,
        "Orientation": 1 if lane.orientation == "horizontal" else 0,
        "ChildLaneIds": list(tree.children.get(lane.id, [])),
        "SiblingLaneIds": [i for i in siblings if i != lane.id],
        "TaskBoardId": None,
        "CardLimit": lane.wip_limit,
        "LaneState": _lane_state(lane, tree),
    }


def lanes_with_cards(
    lanes: Iterable[LaneRecord], tree: LaneTree, cards_by_lane: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    return [lane(item, tree, cards_by_lane.get(item.id, [])) for item in lanes]


def board_user(user: UserRecord, role: str, wip: int | None, *, base_url: str) -> dict[str, Any]:
    link = avatar_url(base_url, user.id)
    return {
        "Id": user.id,
        "FullName": full_name(user),
        "UserName": user.username,
        "EmailAddress": user.email,
        "Role": BOARD_ROLES.index(role) if role in BOARD_ROLES else 0,
        "RoleName": BOARD_ROLE_LABELS.get(role, role),
        "WIP": wip or 0,
        "Enabled": user.enabled,
        "IsAccountOwner": user.account_owner,
        "IsDeleted": user.deleted,
        "GravatarFeed": None,
        "GravatarLink": link,
        "DateFormat": user.date_format,
        "Settings": {},
    }


def class_of_service(icon: CustomIconRecord) -> dict[str, Any]:
    return {
        "Id": icon.id,
        "BoardId": icon.board_id,
        "Title": icon.name,
        "Policy": icon.policy or "",
        "IconPath": None,
        "ColorHex": icon.icon_color,
        "UseColor": True,
    }


def board_listing(board: BoardRecord, *, dates: Dates) -> dict[str, Any]:
    return {
        "Id": board.id,
        "Title": board.title,
        "IsArchived": board.is_archived,
        "CreationDate": dates.day(board.created_on),
    }


@dataclass(frozen=True, slots=True)
class BoardParts:
    """What a v1 Board shows, as the domain read it: the board view's records and the live cards of the
    board's active and backlog lanes, already shaped (archive lanes carry no cards in a Board)."""

    board: BoardRecord
    lanes: list[LaneRecord]
    members: list[tuple[UserRecord, str, int | None]]
    card_types: list[CardTypeRecord]
    icons: list[CustomIconRecord]
    cards_by_lane: dict[int, list[dict[str, Any]]]


def board(parts: BoardParts, *, base_url: str) -> dict[str, Any]:
    b = parts.board
    tree = LaneTree(parts.lanes)
    settings = b.settings
    backlog_top = tree.top_level("backlog")
    archive_top = tree.top_level("archive")
    return {
        "Id": b.id,
        "Title": b.title,
        "Description": b.description or "",
        "Version": b.version,
        "Active": not b.is_archived,
        "OrganizationId": b.account_id,
        "OrganizationActivities": [],
        "Lanes": lanes_with_cards(tree.of_class("active"), tree, parts.cards_by_lane),
        "BoardUsers": [board_user(u, role, wip, base_url=base_url) for u, role, wip in parts.members],
        "Backlog": lanes_with_cards(tree.of_class("backlog"), tree, parts.cards_by_lane),
        "Archive": lanes_with_cards(tree.of_class("archive"), tree, {}),
        "ClassesOfService": [class_of_service(i) for i in parts.icons],
        "CardTypes": [card_type(t, default_type_id=b.default_card_type_id) for t in parts.card_types],
        "ClassOfServiceEnabled": bool(settings.get("classOfServiceEnabled", True)),
        "CardColorField": settings.get("cardColorField", 1),
        "IsCardIdEnabled": bool(settings.get("isCardIdEnabled", True)),
        "IsHeaderEnabled": bool(settings.get("isHeaderEnabled", True)),
        "IsPrefixEnabled": bool(settings.get("isPrefixEnabled", False)),
        "IsPrefixIncludedInHyperlink": bool(settings.get("isPrefixIncludedInHyperlink", False)),
        "Prefix": settings.get("prefix"),
        "IsHyperlinkEnabled": bool(settings.get("isHyperlinkEnabled", False)),
        "Format": settings.get("format"),
        "AllowMultiUserAssignments": True,
        "BaseWipOnCardSize": b.base_wip_on_card_size,
        "ExcludeFromOrgAnalytics": False,
        "ExcludeCompletedAndArchiveViolations": b.exclude_completed_and_archive_violations,
        "TopLevelLaneIds": [item.id for item in tree.top_level("active")],
        "BacklogTopLevelLaneId": backlog_top[0].id if backlog_top else 0,
        "ArchiveTopLevelLaneId": archive_top[0].id if archive_top else 0,
        "CardContexts": [],
        "ParentCards": [],
    }


def _top_parent(lane: LaneRecord, tree: LaneTree) -> int:
    while lane.parent_lane_id is not None and lane.parent_lane_id in tree.by_id:
        lane = tree.by_id[lane.parent_lane_id]
    return lane.id


def board_identifiers(parts: BoardParts) -> dict[str, Any]:
    b = parts.board
    tree = LaneTree(parts.lanes)
    # Index is the lane's place among all lanes of its class, as LeanKit's suite finds the first lanes
    # by `{LaneClassType: 0, Index: 0}` and `{…, Index: 1}`.
    lanes: list[dict[str, Any]] = []
    for class_type in ("active", "backlog", "archive"):
        for index, item in enumerate(tree.of_class(class_type)):
            lanes.append(
                {
                    "Id": item.id,
                    "Name": item.title,
                    "ActivityId": None,
                    "LaneClassType": _lane_class(item),
                    "LaneType": _lane_type(item),
                    "ClassType": _lane_class(item),
                    "Type": _lane_type(item),
                    "ParentLaneId": item.parent_lane_id or 0,
                    "TopLevelParentLaneId": _top_parent(item, tree),
                    "CardLimit": item.wip_limit,
                    "Index": index,
                }
            )
    return {
        "BoardId": b.id,
        "CardTypes": [{"Id": t.id, "Name": t.name} for t in parts.card_types],
        "BoardUsers": [{"Id": u.id, "Name": full_name(u)} for u, _, _ in parts.members],
        "Lanes": lanes,
        "ClassesOfService": [{"Id": i.id, "Name": i.name} for i in parts.icons],
        "Priorities": [{"Id": v, "Name": PRIORITY_TEXT[v]} for v in sorted(PRIORITY_TEXT, reverse=True)],
        "TaskboardCategories": [],
    }


def hierarchical_lane(item: LaneRecord, tree: LaneTree, cards: list[dict[str, Any]]) -> dict[str, Any]:
    """An item of `Board/{b}/Archive`: the lane, its parent and its children (each with its cards)."""
    parent = tree.by_id.get(item.parent_lane_id) if item.parent_lane_id is not None else None
    return {
        "Lane": lane(item, tree, cards),
        "ParentLane": lane(parent, tree, []) if parent is not None else None,
        "ChildLanes": [lane(tree.by_id[i], tree, []) for i in tree.children.get(item.id, [])],
        "Dom": None,
    }


def taskboard(
    owner: CardReadRecord, lanes: Sequence[LaneRecord], cards_by_lane: dict[int, list[dict[str, Any]]]
) -> dict[str, Any]:
    """Taskboard: a card's task lanes with their tasks."""
    tree = LaneTree(lanes)
    done = sum(1 for lane in lanes if lane.lane_type == "completed" for _ in cards_by_lane.get(lane.id, []))
    total = sum(len(cards) for cards in cards_by_lane.values())
    return {
        "Id": owner.card.id,
        "Title": owner.card.title,
        "Version": owner.card.version,
        "Active": True,
        "Lanes": lanes_with_cards(tree.ordered, tree, cards_by_lane),
        "TopLevelLaneIds": list(tree.children.get(None, [])),
        "CardContext": {"Id": owner.card.id, "Name": owner.card.title, "IsDefault": True},
        "ProgressPercentage": round(100 * done / total) if total else 0,
        "BoardVersion": owner.board.version,
    }
