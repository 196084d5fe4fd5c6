"""/io/reporting: `POST /auth` (a reporting token) and `GET /export/<name>[.csv|.tab|.json]` (exports).

LeanKit's Advanced Reporting API ("Advanced Reporting API: Getting Started"); the export columns are those of
LeanKit's Tableau web data connectors.  Decisions: docs/decisions/170-reporting-tokens.md (tokens and how an
export authenticates), 171-reporting-exports.md (boards, paging, formats, streaming) and
173-reporting-replica.md (where rows are read, `X-Data-Age`).  The flow metrics are in `metrics.py`.

Errors are the /io body `{statusCode, error, message}` through `http/errors.py`'s handlers, which the whole
app shares: a bad sign-in is 401 "Login failed: email or password is incorrect", a bad token 401 "Invalid
token".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, StrictStr

from lanekit.domain.errors import Invalid, Unauthenticated
from lanekit.domain.reporting import exports, tokens
from lanekit.domain.types import Actor as ActorValue
from lanekit.reporting import writers
from lanekit.reporting.datasets import DATASETS, text_kinds
from lanekit.shapes.common import instant
from lanekit.storage.engine import Database, make_engine
from lanekit.web.bodies import json_or_form, request_body
from lanekit.web.deps import Ctx, Db, account_of, client_address, require_actor
from lanekit.web.routing import make_router, ok

router = make_router("reporting")

# Rate-limit points an export costs (a plain read costs 1): it may stream every row of every readable
# board, yet a BI client paging `limit=500` must still get through a large export within the default
# 120-point window (docs/decisions/170-reporting-tokens.md).
EXPORT_COST = 3
# Seconds the exported rows may lag behind the database: 0 when they are read from it, the replica's replay
# lag when LANEKIT_REPORTING_DATABASE_URL names a standby (docs/decisions/173-reporting-replica.md).
DATA_AGE_HEADER = "X-Data-Age"


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


# Public: the credentials are in the body (`security: []` in the OpenAPI document).
@router.post(
    "/auth", operation_id="reportingAuth", openapi_extra={**request_body(ReportingSignIn), "security": []}
)
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
    checked as on every /io request.  Either way the caller's rate-limit window is charged EXPORT_COST."""
    token = request.query_params.get("token")
    header = request.headers.get("authorization", "")
    if token is None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "bearer" and tokens.looks_like_token(value.strip()):
            token = value.strip()
    ctx = request.app.state.ctx
    if token is None:
        # require_actor charged the one point of any request.
        actor = await require_actor(request)
        await _charge(request, actor.account_id, actor.user_id, cost=EXPORT_COST - 1)
        return actor
    account_id = await account_of(request)
    if account_id is None:
        raise Unauthenticated(tokens.INVALID_TOKEN)
    user = await tokens.verify_token(ctx.db, account_id=account_id, token=token, keys=_signing_keys(request))
    await _charge(request, account_id, user.id, cost=EXPORT_COST)
    request.state.user = user
    actor = ActorValue(
        account_id=account_id,
        user_id=user.id,
        administrator=user.administrator,
        board_creator=user.board_creator,
    )
    request.state.actor = actor
    return actor


async def _charge(request: Request, account_id: int, user_id: int, *, cost: int) -> None:
    window = await request.app.state.ctx.rate_limiter.charge(account_id, user_id, cost=cost)
    request.state.rate_limit = (window.limit, window.remaining, window.reset)
    if not window.allowed:
        raise window.refusal()


def _rows_source(request: Request) -> Database:
    """Where an export reads its rows: the reporting replica when LANEKIT_REPORTING_DATABASE_URL is set
    (one `Database` per app, made on first use), else the database itself."""
    ctx = request.app.state.ctx
    url = ctx.settings.reporting_database_url
    if url is None:
        db: Database = ctx.db
        return db
    replica: Database | None = getattr(request.app.state, "reporting_db", None)
    if replica is None:
        replica_settings = ctx.settings.model_copy(update={"database_url": url.get_secret_value()})
        replica = request.app.state.reporting_db = Database(make_engine(replica_settings))
    return replica


ReportingActor = Annotated[ActorValue, Depends(reporting_actor)]


def _export_handler(export: str, suffix: str | None) -> Callable[..., Coroutine[Any, Any, Response]]:
    columns = DATASETS[export]
    kinds = text_kinds(columns)

    async def export_handler(
        request: Request,
        actor: ReportingActor,
        db: Db,
        format: Annotated[str | None, Query(description="csv (default), tab or json")] = None,
        boardId: Annotated[str | None, Query(description="A board id, ids separated by commas, or 0")] = None,
        quotedString: Annotated[bool, Query(description="Quote every non-numeric CSV value")] = True,
        limit: Annotated[int | None, Query(ge=0, description="At most this many rows")] = None,
        offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
        token: Annotated[str | None, Query(description="A token from POST /io/reporting/auth")] = None,
    ) -> Response:
        del token  # read by reporting_actor; a parameter here so that the OpenAPI document lists it
        fmt = (format or suffix or "csv").strip().lower()
        if fmt not in writers.FORMATS:
            raise Invalid("format", f"{format!r} is not one of {', '.join(writers.FORMATS)}")
        board_ids = exports.parse_board_ids(boardId)
        async with db.read() as conn:
            plan = await exports.plan_export(conn, actor=actor, export=export, board_ids=board_ids)
        source = _rows_source(request)
        headers = {DATA_AGE_HEADER: f"{await exports.data_age_seconds(source):.3f}"}
        if fmt != "json":
            name = export.replace("/", "-")
            headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        body: AsyncIterator[bytes]
        if fmt != "json" and kinds is not None and exports.writes_text(source, export, kinds):
            # PostgreSQL writes the lines (docs/decisions/175-reporting-copy-exports.md).
            lines = exports.export_text(
                source,
                plan,
                kinds=kinds,
                delimiter=writers.delimiter(fmt),
                quoted=quotedString,
                offset=offset,
                limit=limit,
            )
            body = writers.write_text(columns, lines, tab=fmt == "tab", quoted=quotedString)
        else:
            rows = exports.export_rows(source, plan, offset=offset, limit=limit)
            body = writers.write(fmt, columns, rows, quoted=quotedString)
        return StreamingResponse(body, media_type=writers.MEDIA_TYPES[fmt], headers=headers)

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
