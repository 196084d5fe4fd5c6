"""Annotated field types for /io input models: each says what its column holds (storage/tables.py), so a
value the database would refuse is a 422 naming the field, never a database error.

    TextN     a JSON string (no other type), at most N characters, without NUL or lone surrogates
    LongText  Text of the `Text` columns' cap (descriptions, policies, comments)
    Int32     a JSON integer (no float, bool or string) an `Integer` column holds
    Int64     a JSON integer a `BigInteger` column holds
    IdList    at most 500 ids; OpList at most 1,000 JSON-Patch operations (decision 152)

The walker in `web/routing.py` already refuses unstorable text anywhere in a body or query string; these
types add each field's length and range, and appear in the OpenAPI document as `maxLength`/`minimum`/
`maximum`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictInt, StrictStr

from lanekit.domain.cards.patch_ops import MAX_OPS
from lanekit.domain.cards.values import MAX_IDS
from lanekit.domain.inputs import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, unstorable_reason
from lanekit.domain.types import Id

# The cap on free text stored in `Text` columns (descriptions, policies); domain/cards/values.MAX_TEXT is
# the same number for card fields.
MAX_LONG_TEXT = 100_000


def _storable(value: str) -> str:
    if (why := unstorable_reason(value)) is not None:
        raise ValueError(why)
    return value


_Storable = AfterValidator(_storable)
Text7 = Annotated[StrictStr, Field(max_length=7), _Storable]
Text16 = Annotated[StrictStr, Field(max_length=16), _Storable]
Text32 = Annotated[StrictStr, Field(max_length=32), _Storable]
Text64 = Annotated[StrictStr, Field(max_length=64), _Storable]
Text255 = Annotated[StrictStr, Field(max_length=255), _Storable]
LongText = Annotated[StrictStr, Field(max_length=MAX_LONG_TEXT), _Storable]
Int32 = Annotated[StrictInt, Field(ge=INT32_MIN, le=INT32_MAX)]
Int64 = Annotated[StrictInt, Field(ge=INT64_MIN, le=INT64_MAX)]
# A query-string value (always text on the wire) of at most 255 characters.
QueryText = Annotated[str, Field(max_length=255), _Storable]
# The ids of one bulk request (cards moved, deleted, assigned, users assigned…), capped (decision 152).
IdList = Annotated[list[Id], Field(max_length=MAX_IDS)]
# The JSON-Patch operations of one bulk update.
OpList = Annotated[list[Any], Field(max_length=MAX_OPS)]
