"""What the templates show, built from domain records: the lane tree and card faces.  No I/O, no rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from lanekit.domain.boards.board_page import BoardPage, over_limit
from lanekit.domain.cards.lists import CardPage
from lanekit.storage.records import CardReadRecord, EventRecord, LaneRecord, UserRecord, UserRef


@dataclass
class LaneNode:
    lane: LaneRecord
    load: int
    over: bool
    children: list[LaneNode] = field(default_factory=list)
    faces: list[CardFace] = field(default_factory=list)
    total: int = 0

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def more(self) -> bool:
        return len(self.faces) < self.total

    @property
    def stacked(self) -> bool:
        """Children stacked as rows (a horizontal lane) rather than side by side as columns."""
        return self.lane.orientation == "horizontal"

    @property
    def collapsible(self) -> bool:
        return self.lane.parent_lane_id is None and self.lane.lane_class_type in ("backlog", "archive")


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    initials: str


@dataclass(frozen=True, slots=True)
class CardFace:
    id: int
    title: str
    custom_id: str | None
    size: int
    tags: list[str]
    color: str
    type_name: str
    priority: str
    assignees: list[Person]
    is_blocked: bool
    blocked_reason: str | None
    planned_start: date | None
    planned_finish: date | None
    task_summary: str | None
    comments: int


def person(ref: UserRef) -> Person:
    return _person(ref.id, ref.first_name, ref.last_name, ref.email)


def card_face(read: CardReadRecord) -> CardFace:
    card = read.card
    stats = read.task_stats
    return CardFace(
        id=card.id,
        title=card.title,
        custom_id=card.custom_id,
        size=card.size,
        tags=list(card.tags),
        color=safe_color(read.card_type.color_hex),
        type_name=read.card_type.name,
        priority=card.priority,
        assignees=[person(a) for a in read.assignees],
        is_blocked=card.is_blocked,
        blocked_reason=card.blocked_reason,
        planned_start=card.planned_start,
        planned_finish=card.planned_finish,
        task_summary=f"{stats.completed_count}/{stats.total_count}" if stats and stats.total_count else None,
        comments=read.comments_count,
    )


def faces(page: CardPage) -> list[CardFace]:
    return [card_face(read) for read in page.cards]


def safe_color(value: str) -> str:
    """A card type's colour as CSS: only `#` and hex digits ever reach a style attribute."""
    digits = value.lstrip("#")
    if len(digits) in (3, 6) and all(c in "0123456789abcdefABCDEF" for c in digits):
        return f"#{digits}"
    return "#ffffff"


def safe_link(url: str | None) -> str | None:
    """An http(s) or mailto link, or None: `javascript:` and other schemes never render."""
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https", "mailto") else None


def lane_tree(page: BoardPage) -> list[LaneNode]:
    """The board's lanes nested as the layout defines them, in position order, with loads and first cards."""
    lanes = {lane.id: lane for lane in page.view.lanes}
    nodes: dict[int, LaneNode] = {}
    for lane in sorted(page.view.lanes, key=lambda x: (x.position, x.id)):
        load, over = over_limit(lanes, lane.id, page.loads)
        node = LaneNode(lane=lane, load=load, over=over)
        listed = page.cards.get(lane.id)
        if listed is not None:
            node.faces = faces(listed)
            node.total = listed.total
        nodes[lane.id] = node
    roots: list[LaneNode] = []
    for node in nodes.values():
        parent = node.lane.parent_lane_id
        if parent is not None and parent in nodes:
            nodes[parent].children.append(node)
        else:
            roots.append(node)
    return roots


def tree_context(page: BoardPage) -> dict[str, Any]:
    view = page.view
    return {
        "board": view.board,
        "role": view.access.effective_role,
        "can_move": view.access.allows("card.move"),
        "can_create": view.access.allows("card.create"),
        "lanes": lane_tree(page),
        "card_types": [t for t in view.card_types if t.is_card_type],
        "members": [person_of_member(m.user) for m in view.members],
    }


def person_of_member(user: UserRecord) -> Person:
    return _person(user.id, user.first_name, user.last_name, user.email)


def _person(user_id: int, first_name: str, last_name: str, email: str) -> Person:
    name = f"{first_name} {last_name}".strip() or email
    initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
    return Person(user_id, name, initials)


@dataclass(frozen=True, slots=True)
class EventLine:
    when: str
    who: str
    what: str
    detail: str | None


def event_line(event: EventRecord) -> EventLine:
    """One line of a card's history: "card moved", by whom, and the lane or comment it names."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", event.type).lower()
    data = event.data
    detail = None
    to_lane = data.get("toLane")
    if isinstance(to_lane, dict) and to_lane.get("title"):
        detail = f"to {to_lane['title']}"
    elif isinstance(data.get("lane"), dict) and data["lane"].get("title"):
        detail = f"in {data['lane']['title']}"
    comment = data.get("comment")
    if isinstance(comment, str) and comment and "<" not in comment:
        detail = f"{detail}: {comment}" if detail else comment
    who = event.user.full_name if event.user else ""
    return EventLine(event.occurred_on.strftime("%Y-%m-%d %H:%M"), who, words, detail)
