"""`/io/openapi.json` documents every /io operation's success body and the one error body, and the
documented keys are the keys real responses carry (http/schemas.py, which only feeds the document)."""

from __future__ import annotations

from typing import Any

import pytest

from lanekit.http.schemas import SUCCESS
from tests.factories.boards import make_board
from tests.factories.cards import make_card
from tests.harness import Lanekit

pytestmark = pytest.mark.anyio

METHODS = ("get", "put", "post", "patch", "delete")


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def mismatches(document: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> list[str]:
    """Where `value` has keys the schema does not name, or lacks keys it requires, recursively."""
    schema = resolve(document, schema)
    if "anyOf" in schema:
        kinds = [resolve(document, s) for s in schema["anyOf"]]
        if value is None:
            return [] if any(k.get("type") == "null" for k in kinds) else [f"{where}: null"]
        for kind in kinds:
            if kind.get("type") == "object" and isinstance(value, dict):
                return mismatches(document, kind, value, where)
            if kind.get("type") == "array" and isinstance(value, list):
                return mismatches(document, kind, value, where)
        return []
    if schema.get("type") == "array" and isinstance(value, list):
        return [
            p
            for i, item in enumerate(value)
            for p in mismatches(document, schema["items"], item, f"{where}[{i}]")
        ]
    if schema.get("type") == "object" and isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        problems = [f"{where}.{key}: not documented" for key in value if key not in properties]
        problems += [f"{where}.{key}: missing" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in properties:
                problems += mismatches(document, properties[key], item, f"{where}.{key}")
        return problems
    return []


async def test_every_io_operation_documents_its_body_and_the_error_body(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    document = (await lanekit.client(tenant).get("/io/openapi.json")).json()
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/io/")
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(operations) > 80
    for method, path, operation in operations:
        name = operation["operationId"]
        assert name in SUCCESS, f"{name} ({method.upper()} {path}) is missing from http/schemas.py SUCCESS"
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, (name, responses)
        if SUCCESS[name] is not None:
            content = responses[success[0]]["content"]
            assert any(media.get("schema") for media in content.values()), (name, content)
        error = responses["4XX"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorBody"}, (name, error)
        # FastAPI's own validation error body is not what this API sends.
        assert "422" not in responses, name
    names = {operation["operationId"] for _, _, operation in operations}
    assert set(SUCCESS) - names == set(), "SUCCESS names operations that do not exist"
    error_body = resolve(document, {"$ref": "#/components/schemas/ErrorBody"})
    assert set(error_body["required"]) == {"statusCode", "error", "message"}


async def test_documented_keys_are_the_keys_responses_carry(lanekit: Lanekit) -> None:
    tenant = await lanekit.tenant()
    async with lanekit.db.begin() as conn:
        board = await make_board(conn, tenant.account, creator=tenant.admin)
        card = await make_card(conn, board, by=tenant.admin)
    admin = lanekit.as_admin(tenant)
    await admin.post(f"/io/card/{card.id}/comment", json={"text": "hello"})
    document = (await admin.get("/io/openapi.json")).json()

    def success_schema(path: str, method: str) -> dict[str, Any]:
        responses = document["paths"][path][method]["responses"]
        code = next(code for code in responses if code.startswith("2"))
        return dict(responses[code]["content"]["application/json"]["schema"])

    cases = [
        ("/io/account", "get", "/io/account"),
        ("/io/user/me", "get", "/io/user/me"),
        ("/io/user", "get", "/io/user"),
        ("/io/auth/token", "get", "/io/auth/token"),
        ("/io/board", "get", "/io/board"),
        ("/io/board/{boardId}", "get", f"/io/board/{board.id}"),
        ("/io/board/{boardId}/user", "get", f"/io/board/{board.id}/user"),
        ("/io/board/{boardId}/cardType", "get", f"/io/board/{board.id}/cardType"),
        ("/io/board/{boardId}/customIcon", "get", f"/io/board/{board.id}/customIcon"),
        ("/io/board/{boardId}/customfield", "get", f"/io/board/{board.id}/customfield"),
        ("/io/board/{boardId}/laneCount", "get", f"/io/board/{board.id}/laneCount"),
        ("/io/board/{boardId}/leafLanes", "get", f"/io/board/{board.id}/leafLanes"),
        ("/io/board/{boardId}/card", "get", f"/io/board/{board.id}/card"),
        ("/io/board/{boardId}/activity", "get", f"/io/board/{board.id}/activity"),
        ("/io/card/{cardId}", "get", f"/io/card/{card.id}"),
        ("/io/card", "get", f"/io/card?board={board.id}&include=parentCards,dependencies"),
        ("/io/card/{cardId}/comment", "get", f"/io/card/{card.id}/comment"),
        ("/io/card/{cardId}/statistics", "get", f"/io/card/{card.id}/statistics"),
        ("/io/card/{cardId}/taskboard", "get", f"/io/card/{card.id}/taskboard"),
        ("/io/template", "get", "/io/template"),
    ]
    problems: list[str] = []
    for path, method, url in cases:
        response = await admin.request(method, url)
        assert response.status_code == 200, (url, response.text[:200])
        problems += mismatches(document, success_schema(path, method), response.json(), url)
    assert problems == []
