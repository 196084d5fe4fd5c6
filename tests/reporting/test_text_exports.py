"""CSV and TSV exports written by PostgreSQL are the Python writer's bytes exactly.

docs/decisions/175-reporting-copy-exports.md.  On PostgreSQL most CSV/TSV exports are built as text by the
database (`storage/queries/reporting_text.py`); the Python writer (`reporting/writers.py`) is the reference.
Each test asks the same request twice, once as the server answers it and once with the text path turned
off, and compares the bodies byte for byte, over hostile values: commas, quotes, CR, LF and CRLF, tabs,
unicode, empty strings beside nulls, leading and trailing spaces, digits-only titles, instants with
microseconds.  On SQLite both answers come from the Python writer (the text path is PostgreSQL's only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from lanekit.domain.reporting import exports
from lanekit.reporting.datasets import DATASETS, text_kinds
from lanekit.storage.tables import boards, card_tags, cards, comments, lanes
from tests.factories.boards import actor_of
from tests.factories.two_boards import World, world
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

TITLES = [
    'Comma, "quoted" title',
    "two\nlines\r\nand CRLF\rand CR",
    "ünïcödé — 日本語 🚀",
    "tab\there",
    "  spaces around  ",
    "12345",
    '"',
    "\\.",
    "=1+2",
]
# Exports PostgreSQL writes as text (the others keep the Python writer on every database).
TEXT_EXPORTS = ("boards", "lanes", "cards", "tasks", "tags", "comments")


async def _hostile_world(lanekit: Lanekit) -> World:
    w = await world(lanekit)
    made = [await w.card(lanekit, w.a, title=f"t{i}", tags=["plain"]) for i in range(len(TITLES))]
    other = await w.card(lanekit, w.b, title="on b, unreadable to the user", tags=["b"])
    assert (
        await w.admin.post(f"/io/card/{made[0].id}/comment", json={"text": 'said "hi",\nthen left'})
    ).is_success
    assert (await w.admin.post(f"/io/card/{made[1].id}/tasks", json={"title": 'task, "one"'})).is_success
    assert (await w.admin.post(f"/io/card/{other.id}/comment", json={"text": "hidden"})).is_success
    moment = datetime(2026, 3, 4, 5, 6, 7, 999999, tzinfo=UTC)
    async with lanekit.db.begin() as conn:
        for card, title in zip(made, TITLES, strict=True):
            await conn.execute(update(cards).where(cards.c.id == card.id).values(title=title))
        # An empty string beside a null: externalCardId "" on one card, null on the others; a blocked card
        # with an empty reason; a link whose label needs quoting; instants with microseconds; dates.
        await conn.execute(
            update(cards)
            .where(cards.c.id == made[0].id)
            .values(
                custom_id="",
                is_blocked=True,
                blocked_reason="",
                external_links=[{"label": 'spec, "v2"', "url": "https://example.com/a?b=1,2"}],
                actual_start=moment,
                planned_start=date(2026, 1, 2),
                archived_on=datetime(2026, 12, 31, 23, 59, 59, 1000, tzinfo=UTC),
            )
        )
        await conn.execute(
            update(cards).where(cards.c.id == made[2].id).values(custom_id=" EXT,1 ", blocked_reason="x")
        )
        await conn.execute(update(boards).where(boards.c.id == w.a.id).values(title='Portfolio, "main"\tQ1'))
        lane = next(iter(w.lanes_a.values()))
        await conn.execute(
            update(lanes).where(lanes.c.id == lane.id).values(title="Lane\r\none", description="")
        )
        await conn.execute(
            update(card_tags).where(card_tags.c.card_id == made[3].id).values(tag='a "tag", too')
        )
        await conn.execute(update(comments).where(comments.c.card_id == made[1].id).values(text=""))
    return w


async def _body(client: httpx.AsyncClient, export: str, fmt: str, params: dict[str, Any]) -> bytes:
    response = await client.get(f"/io/reporting/export/{export}.{fmt}", params=params)
    assert response.status_code == 200, response.text
    return response.content


async def _reference(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, export: str, fmt: str, params: dict[str, Any]
) -> bytes:
    """The same request answered by the Python writer."""
    with monkeypatch.context() as patched:
        patched.setattr(exports, "writes_text", lambda *_args: False)
        return await _body(client, export, fmt, params)


async def test_text_exports_are_the_python_writers_bytes(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    w = await _hostile_world(lanekit)

    def used(export: str) -> bool:
        kinds = text_kinds(DATASETS[export])
        return kinds is not None and exports.writes_text(lanekit.db, export, kinds)

    assert [e for e in DATASETS if used(e)] == (list(TEXT_EXPORTS) if backend == "postgresql" else [])
    both = f"{w.a.id},{w.b.id}"
    cases: list[tuple[httpx.AsyncClient, dict[str, Any]]] = [
        (w.admin, {}),
        (w.admin, {"quotedString": "false"}),
        (w.admin, {"boardId": both, "limit": 4, "offset": 3}),
        (w.admin, {"boardId": both, "limit": 4, "offset": 3, "quotedString": "false"}),
        (w.admin, {"boardId": str(w.b.id), "offset": 1}),
        # The user cannot read b: its rows never appear, on either path.
        (w.as_user, {"boardId": both}),
        (w.as_user, {"boardId": str(w.b.id), "quotedString": "false"}),
        (w.admin, {"limit": 0}),
    ]
    for export in TEXT_EXPORTS:
        for fmt in ("csv", "tab"):
            for client, params in cases:
                got = await _body(client, export, fmt, params)
                want = await _reference(client, monkeypatch, export, fmt, params)
                assert got == want, (export, fmt, params)
    hidden = await _body(w.as_user, "comments", "csv", {"boardId": both})
    assert b"hidden" not in hidden


async def test_a_hostile_card_row_as_bytes(lanekit: Lanekit) -> None:
    """What a client reads, on both databases: quoted, null as `""`, integers bare; plain, quotes only
    where needed, null and empty as nothing."""
    w = await _hostile_world(lanekit)
    quoted = (
        await w.admin.get("/io/reporting/export/cards.csv", params={"boardId": w.a.id, "limit": 1})
    ).content
    header, row = quoted.split(b"\r\n", 1)
    assert header.startswith(b'"cardId","parentCardId","externalCardId","cardTitle",')
    assert row.endswith(b'"\r\n') and row.count(b"\r\n") == 1 + row.count(b"\r\n".join([b"Lane", b"one"]))
    # parentCardId null and externalCardId "" are both written "".
    assert row.startswith(b'"%s","","","Comma, ""quoted"" title","",' % row[1:].split(b'"')[0])
    assert b',"true","",' in row  # isCardBlocked, its empty reason
    assert b',"spec, ""v2""","https://example.com/a?b=1,2",' in row
    assert b',"2026-03-04T05:06:07.999Z",' in row  # actualStartDate: milliseconds, truncated
    assert b',"2026-01-02",' in row and b',"2026-12-31T23:59:59.001Z",' in row
    assert b',0,"normal",' in row  # cardSize: an integer, bare
    assert b',0,"",1,"20' in row  # attachmentsCount, lastAttachmentDate null, commentsCount, lastCommentDate
    plain = (
        await w.admin.get(
            "/io/reporting/export/cards.tab", params={"boardId": w.a.id, "limit": 3, "quotedString": "false"}
        )
    ).content
    lines = plain.split(b"\r\n")
    assert lines[0].startswith(b"cardId\tparentCardId\texternalCardId\tcardTitle\t")
    # A quote needs quoting in TSV too; a comma does not.
    assert b'\t\t\t"Comma, ""quoted"" title"\t\t' in lines[1]
    assert b'\t"two\nlines\r\nand CRLF\rand CR"\t' in plain
    assert "\t EXT,1 \tünïcödé — 日本語 🚀\t".encode() in plain


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_text_comes_batch_by_batch_in_key_order(lanekit: Lanekit) -> None:
    """PostgreSQL's text arrives a batch at a time, the rows after `offset` in the export's order."""
    w = await world(lanekit)
    made = [await w.card(lanekit, w.a, title=f"b{i}") for i in range(5)]
    async with lanekit.db.read() as conn:
        plan = await exports.plan_export(conn, actor=actor_of(w.tenant.admin), export="cards", board_ids=None)
    kinds = text_kinds(DATASETS["cards"])
    assert kinds is not None
    batches = [
        text
        async for text in exports.export_text(
            lanekit.db, plan, kinds=kinds, delimiter=",", quoted=False, offset=1, limit=None, batch_size=2
        )
    ]
    assert [text.count("\r\n") for text in batches] == [2, 2]
    assert [line.split(",")[0] for text in batches for line in text.splitlines()] == [
        str(c.id) for c in made[1:]
    ]
    limited = exports.export_text(
        lanekit.db, plan, kinds=kinds, delimiter=",", quoted=False, offset=0, limit=3, batch_size=2
    )
    assert [text.count("\r\n") async for text in limited] == [2, 1]
