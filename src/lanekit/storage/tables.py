"""SQLAlchemy Core tables: the schema as the code sees it.

Migrations in `migrations/versions/` are the only way the database changes; a test checks that the migrated
schema matches these definitions.  Every tenant-owned table carries `account_id` so that every query can be
scoped to one account.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
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
