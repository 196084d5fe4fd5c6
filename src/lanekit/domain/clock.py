from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, UTC, to the millisecond (what every stored timestamp uses)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
