"""The SCIM 1.1 filter grammar (scim/filters.py), without a database: what tree each filter becomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lanekit.domain.errors import Invalid
from lanekit.scim.filters import ATTRIBUTES, OPERATORS, parse_filter, sort_field
from lanekit.storage.queries.user_search import FIELDS, AllOf, AnyOf, Comparison

EXT = "urn:scim:schemas:extension:leankit:user:1.0"


def test_and_binds_tighter_than_or_and_parentheses_regroup() -> None:
    a, b, c = (Comparison("username", "eq", name) for name in "abc")
    assert parse_filter('userName eq "a" or userName eq "b" and userName eq "c"') == AnyOf((a, AllOf((b, c))))
    regrouped = parse_filter('(userName eq "a" OR userName eq "b") AND userName eq "c"')
    assert regrouped == AllOf((AnyOf((a, b)), c))
    # A run of one connective is one flat node, whatever its length (the tree stays shallow).
    assert parse_filter(" or ".join(f'userName eq "{n}"' for n in "abc")) == AnyOf((a, b, c))


@pytest.mark.parametrize(
    "spelling",
    [f"{EXT}.lastAccess", f"{EXT}.LASTACCESS", f"{EXT.upper()}.lastaccess", f"{EXT}:lastAccess"],
)
def test_extension_attributes_in_the_dot_and_colon_forms_in_any_case(spelling: str) -> None:
    assert parse_filter(f'{spelling} GE "2017-02-22T00:00:00Z"') == Comparison(
        "last_access", "ge", datetime(2017, 2, 22, tzinfo=UTC)
    )


def test_values_are_typed_by_attribute() -> None:
    assert parse_filter('active eq "TRUE"') == Comparison("enabled", "eq", True)
    assert parse_filter("active eq false") == Comparison("enabled", "eq", False)
    assert parse_filter('id le "42"') == Comparison("id", "le", 42)
    assert parse_filter('meta.created lt "2020-01-01T05:00:00+05:00"') == Comparison(
        "created_on", "lt", datetime(2020, 1, 1, 0, 0, tzinfo=UTC)
    )
    assert parse_filter('name.familyName co "O\\"Brien"') == Comparison("last_name", "co", 'O"Brien')
    assert parse_filter("externalId PR") == Comparison("external_id", "pr")


def test_no_filter_and_a_blank_one_are_none() -> None:
    assert parse_filter(None) is None
    assert parse_filter(" \t") is None


def test_every_filterable_attribute_reaches_a_stored_field_with_its_operators() -> None:
    assert {field for field, _kind in ATTRIBUTES.values()} <= set(FIELDS)
    for attribute, (_field, kind) in ATTRIBUTES.items():
        for operator in sorted(OPERATORS[kind] - {"pr"}):
            value = {"text": '"x"', "bool": "true", "id": '"1"', "instant": '"2020-01-01T00:00:00Z"'}[kind]
            assert isinstance(parse_filter(f"{attribute} {operator} {value}"), Comparison), attribute


def test_sort_by_uses_the_filter_names() -> None:
    assert sort_field("NAME.familyName") == "last_name"
    assert sort_field(None) is None
    with pytest.raises(Invalid) as refused:
        sort_field("password")
    assert refused.value.field == "sortBy"
