"""The board-role rules of domain/access.py, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lanekit.domain import access
from lanekit.domain.access import BoardAccess, effective_role, require
from lanekit.domain.errors import Forbidden
from lanekit.domain.types import Actor
from lanekit.storage.records import BoardRecord


def _board(*, archived: bool = False) -> BoardRecord:
    return BoardRecord(
        id=7,
        account_id=1,
        title="b",
        description="",
        created_on=datetime(2026, 1, 1, tzinfo=UTC),
        created_by=1,
        version=1,
        is_archived=archived,
        is_deleted=False,
        is_welcome=False,
        is_shared=False,
        shared_board_role="none",
        base_wip_on_card_size=False,
        exclude_completed_and_archive_violations=False,
        allow_users_to_delete_cards=True,
        default_card_type_id=None,
        default_task_type_id=None,
        settings={},
    )


def _access(role: str, *, admin: bool = False, archived: bool = False) -> BoardAccess:
    actor = Actor(account_id=1, user_id=2, administrator=admin, board_creator=admin)
    return BoardAccess(actor=actor, board=_board(archived=archived), explicit_role=role, effective_role=role)


def test_effective_role_is_the_highest_source() -> None:
    assert (
        effective_role(explicit=None, is_shared=False, shared_role="boardManager", account_admin=False)
        == "none"
    )
    assert (
        effective_role(explicit=None, is_shared=True, shared_role="boardUser", account_admin=False)
        == "boardUser"
    )
    assert (
        effective_role(
            explicit="boardManager", is_shared=True, shared_role="boardReader", account_admin=False
        )
        == "boardManager"
    )
    assert effective_role(
        explicit="boardReader", is_shared=False, shared_role="none", account_admin=True
    ) == ("boardAdministrator")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("boardReader", {"board.read", "card.read"}),
        ("boardUser", {"board.read", "card.read", "card.create", "card.move"}),
        (
            "boardManager",
            {"board.read", "card.read", "card.create", "card.move", "board.layout", "lane.update"},
        ),
        (
            "boardAdministrator",
            {
                "board.read",
                "card.read",
                "card.create",
                "card.move",
                "board.layout",
                "lane.update",
                "board.configure",
                "board.users",
            },
        ),
    ],
)
def test_role_minimums(role: str, allowed: set[str]) -> None:
    probe = [
        "board.read",
        "card.read",
        "card.create",
        "card.move",
        "board.layout",
        "lane.update",
        "board.configure",
        "board.users",
    ]
    found = _access(role)
    assert {a for a in probe if found.allows(a)} == allowed


def test_account_admin_actions_need_the_account_flag() -> None:
    assert not _access("boardAdministrator").allows("board.delete")
    assert _access("boardAdministrator", admin=True).allows("board.delete")
    with pytest.raises(Forbidden, match="account administrator"):
        require(_access("boardAdministrator"), "board.unarchive")


def test_archived_boards_are_read_only_even_for_admins() -> None:
    found = _access("boardAdministrator", admin=True, archived=True)
    assert found.allows("board.read") and found.allows("board.unarchive")
    with pytest.raises(Forbidden, match="archived"):
        require(found, "board.layout")
    with pytest.raises(Forbidden, match="archived"):
        require(found, "card.create")


def test_every_action_names_a_known_role() -> None:
    for needed in access.ACTIONS.values():
        assert needed in access.ROLE_RANK or needed == access.ACCOUNT_ADMIN
