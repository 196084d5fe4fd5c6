"""One pooled database connection per HTTP request (docs/decisions/161-request-connection.md).

`RequestConnectionMiddleware` opens the app's `Database.request_scope()` around each HTTP request, so that
authentication and the handler's `db.read()` / `db.begin()` blocks share one connection, checked out by
the first block that needs one; a request that needs no database takes none.  The connection goes back to
the pool when the request ends, and earlier whenever the request waits on its client with no block open:

* when the app reads the request body (a streamed upload reads it between its two transactions), and
* when the response starts (a streamed download sends its body after the handler's last block),

so a slow client never holds a connection that other requests are queuing for.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanekit.storage.engine import Database


class RequestConnectionMiddleware:
    def __init__(self, app: ASGIApp, *, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        db = self.db

        async def receive_released() -> Message:
            # A no-op unless the request holds an idle connection (no block open).
            await db.release()
            return await receive()

        async def send_released(message: Message) -> None:
            if message["type"] == "http.response.start":
                await db.release()
            await send(message)

        async with db.request_scope():
            await self.app(scope, receive_released, send_released)
