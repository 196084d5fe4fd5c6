"""/io/reporting: `POST /auth` (a reporting token) and `GET /export/<name>[.csv|.tab|.json]` (exports).

LeanKit's Advanced Reporting API ("Advanced Reporting API: Getting Started"); the export columns are those of
LeanKit's Tableau web data connectors.  Decisions: docs/decisions/170-reporting-tokens.md (tokens and how an
export authenticates) and 171-reporting-exports.md (boards, paging, formats, streaming).

Errors are the /io body `{statusCode, error, message}` through `http/errors.py`'s handlers, which the whole
app shares: a bad sign-in is 401 "Login failed: email or password is incorrect", a bad token 401 "Invalid
token".
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, StrictStr

from lanekit.domain.errors import Invalid, Unauthenticated
from lanekit.domain.reporting import exports, tokens
from lanekit.domain.types import Actor as ActorValue
from lanekit.reporting import writers
from lanekit.reporting.datasets import DATASETS
from lanekit.shapes.common import instant
from lanekit.web.bodies import json_or_form, request_body
from lanekit.web.deps import Ctx, Db, account_of, client_address, require_actor
from lanekit.web.routing import make_router, ok

router = make_router("reporting")


class ReportingSignIn(BaseModel):
    email: StrictStr
    password: StrictStr
    # The account comes from the Host; clients send a subdomain, a host or a URL here, so it is never checked.
    accountName: StrictStr | None = None


SignInBody = Annotated[ReportingSignIn, Depends(json_or_form(ReportingSignIn))]


def _signing_keys(request: Request) -> tokens.SigningKeys:
    """One per app: the key is read from the database on first use and then kept (`tokens.SigningKeys`)."""
    state = request.app.state
    keys: tokens.SigningKeys | None = getattr(state, "reporting_signing_keys", None)
    if keys is None:
        keys = state.reporting_signing_keys = tokens.SigningKeys()
    return keys


@router.post("/auth", operation_id="reportingAuth", openapi_extra=request_body(ReportingSignIn))
async def sign_in(request: Request, ctx: Ctx, body: SignInBody) -> JSONResponse:
    account_id = await account_of(request)
    if account_id is None:
        raise Unauthenticated(tokens.BAD_LOGIN)
    issued = await tokens.issue_token(
        ctx.db,
        account_id=account_id,
        email=body.email,
        password=body.password,
        address=client_address(request, trust_forwarded_for=ctx.settings.trust_forwarded_for),
        cache=ctx.credentials,
        keys=_signing_keys(request),
    )
    return ok({"token": issued.token, "expires": instant(issued.expires)})


async def reporting_actor(request: Request) -> ActorValue:
    """The caller of an export: a reporting token in `?token=` (which wins: clients send it together with
    their usual Authorization header) or as a Bearer JWT; otherwise a v2 API token or Basic credentials,
    checked as on every /io request.  Either way the caller's rate-limit window is charged."""
    token = request.query_params.get("token")
    header = request.headers.get("authorization", "")
    if token is None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "bearer" and tokens.looks_like_token(value.strip()):
            token = value.strip()
    if token is None:
        return await require_actor(request)
    ctx = request.app.state.ctx
    account_id = await account_of(request)
    if account_id is None:
        raise Unauthenticated(tokens.INVALID_TOKEN)
    user = await tokens.verify_token(ctx.db, account_id=account_id, token=token, keys=_signing_keys(request))
    window = await ctx.rate_limiter.charge(account_id, user.id)
    request.state.rate_limit = (window.limit, window.remaining, window.reset)
    if not window.allowed:
        raise window.refusal()
    request.state.user = user
    actor = ActorValue(
        account_id=account_id,
        user_id=user.id,
        administrator=user.administrator,
        board_creator=user.board_creator,
    )
    request.state.actor = actor
    return actor


ReportingActor = Annotated[ActorValue, Depends(reporting_actor)]


def _export_handler(export: str, suffix: str | None) -> Callable[..., Coroutine[Any, Any, Response]]:
    columns = DATASETS[export]

    async def export_handler(
        actor: ReportingActor,
        db: Db,
        format: Annotated[str | None, Query(description="csv (default), tab or json")] = None,
        boardId: Annotated[str | None, Query(description="A board id, ids separated by commas, or 0")] = None,
        quotedString: Annotated[bool, Query(description="Quote every non-numeric CSV value")] = True,
        limit: Annotated[int | None, Query(ge=0, description="At most this many rows")] = None,
        offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
    ) -> Response:
        fmt = (format or suffix or "csv").strip().lower()
        if fmt not in writers.FORMATS:
            raise Invalid("format", f"{format!r} is not one of {', '.join(writers.FORMATS)}")
        board_ids = exports.parse_board_ids(boardId)
        async with db.read() as conn:
            plan = await exports.plan_export(conn, actor=actor, export=export, board_ids=board_ids)
        rows = exports.export_rows(db, plan, offset=offset, limit=limit)
        headers = {}
        if fmt != "json":
            name = export.replace("/", "-")
            headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return StreamingResponse(
            writers.write(fmt, columns, rows, quoted=quotedString),
            media_type=writers.MEDIA_TYPES[fmt],
            headers=headers,
        )

    return export_handler


def operation_id(export: str) -> str:
    """`cards` → `exportCards`, `userassignments/current` → `exportUserassignmentsCurrent`."""
    return "export" + "".join(part.capitalize() for part in export.split("/"))


for _export in DATASETS:
    router.add_api_route(
        f"/export/{_export}",
        _export_handler(_export, None),
        methods=["GET"],
        operation_id=operation_id(_export),
        summary=f"Export {_export}",
        response_class=StreamingResponse,
    )
    for _suffix in writers.FORMATS:
        router.add_api_route(
            f"/export/{_export}.{_suffix}",
            _export_handler(_export, _suffix),
            methods=["GET"],
            include_in_schema=False,
            response_class=StreamingResponse,
        )
