"""SQLAlchemy Core tables: the schema as the code sees it.

Migrations in `migrations/versions/` are the only way the database changes; a test checks that the migrated
schema matches these definitions.  Every tenant-owned table carries `account_id` so that every query can be
scoped to one account.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from lanekit.storage.types import IdType, JsonType, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # The first label of the Host header that selects this account (`acme` of acme.leankit.com).
    Column("name", String(63), nullable=False, unique=True),
    Column("title", String(255), nullable=False),
    # Only the settings someone changed; domain/accounts.py holds the defaults.
    Column("settings", JsonType, nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("username", String(255), nullable=False),
    Column("email", String(255), nullable=False),
    # Lower-cased copies used for unique lookups (login is case-insensitive).
    Column("username_key", String(255), nullable=False),
    Column("email_key", String(255), nullable=False),
    Column("first_name", String(255), nullable=False),
    Column("last_name", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("administrator", Boolean, nullable=False),
    Column("board_creator", Boolean, nullable=False),
    Column("account_owner", Boolean, nullable=False),
    Column("team_manager", Boolean, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("date_format", String(16), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("license_type", String(16), nullable=False),
    Column("external_user_name", String(255), nullable=True),
    Column("external_user", Boolean, nullable=False),
    Column("settings", JsonType, nullable=False),
    Column("last_access", UtcDateTime(), nullable=True),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("updated_on", UtcDateTime(), nullable=False),
)
# A deleted user frees their email and username for someone new.
Index(
    "uq_users_account_email_live",
    users.c.account_id,
    users.c.email_key,
    unique=True,
    sqlite_where=text("deleted = 0"),
    postgresql_where=text("deleted = false"),
)
Index(
    "uq_users_account_username_live",
    users.c.account_id,
    users.c.username_key,
    unique=True,
    sqlite_where=text("deleted = 0"),
    postgresql_where=text("deleted = false"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("description", Text, nullable=False),
    # SHA-256 of the token; the token itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
    UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
)
Index("ix_api_tokens_user", api_tokens.c.user_id)

# --- Boards -------------------------------------------------------------------------------------------

boards = Table(
    "boards",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=True),
    # Grows by one on every change to the board or anything on it (cards included); `/changes` reads it.
    Column("version", BigInteger, nullable=False),
    Column("is_archived", Boolean, nullable=False),
    Column("is_deleted", Boolean, nullable=False),
    Column("is_welcome", Boolean, nullable=False),
    Column("is_shared", Boolean, nullable=False),
    Column("shared_board_role", String(32), nullable=False),
    Column("base_wip_on_card_size", Boolean, nullable=False),
    Column("exclude_completed_and_archive_violations", Boolean, nullable=False),
    Column("allow_users_to_delete_cards", Boolean, nullable=False),
    Column("default_card_type_id", IdType, nullable=True),
    Column("default_task_type_id", IdType, nullable=True),
    # The remaining display settings of `GET /io/board/:boardId` under their LeanKit names
    # (classOfServiceEnabled, prefix, …).
    Column("settings", JsonType, nullable=False),
)
Index("ix_boards_account_title", boards.c.account_id, boards.c.title)

lanes = Table(
    "lanes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("parent_lane_id", IdType, ForeignKey("lanes.id", ondelete="CASCADE"), nullable=True),
    # Position among siblings, 0..n-1.
    Column("position", Integer, nullable=False),
    Column("title", String(255), nullable=False),
    Column("description", Text, nullable=True),
    Column("lane_class_type", String(16), nullable=False),
    Column("lane_type", String(16), nullable=False),
    Column("card_status", String(16), nullable=False),
    Column("orientation", String(16), nullable=False),
    Column("columns", Integer, nullable=False),
    Column("wip_limit", Integer, nullable=False),
    Column("is_default_drop_lane", Boolean, nullable=False),
    Column("is_connection_done_lane", Boolean, nullable=False),
    Column("sort_by", String(32), nullable=True),
    Column("created_on", UtcDateTime(), nullable=False),
    # Set on the lanes of a card's taskboard (LeanKit API: taskboards): they sit on the card's board but
    # outside its layout. Not a foreign key (cards are soft-deleted, and SQLite could only add one by
    # rebuilding the table).
    Column("task_card_id", IdType, nullable=True),
)
Index("ix_lanes_board", lanes.c.board_id, lanes.c.parent_lane_id, lanes.c.position)
Index("ix_lanes_task_card", lanes.c.task_card_id, lanes.c.position)

card_types = Table(
    "card_types",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("color_hex", String(7), nullable=False),
    Column("is_card_type", Boolean, nullable=False),
    Column("is_task_type", Boolean, nullable=False),
)
Index("ix_card_types_board", card_types.c.board_id, card_types.c.position)

custom_icons = Table(
    "custom_icons",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("policy", Text, nullable=True),
    # Six hex digits without '#', as LeanKit returns it.
    Column("icon_color", String(6), nullable=False),
    Column("icon_name", String(255), nullable=False),
)
Index("ix_custom_icons_board", custom_icons.c.board_id, custom_icons.c.position)

custom_fields = Table(
    "custom_fields",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("type", String(16), nullable=False),
    Column("label", String(255), nullable=False),
    Column("help_text", Text, nullable=True),
    # {"choices": [...]} for choice/multi fields, else null.
    Column("choice_configuration", JsonType, nullable=True),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=True),
)
Index("ix_custom_fields_board", custom_fields.c.board_id, custom_fields.c.position)

board_roles = Table(
    "board_roles",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(32), nullable=False),
    # The user's WIP limit on this board; null = none.
    Column("wip", Integer, nullable=True),
    UniqueConstraint("board_id", "user_id", name="uq_board_roles_board_user"),
)
Index("ix_board_roles_user", board_roles.c.user_id)

board_visits = Table(
    "board_visits",
    metadata,
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("visited_on", UtcDateTime(), nullable=False),
)
Index("ix_board_visits_user", board_visits.c.user_id, board_visits.c.visited_on)

templates = Table(
    "templates",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=True),
    # The board structure (settings, lanes, card types, icons, custom fields, optionally cards) as JSON.
    Column("structure", JsonType, nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=True),
)
Index("ix_templates_account", templates.c.account_id)

# --- Cards --------------------------------------------------------------------------------------------

cards = Table(
    "cards",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("lane_id", IdType, ForeignKey("lanes.id"), nullable=False),
    # A sortable key within the lane; `index` is derived from it on read so a move touches one row.
    Column("rank", String(255), nullable=False),
    Column("title", String(255), nullable=False),
    Column("description", Text, nullable=True),
    Column("type_id", IdType, ForeignKey("card_types.id"), nullable=False),
    Column("custom_icon_id", IdType, ForeignKey("custom_icons.id", ondelete="SET NULL"), nullable=True),
    Column("priority", String(8), nullable=False),
    Column("size", Integer, nullable=False),
    # Ordered as the user gave them; card_tags indexes them for board-wide queries.
    Column("tags", JsonType, nullable=False),
    Column("custom_id", String(255), nullable=True),
    Column("external_links", JsonType, nullable=False),
    Column("planned_start", Date, nullable=True),
    Column("planned_finish", Date, nullable=True),
    Column("actual_start", UtcDateTime(), nullable=True),
    Column("actual_finish", UtcDateTime(), nullable=True),
    Column("is_blocked", Boolean, nullable=False),
    Column("blocked_reason", Text, nullable=True),
    Column("blocked_on", UtcDateTime(), nullable=True),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("updated_on", UtcDateTime(), nullable=False),
    Column("updated_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("moved_on", UtcDateTime(), nullable=True),
    Column("moved_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("archived_on", UtcDateTime(), nullable=True),
    Column("archived_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("deleted_on", UtcDateTime(), nullable=True),
    Column("version", BigInteger, nullable=False),
    # A task card's owner (`containingCardId`); null for cards on the board.  Like `task_card_id`
    # on lanes, not a foreign key: cards are soft-deleted, and SQLite could only add one by a table rebuild.
    Column("containing_card_id", IdType, nullable=True),
    # The card whose title, description and header this card mirrors (docs/decisions/145-card-mirroring.md).
    Column("mirror_source_card_id", IdType, nullable=True),
)
Index("ix_cards_lane_rank", cards.c.lane_id, cards.c.rank)
Index("ix_cards_board", cards.c.board_id, cards.c.id)
Index("ix_cards_account_custom_id", cards.c.account_id, cards.c.custom_id)
Index("ix_cards_containing_card", cards.c.containing_card_id)
Index("ix_cards_mirror_source", cards.c.mirror_source_card_id)
# Live-card indexes for the heavy reads (decision 092): lane order and lane indexes, per-lane counts and
# board-level counts, and the activity order of a board's cards, each answerable from the index alone.
Index(
    "ix_cards_lane_live",
    cards.c.lane_id,
    cards.c.rank,
    cards.c.id,
    sqlite_where=text("deleted_on IS NULL"),
    postgresql_where=text("deleted_on IS NULL"),
)
Index(
    "ix_cards_board_lane_live",
    cards.c.board_id,
    cards.c.lane_id,
    cards.c.archived_on,
    cards.c.size,
    sqlite_where=text("deleted_on IS NULL"),
    postgresql_where=text("deleted_on IS NULL"),
)
# `containing_card_id` last so that card lists, which leave task cards out, stay index-only (migration 0005).
Index(
    "ix_cards_board_updated_live",
    cards.c.board_id,
    cards.c.updated_on,
    cards.c.id,
    cards.c.account_id,
    cards.c.containing_card_id,
    sqlite_where=text("deleted_on IS NULL"),
    postgresql_where=text("deleted_on IS NULL"),
)

card_assignments = Table(
    "card_assignments",
    metadata,
    Column("card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("assigned_on", UtcDateTime(), nullable=False),
)
Index("ix_card_assignments_user", card_assignments.c.user_id)

card_tags = Table(
    "card_tags",
    metadata,
    Column("card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(255), primary_key=True),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
)
Index("ix_card_tags_board_tag", card_tags.c.board_id, card_tags.c.tag)

card_field_values = Table(
    "card_field_values",
    metadata,
    Column("card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", IdType, ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True),
    Column("value", JsonType, nullable=True),
)

events = Table(
    "events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("board_id", IdType, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    # Not a foreign key: a card's history outlives the card (`cardDeleted`).
    Column("card_id", IdType, nullable=True),
    Column("type", String(64), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id"), nullable=True),
    Column("occurred_on", UtcDateTime(), nullable=False),
    # The board version this event produced; `/changes?version=` reads events after a version.
    Column("board_version", BigInteger, nullable=False),
    Column("data", JsonType, nullable=False),
)
Index("ix_events_card", events.c.card_id, events.c.id)
Index("ix_events_board", events.c.board_id, events.c.id)
Index("ix_events_board_version", events.c.board_id, events.c.board_version)

# --- Collaboration (issue 6) ---------------------------------------------------------------------------

comments = Table(
    "comments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False),
    # Sanitised HTML.
    Column("text", Text, nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("updated_on", UtcDateTime(), nullable=False),
)
Index("ix_comments_card", comments.c.card_id, comments.c.id)

attachments = Table(
    "attachments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False),
    # The uploaded file name, for display and Content-Disposition only; never a path.
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    # The blob store's key (a random UUID).
    Column("storage_id", String(64), nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("updated_on", UtcDateTime(), nullable=False),
    Column("changed_by", IdType, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("storage_id", name="uq_attachments_storage_id"),
)
Index("ix_attachments_card", attachments.c.card_id, attachments.c.id)

card_connections = Table(
    "card_connections",
    metadata,
    Column("parent_card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("child_card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
)
Index("ix_card_connections_child", card_connections.c.child_card_id)

card_dependencies = Table(
    "card_dependencies",
    metadata,
    # `card_id` depends on `depends_on_card_id` (LeanKit API: dependencies).
    Column("card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("depends_on_card_id", IdType, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("timing", String(16), nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
)
Index("ix_card_dependencies_depends_on", card_dependencies.c.depends_on_card_id)

# --- Reporting API (issue 13) --------------------------------------------------------------------------

# The HS256 key that signs reporting tokens (docs/decisions/170-reporting-tokens.md): one row, written once by
# the first process that needs it, so every worker signs and verifies with the same key across restarts.
reporting_signing_keys = Table(
    "reporting_signing_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    # URL-safe base64 of 32 random bytes.
    Column("secret", String(64), nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
)

# --- The web board (issue 16) --------------------------------------------------------------------------

# A signed-in browser (docs/decisions/200-web-board.md): the cookie carries a random token, the row only its
# SHA-256, like api_tokens.  Signing out deletes the row; a deactivated or deleted user's rows stop
# authenticating at once (the read joins the live user) and are deleted with the user's account.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("account_id", IdType, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_on", UtcDateTime(), nullable=False),
    Column("expires_on", UtcDateTime(), nullable=False),
    UniqueConstraint("token_hash", name="uq_web_sessions_token_hash"),
)
Index("ix_web_sessions_user", web_sessions.c.user_id)
