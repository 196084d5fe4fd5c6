"""live-card indexes for the heavy card reads (decision 092)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LIVE = {"sqlite_where": sa.text("deleted_on IS NULL"), "postgresql_where": sa.text("deleted_on IS NULL")}


def upgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cards_board_lane_live", ["board_id", "lane_id", "archived_on", "size"], unique=False, **_LIVE
        )
        batch_op.create_index(
            "ix_cards_board_updated_live",
            ["board_id", "updated_on", "id", "account_id"],
            unique=False,
            **_LIVE,
        )
        batch_op.create_index("ix_cards_lane_live", ["lane_id", "rank", "id"], unique=False, **_LIVE)


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_lane_live", **_LIVE)
        batch_op.drop_index("ix_cards_board_updated_live", **_LIVE)
        batch_op.drop_index("ix_cards_board_lane_live", **_LIVE)
