"""Who may do what.  Account-level rules now; board roles join this table with the boards feature."""

from __future__ import annotations

from lanekit.domain.errors import Forbidden
from lanekit.domain.types import Actor


def require_account_admin(actor: Actor) -> None:
    if not actor.administrator:
        raise Forbidden("this action requires an account administrator")
