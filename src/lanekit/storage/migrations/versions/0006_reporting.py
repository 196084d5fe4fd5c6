"""reporting API: the shared signing key of reporting tokens

Revision ID: 0006_reporting
Revises: 0005
Create Date: 2026-12-07

One row, created by the first process that issues or verifies a reporting token
(docs/decisions/170-reporting-tokens.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lanekit.storage.types

revision = "0006_reporting"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_signing_keys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_on", lanekit.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_signing_keys")),
    )


def downgrade() -> None:
    op.drop_table("reporting_signing_keys")
