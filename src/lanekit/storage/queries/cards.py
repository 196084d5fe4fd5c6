"""Cards: reads (`fetch_*`, `list_*`, `count_*`) and writes (`insert_*`, `update_*`, `replace_*`).

Every statement is scoped to an account.  A card's `index` is derived here, on read, from its rank: the number
of live cards of its lane that sort before it by (rank, id) (domain/positions.py explains the keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql import Subquery

from lanekit.storage.executor import Connection
from lanekit.storage.queries import attachments as attachment_queries
from lanekit.storage.queries import comments as comment_queries
from lanekit.storage.queries import connections as connection_queries
from lanekit.storage.queries import tasks as task_queries
from lanekit.storage.queries.card_filters import live
from lanekit.storage.records import (
    BoardRecord,
    CardFieldValueRecord,
    CardReadRecord,
    CardRecord,
    CardTypeRecord,
    CustomIconRecord,
    LaneRecord,
    UserRef,
)
from lanekit.storage.rows import PerDialect, any_of
from lanekit.storage.tables import (
    board_roles,
    boards,
    card_assignments,
    card_field_values,
    card_tags,
    card_types,
    cards,
    custom_fields,
    custom_icons,
    lanes,
    users,
)

_others = cards.alias("c_before")
_parent = lanes.alias("l_parent")
_grandparent = lanes.alias("l_grandparent")


def lane_order() -> list[Any]:
    """Board layout order of a card's lane (depth-first by position), for lanes up to three levels deep."""
    return [
        func.coalesce(_grandparent.c.position, _parent.c.position, lanes.c.position),
        case(
            (_grandparent.c.id.is_not(None), _parent.c.position),
            (_parent.c.id.is_not(None), lanes.c.position),
            else_=-1,
        ),
        case((_grandparent.c.id.is_not(None), lanes.c.position), else_=-1),
        lanes.c.id,
    ]


_PEOPLE = ("created_by", "updated_by", "moved_by", "archived_by")
_people = {name: users.alias(f"u_{name}") for name in _PEOPLE}


def card_record(row: Any) -> CardRecord:
    """A CardRecord from a result row (or its `_mapping`, which callers reading many columns pass once)."""
    m = row if isinstance(row, RowMapping) else row._mapping
    return CardRecord(**{name: m[name] for name in _CARD_NAMES})


def index_expression() -> Any:
    """The card's 0-based position in its lane, as a correlated count over the (lane_id, rank) index."""
    return (
        select(func.count())
        .select_from(_others)
        .where(
            _others.c.lane_id == cards.c.lane_id,
            # The range bound lets the (lane_id, rank) index stop at the card; the OR only breaks rank ties.
            _others.c.rank <= cards.c.rank,
            _others.c.deleted_on.is_(None),
            or_(_others.c.rank < cards.c.rank, _others.c.id < cards.c.id),
        )
        .scalar_subquery()
    )


def _build_read_select(*, with_index: bool, with_viewer: bool) -> Select[Any]:
    """Card columns plus board, lane, type, icon and the four people, each table's columns prefixed.

    `with_index` adds the correlated index (one card); pages get theirs from `_page_indexes`.  `with_viewer`
    adds the explicit role of user `:viewer_id` on the card's board (`x_role`), so a card GET needs no access
    query.
    """
    columns: list[Any] = [*cards.c]
    if with_index:
        columns.append(index_expression().label("x_index"))
        # The one-card read counts the attachments, so a card without any costs no further statement.
        columns.append(attachment_queries.count_expression(cards.c.id).label("x_attachments"))
        columns.append(comment_queries.count_expression(cards.c.id).label("x_comments"))
        columns.append(comment_queries.child_count_expression(cards.c.id).label("x_child_comments"))
    columns.append(exists().where(card_assignments.c.card_id == cards.c.id).label("x_has_assignees"))
    columns.append(exists().where(card_field_values.c.card_id == cards.c.id).label("x_has_fields"))
    # Every read counts the card's live tasks: `taskBoardStats` costs a statement only when there are some.
    columns.append(task_queries.task_count_expression(cards.c.id).label("x_tasks"))
    # Every read flags connections: `parentCards` and `connectedCardStats` cost statements only when there are
    # some (domain/connections.with_connections).
    columns.append(connection_queries.parent_flag(cards.c.id).label("x_has_parents"))
    columns.append(connection_queries.child_flag(cards.c.id).label("x_has_children"))
    columns += [c.label(f"b_{c.name}") for c in boards.c]
    columns += [c.label(f"l_{c.name}") for c in lanes.c]
    columns += [c.label(f"t_{c.name}") for c in card_types.c]
    columns += [c.label(f"i_{c.name}") for c in custom_icons.c]
    joined = (
        cards.join(boards, boards.c.id == cards.c.board_id)
        .join(lanes, lanes.c.id == cards.c.lane_id)
        .join(card_types, card_types.c.id == cards.c.type_id)
        .outerjoin(custom_icons, custom_icons.c.id == cards.c.custom_icon_id)
        .outerjoin(_parent, _parent.c.id == lanes.c.parent_lane_id)
        .outerjoin(_grandparent, _grandparent.c.id == _parent.c.parent_lane_id)
    )
    for name, alias in _people.items():
        columns += [
            alias.c.id.label(f"p_{name}_id"),
            alias.c.email.label(f"p_{name}_email"),
            alias.c.first_name.label(f"p_{name}_first_name"),
            alias.c.last_name.label(f"p_{name}_last_name"),
        ]
        joined = joined.outerjoin(alias, alias.c.id == cards.c[name])
    if with_viewer:
        columns.append(board_roles.c.role.label("x_role"))
        joined = joined.outerjoin(
            board_roles,
            and_(board_roles.c.board_id == cards.c.board_id, board_roles.c.user_id == bindparam("viewer_id")),
        )
    return select(*columns).select_from(joined)


def _json_list(columns: list[Any], *, order_by: list[Any], source: Any, card_id: Any) -> Any:
    """PostgreSQL: a JSON array of `[columns…]` arrays, one per row of `source` for the outer card."""
    items = aggregate_order_by(func.json_build_array(*columns), *order_by)
    return select(func.json_agg(items)).select_from(source).where(card_id == cards.c.id).scalar_subquery()


def _folded_lists() -> list[Any]:
    """PostgreSQL: the card's assignees and custom field values as two JSON arrays in the card's own row,
    in the orders of `_ASSIGNEES` and `_FIELD_VALUES`, so that a card GET is one round trip, not three.

    SQLite keeps the two batched statements: its statements cost no round trip, and before 3.44 its
    aggregates take no ORDER BY."""
    assigned = card_assignments.alias("ca_listed")
    assignee = users.alias("u_assignee")
    valued = card_field_values.alias("cfv_listed")
    field = custom_fields.alias("cf_listed")
    assignees = _json_list(
        [assignee.c.id, assignee.c.email, assignee.c.first_name, assignee.c.last_name],
        order_by=[assigned.c.assigned_on, assignee.c.id],
        source=assigned.join(assignee, assignee.c.id == assigned.c.user_id),
        card_id=assigned.c.card_id,
    )
    values = _json_list(
        [valued.c.field_id, field.c.type, field.c.label, field.c.position, valued.c.value],
        order_by=[field.c.position, field.c.id],
        source=valued.join(field, field.c.id == valued.c.field_id),
        card_id=valued.c.card_id,
    )
    return [assignees.label("x_assignee_list"), values.label("x_field_list")]


def _read_one_by_id(dialect: str) -> Select[Any]:
    read = _build_read_select(with_index=True, with_viewer=True)
    if dialect == "postgresql":
        read = read.add_columns(*_folded_lists())
    return read.where(
        cards.c.id == bindparam("card_id"), cards.c.account_id == bindparam("account_id"), live()
    )


# Built once per dialect; each use only adds its WHERE clause.
_READ_ONE_BY_ID = PerDialect(_read_one_by_id)
_READ_PAGE = _build_read_select(with_index=False, with_viewer=False)
_READ_PAGE_BY_IDS = PerDialect(lambda dialect: _READ_PAGE.where(any_of(dialect, cards.c.id, "card_ids")))


# Column names in record field order, computed once: records are built positionally from these.
_CARD_NAMES = tuple(f.name for f in dataclass_fields(CardRecord))
_PREFIXES = {
    prefix: tuple((f.name, f"{prefix}{f.name}") for f in dataclass_fields(record))
    for prefix, record in (
        ("b_", BoardRecord),
        ("l_", LaneRecord),
        ("t_", CardTypeRecord),
        ("i_", CustomIconRecord),
    )
}
_PERSON_COLUMNS = {
    name: tuple(f"p_{name}_{field.name}" for field in dataclass_fields(UserRef)) for name in _PEOPLE
}


class _RecordReader:
    """Builds CardReadRecords from the wide rows of one result.

    Column positions are looked up once per result, and the board, lane, type, icon and people records, which
    most cards of a page share, are built once per id: a page of 200 cards builds a few dozen records, not
    over a thousand.
    """

    def __init__(self, fields: Sequence[str]) -> None:
        at = {name: n for n, name in enumerate(fields)}
        self._card = itemgetter(*(at[name] for name in _CARD_NAMES))
        self._parts = {
            prefix: (at[f"{prefix}id"], itemgetter(*(at[key] for _name, key in names)))
            for prefix, names in _PREFIXES.items()
        }
        self._people = {
            name: itemgetter(*(at[key] for key in keys)) for name, keys in _PERSON_COLUMNS.items()
        }
        self._index_at = at.get("x_index")
        self._attachments_at = at.get("x_attachments")
        self._comments_at = at.get("x_comments")
        self._child_comments_at = at.get("x_child_comments")
        self._connections_at = (at.get("x_has_parents"), at.get("x_has_children"))
        self._seen: dict[tuple[str, int], Any] = {}

    def _part(self, row: Any, prefix: str, make: Any) -> Any:
        id_at, values = self._parts[prefix]
        key = (prefix, row[id_at])
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = make(*values(row))
        return found

    @staticmethod
    def _flag(row: Any, at: int | None) -> bool:
        return False if at is None else bool(row[at])

    def _person(self, row: Any, name: str) -> UserRef | None:
        values = self._people[name](row)
        if values[0] is None:
            return None
        key = ("p_", values[0])
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = UserRef(*values)
        return found

    def read(
        self,
        row: Any,
        assignees: dict[int, list[UserRef]],
        fields: dict[int, list[CardFieldValueRecord]],
        index: int | None = None,
    ) -> CardReadRecord:
        card = CardRecord(*self._card(row))
        id_at = self._parts["i_"][0]
        return CardReadRecord(
            card=card,
            index=int(row[self._index_at]) if index is None else index,
            board=self._part(row, "b_", BoardRecord),
            lane=self._part(row, "l_", LaneRecord),
            card_type=self._part(row, "t_", CardTypeRecord),
            icon=None if row[id_at] is None else self._part(row, "i_", CustomIconRecord),
            created_by=self._person(row, "created_by"),
            updated_by=self._person(row, "updated_by"),
            moved_by=self._person(row, "moved_by"),
            archived_by=self._person(row, "archived_by"),
            assignees=tuple(assignees.get(card.id, ())),
            field_values=tuple(fields.get(card.id, ())),
            attachment_count=0 if self._attachments_at is None else int(row[self._attachments_at]),
            comments_count=0 if self._comments_at is None else int(row[self._comments_at]),
            child_comments_count=(
                0 if self._child_comments_at is None else int(row[self._child_comments_at])
            ),
            has_parents=self._flag(row, self._connections_at[0]),
            has_children=self._flag(row, self._connections_at[1]),
        )


# The card reads' statements are built once, with bound parameters: building a select (and a 100-column
# one above all) costs more CPU than executing it (decision 094).
_ASSIGNEES = PerDialect(
    lambda dialect: (
        select(card_assignments.c.card_id, users.c.id, users.c.email, users.c.first_name, users.c.last_name)
        .select_from(card_assignments.join(users, users.c.id == card_assignments.c.user_id))
        .where(any_of(dialect, card_assignments.c.card_id, "card_ids"))
        .order_by(card_assignments.c.card_id, card_assignments.c.assigned_on, users.c.id)
    )
)


async def list_assignees(conn: Connection, *, card_ids: Sequence[int]) -> dict[int, list[UserRef]]:
    """Assigned users of many cards in one statement, in assignment order."""
    if not card_ids:
        return {}
    rows = (await conn.execute(_ASSIGNEES(conn), {"card_ids": list(card_ids)})).all()
    found: dict[int, list[UserRef]] = {}
    for r in rows:
        found.setdefault(r.card_id, []).append(UserRef(r.id, r.email, r.first_name, r.last_name))
    return found


_FIELD_VALUES = PerDialect(
    lambda dialect: (
        select(
            card_field_values.c.card_id,
            card_field_values.c.field_id,
            card_field_values.c.value,
            custom_fields.c.type,
            custom_fields.c.label,
            custom_fields.c.position,
        )
        .select_from(
            card_field_values.join(custom_fields, custom_fields.c.id == card_field_values.c.field_id)
        )
        .where(any_of(dialect, card_field_values.c.card_id, "card_ids"))
        .order_by(card_field_values.c.card_id, custom_fields.c.position, custom_fields.c.id)
    )
)


async def list_field_values(
    conn: Connection, *, card_ids: Sequence[int]
) -> dict[int, list[CardFieldValueRecord]]:
    """Custom field values of many cards in one statement, in the board's field order."""
    if not card_ids:
        return {}
    rows = (await conn.execute(_FIELD_VALUES(conn), {"card_ids": list(card_ids)})).all()
    found: dict[int, list[CardFieldValueRecord]] = {}
    for r in rows:
        found.setdefault(r.card_id, []).append(
            CardFieldValueRecord(r.card_id, r.field_id, r.type, r.label, r.position, r.value)
        )
    return found


def _page_indexes_select(dialect: str) -> Select[Any]:
    ranked: Subquery = (
        select(
            cards.c.id.label("rid"),
            (
                func.row_number().over(partition_by=cards.c.lane_id, order_by=(cards.c.rank, cards.c.id)) - 1
            ).label("ridx"),
        )
        .where(any_of(dialect, cards.c.lane_id, "lane_ids"), live())
        .subquery("ranked")
    )
    wanted = select(ranked.c.rid, ranked.c.ridx)
    if dialect == "postgresql":
        # Joined to the page's rows: PostgreSQL tests `rid IN (…bound parameters)` element by element, 200
        # comparisons for each of a large board's 20,000 window rows.  SQLite looks the list up in a b-tree,
        # and its join would materialise the window first, so it keeps the IN.
        page = select(cards.c.id.label("pid")).where(any_of(dialect, cards.c.id, "card_ids")).subquery("page")
        wanted = wanted.select_from(ranked.join(page, page.c.pid == ranked.c.rid))
    else:
        wanted = wanted.where(any_of(dialect, ranked.c.rid, "card_ids"))
    return wanted


_PAGE_INDEXES = PerDialect(_page_indexes_select)


async def _page_indexes(conn: Connection, rows: Sequence[Any]) -> dict[int, int]:
    """The lane indexes of a page of cards: one window over the page's lanes, in (lane_id, rank) order."""
    lane_ids = sorted({r.lane_id for r in rows})
    ids = [r.id for r in rows]
    found = (await conn.execute(_PAGE_INDEXES(conn), {"lane_ids": lane_ids, "card_ids": ids})).all()
    return {int(r[0]): int(r[1]) for r in found}


async def _complete(
    conn: Connection,
    rows: Sequence[Any],
    *,
    with_fields: bool = True,
    with_indexes: bool = False,
    known_indexes: dict[int, int] | None = None,
    folded: tuple[dict[int, list[UserRef]], dict[int, list[CardFieldValueRecord]]] | None = None,
) -> list[CardReadRecord]:
    """Records for wide rows: assignees and field values batched (or `folded` into the rows already), lane
    indexes from `known_indexes` or, for the cards missing there, one window over their lanes
    (`with_indexes`)."""
    if not rows:
        return []
    indexes = dict(known_indexes or {})
    if with_indexes:
        missing = [r for r in rows if r.id not in indexes]
        if missing:
            indexes.update(await _page_indexes(conn, missing))
    if folded is not None:
        assignees, fields = folded
    else:
        # Only the cards whose row says they have assignees / field values are asked about: a card read
        # without either costs no further statement (decision 094).
        assigned_at = rows[0]._fields.index("x_has_assignees")
        valued_at = rows[0]._fields.index("x_has_fields")
        assigned = [r.id for r in rows if r[assigned_at]]
        valued = [r.id for r in rows if r[valued_at]] if with_fields else []
        assignees = await list_assignees(conn, card_ids=assigned)
        fields = await list_field_values(conn, card_ids=valued)
    reader = _RecordReader(rows[0]._fields)
    records = [reader.read(r, assignees, fields, indexes.get(r.id)) for r in rows]
    return await _with_task_stats(conn, rows, records)


async def _with_task_stats(
    conn: Connection, rows: Sequence[Any], records: list[CardReadRecord]
) -> list[CardReadRecord]:
    """`taskBoardStats` of the cards whose row counted live tasks: one aggregate, none if no card has any."""
    owners = [r.id for r in rows if r._mapping.get("x_tasks")]
    if not owners:
        return records
    stats = await task_queries.fetch_stats(conn, owner_ids=owners)
    return [replace(r, task_stats=stats[r.card.id]) if r.card.id in stats else r for r in records]


async def fetch_read(
    conn: Connection, *, account_id: int, card_id: int, viewer_id: int | None = None
) -> tuple[CardReadRecord, str | None] | None:
    """A live card with everything its full shape shows, and the viewer's explicit role on its board.

    On PostgreSQL one statement (the assignees and field values folded into the card's row,
    `_folded_lists`); on SQLite three: the card row with its joins, its assignees, its field values.
    Attachments, comments and tasks cost one more each, only when the row counted some.
    """
    rows = (
        await conn.execute(
            _READ_ONE_BY_ID(conn), {"card_id": card_id, "account_id": account_id, "viewer_id": viewer_id or 0}
        )
    ).all()
    if not rows:
        return None
    row = rows[0]
    role = row._mapping["x_role"] if viewer_id is not None else None
    folded: tuple[dict[int, list[UserRef]], dict[int, list[CardFieldValueRecord]]] | None = None
    if "x_assignee_list" in row._fields:
        assignees = [UserRef(*u) for u in row.x_assignee_list or ()]
        values = [CardFieldValueRecord(card_id, *v) for v in row.x_field_list or ()]
        folded = ({card_id: assignees} if assignees else {}, {card_id: values} if values else {})
    record = (await _complete(conn, rows, folded=folded))[0]
    if record.attachment_count:
        found = await attachment_queries.list_for_card(conn, account_id=account_id, card_id=card_id)
        record = replace(record, attachments=tuple(found))
    if record.comments_count:
        newest = await comment_queries.list_for_cards(
            conn,
            account_id=account_id,
            card_ids=[card_id],
            newest_first=True,
            offset=0,
            limit=comment_queries.CARD_READ_LIMIT,
        )
        record = replace(record, comments=tuple(newest))
    return record, role


async def fetch(conn: Connection, *, account_id: int, card_id: int) -> CardRecord | None:
    row = (
        await conn.execute(
            select(cards).where(cards.c.id == card_id, cards.c.account_id == account_id, live())
        )
    ).first()
    return card_record(row) if row else None


_FOR_UPDATE = PerDialect(
    lambda dialect: (
        select(cards)
        .where(any_of(dialect, cards.c.id, "card_ids"), cards.c.account_id == bindparam("account_id"), live())
        .order_by(cards.c.id)
        .with_for_update()
    )
)


async def fetch_many_for_update(
    conn: Connection, *, account_id: int, card_ids: Sequence[int]
) -> list[CardRecord]:
    """Live cards by id, row-locked in id order (PostgreSQL) so that concurrent writers queue on them.

    Lock order for every card write: card rows (ascending id) first, then board rows (bump_version).
    """
    rows = (
        await conn.execute(_FOR_UPDATE(conn), {"card_ids": list(card_ids), "account_id": account_id})
    ).all()
    return [card_record(r) for r in rows]


# --- lists -----------------------------------------------------------------------------------------------


async def count_where(conn: Connection, *, where: Sequence[ColumnElement[bool]]) -> int:
    return int((await conn.execute(select(func.count()).select_from(cards).where(*where))).scalar_one())


def _narrow_from(*, with_lanes: bool) -> Any:
    if not with_lanes:
        return cards
    return (
        cards.join(lanes, lanes.c.id == cards.c.lane_id)
        .outerjoin(_parent, _parent.c.id == lanes.c.parent_lane_id)
        .outerjoin(_grandparent, _grandparent.c.id == _parent.c.parent_lane_id)
    )


async def _page(
    conn: Connection,
    *,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    with_lanes: bool,
    offset: int,
    limit: int,
    with_fields: bool,
) -> list[CardReadRecord]:
    """Sort and skip on narrow rows (ids only), then read the page's wide rows by id."""
    ids = [
        r[0]
        for r in (
            await conn.execute(
                select(cards.c.id)
                .select_from(_narrow_from(with_lanes=with_lanes))
                .where(*where)
                .order_by(*order_by)
                .offset(offset)
                .limit(limit)
            )
        ).all()
    ]
    return await _read_ids(conn, ids, with_fields=with_fields)


async def _read_ids(
    conn: Connection, ids: list[int], *, with_fields: bool, known_indexes: dict[int, int] | None = None
) -> list[CardReadRecord]:
    """The wide rows of these cards, in this order, with their lane indexes."""
    if not ids:
        return []
    rows = (await conn.execute(_READ_PAGE_BY_IDS(conn), {"card_ids": ids})).all()
    position = {card_id: n for n, card_id in enumerate(ids)}
    rows.sort(key=lambda r: position[r.id])
    return await _complete(
        conn, rows, with_fields=with_fields, with_indexes=True, known_indexes=known_indexes
    )


async def list_read_ids(conn: Connection, *, ids: list[int], with_fields: bool) -> list[CardReadRecord]:
    """The cards with these ids (picked by an account-scoped query elsewhere), in this order."""
    return await _read_ids(conn, ids, with_fields=with_fields)


async def list_read(
    conn: Connection,
    *,
    where: Sequence[ColumnElement[bool]],
    sort: str,
    offset: int,
    limit: int,
    with_fields: bool,
) -> list[CardReadRecord]:
    """One page of cards matching `where` (plus batched indexes, assignees and, if asked, field values)."""
    if limit == 0:
        return []
    return await _page(
        conn,
        where=where,
        order_by=sort_order(sort),
        with_lanes=sort == "rank",
        offset=offset,
        limit=limit,
        with_fields=with_fields,
    )


async def list_tasks_read(
    conn: Connection, *, account_id: int, owner_id: int, offset: int, limit: int
) -> tuple[int, list[CardReadRecord]]:
    """A card's live task cards in taskboard order (lane position, then rank), and how many it has."""
    where = [cards.c.containing_card_id == owner_id, cards.c.account_id == account_id, live()]
    total = await count_where(conn, where=where)
    if limit == 0 or offset >= total:
        return total, []
    ids = [
        r[0]
        for r in (
            await conn.execute(
                select(cards.c.id)
                .select_from(cards.join(lanes, lanes.c.id == cards.c.lane_id))
                .where(*where)
                .order_by(lanes.c.position, lanes.c.id, cards.c.rank, cards.c.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
    ]
    return total, await _read_ids(conn, ids, with_fields=True)


@dataclass(frozen=True, slots=True)
class _LaneSlice:
    """The part of one lane a page shows: `take` matching cards after skipping `skip` of them."""

    lane_id: int
    skip: int
    take: int
    # Every live card of the lane matches the filters, so a card's lane index is its place among the matches.
    exact: bool


def _slices(tally: Sequence[Any], *, offset: int, limit: int) -> list[_LaneSlice]:
    """Walk the lanes in board order, skipping `offset` matching cards and taking the next `limit`."""
    slices: list[_LaneSlice] = []
    skip, wanted = offset, limit
    for lane_id, live_count, matched in tally:
        matched = int(matched or 0)
        if wanted <= 0:
            break
        if skip >= matched:
            skip -= matched
            continue
        take = min(matched - skip, wanted)
        slices.append(_LaneSlice(int(lane_id), skip, take, exact=matched == int(live_count)))
        wanted -= take
        skip = 0
    return slices


async def list_board_faces(
    conn: Connection,
    *,
    board_id: int,
    lane_ids: Sequence[int] | None,
    card_ids: Sequence[int] | None,
    archived_after: datetime | None,
    offset: int,
    limit: int,
) -> tuple[int, list[CardReadRecord]]:
    """A board's cards in board order (layout order of lanes, then rank).

    No sort of the whole board: one aggregate counts, per lane in layout order, the live cards and those the
    filters keep (from the (board_id, lane_id, archived_on, size) live-card index); the page's lanes and
    offsets within them follow, and each lane's part is read in (rank, id) order from the (lane_id, rank, id)
    index.  Where every live card of a lane matches, a card's lane index is its offset among the matches, so
    no index query is needed; only lanes with filtered-out cards get the window.
    """
    base: list[Any] = [cards.c.board_id == board_id, live()]
    if lane_ids is not None:
        base.append(cards.c.lane_id.in_(list(lane_ids)))
    filters: list[Any] = []
    if card_ids is not None:
        filters.append(cards.c.id.in_(list(card_ids)))
    if archived_after is not None:
        filters.append(or_(cards.c.archived_on.is_(None), cards.c.archived_on >= archived_after))
    matched = func.sum(case((and_(*filters), 1), else_=0)) if filters else func.count()
    per_lane = (
        select(cards.c.lane_id, func.count().label("live"), matched.label("matched"))
        .where(*base)
        .group_by(cards.c.lane_id)
        .subquery("per_lane")
    )
    tally = (
        await conn.execute(
            select(per_lane.c.lane_id, per_lane.c.live, per_lane.c.matched)
            .select_from(
                per_lane.join(lanes, lanes.c.id == per_lane.c.lane_id)
                .outerjoin(_parent, _parent.c.id == lanes.c.parent_lane_id)
                .outerjoin(_grandparent, _grandparent.c.id == _parent.c.parent_lane_id)
            )
            # Task cards sit in their owner's taskboard lanes, which are not part of the board.
            .where(lanes.c.task_card_id.is_(None))
            .order_by(*lane_order())
        )
    ).all()
    total = sum(int(r.matched or 0) for r in tally)
    slices = _slices(tally, offset=offset, limit=limit)
    if not slices:
        return total, []
    parts = []
    for n, part in enumerate(slices):
        inner = (
            select(cards.c.id, cards.c.rank)
            .where(*base, *filters, cards.c.lane_id == part.lane_id)
            .order_by(cards.c.rank, cards.c.id)
            .offset(part.skip)
            .limit(part.take)
            .subquery(f"s{n}")
        )
        parts.append(select(inner.c.id, inner.c.rank, literal(n).label("part")).select_from(inner))
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    found = sorted((await conn.execute(statement)).all(), key=lambda r: (r[2], r[1], r[0]))
    ids = [int(r[0]) for r in found]
    indexes: dict[int, int] = {}
    seen = [0] * len(slices)
    for card_id, _rank, n in found:
        part = slices[n]
        if part.exact:
            indexes[int(card_id)] = part.skip + seen[n]
        seen[n] += 1
    return total, await _read_ids(conn, ids, with_fields=True, known_indexes=indexes)


async def list_states(
    conn: Connection, *, account_id: int, card_ids: Sequence[int]
) -> list[tuple[int, int, bool]]:
    """(card id, board id, deleted) for cards of the account with these ids, deleted ones included."""
    if not card_ids:
        return []
    rows = (
        await conn.execute(
            select(cards.c.id, cards.c.board_id, cards.c.deleted_on).where(
                cards.c.account_id == account_id, cards.c.id.in_(list(card_ids))
            )
        )
    ).all()
    return [(r.id, r.board_id, r.deleted_on is not None) for r in rows]


async def list_deleted_ids(
    conn: Connection, *, where: Sequence[ColumnElement[bool]], offset: int, limit: int
) -> tuple[int, list[int]]:
    total = await count_where(conn, where=where)
    rows = (
        await conn.execute(
            select(cards.c.id)
            .where(*where)
            .order_by(cards.c.deleted_on.desc(), cards.c.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return total, [r.id for r in rows]


async def tag_usage(conn: Connection, *, board_id: int) -> dict[str, int]:
    rows = (
        await conn.execute(
            select(card_tags.c.tag, func.count())
            .select_from(card_tags.join(cards, cards.c.id == card_tags.c.card_id))
            .where(card_tags.c.board_id == board_id, live())
            .group_by(card_tags.c.tag)
            .order_by(card_tags.c.tag)
        )
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def sort_order(sort: str) -> list[Any]:
    if sort == "title":
        return [cards.c.title, cards.c.id]
    if sort == "rank":
        return [cards.c.board_id, *lane_order(), cards.c.rank, cards.c.id]
    return [cards.c.updated_on.desc(), cards.c.id.desc()]


async def first_archived_on(
    conn: Connection, *, board_id: int, lane_ids: Sequence[int] | None, archived_after: datetime
) -> datetime | None:
    """The earliest `archived_on` at or after `archived_after` among the board's live cards (in these lanes):
    the next card to leave the board faces as its archive date ages out."""
    where: list[Any] = [cards.c.board_id == board_id, live(), cards.c.archived_on >= archived_after]
    if lane_ids is not None:
        where.append(cards.c.lane_id.in_(list(lane_ids)))
    value: datetime | None = (
        await conn.execute(select(func.min(cards.c.archived_on)).where(*where))
    ).scalar()
    return value


async def list_assigned_board_ids(conn: Connection, *, user_id: int) -> list[int]:
    """The boards of the cards the user is assigned to (deleted cards included)."""
    rows = (
        await conn.execute(
            select(cards.c.board_id)
            .distinct()
            .select_from(card_assignments.join(cards, cards.c.id == card_assignments.c.card_id))
            .where(card_assignments.c.user_id == user_id)
        )
    ).all()
    return sorted(int(r[0]) for r in rows)
