"""`/io/docs`: Swagger UI served from this server, so the API documentation works without the internet.

The page, its script, stylesheet and favicon all come from the `swagger-ui-bundle` package (vendored Swagger
UI files) through `/io/docs/static/…`; nothing is fetched from a CDN.  The bundled Swagger UI is 4.x, which
renders OpenAPI 3.0 documents only and refuses one that says `openapi: 3.1.0` (FastAPI's version), so the
page reads `/io/docs/openapi.json`: the same document labelled 3.0.3.  Clients and tools that read the
document itself use `/io/openapi.json`, unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/io/docs"
STATIC_PATH = f"{DOCS_PATH}/static"
UI_OPENAPI_PATH = f"{DOCS_PATH}/openapi.json"
# The only files the page needs; the package's other files (a demo index.html pointing at the petstore
# example, source maps) are not served.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}

router = APIRouter(include_in_schema=False)


def _assets_dir() -> Path:
    return Path(str(swagger_ui_path))


@router.get(DOCS_PATH)
async def docs_page() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=UI_OPENAPI_PATH,
        title="Lanekit API",
        swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_PATH}/favicon-32x32.png",
    )


@router.get(STATIC_PATH + "/{name}")
async def docs_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404)
    # The files change only with the package version, which is part of the directory name.
    return FileResponse(
        _assets_dir() / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )


def install(app: FastAPI) -> None:
    """Add the docs page, its assets and the 3.0-labelled document to `app` (created with `docs_url=None`)."""

    app.include_router(router)
    app.add_api_route(UI_OPENAPI_PATH, _ui_openapi, methods=["GET"], include_in_schema=False)


async def _ui_openapi(request: Request) -> JSONResponse:
    # The app comes from the request, not from a closure: FastAPI remembers what it learnt of each endpoint
    # in a process-wide cache, so an endpoint closing over its app kept every app ever built alive.
    document: dict[str, Any] = {**request.app.openapi(), "openapi": "3.0.3"}
    return JSONResponse(document)
