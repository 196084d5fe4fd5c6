"""GET /io/scim/v1/Users: paging, sorting and the SCIM 1.1 filter grammar, against stored users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from lanekit.storage.tables import users as users_table
from tests.factories.users import make_user
from tests.harness import Lanekit, Tenant

pytestmark = pytest.mark.anyio

EXT = "urn:scim:schemas:extension:leankit:user:1.0"
# The tenant's administrator is admin@<account>.example, "Test User", created by the harness.
PEOPLE: list[dict[str, Any]] = [
    {
        "email": "demo@user.com",
        "first_name": "Demo",
        "last_name": "User",
        "external_user_name": "ABC234",
        "last_access": datetime(2017, 8, 23, 20, 49, 43, tzinfo=UTC),
    },
    {
        "email": "alice@example.com",
        "first_name": "Alice",
        "last_name": "Smith",
        "administrator": True,
        "last_access": datetime(2018, 1, 1, tzinfo=UTC),
    },
    {"email": "bob@example.com", "first_name": "Bob", "last_name": "Userman", "board_creator": True},
    {"email": "bob_2@example.com", "first_name": "Bobby", "last_name": "Tables", "enabled": False},
    {
        "email": "carol@other.org",
        "first_name": "Carol",
        "last_name": "Jones",
        "administrator": True,
        "last_access": datetime(2016, 5, 5, 12, 0, 0, tzinfo=UTC),
    },
]


async def populate(lanekit: Lanekit) -> Tenant:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        for person in PEOPLE:
            values = dict(person)
            last_access = values.pop("last_access", None)
            user = await make_user(conn, tenant.account, **values)
            if last_access is not None:
                await conn.execute(
                    update(users_table).where(users_table.c.id == user.id).values(last_access=last_access)
                )
    return tenant


async def names(lanekit: Lanekit, tenant: Tenant, filter_text: str, **params: Any) -> list[str]:
    response = await lanekit.as_admin(tenant).get(
        "/io/scim/v1/Users", params={"filter": filter_text, "count": 200, **params}
    )
    assert response.status_code == 200, (filter_text, response.text)
    body = response.json()
    assert body["totalResults"] == len(body["Resources"])
    return [resource["userName"] for resource in body["Resources"]]


async def refused(lanekit: Lanekit, tenant: Tenant, filter_text: str) -> str:
    response = await lanekit.as_admin(tenant).get("/io/scim/v1/Users", params={"filter": filter_text})
    assert response.status_code == 400, (filter_text, response.status_code, response.text)
    [error] = response.json()["Errors"]
    assert error["code"] == "400"
    description: str = error["description"]
    assert description.startswith("filter: ")
    return description


# --- filters ---------------------------------------------------------------------------------------------


async def test_every_filter_example_of_the_leankit_docs(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    admin = tenant.admin.email
    assert await names(lanekit, tenant, 'username eq "demo@user.com"') == ["demo@user.com"]
    # Any case in the value too: userName is not caseExact.
    assert await names(lanekit, tenant, 'userName eq "DEMO@User.com"') == ["demo@user.com"]
    by_family_name = await names(lanekit, tenant, 'name.familyname co "user"')
    assert by_family_name == [admin, "demo@user.com", "bob@example.com"]
    # The administrator signed in just now (the search itself records it), after 2017-02-22.
    assert await names(
        lanekit,
        tenant,
        f'{EXT}.lastaccess gt "2017-02-22T00:00:00Z" AND {EXT}.administrator eq "true"',
    ) == [admin, "alice@example.com"]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        # strings: any case, co/sw with `%` and `_` taken literally
        ('name.givenName sw "bo"', ["bob@example.com", "bob_2@example.com"]),
        ('userName co "_"', ["bob_2@example.com"]),
        ('userName co "%"', []),
        ('userName sw "b%"', []),
        ('name.familyName gt "tables"', "admin+demo@user.com,bob@example.com"),  # User, Userman; not Tables
        ('name.familyName ge "tables"', "admin+" + "demo@user.com,bob@example.com,bob_2@example.com"),
        ('name.familyName lt "jones"', []),
        ('name.familyName le "jones"', ["carol@other.org"]),
        ('name.formatted eq "alice smith"', ["alice@example.com"]),
        ('externalId eq "abc234"', ["demo@user.com"]),
        ("externalId pr", ["demo@user.com"]),
        ('emails eq "carol@other.org"', ["carol@other.org"]),
        ('emails.value co "@OTHER"', ["carol@other.org"]),
        # booleans, quoted or not
        ('active eq "false"', ["bob_2@example.com"]),
        ("active eq false", ["bob_2@example.com"]),
        (f'{EXT}.boardCreator eq "TRUE"', "admin+bob@example.com,alice@example.com,carol@other.org"),
        # the SCIM 2.0 colon form
        (f"{EXT}:administrator eq true", "admin+alice@example.com,carol@other.org"),
        # instants compared as instants, to the second
        (f'{EXT}.lastAccess eq "2017-08-23T20:49:43Z"', ["demo@user.com"]),
        # (the administrator's lastAccess is now: their search records it)
        (f'{EXT}.lastAccess gt "2017-08-23T20:49:43Z"', "admin+alice@example.com"),
        (f'{EXT}.lastAccess ge "2017-08-23T20:49:43Z"', "admin+demo@user.com,alice@example.com"),
        (f'{EXT}.lastAccess lt "2017-08-23T20:49:43.000+00:00"', ["carol@other.org"]),
        (f'{EXT}.lastAccess le "2017-08-23T15:49:43-05:00"', ["demo@user.com", "carol@other.org"]),
        (f'{EXT}.lastAccess lt "2017-01-01"', ["carol@other.org"]),
        (f"{EXT}.LASTACCESS pr", "admin+demo@user.com,alice@example.com,carol@other.org"),
        ('meta.created gt "2000-01-01T00:00:00Z" and meta.created lt "2000-01-02T00:00:00Z"', []),
        # and binds tighter than or; parentheses regroup; keywords in any case
        (
            'userName eq "alice@example.com" or userName sw "bob" and active eq false',
            ["alice@example.com", "bob_2@example.com"],
        ),
        (
            '(userName eq "alice@example.com" Or userName sw "bob") AnD active eq "true"',
            [
                "alice@example.com",
                "bob@example.com",
            ],
        ),
        ('((name.givenName eq "Carol"))', ["carol@other.org"]),
    ],
)
async def test_each_operator_gives_the_right_rows(
    lanekit: Lanekit, filter_text: str, expected: list[str] | str
) -> None:
    tenant = await populate(lanekit)
    if isinstance(expected, str):
        expected = [tenant.admin.email, *expected.removeprefix("admin+").split(",")]
        expected = [name for name in expected if name]
    found = await names(lanekit, tenant, filter_text)
    assert sorted(found) == sorted(expected)


async def test_id_filters_compare_ids(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    everyone = (await lanekit.as_admin(tenant).get("/io/scim/v1/Users")).json()["Resources"]
    third = everyone[2]
    assert await names(lanekit, tenant, f'id eq "{third["id"]}"') == [third["userName"]]
    assert await names(lanekit, tenant, f"id gt {third['id']}") == [r["userName"] for r in everyone[3:]]
    assert await names(lanekit, tenant, 'id eq "99999999999"') == []


@pytest.mark.parametrize(
    ("filter_text", "complaint"),
    [
        ('timezone eq "America/Chicago"', "cannot be filtered on"),
        ('nickName eq "x"', "unknown attribute 'nickName'"),
        ('userName eq "a" and timezone eq "x"', "cannot be filtered on"),  # never dropped: it would widen
        ('urn:scim:schemas:extension:other:1.0.administrator eq "true"', "unknown attribute"),
        ('userName eq "unbalanced', "malformed"),
        ('userName eq "a" and (userName eq "b"', "ends too early"),
        ('userName eq "a")', "malformed"),
        ("userName eq", "ends too early"),
        ('userName equals "a"', "malformed"),
        ('userName ne "a"', "malformed"),
        ('userName eq "a" and', "ends too early"),
        ("userName eq 'single quotes'", "malformed"),
        ('userName eq "x"; DROP TABLE users; --', "malformed"),
        ("1=1", "malformed"),
        ('emails[type eq "work"].value eq "a@b.c"', "malformed"),
        ("active gt true", "operator 'gt' does not apply to active"),
        ('active eq "maybe"', "active takes true or false"),
        ("userName eq true", "userName takes a quoted string"),
        ("userName eq null", "use `userName pr`"),
        (f'{EXT}.lastAccess gt "yesterday"', "is not an ISO 8601 date and time"),
        ('id eq "abc"', "id takes a user id"),
        ('id co "1"', "operator 'co' does not apply to id"),
        ('userName eq "\\q"', "malformed string"),
        ("(" * 17 + 'userName eq "a"' + ")" * 17, "nests parentheses deeper than 16"),
    ],
)
async def test_unknown_attributes_and_malformed_filters_are_400(
    lanekit: Lanekit, filter_text: str, complaint: str
) -> None:
    tenant = await populate(lanekit)
    assert complaint in await refused(lanekit, tenant, filter_text)


async def test_huge_filters_are_refused_before_any_sql(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    many = " or ".join(f'userName eq "u{i}@x.y"' for i in range(201))
    assert "more than 200 comparisons" in await refused(lanekit, tenant, many)
    # As many clauses as a URL can carry (httpx's limit is 64 KiB; 10,000 clauses would be ~300 KB).
    huge = " or ".join(f'userName eq "user{i}@example.com"' for i in range(1_500))
    assert "longer than 8192 characters" in await refused(lanekit, tenant, huge)
    nested = "(" * 10_000 + 'userName eq "a"' + ")" * 10_000
    assert "longer than 8192 characters" in await refused(lanekit, tenant, nested)
    # Two hundred comparisons are fine, and give the right rows.
    allowed = " or ".join(f'userName eq "u{i}@x.y"' for i in range(199)) + ' or userName eq "demo@user.com"'
    assert await names(lanekit, tenant, allowed) == ["demo@user.com"]


async def test_sql_in_a_value_is_only_a_value(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    for hostile in ("x' OR '1'='1", 'x\\" OR 1=1 --', "'); DELETE FROM users; --", "%' OR 1=1 --"):
        value = hostile.replace("\\", "\\\\").replace('"', '\\"')
        assert await names(lanekit, tenant, f'userName eq "{value}"') == []
        assert await names(lanekit, tenant, f'name.familyName co "{value}"') == []
    async with lanekit.db.read() as conn:
        count = (
            await conn.execute(
                select(func.count())
                .select_from(users_table)
                .where(users_table.c.account_id == tenant.account.id)
            )
        ).scalar_one()
    assert count == len(PEOPLE) + 1


async def test_a_blank_filter_is_no_filter(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    assert len(await names(lanekit, tenant, "  ")) == len(PEOPLE) + 1


# --- paging and sorting ------------------------------------------------------------------------------------


async def test_pages_are_one_based_stable_and_counted_as_integers(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    client = lanekit.as_admin(tenant)
    collected: list[str] = []
    start = 1
    while True:
        body = (await client.get("/io/scim/v1/Users", params={"startIndex": start, "count": 2})).json()
        assert body["schemas"] == ["urn:scim:schemas:core:1.0", EXT]
        assert body["totalResults"] == 6
        assert body["startIndex"] == start
        assert body["itemsPerPage"] == len(body["Resources"])
        assert all(type(body[key]) is int for key in ("totalResults", "itemsPerPage", "startIndex"))
        if not body["Resources"]:
            break
        collected.extend(resource["id"] for resource in body["Resources"])
        start += body["itemsPerPage"]
    assert start == 7
    assert collected == sorted(collected, key=int)  # by id, each exactly once
    assert len(set(collected)) == 6


async def test_start_index_zero_is_one_and_an_empty_page_has_zero_items(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    client = lanekit.as_admin(tenant)
    first = (await client.get("/io/scim/v1/Users", params={"startIndex": 1, "count": 3})).json()
    zero = (await client.get("/io/scim/v1/Users", params={"startIndex": 0, "count": 3})).json()
    assert zero["Resources"] == first["Resources"]
    assert zero["startIndex"] == 1
    empty = (
        await client.get("/io/scim/v1/Users", params={"filter": 'userName eq "nobody@x.y"', "startIndex": 1})
    ).json()
    assert empty == {
        "schemas": ["urn:scim:schemas:core:1.0", EXT],
        "totalResults": 0,
        "itemsPerPage": 0,
        "startIndex": 1,
        "Resources": [],
    }
    none = (await client.get("/io/scim/v1/Users", params={"count": 0})).json()
    assert (none["totalResults"], none["itemsPerPage"], none["Resources"]) == (6, 0, [])


async def test_count_is_capped_at_200(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        for index in range(200):
            await make_user(conn, tenant.account, email=f"u{index:03}@bulk.example")
    body = (await lanekit.as_admin(tenant).get("/io/scim/v1/Users", params={"count": 1000})).json()
    assert body["totalResults"] == 201
    assert body["itemsPerPage"] == 200
    rest = (
        await lanekit.as_admin(tenant).get("/io/scim/v1/Users", params={"startIndex": 201, "count": 1000})
    ).json()
    assert rest["itemsPerPage"] == 1


async def test_sort_by_and_sort_order(lanekit: Lanekit) -> None:
    tenant = await populate(lanekit)
    client = lanekit.as_admin(tenant)

    async def order(**params: str) -> list[str]:
        response = await client.get("/io/scim/v1/Users", params=params)
        assert response.status_code == 200, response.text
        return [resource["name"]["familyName"] for resource in response.json()["Resources"]]

    ascending = ["Jones", "Smith", "Tables", "User", "User", "Userman"]
    assert await order(sortBy="name.familyName") == ascending
    assert await order(sortBy="NAME.FAMILYNAME", sortOrder="ascending") == ascending
    assert await order(sortBy="name.familyName", sortOrder="descending") == ascending[::-1]
    by_access = await order(sortBy=f"{EXT}.lastAccess", sortOrder="descending")
    # The administrator (seen now), then by last access; the users never seen come last.
    assert by_access[:4] == ["User", "Smith", "User", "Jones"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sortBy": "timezone"}, "sortBy"),
        ({"sortBy": "name.familyName", "sortOrder": "sideways"}, "sortOrder"),
        ({"startIndex": "first"}, "startIndex"),
        ({"count": "many"}, "count"),
    ],
)
async def test_bad_paging_or_sorting_is_400_naming_the_parameter(
    lanekit: Lanekit, params: dict[str, str], field: str
) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).get("/io/scim/v1/Users", params=params)
    assert response.status_code == 400
    assert response.json()["Errors"][0]["description"].startswith(f"{field}:")
