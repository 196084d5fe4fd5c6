"""The in-process cache of board bodies and card faces (docs/decisions/163-body-cache.md): every input of a
cached body, changed through the API, shows in the next GET; per-caller parts stay per caller; a caller
without access is still refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lanekit.domain import clock
from lanekit.domain.body_cache import BodyCache
from lanekit.storage.records import BoardRecord, CardRecord
from tests.factories.boards import grant_role, make_board
from tests.factories.body_cache import cached, fresh
from tests.factories.two_boards import World
from tests.factories.two_boards import world as two_boards
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio


async def world(lanekit: Lanekit) -> World:
    """Two boards; the member is Ann Lee, whose name the tests look for."""
    return await two_boards(lanekit, first_name="Ann", last_name="Lee")


def face(body: Any, card: CardRecord) -> dict[str, Any]:
    found: dict[str, Any] = {c["id"]: c for c in body["cards"]}[str(card.id)]
    return found


def faces_path(board: BoardRecord) -> str:
    return f"/io/board/{board.id}/card"


# --- users --------------------------------------------------------------------------------------------------


async def test_a_renamed_assignee_shows_on_faces_and_a_renamed_member_on_the_board(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Assigned", assigned_user_ids=[str(w.user.id)])
    faces = await cached(lanekit, w.admin, faces_path(w.a))
    assert [u["fullName"] for u in face(faces, card)["assignedUsers"]] == ["Ann Lee"]
    board = await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    assert {u["fullName"] for u in board["users"]} >= {"Ann Lee"}

    renamed = await w.admin.patch(
        f"/io/user/{w.user.id}", json={"firstName": "Annie", "emailAddress": "annie@x.example"}
    )
    assert renamed.status_code == 200, renamed.text

    faces = await fresh(w.admin, faces_path(w.a))
    assert [(u["fullName"], u["emailAddress"]) for u in face(faces, card)["assignedUsers"]] == [
        ("Annie Lee", "annie@x.example")
    ]
    board = await fresh(w.admin, f"/io/board/{w.a.id}")
    member = {u["id"]: u for u in board["users"]}[str(w.user.id)]
    assert (member["fullName"], member["emailAddress"]) == ("Annie Lee", "annie@x.example")


async def test_a_members_last_access_shows_on_the_board(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    board = await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    assert {u["id"]: u for u in board["users"]}[str(w.user.id)]["lastAccess"] is None
    assert (await w.as_user.get("/io/user/me")).status_code == 200  # signing in records lastAccess
    board = await fresh(w.admin, f"/io/board/{w.a.id}")
    assert {u["id"]: u for u in board["users"]}[str(w.user.id)]["lastAccess"] is not None


# --- cards on other boards ----------------------------------------------------------------------------------


async def test_a_linked_card_deleted_or_changed_on_another_board_shows_on_the_faces(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    parent = await w.card(lanekit, w.a, title="Parent")
    child = await w.card(lanekit, w.a, title="Child")
    far_parent = await w.card(lanekit, w.b, title="Far parent")
    far_child = await w.card(lanekit, w.b, title="Far child", size=3)
    body = {"cardIds": [str(parent.id)], "connections": {"children": [str(far_child.id)]}}
    assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201
    body = {"cardIds": [str(child.id)], "connections": {"parents": [str(far_parent.id)]}}
    assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201

    faces = await cached(lanekit, w.admin, faces_path(w.a))
    stats = face(faces, parent)["connectedCardStats"]
    assert (stats["totalCount"], stats["notStartedCount"], stats["completedCount"]) == (1, 1, 0)
    assert face(faces, child)["parentCards"] == [{"id": str(far_parent.id), "title": "Far parent"}]

    # The child on board b finishes: a move on b, which does not bump a.
    done = w.lanes_b["Recently Finished"].id
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(far_child.id)], "destination": {"laneId": str(done)}}
    )
    assert moved.status_code == 200, moved.text
    faces = await cached(lanekit, w.admin, faces_path(w.a))
    stats = face(faces, parent)["connectedCardStats"]
    assert (stats["totalCount"], stats["notStartedCount"], stats["completedCount"]) == (1, 0, 1)

    # The parent on board b is renamed, then deleted.
    renamed = await w.admin.patch(
        f"/io/card/{far_parent.id}", json=[{"op": "replace", "path": "/title", "value": "Renamed parent"}]
    )
    assert renamed.status_code == 200, renamed.text
    faces = await cached(lanekit, w.admin, faces_path(w.a))
    assert face(faces, child)["parentCards"] == [{"id": str(far_parent.id), "title": "Renamed parent"}]
    assert (await w.admin.delete(f"/io/card/{far_parent.id}")).status_code == 204
    assert face(await cached(lanekit, w.admin, faces_path(w.a)), child)["parentCards"] == []

    # The child on board b is deleted.
    assert (await w.admin.delete(f"/io/card/{far_child.id}")).status_code == 204
    assert face(await fresh(w.admin, faces_path(w.a)), parent)["connectedCardStats"] is None


async def test_each_caller_sees_only_the_parents_on_boards_they_can_read(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    child = await w.card(lanekit, w.a, title="Child")
    hidden = await w.card(lanekit, w.b, title="Hidden parent")
    body = {"cardIds": [str(child.id)], "connections": {"parents": [str(hidden.id)]}}
    assert (await w.admin.post("/io/card/connections", json=body)).status_code == 201
    shown = [{"id": str(hidden.id), "title": "Hidden parent"}]

    assert face(await cached(lanekit, w.admin, faces_path(w.a)), child)["parentCards"] == shown
    assert face(await cached(lanekit, w.as_user, faces_path(w.a)), child)["parentCards"] == []
    assert face(await cached(lanekit, w.admin, faces_path(w.a)), child)["parentCards"] == shown

    # Given a role on b, the user sees the parent at once.
    granted = await w.admin.post(
        "/io/board/access",
        json={"boardIds": [str(w.b.id)], "userIds": [str(w.user.id)], "boardRole": "boardReader"},
    )
    assert granted.status_code == 204
    assert face(await fresh(w.as_user, faces_path(w.a)), child)["parentCards"] == shown


# --- the board's own inputs ---------------------------------------------------------------------------------


async def test_card_changes_on_the_board_show_on_faces_and_board(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Mine")
    before = face(await cached(lanekit, w.admin, faces_path(w.a)), card)
    assert before["tags"] == [] and before["blockedStatus"]["isBlocked"] is False
    assert (await cached(lanekit, w.admin, f"/io/board/{w.a.id}"))["tags"] == []

    ops = [
        {"op": "add", "path": "/tags/-", "value": "urgent"},
        {"op": "replace", "path": "/isBlocked", "value": True},
        {"op": "replace", "path": "/blockReason", "value": "waiting"},
    ]
    assert (await w.admin.patch(f"/io/card/{card.id}", json=ops)).status_code == 200
    after = face(await cached(lanekit, w.admin, faces_path(w.a)), card)
    assert after["tags"] == ["urgent"]
    assert after["blockedStatus"] == {"isBlocked": True, "reason": "waiting"}
    assert (await cached(lanekit, w.admin, f"/io/board/{w.a.id}"))["tags"] == ["urgent"]

    doing = w.lanes_a["Doing Now"].id
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(card.id)], "destination": {"laneId": str(doing)}}
    )
    assert moved.status_code == 200
    assert face(await cached(lanekit, w.admin, faces_path(w.a)), card)["laneId"] == str(doing)
    lanes = {lane["id"]: lane for lane in (await cached(lanekit, w.admin, f"/io/board/{w.a.id}"))["lanes"]}
    assert lanes[str(doing)]["cardCount"] == 1

    task = await w.admin.post(f"/io/card/{card.id}/tasks", json={"title": "A task"})
    assert task.status_code == 201, task.text
    stats = face(await cached(lanekit, w.admin, faces_path(w.a)), card)["taskBoardStats"]
    assert (stats["totalCount"], stats["completedCount"]) == (1, 0)

    created = await w.card(lanekit, w.a, title="Newcomer")
    assert str(created.id) in {c["id"] for c in (await fresh(w.admin, faces_path(w.a)))["cards"]}


async def test_board_settings_lanes_types_and_fields_show_on_the_next_get(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Typed")
    type_id = int(face(await cached(lanekit, w.admin, faces_path(w.a)), card)["cardType"]["id"])
    await cached(lanekit, w.admin, f"/io/board/{w.a.id}")

    recoloured = await w.admin.patch(f"/io/board/{w.a.id}/cardType/{type_id}", json={"colorHex": "#123456"})
    assert recoloured.status_code == 200, recoloured.text
    assert face(await cached(lanekit, w.admin, faces_path(w.a)), card)["color"] == "#123456"
    board = await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    assert {t["id"]: t for t in board["cardTypes"]}[str(type_id)]["colorHex"] == "#123456"

    drop = w.lanes_a["New Requests"].id
    assert (await w.admin.patch(f"/io/board/{w.a.id}/lane/{drop}", json={"wipLimit": 7})).status_code == 200
    board = await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    assert {lane["id"]: lane for lane in board["lanes"]}[str(drop)]["wipLimit"] == 7

    field = await w.admin.patch(
        f"/io/board/{w.a.id}/customfield",
        json=[{"op": "add", "path": "/", "value": {"label": "Cost", "type": "number"}}],
    )
    assert field.status_code == 200, field.text
    board = await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    [shown] = board["customFields"]
    assert shown["label"] == "Cost"
    valued = await w.admin.patch(
        f"/io/card/{card.id}",
        json=[{"op": "add", "path": "/customFields/0", "value": {"fieldId": shown["id"], "value": 5}}],
    )
    assert valued.status_code == 200, valued.text
    assert face(await cached(lanekit, w.admin, faces_path(w.a)), card)["customFields"] == {shown["id"]: 5}

    assert (await w.admin.patch(f"/io/board/{w.a.id}", json={"title": "Renamed board"})).status_code == 204
    assert (await fresh(w.admin, f"/io/board/{w.a.id}"))["title"] == "Renamed board"


# --- per-caller parts and access ----------------------------------------------------------------------------


async def test_each_caller_sees_their_own_role_and_role_changes_show(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    reader = await lanekit.user(w.tenant)
    async with lanekit.db.begin() as conn:
        await grant_role(conn, w.a, reader, "boardReader")
    as_reader = lanekit.as_user(w.tenant, reader)

    mine = await cached(lanekit, w.as_user, f"/io/board/{w.a.id}")
    theirs = await cached(lanekit, as_reader, f"/io/board/{w.a.id}")
    admins = await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    assert (mine["boardRole"], mine["effectiveBoardRole"]) == ("boardUser", "boardUser")
    assert (theirs["boardRole"], theirs["effectiveBoardRole"]) == ("boardReader", "boardReader")
    assert admins["effectiveBoardRole"] == "boardAdministrator"
    assert {u["id"]: u for u in admins["users"]}[str(reader.id)]["roleTypeId"] == 1

    raised = await w.admin.post(
        "/io/board/access",
        json={"boardIds": [str(w.a.id)], "userIds": [str(reader.id)], "boardRole": "boardManager"},
    )
    assert raised.status_code == 204
    theirs = await fresh(as_reader, f"/io/board/{w.a.id}")
    assert theirs["boardRole"] == "boardManager"
    assert {u["id"]: u for u in theirs["users"]}[str(reader.id)]["roleTypeId"] == 3


async def test_a_caller_without_access_is_refused_while_the_bodies_are_cached(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    await w.card(lanekit, w.a, title="Secret")
    await cached(lanekit, w.admin, f"/io/board/{w.a.id}")
    await cached(lanekit, w.admin, faces_path(w.a))
    outsider = lanekit.as_user(w.tenant, await lanekit.user(w.tenant))
    assert (await outsider.get(f"/io/board/{w.a.id}")).status_code == 404
    assert (await outsider.get(faces_path(w.a))).status_code == 404
    assert (await w.as_user.get(f"/io/board/{w.b.id}")).status_code == 404

    removed = await w.admin.request(
        "DELETE", "/io/board/access", json={"boardIds": [str(w.a.id)], "userIds": [str(w.user.id)]}
    )
    assert removed.status_code == 202
    assert (await w.as_user.get(f"/io/board/{w.a.id}")).status_code == 404
    assert (await w.as_user.get(faces_path(w.a))).status_code == 404

    other = await lanekit.tenant()
    assert (await lanekit.as_admin(other).get(f"/io/board/{w.a.id}")).status_code == 404


async def test_query_parameters_are_part_of_the_key(lanekit: Lanekit) -> None:
    w = await world(lanekit)
    first = await w.card(lanekit, w.a, title="First")
    second = await w.card(lanekit, w.a, title="Second")
    everything = await cached(lanekit, w.admin, faces_path(w.a))
    assert everything["pageMeta"]["totalRecords"] == 2
    one = await cached(lanekit, w.admin, faces_path(w.a) + "?limit=1")
    assert len(one["cards"]) == 1 and one["pageMeta"]["limit"] == 1
    picked = await cached(lanekit, w.admin, faces_path(w.a) + f"?cards={second.id}")
    assert [c["id"] for c in picked["cards"]] == [str(second.id)]
    assert str(first.id) in {c["id"] for c in everything["cards"]}


# --- time ---------------------------------------------------------------------------------------------------


async def test_an_archived_card_leaves_the_cached_faces_when_its_window_passes(
    lanekit: Lanekit, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await world(lanekit)
    card = await w.card(lanekit, w.a, title="Old news")
    archive = w.lanes_a["Finished As Planned"].id
    moved = await w.admin.post(
        "/io/card/move", json={"cardIds": [str(card.id)], "destination": {"laneId": str(archive)}}
    )
    assert moved.status_code == 200, moved.text
    assert str(card.id) in {c["id"] for c in (await cached(lanekit, w.admin, faces_path(w.a)))["cards"]}

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(days=15))
    assert (await fresh(w.admin, faces_path(w.a)))["cards"] == []
    kept = await fresh(w.admin, faces_path(w.a) + "?ignoreArchiveDate=true")
    assert [c["id"] for c in kept["cards"]] == [str(card.id)]


# --- the cache itself ---------------------------------------------------------------------------------------


def test_the_cache_keeps_its_total_size_under_the_bound_evicting_the_least_recently_used() -> None:
    cache = BodyCache(5000)
    cache.put("a", b"x" * 1000, key=1)
    cache.put("b", b"y" * 1000, key=1)
    cache.put("c", b"z" * 1000, key=1)
    assert cache.get("a", key=1) == b"x" * 1000  # a is now the most recent
    cache.put("d", b"w" * 1000, key=1)
    assert cache.size <= 5000
    assert cache.get("b", key=1) is None and cache.get("a", key=1) is not None
    assert cache.get("a", key=2) is None  # another key is a miss
    cache.put("a", b"new", key=2)
    assert cache.get("a", key=1) is None and cache.get("a", key=2) == b"new"
    cache.put("huge", b"h" * 5000, key=1)
    assert cache.get("huge", key=1) is None and cache.size <= 4096


def test_variants_share_an_entry_and_an_expired_entry_is_a_miss() -> None:
    cache = BodyCache(1 << 20)
    soon = clock.now() + timedelta(seconds=5)
    cache.put("s", b"one", key=1, variant=frozenset(), deps=frozenset({7}), expires=soon)
    cache.put("s", b"two", key=1, variant=frozenset({7}), deps=frozenset({7}), expires=soon)
    assert cache.deps("s") == frozenset({7})
    assert cache.get("s", key=1, variant=frozenset(), now=clock.now()) == b"one"
    assert cache.get("s", key=1, variant=frozenset({7}), now=clock.now()) == b"two"
    assert cache.get("s", key=1, variant=frozenset({7}), now=soon) is None


async def test_a_zero_size_turns_the_cache_off(make_settings: Any) -> None:
    kit = Lanekit(make_settings(body_cache_bytes=0))
    try:
        tenant = await kit.tenant()
        async with kit.db.begin() as conn:
            board = await make_board(conn, tenant.account, creator=tenant.admin)
        admin = kit.as_admin(tenant)
        first = await admin.get(f"/io/board/{board.id}")
        second = await admin.get(f"/io/board/{board.id}")
        assert first.status_code == second.status_code == 200 and first.content == second.content
        assert kit.app.state.body_cache is None
    finally:
        await kit.close()
