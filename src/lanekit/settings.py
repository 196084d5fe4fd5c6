"""Runtime configuration.

One `Settings` object is built by the CLI (or by a test) and passed to `create_app`; nothing else reads
the environment.  Every variable carries the `LANEKIT_` prefix.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_database_url() -> str:
    return f"sqlite:///{Path('var') / 'lanekit.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LANEKIT_", extra="ignore", frozen=True)

    database_url: str = Field(default_factory=_default_database_url)
    redis_url: SecretStr | None = None
    rate_limit: str = "120/minute"
    # Prefix of the rate-limit counters in Redis, so that installations sharing one Redis stay apart.
    rate_limit_key_prefix: str = "lanekit"
    max_body_bytes: int = 1_048_576
    default_account: str | None = None
    # Size of the in-process cache of recently verified Basic credentials and Bearer tokens (per process).
    auth_cache_size: int = 1024
    # Longest time a process trusts a remembered user without reading it again, should a change notice be
    # lost (docs/decisions/160-auth-cache.md); changes are normally seen at once.
    auth_cache_ttl_seconds: float = 60.0
    # Count failed sign-ins against the last X-Forwarded-For address instead of the connection's peer;
    # only behind a proxy that sets that header (otherwise any client could pick its own address).
    trust_forwarded_for: bool = False
    # The pool of database connections of one process (README, "Sizing the database pool").  A request
    # holds at most one; with no overflow a burst queues for a free connection instead of opening more,
    # and waiting longer than the timeout is a 503 with Retry-After.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    db_pool_timeout_seconds: float = 10.0
    # PostgreSQL: keep prepared statements per connection.  Set false behind PgBouncer in transaction
    # pooling unless it is 1.21 or later with max_prepared_statements set.
    db_statement_cache: bool = True
    # How long a writer waits for the SQLite write lock before giving up with 503.
    sqlite_busy_timeout_ms: int = 30_000
    public_url: str | None = None
    # Where attachment bytes live (the local blob store); relative paths are taken from the working directory.
    blob_dir: Path = Path("var") / "blobs"
    # Largest attachment accepted; a bigger upload is a 413 and nothing is stored.
    max_attachment_bytes: int = 256 * 1024 * 1024
    # Transport limits of `lanekit serve` (web/transport.py; defaults argued in docs/decisions/151).
    # A request line plus header fields larger than this, or with more fields than max_headers, is a 431.
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    # A request head must be complete this long after the connection opened or the previous response (408).
    header_timeout_seconds: float = 10.0
    # While the app waits for the body, a gap this long without body bytes ends the request (408).
    body_timeout_seconds: float = 30.0
    # Open connections one process serves; past it requests are answered 503.
    max_connections: int = 1000
    # Encoded board bodies and pages of card faces kept per process, by total size in bytes; 0 turns the
    # cache off (docs/decisions/163-body-cache.md).
    body_cache_bytes: int = 64 * 1024 * 1024
    # Where reporting exports read their rows (LANEKIT_REPORTING_DATABASE_URL): a PostgreSQL read replica of
    # the database, or unset for the database itself.  Authorisation always reads the database itself
    # (docs/decisions/173-reporting-replica.md).
    reporting_database_url: SecretStr | None = None

    @field_validator("rate_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '120/minute': {value!r}") from exc
        return value

    @field_validator("db_max_overflow", "body_cache_bytes")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must not be negative")
        return value

    @field_validator("max_body_bytes", "auth_cache_size", "max_attachment_bytes")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be positive")
        return value

    @field_validator(
        "max_header_bytes",
        "max_headers",
        "header_timeout_seconds",
        "body_timeout_seconds",
        "max_connections",
        "auth_cache_ttl_seconds",
        "db_pool_size",
        "db_pool_timeout_seconds",
    )
    @classmethod
    def _positive_limit(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be positive")
        return value
