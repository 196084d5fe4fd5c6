"""The bench's data set: a deterministic (seeded), bulk-loaded, realistic account.

One account, its users (one password hash computed once and shared; the first user is an administrator who
also owns an API token whose plaintext the bench knows), boards with the default layout of a blank board
(`lanekit.domain.boards.defaults`, exactly what `domain.boards.populate_blank` inserts), cards spread unevenly
over boards and lanes with valid rank keys (`lanekit.domain.cards.positions`), tags (`cards.tags` and
`card_tags`), assignees, custom fields with values, and the activity log.

Rows are written straight into the migrated schema of `lanekit.storage.tables` with the raw drivers:
PostgreSQL through asyncpg's binary COPY (foreign-key triggers are switched off for the load, the data being
consistent by construction), SQLite with large `executemany` batches in one transaction.  Ids are given
explicitly, above the current maximum of each table, and the PostgreSQL sequences are moved past them at the
end, so the load can share a database with other accounts (the smoke test does).

`python -m bench` calls `generate()` on a fresh database of its own; the smoke test calls it on the test
database under a new account.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from bench.layout import board_roles, structure
from bench.model import EPOCH, FULL, QUICK, BoardInfo, Dataset, Spec, user_email
from bench.sinks import Sink, open_sink
from lanekit.domain.cards import positions
from lanekit.domain.people.auth import token_digest
from lanekit.domain.people.passwords import hash_password
from lanekit.storage import tables as t

__all__ = ["FULL", "QUICK", "BoardInfo", "Dataset", "Spec", "generate"]

WORDS = (
    "api billing cache checkout dashboard deploy export import invoice login mobile onboarding payment "
    "report search settings signup sync upload webhook audit backup latency migration queue release "
    "retry schema session throttle"
).split()
TAGS = (
    "backend",
    "frontend",
    "ux",
    "ops",
    "security",
    "perf",
    "q1",
    "q2",
    "q3",
    "q4",
    "customer",
    "tech-debt",
)
EVENT_TYPES = (
    ("cardMoved", 40),
    ("cardFieldsChanged", 30),
    ("commentPosted", 12),
    ("userAssigned", 8),
    ("cardBlocked", 4),
    ("cardUnblocked", 3),
    ("attachmentAdded", 3),
)
PRIORITIES = (("normal", 60), ("low", 15), ("high", 20), ("critical", 5))
BENCH_PASSWORD = "bench-password-1"


def bench_token(seed: int, account_name: str) -> str:
    """A fixed 64-hex-digit token (the format `domain.tokens` issues), known only to the bench."""
    return hashlib.sha256(f"lanekit-bench-token-{seed}-{account_name}".encode()).hexdigest()


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> list[str]:
    return [name for name, weight in pairs for _ in range(weight)]


# --- The generator ------------------------------------------------------------------------------------


async def generate(url: str, spec: Spec, *, account_name: str = "bench") -> Dataset:
    """Load `spec` into the migrated database at `url` under a new account `account_name`."""
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    sink = await open_sink(url)
    try:
        dataset = await _load(sink, spec, rng, account_name=account_name)
        await sink.finish()
    finally:
        await sink.close()
    dataset.seconds = round(time.perf_counter() - started, 2)
    return dataset


async def _load(sink: Sink, spec: Spec, rng: random.Random, *, account_name: str) -> Dataset:
    base = {table.name: await sink.max_id(table) for table in _ID_TABLES}
    counts: dict[str, int] = {}
    account_id = base["accounts"] + 1
    counts["accounts"] = await sink.load(
        t.accounts,
        [{"id": account_id, "name": account_name, "title": "Bench", "settings": {}, "created_on": EPOCH}],
    )

    password_hash = await hash_password(BENCH_PASSWORD)  # once: Argon2 is slow on purpose
    user_ids = [base["users"] + 1 + i for i in range(spec.users)]
    email = user_email(0, account_name)

    def users(indexes: range) -> Iterator[dict[str, Any]]:
        for i in indexes:
            uid = base["users"] + 1 + i
            mail = user_email(i, account_name)
            yield {
                "id": uid, "account_id": account_id, "username": mail, "email": mail,
                "username_key": mail, "email_key": mail, "first_name": f"User{i}", "last_name": "Bench",
                "password_hash": password_hash, "administrator": i == 0, "board_creator": i < 10,
                "account_owner": i == 0, "team_manager": False, "enabled": True, "deleted": False,
                "date_format": "MM/dd/yyyy", "time_zone": "Etc/GMT", "license_type": "full",
                "external_user_name": None, "external_user": False, "settings": {}, "last_access": None,
                "created_on": EPOCH, "updated_on": EPOCH,
            }  # fmt: skip

    counts["users"] = await sink.load(t.users, users(range(spec.users)))
    token = bench_token(spec.seed, account_name)
    counts["api_tokens"] = await sink.load(
        t.api_tokens,
        [{
            "id": base["api_tokens"] + 1, "account_id": account_id, "user_id": user_ids[0],
            "description": "bench", "token_hash": token_digest(token),
            "created_on": EPOCH,
        }],
    )  # fmt: skip

    boards, lanes_by_board, board_rows, lane_rows, type_rows, icon_rows, field_rows = structure(
        spec, rng, base, account_id=account_id, creator=user_ids[0]
    )
    board_versions = dict.fromkeys((b.id for b in boards), 0)
    counts["boards"] = await sink.load(t.boards, board_rows)  # versions fixed up below via a second pass
    counts["lanes"] = await sink.load(t.lanes, lane_rows)
    counts["card_types"] = await sink.load(t.card_types, type_rows)
    counts["custom_icons"] = await sink.load(t.custom_icons, icon_rows)
    counts["custom_fields"] = await sink.load(t.custom_fields, field_rows)
    counts["board_roles"] = await sink.load(
        t.board_roles,
        board_roles(rng, boards, user_ids, account_id=account_id, first_id=base["board_roles"] + 1),
    )

    icons_by_board: dict[int, list[int]] = {}
    for row in icon_rows:
        icons_by_board.setdefault(row["board_id"], []).append(row["id"])
    fields_by_board: dict[int, list[dict[str, Any]]] = {}
    for row in field_rows:
        fields_by_board.setdefault(row["board_id"], []).append(row)

    # Cards: assign each card a board and a leaf lane, then ranks per lane in order.
    card_boards: list[int] = []
    card_lanes: list[int] = []
    for index, board in enumerate(boards):
        leaves = lanes_by_board[board.id]
        weights = [
            rng.uniform(0.2, 1.0) * (3.0 if lane_status == "finished" else 1.0) for _, lane_status in leaves
        ]
        chosen = rng.choices([lane_id for lane_id, _ in leaves], weights=weights, k=board.cards)
        card_boards.extend([index] * board.cards)
        card_lanes.extend(chosen)
    per_lane: dict[int, int] = {}
    for lane_id in card_lanes:
        per_lane[lane_id] = per_lane.get(lane_id, 0) + 1
    ranks = {lane_id: iter(positions.keys_between(None, None, n)) for lane_id, n in per_lane.items()}
    status_of = {lane_id: status for leaves in lanes_by_board.values() for lane_id, status in leaves}
    card_ids = [base["cards"] + 1 + i for i in range(len(card_lanes))]
    priorities = _weighted(rng, PRIORITIES)
    card_tags: list[list[str]] = []
    assignees: list[list[int]] = []

    def cards() -> Iterator[dict[str, Any]]:
        for i, cid in enumerate(card_ids):
            board = boards[card_boards[i]]
            lane_id = card_lanes[i]
            status = status_of[lane_id]
            created = EPOCH + timedelta(minutes=rng.randrange(0, 500_000))
            tags = rng.sample(TAGS, k=rng.choice((0, 0, 1, 1, 2, 3)))
            card_tags.append(tags)
            assignees.append(rng.sample(user_ids, k=rng.choice((0, 1, 1, 1, 2))))
            blocked = rng.random() < 0.03
            started = created + timedelta(hours=rng.randrange(1, 400)) if status != "notStarted" else None
            finished = (
                started + timedelta(hours=rng.randrange(1, 400)) if started and status == "finished" else None
            )
            icons = icons_by_board[board.id]
            yield {
                "id": cid, "account_id": account_id, "board_id": board.id, "lane_id": lane_id,
                "rank": next(ranks[lane_id]),
                "title": f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} #{i}",
                "description": (
                    f"<p>Bench card {i} about {rng.choice(WORDS)}.</p>" if rng.random() < 0.5 else None
                ),
                "type_id": board.card_types[0] if rng.random() < 0.5 else rng.choice(board.card_types),
                "custom_icon_id": rng.choice(icons) if rng.random() < 0.3 else None,
                "priority": rng.choice(priorities), "size": rng.choice((0, 0, 1, 2, 3, 5, 8)),
                "tags": tags, "custom_id": f"BN-{i}" if rng.random() < 0.2 else None, "external_links": [],
                "planned_start": (
                    date(2025, 1, 1) + timedelta(days=rng.randrange(365)) if rng.random() < 0.2 else None
                ),
                "planned_finish": None, "actual_start": started, "actual_finish": finished,
                "is_blocked": blocked, "blocked_reason": "Waiting on a dependency" if blocked else None,
                "blocked_on": created if blocked else None,
                "created_on": created, "created_by": rng.choice(user_ids),
                "updated_on": finished or started or created, "updated_by": rng.choice(user_ids),
                "moved_on": started, "moved_by": user_ids[0] if started else None,
                "archived_on": None, "archived_by": None, "deleted_on": None, "version": 1,
                "containing_card_id": None, "mirror_source_card_id": None,
            }  # fmt: skip

    counts["cards"] = await sink.load(t.cards, cards())

    def tag_rows() -> Iterator[dict[str, Any]]:
        for i, tags in enumerate(card_tags):
            for tag in tags:
                yield {"card_id": card_ids[i], "tag": tag, "board_id": boards[card_boards[i]].id}

    def assignment_rows() -> Iterator[dict[str, Any]]:
        for i, users_of_card in enumerate(assignees):
            for uid in users_of_card:
                yield {"card_id": card_ids[i], "user_id": uid, "account_id": account_id, "assigned_on": EPOCH}

    def field_value_rows() -> Iterator[dict[str, Any]]:
        for i, cid in enumerate(card_ids):
            for custom in fields_by_board[boards[card_boards[i]].id]:
                if rng.random() < 0.4:
                    continue
                kind = custom["type"]
                value: Any
                if kind == "number":
                    value = rng.randrange(1, 100)
                elif kind == "choice":
                    value = rng.choice(custom["choice_configuration"]["choices"])
                else:
                    value = f"Customer {rng.randrange(1000)}"
                yield {"card_id": cid, "field_id": custom["id"], "value": value}

    counts["card_tags"] = await sink.load(t.card_tags, tag_rows())
    counts["card_assignments"] = await sink.load(t.card_assignments, assignment_rows())
    counts["card_field_values"] = await sink.load(t.card_field_values, field_value_rows())

    event_types = _weighted(rng, EVENT_TYPES)

    def event_rows() -> Iterator[dict[str, Any]]:
        # Events in time order; each bumps its board's version, as the app does.
        moments = sorted(rng.randrange(0, 600_000) for _ in range(spec.events))
        for n, minute in enumerate(moments):
            i = rng.randrange(len(card_ids))
            board_id = boards[card_boards[i]].id
            board_versions[board_id] += 1
            kind = rng.choice(event_types)
            yield {
                "id": base["events"] + 1 + n, "account_id": account_id, "board_id": board_id,
                "card_id": card_ids[i], "type": kind, "user_id": rng.choice(user_ids),
                "occurred_on": EPOCH + timedelta(minutes=minute), "board_version": board_versions[board_id],
                "data": {"cardId": str(card_ids[i]), "title": f"event {n}"},
            }  # fmt: skip

    counts["events"] = await sink.load(t.events, event_rows())
    await sink.set_board_versions(board_versions)
    # Last, so that nothing above depends on how many there are: the rest of the directory (SCIM reads it).
    counts["users"] += await sink.load(t.users, users(range(spec.users, spec.directory)))

    return Dataset(
        spec=spec, account_name=account_name, account_id=account_id, user_id=user_ids[0], email=email,
        password=BENCH_PASSWORD, token=token, boards=boards, card_ids=card_ids, card_boards=card_boards,
        counts=counts,
    )  # fmt: skip


_ID_TABLES = (
    t.accounts, t.users, t.api_tokens, t.boards, t.lanes, t.card_types, t.custom_icons, t.custom_fields,
    t.board_roles, t.cards, t.events,
)  # fmt: skip
