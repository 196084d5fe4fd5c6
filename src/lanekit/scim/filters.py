"""SCIM 1.1 filters (`GET /Users?filter=`) → a user filter tree (storage/queries/user_search.py).

The grammar is SCIM 1.1's (protocol, "Filtering"): comparisons `attr op value` with `eq co sw gt ge lt le`,
presence `attr pr`, `and`/`or` in any case (`and` binds tighter) and parentheses.  Attribute names are
matched ignoring case, extension attributes in the 1.1 dot form
(`urn:scim:schemas:extension:leankit:user:1.0.lastAccess`, as LeanKit's search examples write them) and, for
clients written against SCIM 2.0, the colon form.  Values are JSON literals; LeanKit's examples quote even
booleans (`administrator eq "true"`), so a quoted `"true"`/`"false"` is a boolean where the attribute is one,
and instants are parsed and compared as instants, not as text.

Anything the filter cannot mean (an unknown attribute, an operator the attribute does not support, a value
of the wrong type, a syntax error) raises `Invalid("filter", …)`: dropping a clause would widen an `and`.
Bounds keep a hostile filter cheap to refuse: its length, its number of comparisons and its nesting depth.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from lanekit.domain.errors import Invalid
from lanekit.domain.types import MAX_ID, parse_digits
from lanekit.storage.queries.user_search import AllOf, AnyOf, Comparison, UserFilter

EXTENSION_URN = "urn:scim:schemas:extension:leankit:user:1.0"
MAX_FILTER_LENGTH = 8192
MAX_COMPARISONS = 200
MAX_DEPTH = 16

# SCIM attribute (lower-cased) → (user field, kind).  The kinds decide which operators and values apply.
_CORE: dict[str, tuple[str, str]] = {
    "id": ("id", "id"),
    "username": ("username", "text"),
    "externalid": ("external_id", "text"),
    "name.familyname": ("last_name", "text"),
    "name.givenname": ("first_name", "text"),
    "name.formatted": ("full_name", "text"),
    "emails": ("email", "text"),
    "emails.value": ("email", "text"),
    "active": ("enabled", "bool"),
    "meta.created": ("created_on", "instant"),
    "meta.lastmodified": ("updated_on", "instant"),
}
_EXTENSION: dict[str, tuple[str, str]] = {
    "licensetype": ("license_type", "text"),
    "lastaccess": ("last_access", "instant"),
    "administrator": ("administrator", "bool"),
    "boardcreator": ("board_creator", "bool"),
    "dateformat": ("date_format", "text"),
}
ATTRIBUTES: dict[str, tuple[str, str]] = {
    **_CORE,
    **{f"{EXTENSION_URN}.{name}": spec for name, spec in _EXTENSION.items()},
    **{f"{EXTENSION_URN}:{name}": spec for name, spec in _EXTENSION.items()},
}
# Attributes a LeanKit user has but that its search does not offer (LeanKit: "timezone is not filterable").
_NOT_FILTERABLE = {"timezone", "password"}

OPERATORS: dict[str, frozenset[str]] = {
    "text": frozenset({"eq", "co", "sw", "gt", "ge", "lt", "le", "pr"}),
    "bool": frozenset({"eq", "pr"}),
    "id": frozenset({"eq", "gt", "ge", "lt", "le", "pr"}),
    "instant": frozenset({"eq", "gt", "ge", "lt", "le", "pr"}),
}

_GRAMMAR = r"""
start: disjunction
disjunction: conjunction (_OR conjunction)*
conjunction: _factor (_AND _factor)*
_factor: comparison | presence | "(" disjunction ")"
comparison: ATTR OP _value
presence: ATTR _PR
_value: STRING | TRUE | FALSE | NULL | NUMBER

ATTR: /[A-Za-z][A-Za-z0-9_\-]*(?:[:.][A-Za-z0-9_\-]+)*/
OP.2: /(?:eq|co|sw|gt|ge|lt|le)(?![A-Za-z0-9_])/i
_PR.2: /pr(?![A-Za-z0-9_])/i
_AND.2: /and(?![A-Za-z0-9_])/i
_OR.2: /or(?![A-Za-z0-9_])/i
TRUE.2: /true(?![A-Za-z0-9_])/i
FALSE.2: /false(?![A-Za-z0-9_])/i
NULL.2: /null(?![A-Za-z0-9_])/i
STRING: /"(?:[^"\\]|\\.)*"/
NUMBER: /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/

%import common.WS
%ignore WS
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="contextual")

Literal = str | bool | int | float | None


def _attribute(token: Token) -> tuple[str, str, str]:
    """(the name as written, field, kind) of an attribute token, or Invalid."""
    written = str(token)
    key = written.lower()
    if key in ATTRIBUTES:
        field, kind = ATTRIBUTES[key]
        return written, field, kind
    if key in _NOT_FILTERABLE:
        raise Invalid("filter", f"attribute {written!r} cannot be filtered on")
    raise Invalid("filter", f"unknown attribute {written!r}")


def _literal(token: Token) -> Literal:
    kind = token.type
    text = str(token)
    if kind == "STRING":
        try:
            value = json.loads(text)
        except ValueError:
            raise Invalid("filter", f"malformed string {text}") from None
        return str(value)
    if kind == "TRUE":
        return True
    if kind == "FALSE":
        return False
    if kind == "NULL":
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _typed(written: str, kind: str, value: Literal) -> str | bool | int | datetime:
    """The value as the attribute's kind compares it, or Invalid naming the attribute."""
    if value is None:
        raise Invalid("filter", f"{written}: null is not a value to compare with; use `{written} pr`")
    if kind == "text":
        if not isinstance(value, str):
            raise Invalid("filter", f"{written} takes a quoted string")
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise Invalid("filter", f"{written} takes true or false (quoted or not), not {json.dumps(value)}")
    if kind == "id":
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str):
            number = parse_digits(value)
        if number is None or not 0 <= number <= MAX_ID:
            raise Invalid("filter", f"{written} takes a user id (digits), not {json.dumps(value)}")
        return number
    if not isinstance(value, str):
        raise Invalid("filter", f"{written} takes a quoted ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("filter", f"{written}: {value!r} is not an ISO 8601 date and time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@v_args(inline=True)
class _ToTree(Transformer[Token, UserFilter]):
    def start(self, tree: UserFilter) -> UserFilter:
        return tree

    def disjunction(self, *parts: UserFilter) -> UserFilter:
        return parts[0] if len(parts) == 1 else AnyOf(parts)

    def conjunction(self, *parts: UserFilter) -> UserFilter:
        return parts[0] if len(parts) == 1 else AllOf(parts)

    def comparison(self, attribute: Token, op: Token, value: Token) -> UserFilter:
        written, field, kind = _attribute(attribute)
        operator = str(op).lower()
        if operator not in OPERATORS[kind]:
            raise Invalid("filter", f"operator {operator!r} does not apply to {written}")
        return Comparison(field, operator, _typed(written, kind, _literal(value)))

    def presence(self, attribute: Token) -> UserFilter:
        _written, field, _kind = _attribute(attribute)
        return Comparison(field, "pr")


def _check_bounds(text: str) -> None:
    """Refuse, before parsing, filters whose size alone would make them expensive: nesting beyond
    MAX_DEPTH (the tree is walked recursively) and text beyond MAX_FILTER_LENGTH."""
    if len(text) > MAX_FILTER_LENGTH:
        raise Invalid("filter", f"is longer than {MAX_FILTER_LENGTH} characters")
    depth = 0
    quoted = escaped = False
    for char in text:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise Invalid("filter", f"nests parentheses deeper than {MAX_DEPTH}")
        elif char == ")":
            depth -= 1


def _count(tree: UserFilter) -> int:
    if isinstance(tree, Comparison):
        return 1
    return sum(_count(part) for part in tree.parts)


def _syntax_error(text: str, error: UnexpectedInput) -> Invalid:
    token = getattr(error, "token", None)
    if isinstance(error, UnexpectedEOF) or getattr(token, "type", None) == "$END":
        return Invalid("filter", "ends too early (an unclosed parenthesis or a missing value?)")
    position = getattr(error, "pos_in_stream", None)
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream
    if position is None:
        position = getattr(token, "start_pos", None)
    if position is None or position >= len(text):
        return Invalid("filter", "ends too early (an unclosed parenthesis or a missing value?)")
    excerpt = text[position : position + 20]
    return Invalid("filter", f"is malformed at character {position + 1}: {excerpt!r}")


def parse_filter(text: str | None) -> UserFilter | None:
    """The filter tree of a SCIM 1.1 filter; None when there is no filter (absent or blank)."""
    if text is None or not text.strip():
        return None
    _check_bounds(text)
    try:
        parsed = _PARSER.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    except LarkError:
        raise Invalid("filter", "is malformed") from None
    try:
        tree = _ToTree().transform(parsed)
    except VisitError as error:
        if isinstance(error.orig_exc, Invalid):
            raise error.orig_exc from None
        raise
    if _count(tree) > MAX_COMPARISONS:
        raise Invalid("filter", f"has more than {MAX_COMPARISONS} comparisons")
    return tree


def sort_field(attribute: str | None) -> str | None:
    """The user field `sortBy` names (any case, same names as filters), None for the default (by id)."""
    if attribute is None or not attribute.strip():
        return None
    key = attribute.strip().lower()
    if key not in ATTRIBUTES:
        raise Invalid("sortBy", f"unknown or unsortable attribute {attribute!r}")
    return ATTRIBUTES[key][0]
