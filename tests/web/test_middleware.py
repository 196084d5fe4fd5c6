"""The API conventions of docs/conventions.md on every endpoint: error bodies, body limits, transport
leniency, tenancy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import Any

import httpx
import pytest

from lanekit.settings import Settings
from lanekit.shapes.common import reason_phrase
from tests.harness import Lanekit, basic

pytestmark = pytest.mark.anyio

MakeSettings = Callable[..., Settings]


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) - {"details"} == {"statusCode", "error", "message"}
    assert body["statusCode"] == status
    assert body["error"] == reason_phrase(status)
    assert isinstance(body["message"], str) and body["message"]
    return body


# --- error bodies ------------------------------------------------------------------------------------------


async def test_error_bodies_share_one_shape(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)

    unauthenticated = await lanekit.client(tenant).get("/io/user/me")
    assert_error(unauthenticated, 401)
    assert unauthenticated.headers["www-authenticate"] == 'Basic realm="lanekit"'

    assert_error(await lanekit.as_user(tenant, user).get("/io/user"), 403)
    assert_error(await admin.get(f"/io/user/{other.admin.id}"), 404)

    invalid = assert_error(await admin.post("/io/auth/token", json={}), 422)
    assert invalid["message"] == "description: is required"
    assert invalid["details"] == [{"field": "description", "message": "is required"}]

    # One path served by two routes: the Allow header names both methods.
    not_allowed = await admin.put("/io/auth/token", json={})
    assert_error(not_allowed, 405)
    assert not_allowed.headers["allow"] == "GET, POST"


@pytest.mark.parametrize("path", ["/io/no/such/thing", "/nothing-here", "/io/user/me/extra/parts"])
async def test_unknown_routes_are_404_json(lanekit: Lanekit, path: str) -> None:
    tenant = await lanekit.tenant()
    body = assert_error(await lanekit.as_admin(tenant).get(path), 404)
    assert body["message"] == "no such endpoint"
    # Also without credentials: a missing route is not hidden behind a 401.
    assert_error(await lanekit.client(tenant).get(path), 404)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"description": ', "application/json"),
        (b"{'description': 'single quotes'}", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'["description"]', "application/json"),
        (b'"just a string"', "application/json"),
        (b"null", "application/json"),
        # A form body is accepted (some LeanKit clients send one), but it must still carry a description.
        (b"label=form", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
async def test_malformed_bodies_are_422_never_500(
    lanekit: Lanekit, content: bytes, content_type: str
) -> None:
    tenant = await lanekit.tenant()
    response = await lanekit.as_admin(tenant).post(
        "/io/auth/token", content=content, headers={"content-type": content_type}
    )
    assert_error(response, 422)
    assert (await lanekit.as_admin(tenant).get("/io/auth/token")).json() == {"tokens": []}


async def test_a_500_body_carries_no_detail(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    kit = Lanekit(settings)
    try:

        async def explode() -> None:
            raise RuntimeError("secret internals in /srv/lanekit/hidden.py")

        kit.app.add_api_route("/io/test-only/explode", explode)
        response = await kit.client().get("/io/test-only/explode")
    finally:
        await kit.close()
    body = assert_error(response, 500)
    assert body == {
        "statusCode": 500,
        "error": "Internal Server Error",
        "message": "internal error; the request was not completed",
    }
    for leak in ("Traceback", "RuntimeError", "secret", "hidden.py"):
        assert leak not in response.text
    # The detail goes to the log instead.
    assert any("secret internals" in (r.exc_text or "") for r in caplog.records)


# --- body size limit ---------------------------------------------------------------------------------------


@pytest.fixture
async def small_body_kit(make_settings: MakeSettings) -> AsyncIterator[Lanekit]:
    kit = Lanekit(make_settings(max_body_bytes=100))
    try:
        yield kit
    finally:
        await kit.close()


async def test_a_body_over_the_limit_is_413(small_body_kit: Lanekit) -> None:
    kit = small_body_kit
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)
    fits = await admin.post("/io/auth/token", json={"description": "x" * 50})
    assert fits.status_code == 201

    too_big = await admin.post("/io/auth/token", json={"description": "x" * 200})
    body = assert_error(too_big, 413)
    assert body["message"] == "request body is larger than the limit of 100 bytes"
    assert len((await admin.get("/io/auth/token")).json()["tokens"]) == 1


async def test_a_chunked_body_over_the_limit_is_413(small_body_kit: Lanekit) -> None:
    kit = small_body_kit
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)

    def chunked(payload: bytes) -> AsyncIterator[bytes]:
        async def stream() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), 16):
                yield payload[start : start + 16]

        return stream()

    small = b'{"description": "streamed"}'
    fits = await admin.post(
        "/io/auth/token", content=chunked(small), headers={"content-type": "application/json"}
    )
    assert fits.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in fits.request.headers
    assert fits.status_code == 201
    assert fits.json()["description"] == "streamed"

    big = b'{"description": "' + b"x" * 300 + b'"}'
    too_big = await admin.post(
        "/io/auth/token", content=chunked(big), headers={"content-type": "application/json"}
    )
    assert_error(too_big, 413)
    assert len((await admin.get("/io/auth/token")).json()["tokens"]) == 1


async def test_a_bad_content_length_is_400(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    request = lanekit.as_admin(tenant).build_request("POST", "/io/auth/token", content=b"{}")
    request.headers["content-length"] = "lots"
    response = await lanekit.as_admin(tenant).send(request)
    assert_error(response, 400)


# --- transport leniency (docs/conventions.md §8) -----------------------------------------------------------


async def test_method_override_on_post(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    token_id = (await admin.post("/io/auth/token", json={"description": "x"})).json()["id"]

    revoked = await admin.post(f"/io/auth/token/{token_id}", headers={"X-HTTP-Method-Override": "DELETE"})
    assert revoked.status_code == 204
    assert (await admin.get("/io/auth/token")).json() == {"tokens": []}

    patched = await admin.post(
        "/io/user/me", json={"firstName": "Overridden"}, headers={"X-HTTP-Method-Override": "patch"}
    )
    assert patched.status_code == 200
    assert patched.json()["firstName"] == "Overridden"

    # Only POST may be overridden: a GET stays a GET.
    still_get = await admin.get("/io/user/me", headers={"X-HTTP-Method-Override": "DELETE"})
    assert still_get.status_code == 200
    assert still_get.json()["firstName"] == "Overridden"


async def test_delete_with_a_json_body(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    user = await lanekit.user(tenant)
    admin = lanekit.as_admin(tenant)
    token_id = (await admin.post("/io/auth/token", json={"description": "x"})).json()["id"]
    response = await admin.request("DELETE", f"/io/auth/token/{token_id}", json={"reason": "no longer used"})
    assert response.status_code == 204
    assert (await admin.get("/io/auth/token")).json() == {"tokens": []}
    removed = await admin.request("DELETE", f"/io/user/{user.id}", json={"userIds": [str(user.id)]})
    assert removed.status_code == 204
    assert (await admin.get(f"/io/user/{user.id}")).status_code == 404


async def test_trailing_slash_and_path_case(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    for path in ("/io/user/me/", "/io/USER/me", "/io/User/Me/", "/IO/user/me"):
        response = await admin.get(path)
        assert response.status_code == 200, path
        assert response.json()["id"] == str(tenant.admin.id)
    created = await admin.post("/io/Auth/Token/", json={"description": "x"})
    assert created.status_code == 201
    assert (await admin.get(f"/io/user/{tenant.admin.id}/")).status_code == 200


async def test_request_id_is_echoed_or_made(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    admin = lanekit.as_admin(tenant)
    given = await admin.get("/io/user/me", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    made = await admin.get("/io/user/me")
    assert len(made.headers["x-request-id"]) == 32


# --- tenancy by Host (docs/conventions.md §7) --------------------------------------------------------------


async def test_an_account_sees_only_its_own_users(lanekit: Lanekit) -> None:
    tenant, other = await lanekit.tenant(), await lanekit.tenant()
    stranger = await lanekit.user(other)
    admin = lanekit.as_admin(tenant)
    for path in (f"/io/user/{stranger.id}", f"/io/user/{other.admin.id}"):
        assert_error(await admin.get(path), 404)
        assert_error(await admin.patch(path, json={"firstName": "X"}), 404)
        assert_error(await admin.delete(path), 404)
    listed = (await admin.get("/io/user")).json()
    assert [u["id"] for u in listed["users"]] == [str(tenant.admin.id)]
    # Credentials of one account do not work at another account's host.
    at_wrong_host = lanekit.client(tenant, headers=basic(other.admin.email, other.admin_password))
    assert_error(await at_wrong_host.get("/io/user/me"), 401)


async def test_the_host_label_selects_the_account(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    name = tenant.account.name
    for host in (f"{name}.example.com", f"{name}.other.test:8443", name, f"{name.upper()}.Example.COM"):
        client = lanekit.client(headers={**basic(tenant.admin.email, tenant.admin_password), "Host": host})
        response = await client.get("/io/user/me")
        assert response.status_code == 200, host
        assert response.json()["organizationId"] == str(tenant.account.id)


async def test_an_unknown_host_falls_back_to_the_default_account(make_settings: MakeSettings) -> None:
    setup = Lanekit(make_settings())
    try:
        tenant = await setup.tenant()
    finally:
        await setup.close()

    kit = Lanekit(make_settings(default_account=tenant.account.name))
    try:
        client = kit.client(headers=basic(tenant.admin.email, tenant.admin_password))
        assert client.base_url.host == "unknown.lanekit.test"
        response = await client.get("/io/user/me")
        assert response.status_code == 200
        assert response.json()["organizationId"] == str(tenant.account.id)
    finally:
        await kit.close()


async def test_no_account_at_an_unknown_host_without_a_usable_default(make_settings: MakeSettings) -> None:
    kit = Lanekit(make_settings(default_account="no-such-account"))
    try:
        tenant = await kit.tenant()
        client = kit.client(headers=basic(tenant.admin.email, tenant.admin_password))
        body = assert_error(await client.get("/io/user/me"), 401)
        assert body["message"] == "no account is served at this host"
        # The tenant's own host still works.
        assert (await kit.as_admin(tenant).get("/io/user/me")).status_code == 200
    finally:
        await kit.close()


def test_reason_phrases_are_pinned_to_rfc_9110() -> None:
    assert reason_phrase(413) == "Content Too Large"
    assert reason_phrase(422) == "Unprocessable Content"
    assert reason_phrase(404) == "Not Found"


async def test_the_edge_adds_the_window_then_the_request_id_to_every_answer(small_body_kit: Lanekit) -> None:
    kit = small_body_kit
    tenant = await kit.tenant()
    admin = kit.as_admin(tenant)

    served = await admin.get("/io/user/me", headers={"X-Request-ID": "me-1"})
    assert served.status_code == 200
    names = [name.decode().lower() for name, _ in served.headers.raw]
    assert names[-4:] == ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-request-id"]
    assert served.headers["x-request-id"] == "me-1"

    # Refused before anyone authenticated: the request id, and no window.
    refused = await admin.post(
        "/io/auth/token", json={"description": "x" * 200}, headers={"X-Request-ID": "big-1"}
    )
    assert_error(refused, 413)
    assert refused.headers["x-request-id"] == "big-1"
    assert "x-ratelimit-limit" not in refused.headers


async def test_the_servers_scope_keeps_what_the_client_sent(lanekit: Lanekit) -> None:
    """The edge respells the path and applies a method override on a copy: the server's access log still
    shows the request as sent."""
    tenant = await lanekit.tenant()
    credentials = basic(tenant.admin.email, tenant.admin_password)["Authorization"]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/io/USER/me/",
        "raw_path": b"/io/USER/me/",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", tenant.host.encode()),
            (b"authorization", credentials.encode()),
            (b"x-http-method-override", b"GET"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    await lanekit.app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert (scope["method"], scope["path"], scope["raw_path"]) == ("POST", "/io/USER/me/", b"/io/USER/me/")
