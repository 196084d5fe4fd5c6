"""The one error hierarchy every layer raises.  Each edge (v2, legacy, SCIM) maps it to its own wire form.

    LanekitError
     ├── Unauthenticated      no or bad credentials
     ├── Forbidden            a known user without the right role
     ├── NotFound             missing, or belonging to someone the caller may not see
     ├── Invalid              the request names something wrong (field, why)
     │    └── WipExceeded     the change would push a lane or user past a WIP limit
     ├── Conflict             the state forbids it (duplicate, stale layout checksum)
     ├── VersionMismatch      an optimistic version check failed
     ├── RateLimited          the caller spent their window
     ├── PayloadTooLarge      a body over the configured limit
     └── Unavailable          the database is busy; try again

The classes carry facts, never HTTP statuses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class LanekitError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(LanekitError):
    pass


class Forbidden(LanekitError):
    pass


class NotFound(LanekitError):
    def __init__(self, what: str, ident: object | None = None) -> None:
        message = f"{what} not found" if ident is None else f"{what} {ident} not found"
        super().__init__(message)
        self.what = what
        self.ident = ident


class Invalid(LanekitError):
    """`field` is the body/query field or JSON pointer at fault; `why` says what was wrong with it."""

    def __init__(self, field: str, why: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"{field}: {why}" if field else why)
        self.field = field
        self.why = why
        self.details = details


class WipExceeded(Invalid):
    def __init__(self, field: str, *, subject: str, limit: int) -> None:
        super().__init__(
            field,
            f"{subject} has a WIP limit of {limit}; send a non-empty wipOverrideComment to exceed it",
        )
        self.subject = subject
        self.limit = limit


class Conflict(LanekitError):
    pass


class VersionMismatch(LanekitError):
    def __init__(self, *, expected: str, actual: str) -> None:
        super().__init__(f"version check failed: expected {expected}, current version is {actual}")
        self.expected = expected
        self.actual = actual


class RateLimited(LanekitError):
    def __init__(self, *, reset_at: datetime) -> None:
        super().__init__("rate limit exceeded; retry after the time in Retry-After")
        self.reset_at = reset_at


class PayloadTooLarge(LanekitError):
    def __init__(self, *, limit: int, what: str = "request body") -> None:
        super().__init__(f"{what} is larger than the limit of {limit} bytes")
        self.limit = limit


class Unavailable(LanekitError):
    pass
