"""collaboration: comments, attachments, connections, dependencies, taskboards, mirrors

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 06:09:26.316121
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lanekit.storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("storage_id", sa.String(length=64), nullable=False),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_attachments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_attachments_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["changed_by"], ["users.id"], name=op.f("fk_attachments_changed_by_users")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_attachments_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_id", name="uq_attachments_storage_id"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_card", ["card_id", "id"], unique=False)

    op.create_table(
        "card_connections",
        sa.Column("parent_card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("child_card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_card_connections_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["child_card_id"],
            ["cards.id"],
            name=op.f("fk_card_connections_child_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_card_id"],
            ["cards.id"],
            name=op.f("fk_card_connections_parent_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_card_id", "child_card_id", name=op.f("pk_card_connections")),
    )
    with op.batch_alter_table("card_connections", schema=None) as batch_op:
        batch_op.create_index("ix_card_connections_child", ["child_card_id"], unique=False)

    op.create_table(
        "card_dependencies",
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("depends_on_card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("timing", sa.String(length=16), nullable=False),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_card_dependencies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_dependencies_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_card_id"],
            ["cards.id"],
            name=op.f("fk_card_dependencies_depends_on_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("card_id", "depends_on_card_id", name=op.f("pk_card_dependencies")),
    )
    with op.batch_alter_table("card_dependencies", schema=None) as batch_op:
        batch_op.create_index("ix_card_dependencies_depends_on", ["depends_on_card_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_comments_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_comments_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_comments_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_card", ["card_id", "id"], unique=False)

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "containing_card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "mirror_source_card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index("ix_cards_containing_card", ["containing_card_id"], unique=False)
        batch_op.create_index("ix_cards_mirror_source", ["mirror_source_card_id"], unique=False)

    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("task_card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_index("ix_lanes_task_card", ["task_card_id", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.drop_index("ix_lanes_task_card")
        batch_op.drop_column("task_card_id")

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_mirror_source")
        batch_op.drop_index("ix_cards_containing_card")
        batch_op.drop_column("mirror_source_card_id")
        batch_op.drop_column("containing_card_id")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_card")

    op.drop_table("comments")
    with op.batch_alter_table("card_dependencies", schema=None) as batch_op:
        batch_op.drop_index("ix_card_dependencies_depends_on")

    op.drop_table("card_dependencies")
    with op.batch_alter_table("card_connections", schema=None) as batch_op:
        batch_op.drop_index("ix_card_connections_child")

    op.drop_table("card_connections")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_card")

    op.drop_table("attachments")
