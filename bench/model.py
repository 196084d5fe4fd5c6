"""The bench's data model: what to load (`Spec`) and what a load produced (`Dataset`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)  # fixed, so that two loads with one seed are identical


def user_email(index: int, account_name: str) -> str:
    """The e-mail address of the account's user `index` (0: the administrator the bench signs in as)."""
    return f"bench@{account_name}.example" if index == 0 else f"user{index}@{account_name}.example"


@dataclass(frozen=True, slots=True)
class Spec:
    boards: int
    cards: int
    largest: int  # cards on the first (largest) board
    events: int
    users: int = 200
    seed: int = 5
    # Users in the account's directory in all, the `users` above included (the SCIM sequences read them);
    # the others are loaded after everything else, so the cards and the activity log do not change with it.
    directory: int = 0


FULL = Spec(boards=50, cards=200_000, largest=20_000, events=1_000_000, directory=10_000)
QUICK = Spec(boards=5, cards=5_000, largest=2_000, events=20_000, directory=1_000)


@dataclass(slots=True)
class BoardInfo:
    id: int
    cards: int
    leaf_lanes: list[int]
    default_lane: int
    card_types: list[int]


@dataclass(slots=True)
class Dataset:
    """What the scenarios need to know about a load; saved as JSON beside the database."""

    spec: Spec
    account_name: str
    account_id: int
    user_id: int  # the administrator the scenarios sign in as
    email: str
    password: str
    token: str
    boards: list[BoardInfo]
    card_ids: list[int]  # every card, in id order
    card_boards: list[int]  # index into `boards` of each card, parallel to `card_ids`
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def directory_emails(self) -> list[str]:
        """The e-mail addresses of every user but the administrator (`generate.user_email`)."""
        return [user_email(i, self.account_name) for i in range(1, max(self.spec.users, self.spec.directory))]

    @property
    def largest_board(self) -> BoardInfo:
        return max(self.boards, key=lambda b: b.cards)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Dataset:
        values = dict(raw)
        values["spec"] = Spec(**values["spec"])
        values["boards"] = [BoardInfo(**b) for b in values["boards"]]
        return cls(**values)
