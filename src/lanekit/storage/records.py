"""Frozen records the queries return.  Field names follow the columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    name: str
    title: str
    settings: dict[str, Any]
    created_on: datetime


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    account_id: int
    username: str
    email: str
    username_key: str
    email_key: str
    first_name: str
    last_name: str
    password_hash: str
    administrator: bool
    board_creator: bool
    account_owner: bool
    team_manager: bool
    enabled: bool
    deleted: bool
    date_format: str
    time_zone: str
    license_type: str
    external_user_name: str | None
    external_user: bool
    settings: dict[str, Any]
    last_access: datetime | None
    created_on: datetime
    updated_on: datetime

    @property
    def can_sign_in(self) -> bool:
        return self.enabled and not self.deleted


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    account_id: int
    user_id: int
    description: str
    token_hash: str
    created_on: datetime


@dataclass(frozen=True, slots=True)
class BoardRecord:
    id: int
    account_id: int
    title: str
    description: str
    created_on: datetime
    created_by: int | None
    version: int
    is_archived: bool
    is_deleted: bool
    is_welcome: bool
    is_shared: bool
    shared_board_role: str
    base_wip_on_card_size: bool
    exclude_completed_and_archive_violations: bool
    allow_users_to_delete_cards: bool
    default_card_type_id: int | None
    default_task_type_id: int | None
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LaneRecord:
    id: int
    account_id: int
    board_id: int
    parent_lane_id: int | None
    position: int
    title: str
    description: str | None
    lane_class_type: str
    lane_type: str
    card_status: str
    orientation: str
    columns: int
    wip_limit: int
    is_default_drop_lane: bool
    is_connection_done_lane: bool
    sort_by: str | None
    created_on: datetime
    task_card_id: int | None = None


@dataclass(frozen=True, slots=True)
class CardTypeRecord:
    id: int
    account_id: int
    board_id: int
    position: int
    name: str
    color_hex: str
    is_card_type: bool
    is_task_type: bool


@dataclass(frozen=True, slots=True)
class CustomIconRecord:
    id: int
    account_id: int
    board_id: int
    position: int
    name: str
    policy: str | None
    icon_color: str
    icon_name: str


@dataclass(frozen=True, slots=True)
class CustomFieldRecord:
    id: int
    account_id: int
    board_id: int
    position: int
    type: str
    label: str
    help_text: str | None
    choice_configuration: dict[str, Any] | None
    created_on: datetime
    created_by: int | None


@dataclass(frozen=True, slots=True)
class BoardRoleRecord:
    id: int
    account_id: int
    board_id: int
    user_id: int
    role: str
    wip: int | None


@dataclass(frozen=True, slots=True)
class CardRecord:
    id: int
    account_id: int
    board_id: int
    lane_id: int
    rank: str
    title: str
    description: str | None
    type_id: int
    custom_icon_id: int | None
    priority: str
    size: int
    tags: list[str]
    custom_id: str | None
    external_links: list[dict[str, Any]]
    planned_start: date | None
    planned_finish: date | None
    actual_start: datetime | None
    actual_finish: datetime | None
    is_blocked: bool
    blocked_reason: str | None
    blocked_on: datetime | None
    created_on: datetime
    created_by: int | None
    updated_on: datetime
    updated_by: int | None
    moved_on: datetime | None
    moved_by: int | None
    archived_on: datetime | None
    archived_by: int | None
    deleted_on: datetime | None
    version: int
    containing_card_id: int | None = None
    mirror_source_card_id: int | None = None


@dataclass(frozen=True, slots=True)
class UserRef:
    """The few user columns a card or an event shows."""

    id: int
    email: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class CardFieldValueRecord:
    card_id: int
    field_id: int
    type: str
    label: str
    position: int
    value: Any


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """An attachment row with the people its shape shows; `storage_id` is the blob store's key."""

    id: int
    card_id: int
    name: str
    description: str
    content_type: str
    size: int
    storage_id: str
    created_on: datetime
    updated_on: datetime
    created_by: UserRef | None
    changed_by: UserRef | None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    id: int
    account_id: int
    card_id: int
    # Sanitised HTML (domain/html.py).
    text: str
    created_on: datetime
    updated_on: datetime
    created_by: UserRef | None


@dataclass(frozen=True, slots=True)
class TaskBoardStats:
    """`taskBoardStats`: a card's live tasks, and those in a finished task lane (sizes weigh at least 1)."""

    total_count: int
    completed_count: int
    total_size: int
    completed_size: int


@dataclass(frozen=True, slots=True)
class ParentCardRef:
    """A parent card as a child's shapes show it (`parentCards`)."""

    card_id: int
    board_id: int
    title: str


@dataclass(frozen=True, slots=True)
class ConnectedCardStats:
    """The roll-up of a card's live child cards (`connectedCardStats`; LeanKit API: card statistics).

    Counts and sizes by the child's lane `cardStatus` (`completed` = finished); planned dates are the
    earliest start and latest finish, actual dates likewise.  domain/connections.py says what is past due
    and projected late.
    """

    started_count: int
    started_size: int
    not_started_count: int
    not_started_size: int
    completed_count: int
    completed_size: int
    blocked_count: int
    total_count: int
    total_size: int
    planned_start: date | None
    planned_finish: date | None
    actual_start: datetime | None
    actual_finish: datetime | None
    past_due_count: int
    projected_late_count: int


@dataclass(frozen=True, slots=True)
class CardReadRecord:
    """A card with everything its shapes show, read in one statement plus batched assignees and fields."""

    card: CardRecord
    index: int
    board: BoardRecord
    lane: LaneRecord
    card_type: CardTypeRecord
    icon: CustomIconRecord | None
    created_by: UserRef | None
    updated_by: UserRef | None
    moved_by: UserRef | None
    archived_by: UserRef | None
    assignees: tuple[UserRef, ...]
    field_values: tuple[CardFieldValueRecord, ...]
    # Comments on the card and on its live child cards, counted by the card read; `comments` (the newest)
    # is filled only when `comments_count` > 0 (domain/cards.get_card).
    comments_count: int = 0
    child_comments_count: int = 0
    comments: tuple[CommentRecord, ...] = ()
    # How many attachments the card has (counted by the card read); `attachments` is filled only when > 0.
    attachment_count: int = 0
    attachments: tuple[AttachmentRecord, ...] = ()
    # The card's dependency links, filled only by the lists that ask for them (`include=dependencies`).
    dependencies: tuple[DependencyLinkRecord, ...] = ()
    # The roll-up of the card's live task cards; None when it has none (`taskBoardStats`; LeanKit API:
    # taskboards).
    task_stats: TaskBoardStats | None = None
    # Whether connection rows name the card as a child / as a parent (read with the card, so a card without
    # connections costs no further statement); `parent_cards` and `connected_stats` are filled only then
    # (domain/connections.with_connections).
    has_parents: bool = False
    has_children: bool = False
    parent_cards: tuple[ParentCardRef, ...] = ()
    connected_stats: ConnectedCardStats | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    account_id: int
    board_id: int
    card_id: int | None
    type: str
    user_id: int | None
    occurred_on: datetime
    board_version: int
    data: dict[str, Any]
    user: UserRef | None


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    id: int
    account_id: int
    name: str
    description: str | None
    # The board structure in the format of domain/templates.py.
    structure: dict[str, Any]
    created_on: datetime
    created_by: int | None


@dataclass(frozen=True, slots=True)
class DependencyLinkRecord:
    """One dependency seen from `card_id`: `incoming` when it depends on the other card, `outgoing` when the
    other card depends on it (LeanKit API: dependencies)."""

    card_id: int
    other_card_id: int
    other_board_id: int
    direction: str
    timing: str
    created_on: datetime


@dataclass(frozen=True, slots=True)
class DependencyStateRecord:
    """A stored link (`card_id` depends on `depends_on_card_id`) with both ends' progress and plans."""

    card_id: int
    depends_on_card_id: int
    timing: str
    predecessor_actual_start: datetime | None
    predecessor_actual_finish: datetime | None
    predecessor_archived_on: datetime | None
    predecessor_is_blocked: bool
    predecessor_planned_start: date | None
    predecessor_planned_finish: date | None
    dependent_actual_start: datetime | None
    dependent_actual_finish: datetime | None
    dependent_archived_on: datetime | None
    dependent_is_blocked: bool
    dependent_planned_start: date | None
    dependent_planned_finish: date | None
