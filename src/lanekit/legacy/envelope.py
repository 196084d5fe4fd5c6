"""The v1 reply envelope `{ReplyData, ReplyCode, ReplyText}` and the one map from domain errors to ReplyCodes
(LeanKit Application API v1 Basics; the codes are those of LeanKit's C# client `ResponseCode` enum and of
the assertions in LeanKit's own node-client suite, `LeanKit/leankit-node-client` `test/client-tests.js`).

Every enveloped reply is HTTP 200, failures included: leankit-client 2.x rejects any other status before it
reads the envelope.  Only bad credentials answer HTTP 401 (what LeanKit answers, and what clients expect).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from fastapi.responses import JSONResponse

from lanekit.domain import errors
from lanekit.web.routing import JsonBody

WWW_AUTHENTICATE = 'Basic realm="lanekit"'


class ReplyCode(IntEnum):
    NO_DATA = 100
    DATA_RETRIEVAL_SUCCESS = 200
    DATA_INSERT_SUCCESS = 201
    DATA_UPDATE_SUCCESS = 202
    DATA_DELETE_SUCCESS = 203
    SYSTEM_EXCEPTION = 500
    USER_EXCEPTION = 502
    THROTTLE_WAIT_RESPONSE = 800
    WIP_OVERRIDE_COMMENT_REQUIRED = 900
    UNAUTHORIZED_ACCESS = 1000


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful call's payload, its code and its text; `payload` becomes `ReplyData[0]`."""

    payload: Any
    code: ReplyCode
    text: str


def envelope(data: Any, code: int, text: str) -> dict[str, Any]:
    return {"ReplyData": data, "ReplyCode": code, "ReplyText": text}


def reply_response(reply: Reply) -> JSONResponse:
    # ReplyData is always an array wrapping the payload: a list payload is `[[…]]`, nothing is `[null]`.
    return JsonBody(envelope([reply.payload], int(reply.code), reply.text))


def failure_response(code: ReplyCode, text: str) -> JSONResponse:
    return JsonBody(envelope(None, int(code), text))


def _not_found_text(exc: errors.NotFound) -> str:
    # LeanKit's wording for a missing card, live-verified: "Card not Found."
    what = exc.what.split(" ")[-1] if exc.what else "item"
    return f"{what[:1].upper()}{what[1:]} not Found."


def error_response(exc: errors.LanekitError) -> JSONResponse:
    """The envelope (or, for bad credentials, the 401) that answers a domain error."""
    if isinstance(exc, errors.Unauthenticated):
        body = envelope(None, int(ReplyCode.UNAUTHORIZED_ACCESS), exc.message)
        return JsonBody(body, status_code=401, headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    if isinstance(exc, errors.NotFound):
        return failure_response(ReplyCode.NO_DATA, _not_found_text(exc))
    if isinstance(exc, errors.WipExceeded):
        # LeanKit's own words for a WIP refusal (Application API v1, "Move a Card").
        text = (
            f"Performing this action will cause the {exc.subject} to exceed its WIP (Work in Process) limit. "
            "You must specify a reason for performing this override."
        )
        return failure_response(ReplyCode.WIP_OVERRIDE_COMMENT_REQUIRED, text)
    if isinstance(exc, errors.Forbidden):
        return failure_response(ReplyCode.UNAUTHORIZED_ACCESS, exc.message)
    if isinstance(exc, errors.RateLimited):
        return failure_response(ReplyCode.THROTTLE_WAIT_RESPONSE, exc.message)
    if isinstance(exc, errors.Unavailable):
        return failure_response(ReplyCode.SYSTEM_EXCEPTION, exc.message)
    # Invalid, Conflict, VersionMismatch, PayloadTooLarge: the caller sent something wrong.
    return failure_response(ReplyCode.USER_EXCEPTION, exc.message)
