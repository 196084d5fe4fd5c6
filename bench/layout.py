"""Boards laid out exactly as `lanekit.domain.boards.boards.populate_blank` lays out a blank board.

The lanes, card types and custom icons come from `lanekit.domain.boards.defaults`, so the bench's boards
follow the application's default layout when it changes.  Custom fields and board roles are the bench's own.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from bench.model import EPOCH, BoardInfo, Spec
from lanekit.domain.boards import defaults as board_defaults
from lanekit.domain.boards.defaults import LaneSpec


def board_sizes(spec: Spec, rng: random.Random) -> list[int]:
    """The first board gets `largest` cards; the rest share the remainder by Zipf-like weights.

    No other board reaches 80% of the largest: what a weight would give above that goes to the smallest.
    """
    if spec.boards == 1:
        return [spec.cards]
    rest = spec.cards - spec.largest
    weights = [1.0 / (i + 1) ** 0.6 for i in range(spec.boards - 1)]
    rng.shuffle(weights)
    total = sum(weights)
    cap = int(spec.largest * 0.8)
    sizes = [min(cap, int(rest * w / total)) for w in weights]
    while (missing := rest - sum(sizes)) > 0:
        room = [i for i, size in enumerate(sizes) if size < cap]
        if not room:
            raise ValueError(f"{spec.cards} cards do not fit on {spec.boards} boards below {spec.largest}")
        smallest = min(room, key=lambda i: sizes[i])
        sizes[smallest] += min(missing, cap - sizes[smallest], max(1, missing // len(room)))
    return [spec.largest, *sizes]


CUSTOM_FIELDS = (
    ("text", "Customer", None),
    ("number", "Estimate (h)", None),
    ("choice", "Team", {"choices": ["Platform", "Payments", "Growth", "Mobile"]}),
)


def structure(
    spec: Spec, rng: random.Random, base: dict[str, int], *, account_id: int, creator: int
) -> tuple[
    list[BoardInfo], dict[int, list[tuple[int, str]]], list[dict[str, Any]], list[dict[str, Any]],
    list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]],
]:  # fmt: skip
    """Boards laid out as `domain.boards.populate_blank` lays out a blank board, plus custom fields."""
    next_id = {
        name: base[name] + 1 for name in ("boards", "lanes", "card_types", "custom_icons", "custom_fields")
    }

    def take(name: str) -> int:
        value = next_id[name]
        next_id[name] += 1
        return value

    boards: list[BoardInfo] = []
    lanes_by_board: dict[int, list[tuple[int, str]]] = {}
    board_rows: list[dict[str, Any]] = []
    lane_rows: list[dict[str, Any]] = []
    type_rows: list[dict[str, Any]] = []
    icon_rows: list[dict[str, Any]] = []
    field_rows: list[dict[str, Any]] = []
    for n, size in enumerate(board_sizes(spec, rng)):
        board_id = take("boards")
        leaves: list[tuple[int, str]] = []
        drop_lane = 0

        def add_lanes(
            specs: Sequence[LaneSpec], parent: int | None, board_id: int, leaves: list[tuple[int, str]]
        ) -> None:
            nonlocal drop_lane
            for position, lane in enumerate(specs):
                lane_id = take("lanes")
                lane_rows.append({
                    "id": lane_id, "account_id": account_id, "board_id": board_id, "parent_lane_id": parent,
                    "position": position, "title": lane.title, "description": None,
                    "lane_class_type": lane.class_type, "lane_type": lane.lane_type,
                    "card_status": lane.card_status, "orientation": lane.orientation, "columns": lane.columns,
                    "wip_limit": 0, "is_default_drop_lane": lane.is_default_drop_lane,
                    "is_connection_done_lane": lane.is_connection_done_lane, "sort_by": None,
                    "task_card_id": None, "created_on": EPOCH,
                })  # fmt: skip
                if lane.is_default_drop_lane:
                    drop_lane = lane_id
                if lane.children:
                    add_lanes(lane.children, lane_id, board_id, leaves)
                else:
                    leaves.append((lane_id, lane.card_status))

        add_lanes(board_defaults.LAYOUT, None, board_id, leaves)
        defaults: dict[str, int] = {}
        card_type_ids: list[int] = []
        for position, kind in enumerate(board_defaults.CARD_TYPES):
            type_id = take("card_types")
            defaults[kind.name] = type_id
            if kind.is_card_type:
                card_type_ids.append(type_id)
            type_rows.append({
                "id": type_id, "account_id": account_id, "board_id": board_id, "position": position,
                "name": kind.name, "color_hex": kind.color_hex, "is_card_type": kind.is_card_type,
                "is_task_type": kind.is_task_type,
            })  # fmt: skip
        # The default card type first: cards use it most.
        default_type = defaults[board_defaults.DEFAULT_CARD_TYPE]
        card_type_ids.sort(key=lambda i: i != default_type)
        for position, icon in enumerate(board_defaults.CUSTOM_ICONS):
            icon_rows.append({
                "id": take("custom_icons"), "account_id": account_id, "board_id": board_id,
                "position": position, "name": icon.name, "policy": icon.policy, "icon_color": icon.icon_color,
                "icon_name": icon.icon_name,
            })  # fmt: skip
        for position, (kind_name, label, choices) in enumerate(CUSTOM_FIELDS):
            field_rows.append({
                "id": take("custom_fields"), "account_id": account_id, "board_id": board_id,
                "position": position, "type": kind_name, "label": label, "help_text": None,
                "choice_configuration": choices, "created_on": EPOCH, "created_by": creator,
            })  # fmt: skip
        board_rows.append({
            "id": board_id, "account_id": account_id, "title": f"Bench board {n + 1}",
            "description": "", "created_on": EPOCH, "created_by": creator, "version": 0,
            "is_archived": False, "is_deleted": False, "is_welcome": False, "is_shared": n % 3 == 0,
            "shared_board_role": "boardUser" if n % 3 == 0 else "none", "base_wip_on_card_size": False,
            "exclude_completed_and_archive_violations": False, "allow_users_to_delete_cards": True,
            "default_card_type_id": default_type,
            "default_task_type_id": defaults[board_defaults.DEFAULT_TASK_TYPE], "settings": {},
        })  # fmt: skip
        boards.append(BoardInfo(board_id, size, [lane for lane, _ in leaves], drop_lane, card_type_ids))
        lanes_by_board[board_id] = leaves
    return boards, lanes_by_board, board_rows, lane_rows, type_rows, icon_rows, field_rows


def board_roles(
    rng: random.Random, boards: list[BoardInfo], user_ids: list[int], *, account_id: int, first_id: int
) -> Iterator[dict[str, Any]]:
    """The administrator administers every board; every other user holds a role on a few boards."""
    next_id = first_id
    for board in boards:
        yield {"id": next_id, "account_id": account_id, "board_id": board.id, "user_id": user_ids[0],
               "role": "boardAdministrator", "wip": None}  # fmt: skip
        next_id += 1
    roles = ("boardReader", "boardUser", "boardUser", "boardUser", "boardManager")
    for uid in user_ids[1:]:
        for board in rng.sample(boards, k=min(len(boards), rng.randrange(1, 6))):
            yield {"id": next_id, "account_id": account_id, "board_id": board.id, "user_id": uid,
                   "role": rng.choice(roles), "wip": None}  # fmt: skip
            next_id += 1
