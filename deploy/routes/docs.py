"""``GET /docs``: the interactive API reference (Swagger UI), served from local files.

FastAPI's stock page pulls Swagger UI from a CDN, so on an offline machine or a campus
network that blocks it the page stays blank. Here the page is FastAPI's own, but its
script and stylesheet come from the Swagger UI 5 distribution inside the
``swagger-ui-py`` package, mounted under ``/docs/assets``. The package is used for its
files only: nothing of it is imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)

ASSETS_URL = "/docs/assets"


def swagger_ui_dir() -> Path:
    """The Swagger UI ``dist`` folder shipped in the ``swagger_ui`` package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install swagger-ui-py")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def assets() -> StaticFiles:
    return StaticFiles(directory=swagger_ui_dir())


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} API",
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_URL}/favicon-32x32.png",
    )
