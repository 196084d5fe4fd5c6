"""boards, lanes, board configuration, cards and events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lanekit.storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("is_archived", sa.Boolean(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("is_welcome", sa.Boolean(), nullable=False),
        sa.Column("is_shared", sa.Boolean(), nullable=False),
        sa.Column("shared_board_role", sa.String(length=32), nullable=False),
        sa.Column("base_wip_on_card_size", sa.Boolean(), nullable=False),
        sa.Column("exclude_completed_and_archive_violations", sa.Boolean(), nullable=False),
        sa.Column("allow_users_to_delete_cards", sa.Boolean(), nullable=False),
        sa.Column(
            "default_card_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "default_task_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_boards_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_boards_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
    )
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.create_index("ix_boards_account_title", ["account_id", "title"], unique=False)

    op.create_table(
        "templates",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "structure",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_templates_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_templates_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.create_index("ix_templates_account", ["account_id"], unique=False)

    op.create_table(
        "board_roles",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("wip", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_board_roles_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_board_roles_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_board_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_roles")),
        sa.UniqueConstraint("board_id", "user_id", name="uq_board_roles_board_user"),
    )
    with op.batch_alter_table("board_roles", schema=None) as batch_op:
        batch_op.create_index("ix_board_roles_user", ["user_id"], unique=False)

    op.create_table(
        "board_visits",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visited_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_board_visits_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_board_visits_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_board_visits_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "board_id", name=op.f("pk_board_visits")),
    )
    with op.batch_alter_table("board_visits", schema=None) as batch_op:
        batch_op.create_index("ix_board_visits_user", ["user_id", "visited_on"], unique=False)

    op.create_table(
        "card_types",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("color_hex", sa.String(length=7), nullable=False),
        sa.Column("is_card_type", sa.Boolean(), nullable=False),
        sa.Column("is_task_type", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_card_types_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_card_types_board_id_boards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_types")),
    )
    with op.batch_alter_table("card_types", schema=None) as batch_op:
        batch_op.create_index("ix_card_types_board", ["board_id", "position"], unique=False)

    op.create_table(
        "custom_fields",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("help_text", sa.Text(), nullable=True),
        sa.Column(
            "choice_configuration",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_custom_fields_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_custom_fields_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_custom_fields_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
    )
    with op.batch_alter_table("custom_fields", schema=None) as batch_op:
        batch_op.create_index("ix_custom_fields_board", ["board_id", "position"], unique=False)

    op.create_table(
        "custom_icons",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("icon_color", sa.String(length=6), nullable=False),
        sa.Column("icon_name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_custom_icons_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_custom_icons_board_id_boards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_icons")),
    )
    with op.batch_alter_table("custom_icons", schema=None) as batch_op:
        batch_op.create_index("ix_custom_icons_board", ["board_id", "position"], unique=False)

    op.create_table(
        "events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("occurred_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("board_version", sa.BigInteger(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_events_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_events_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_board", ["board_id", "id"], unique=False)
        batch_op.create_index("ix_events_board_version", ["board_id", "board_version"], unique=False)
        batch_op.create_index("ix_events_card", ["card_id", "id"], unique=False)

    op.create_table(
        "lanes",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("parent_lane_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("lane_class_type", sa.String(length=16), nullable=False),
        sa.Column("lane_type", sa.String(length=16), nullable=False),
        sa.Column("card_status", sa.String(length=16), nullable=False),
        sa.Column("orientation", sa.String(length=16), nullable=False),
        sa.Column("columns", sa.Integer(), nullable=False),
        sa.Column("wip_limit", sa.Integer(), nullable=False),
        sa.Column("is_default_drop_lane", sa.Boolean(), nullable=False),
        sa.Column("is_connection_done_lane", sa.Boolean(), nullable=False),
        sa.Column("sort_by", sa.String(length=32), nullable=True),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_lanes_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_lanes_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_lane_id"], ["lanes.id"], name=op.f("fk_lanes_parent_lane_id_lanes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lanes")),
    )
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.create_index("ix_lanes_board", ["board_id", "parent_lane_id", "position"], unique=False)

    op.create_table(
        "cards",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lane_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rank", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("custom_icon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("custom_id", sa.String(length=255), nullable=True),
        sa.Column(
            "external_links",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_finish", sa.Date(), nullable=True),
        sa.Column("actual_start", lanekit.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("actual_finish", lanekit.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("is_blocked", sa.Boolean(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("blocked_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("moved_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("moved_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("archived_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("archived_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("deleted_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_cards_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["archived_by"], ["users.id"], name=op.f("fk_cards_archived_by_users")),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_cards_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_cards_created_by_users")),
        sa.ForeignKeyConstraint(
            ["custom_icon_id"],
            ["custom_icons.id"],
            name=op.f("fk_cards_custom_icon_id_custom_icons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["lane_id"], ["lanes.id"], name=op.f("fk_cards_lane_id_lanes")),
        sa.ForeignKeyConstraint(["moved_by"], ["users.id"], name=op.f("fk_cards_moved_by_users")),
        sa.ForeignKeyConstraint(["type_id"], ["card_types.id"], name=op.f("fk_cards_type_id_card_types")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_cards_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index("ix_cards_account_custom_id", ["account_id", "custom_id"], unique=False)
        batch_op.create_index("ix_cards_board", ["board_id", "id"], unique=False)
        batch_op.create_index("ix_cards_lane_rank", ["lane_id", "rank"], unique=False)

    op.create_table(
        "card_assignments",
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("assigned_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_card_assignments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_assignments_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_card_assignments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("card_id", "user_id", name=op.f("pk_card_assignments")),
    )
    with op.batch_alter_table("card_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_card_assignments_user", ["user_id"], unique=False)

    op.create_table(
        "card_field_values",
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_field_values_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_fields.id"],
            name=op.f("fk_card_field_values_field_id_custom_fields"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("card_id", "field_id", name=op.f("pk_card_field_values")),
    )
    op.create_table(
        "card_tags",
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.Column("board_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_card_tags_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_tags_card_id_cards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("card_id", "tag", name=op.f("pk_card_tags")),
    )
    with op.batch_alter_table("card_tags", schema=None) as batch_op:
        batch_op.create_index("ix_card_tags_board_tag", ["board_id", "tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_card_tags_board_tag")

    op.drop_table("card_tags")
    op.drop_table("card_field_values")
    with op.batch_alter_table("card_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_card_assignments_user")

    op.drop_table("card_assignments")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_lane_rank")
        batch_op.drop_index("ix_cards_board")
        batch_op.drop_index("ix_cards_account_custom_id")

    op.drop_table("cards")
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.drop_index("ix_lanes_board")

    op.drop_table("lanes")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_card")
        batch_op.drop_index("ix_events_board_version")
        batch_op.drop_index("ix_events_board")

    op.drop_table("events")
    with op.batch_alter_table("custom_icons", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_icons_board")

    op.drop_table("custom_icons")
    with op.batch_alter_table("custom_fields", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_fields_board")

    op.drop_table("custom_fields")
    with op.batch_alter_table("card_types", schema=None) as batch_op:
        batch_op.drop_index("ix_card_types_board")

    op.drop_table("card_types")
    with op.batch_alter_table("board_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_board_visits_user")

    op.drop_table("board_visits")
    with op.batch_alter_table("board_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_board_roles_user")

    op.drop_table("board_roles")
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_index("ix_templates_account")

    op.drop_table("templates")
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_index("ix_boards_account_title")

    op.drop_table("boards")
