"""card lists stay index-only now that they leave task cards out

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

The default card list filters `containing_card_id IS NULL` (decision 120); without the column in
`ix_cards_board_updated_live` PostgreSQL has to visit the table for every card of a deep page.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LIVE = {"sqlite_where": sa.text("deleted_on IS NULL"), "postgresql_where": sa.text("deleted_on IS NULL")}


def upgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_board_updated_live", **_LIVE)
        batch_op.create_index(
            "ix_cards_board_updated_live",
            ["board_id", "updated_on", "id", "account_id", "containing_card_id"],
            unique=False,
            **_LIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_board_updated_live", **_LIVE)
        batch_op.create_index(
            "ix_cards_board_updated_live",
            ["board_id", "updated_on", "id", "account_id"],
            unique=False,
            **_LIVE,
        )
