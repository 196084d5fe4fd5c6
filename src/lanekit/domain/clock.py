from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """The current instant, UTC, to the millisecond (what every stored timestamp uses)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def iso_date(value: date | None) -> str | None:
    """A calendar date as ISO 8601 `YYYY-MM-DD`: how planned dates are stored in JSON (template structures)
    and shown on the wire (`shapes/common.plain_date` is this function)."""
    return None if value is None else value.isoformat()
