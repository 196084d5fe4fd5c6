"""One board's card list (`GET /io/card?board=…`, `POST /io/card/list`) served from the body cache
(docs/decisions/166-card-list-cache.md): a second request is a hit byte for byte; every input the decision's
audit found, changed through the API, shows in the next list; lists that read other boards are not cached;
who could not read the board still cannot."""

from __future__ import annotations

from typing import Any

import pytest

from lanekit.storage.records import BoardRecord, CardRecord
from tests.factories.body_cache import cache_of, cached, fresh
from tests.factories.two_boards import World
from tests.factories.two_boards import world as two_boards
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def world(lanekit: Lanekit) -> World:
    """Two boards; the member is Ann Lee, whose name the tests look for."""
    return await two_boards(lanekit, first_name="Ann", last_name="Lee")


def list_path(board: BoardRecord, query: str = "") -> str:
    return f"/io/card?board={board.id}" + (f"&{query}" if query else "")


def item(body: Any, card: CardRecord) -> dict[str, Any]:
    found: dict[str, Any] = {c["id"]: c for c in body["cards"]}[str(card.id)]
    return found


def ids(body: Any) -> list[str]:
    return [c["id"] for c in body["cards"]]


# --- hits ---------------------------------------------------------------------------------------------------


async def test_a_second_list_is_a_hit_byte_for_byte_and_the_post_form_shares_it(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Listed")
    body = await cached(lanekit, w.admin, list_path(w.a))
    assert ids(body) == [str(card.id)]

    first = await w.admin.get(list_path(w.a))
    hits = cache_of(lanekit).hits
    posted = await w.admin.post("/io/card/list", json={"board": str(w.a.id)})
    assert posted.status_code == 200, posted.text
    assert cache_of(lanekit).hits == hits + 1
    assert posted.content == first.content
    assert posted.headers["content-length"] == first.headers["content-length"]

    # Every reader of the board gets the same page: the member is served the body the admin's GET stored.
    hits = cache_of(lanekit).hits
    mine = await w.as_user.get(list_path(w.a))
    assert cache_of(lanekit).hits == hits + 1 and mine.content == first.content


async def test_query_parameters_are_part_of_the_slot(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    first = await w.card(lanekit, w.a, title="Alpha")
    second = await w.card(lanekit, w.a, title="Beta")
    everything = await cached(lanekit, w.admin, list_path(w.a, "sort=title"))
    assert ids(everything) == [str(first.id), str(second.id)]
    one = await cached(lanekit, w.admin, list_path(w.a, "sort=title&limit=1&offset=1"))
    assert ids(one) == [str(second.id)] and one["pageMeta"]["limit"] == 1
    searched = await cached(lanekit, w.admin, list_path(w.a, "search=alp"))
    assert ids(searched) == [str(first.id)]
    narrow = await cached(lanekit, w.admin, list_path(w.a, "sort=title&only=title"))
    assert narrow["cards"][0] == {"id": str(first.id), "title": "Alpha"}


# --- the board's own inputs ---------------------------------------------------------------------------------


async def test_cards_created_retitled_moved_and_deleted_show_in_the_next_list(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Mine")
    assert item(await cached(lanekit, w.admin, list_path(w.a)), card)["title"] == "Mine"

    created = await w.card(lanekit, w.a, title="Newcomer")
    assert set(ids(await cached(lanekit, w.admin, list_path(w.a)))) == {str(card.id), str(created.id)}

    retitled = await w.admin.patch(
        f"/io/card/{card.id}", json=[{"op": "replace", "path": "/title", "value": "Retitled"}]
    )
    assert retitled.status_code == 200, retitled.text
    assert item(await cached(lanekit, w.admin, list_path(w.a)), card)["title"] == "Retitled"

    doing = w.lanes_a["Doing Now"].id
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(card.id)], "destination": {"laneId": str(doing)}}
    )
    assert moved.status_code == 200, moved.text
    assert item(await cached(lanekit, w.admin, list_path(w.a)), card)["lane"]["id"] == str(doing)

    assert (await w.admin.delete(f"/io/card/{created.id}")).status_code == 204
    assert ids(await cached(lanekit, w.admin, list_path(w.a))) == [str(card.id)]


async def test_filters_over_the_boards_rows_follow_its_changes(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Plain")
    assert ids(await cached(lanekit, w.admin, list_path(w.a, "search=urgent"))) == []
    assert ids(await cached(lanekit, w.admin, list_path(w.a, f"assignedUserIds={w.user.id}"))) == []
    assert ids(await cached(lanekit, w.admin, list_path(w.a, "lane_class_types=active"))) == []
    assert ids(await cached(lanekit, w.admin, list_path(w.a, "deleted=true"))) == []
    since = "2000-01-01T00:00:00Z"
    assert ids(await cached(lanekit, w.admin, list_path(w.a, f"since={since}"))) == [str(card.id)]

    retitled = await w.admin.patch(
        f"/io/card/{card.id}", json=[{"op": "replace", "path": "/title", "value": "Urgent fix"}]
    )
    assert retitled.status_code == 200, retitled.text
    assert ids(await cached(lanekit, w.admin, list_path(w.a, "search=urgent"))) == [str(card.id)]

    assigned = await w.admin.post(
        "/io/card/assign", json={"cardIds": [str(card.id)], "userIdsToAssign": [str(w.user.id)]}
    )
    assert assigned.status_code == 200, assigned.text
    assert ids(await cached(lanekit, w.admin, list_path(w.a, f"assignedUserIds={w.user.id}"))) == [
        str(card.id)
    ]

    doing = w.lanes_a["Doing Now"].id
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(card.id)], "destination": {"laneId": str(doing)}}
    )
    assert moved.status_code == 200, moved.text
    assert ids(await cached(lanekit, w.admin, list_path(w.a, "lane_class_types=active"))) == [str(card.id)]

    assert (await w.admin.delete(f"/io/card/{card.id}")).status_code == 204
    assert ids(await cached(lanekit, w.admin, list_path(w.a, "deleted=true"))) == [str(card.id)]
    assert ids(await fresh(w.admin, list_path(w.a, f"since={since}"))) == []


async def test_a_renamed_assignee_shows_in_the_next_list(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Assigned", assigned_user_ids=[str(w.user.id)])
    body = await cached(lanekit, w.admin, list_path(w.a))
    assert [u["fullName"] for u in item(body, card)["assignedUsers"]] == ["Ann Lee"]

    renamed = await w.admin.patch(
        f"/io/user/{w.user.id}", json={"firstName": "Annie", "emailAddress": "annie@x.example"}
    )
    assert renamed.status_code == 200, renamed.text
    body = await fresh(w.admin, list_path(w.a))
    assert [(u["fullName"], u["emailAddress"]) for u in item(body, card)["assignedUsers"]] == [
        ("Annie Lee", "annie@x.example")
    ]


async def test_board_settings_lanes_types_and_field_values_show_in_the_next_list(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Typed")
    path = list_path(w.a, "include=customFields")
    listed = item(await cached(lanekit, w.admin, path), card)
    type_id = int(listed["type"]["id"])
    assert listed["customFields"] == []

    recoloured = await w.admin.patch(f"/io/board/{w.a.id}/cardType/{type_id}", json={"colorHex": "#123456"})
    assert recoloured.status_code == 200, recoloured.text
    listed = item(await cached(lanekit, w.admin, path), card)
    assert listed["color"] == listed["type"]["cardColor"] == "#123456"

    drop = listed["lane"]["id"]
    patched = await w.admin.patch(f"/io/board/{w.a.id}/lane/{drop}", json={"wipLimit": 7})
    assert patched.status_code == 200, patched.text
    assert item(await cached(lanekit, w.admin, path), card)["lane"]["cardLimit"] == 7

    field = await w.admin.patch(
        f"/io/board/{w.a.id}/customfield",
        json=[{"op": "add", "path": "/", "value": {"label": "Cost", "type": "number"}}],
    )
    assert field.status_code == 200, field.text
    [shown] = (await fresh(w.admin, f"/io/board/{w.a.id}"))["customFields"]
    valued = await w.admin.patch(
        f"/io/card/{card.id}",
        json=[{"op": "add", "path": "/customFields/0", "value": {"fieldId": shown["id"], "value": 5}}],
    )
    assert valued.status_code == 200, valued.text
    listed = item(await cached(lanekit, w.admin, path), card)
    assert listed["customFields"] == [{"id": shown["id"], "value": 5}]

    assert (await w.admin.patch(f"/io/board/{w.a.id}", json={"title": "Renamed board"})).status_code == 204
    assert item(await fresh(w.admin, path), card)["board"]["title"] == "Renamed board"


# --- not cached ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["cards={card}", "include=parentCards", "include=connectedCardStats", "include=dependencies", ""],
)
async def test_lists_that_read_other_boards_are_not_cached(lanekit: Lanekit, query: str) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Here")
    # No `board=` (the empty query) lists every readable board.
    path = list_path(w.a, query.format(card=card.id)) if query else "/io/card"
    first = await w.admin.get(path)
    assert first.status_code == 200, first.text
    hits, entries = cache_of(lanekit).hits, len(cache_of(lanekit))
    second = await w.admin.get(path)
    posted = await w.admin.post("/io/card/list", json={"board": str(w.a.id), "cards": [str(card.id)]})
    assert second.status_code == posted.status_code == 200
    assert (cache_of(lanekit).hits, len(cache_of(lanekit))) == (hits, entries)
    assert second.content == first.content


async def test_a_parent_on_another_board_shows_at_once_with_include_parent_cards(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    child = await w.card(lanekit, w.a, title="Child")
    parent = await w.card(lanekit, w.b, title="Parent")
    path = list_path(w.a, "include=parentCards")
    assert item(await fresh(w.admin, path), child)["parentCards"] == []
    body = {"cardIds": [str(child.id)], "connections": {"parents": [str(parent.id)]}}
    assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201
    shown = [{"cardId": str(parent.id), "boardId": str(w.b.id)}]
    assert item(await fresh(w.admin, path), child)["parentCards"] == shown
    # The member cannot read board b: its parent stays out of their list.
    assert item(await fresh(w.as_user, path), child)["parentCards"] == []


# --- access -------------------------------------------------------------------------------------------------


async def test_who_cannot_read_the_board_gets_what_they_got_before_it_was_cached(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.a, title="Secret")
    outsider = lanekit.as_user(w.tenant, await lanekit.user(w.tenant))
    other = lanekit.as_admin(await lanekit.tenant())
    uncached = [await outsider.get(list_path(w.a)), await other.get(list_path(w.a))]
    # Not readable: the list is empty (not a 404), as it was before the cache.
    for response in uncached:
        assert response.status_code == 200, response.text
        assert response.json()["cards"] == [] and response.json()["pageMeta"]["totalRecords"] == 0

    secret = await cached(lanekit, w.admin, list_path(w.a))
    assert len(secret["cards"]) == 1
    hits = cache_of(lanekit).hits
    again = [await outsider.get(list_path(w.a)), await other.get(list_path(w.a))]
    assert [r.content for r in again] == [r.content for r in uncached]
    assert cache_of(lanekit).hits == hits

    mine = await cached(lanekit, w.as_user, list_path(w.a))
    assert mine == secret
    removed = await w.admin.request(
        "DELETE", "/io/board/access", json={"boardIds": [str(w.a.id)], "userIds": [str(w.user.id)]}
    )
    assert removed.status_code == 202
    assert (await fresh(w.as_user, list_path(w.a)))["cards"] == []
    assert (await fresh(w.as_user, list_path(w.b)))["cards"] == []
