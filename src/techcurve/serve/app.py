"""The web app: :func:`create_app` builds it, :func:`run` serves it with uvicorn.

Routes live one module per area in :mod:`techcurve.serve.routes` (the curve and
table, a sub-field, the report, the ingest log, the facilitator, the JSON API); pages
are Jinja2 templates (autoescaped) extending ``base.html.j2``; scripts and styles are
files of the package served from a fixed list of names (:data:`STATIC`), so no request
path reaches the file system. See docs/serve.md.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from techcurve.errors import AssessError, PanelError, ReportError, TechcurveError
from techcurve.serve.delphi import MAX_FILES, MAX_UPLOAD, UploadTooLarge
from techcurve.serve.gate import StoreBusy, StoreGate
from techcurve.serve.rendering import Settings, page_lang, render, templates
from techcurve.serve.security import (
    Csrf,
    CsrfRefused,
    FacilitatorKey,
    Forbidden,
    new_token,
    security_headers,
)
from techcurve.text import LANGS, Lang, t
from techcurve.version import __version__

#: the files under ``/static/``: name → media type (nothing else is served)
STATIC: dict[str, str] = {
    "echarts.min.js": "text/javascript",
    "htmx.min.js": "text/javascript",
    "app.js": "text/javascript",
    "curve.js": "text/javascript",
    "subfield.js": "text/javascript",
    "expert.js": "text/javascript",
    "panel.js": "text/javascript",
    "style.css": "text/css",
    "echarts.LICENSE.txt": "text/plain",
    "echarts.NOTICE.txt": "text/plain",
    "htmx.LICENSE.txt": "text/plain",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html.j2", status=status, message=message, code=status)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(StoreBusy)
    async def busy(request: Request, exc: StoreBusy) -> Response:
        lang = page_lang(request)
        return _error(request, 503, t("serve.busy.no_cache", lang))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, t("serve.auth.forbidden", page_lang(request)))

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        return _error(request, 403, t("serve.auth.csrf", page_lang(request)))

    @app.exception_handler(AssessError)
    async def unknown(request: Request, exc: AssessError) -> Response:
        if exc.key == "assess.unknown_subfield":
            lang = page_lang(request)
            sid = str(exc.fields.get("id", ""))
            return _error(request, 404, t("serve.error.unknown_subfield", lang, id=sid))
        return _error(request, 500, exc.message(page_lang(request)))

    @app.exception_handler(ReportError)
    async def report_error(request: Request, exc: ReportError) -> Response:
        # e.g. an analyst's page whose placeholder names no measure: say which, as `report` does
        return _error(request, 500, exc.message(page_lang(request)))

    @app.exception_handler(PanelError)
    async def panel_error(request: Request, exc: PanelError) -> Response:
        lang = page_lang(request)
        if exc.key == "panel.bad_token":
            return _error(request, 403, t("webpanel.expert.forbidden", lang))
        if exc.key == "panel.no_rounds" and not request.url.path.startswith("/facilitator"):
            return _error(request, 409, t("webpanel.expert.no_round", lang))  # no CLI advice
        return _error(request, 409, exc.message(lang))

    @app.exception_handler(UploadTooLarge)
    async def too_large(request: Request, exc: UploadTooLarge) -> Response:
        lang = page_lang(request)
        msg = t("webpanel.error.too_large", lang, mb=MAX_UPLOAD // 2**20, files=MAX_FILES)
        return _error(request, 413, msg)

    @app.exception_handler(TechcurveError)
    async def techcurve_error(request: Request, exc: TechcurveError) -> Response:
        return _error(request, 500, exc.message(page_lang(request)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        lang = page_lang(request)
        if exc.status_code == 404:
            return _error(request, 404, t("serve.error.not_found", lang))
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        lang = page_lang(request)
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        msg = t("serve.error.bad_parameter", lang, where=where)
        if _wants_json(request):
            return JSONResponse({"detail": msg, "errors": exc.errors()}, status_code=422)
        return render(request, "error.html.j2", status=422, message=msg, code=422)


def _static(app: FastAPI) -> None:
    root = resources.files("techcurve.serve") / "static"

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        media = STATIC.get(name)
        if media is None:
            return _not_found()
        body = (root / name).read_bytes()
        return Response(
            body,
            media_type=media,
            headers={"Cache-Control": "public, max-age=3600"},
        )


def _not_found() -> Response:
    raise StarletteHTTPException(404)


def create_app(
    db: str | Path,
    *,
    lang: str = "zh",
    facilitator_key: str | None = None,
    pages: str | Path | None = None,
) -> FastAPI:
    """The dashboard on the store ``db`` (read per request, never held open), in ``lang``
    by default; ``facilitator_key`` opens the facilitator's pages (default: a random one,
    in ``app.state.facilitator_key``); ``pages`` is a folder of the analyst's pages
    (Markdown, as for ``techcurve report --pages``), shown among the report's pages."""
    from techcurve.serve.routes import api, expert, facilitator, ingest, panel_api, report
    from techcurve.serve.routes import pages as page_routes

    lg: Lang = lang if lang in LANGS else "zh"  # type: ignore[assignment]
    if pages is not None and not Path(pages).is_dir():
        raise ReportError.of("pages.error.folder", path=str(pages))
    app = FastAPI(
        title="techcurve",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    key = facilitator_key or new_token()
    app.state.settings = Settings(Path(db), lg, Path(pages) if pages is not None else None)
    app.state.gate = StoreGate(db)
    app.state.templates = templates()
    app.state.csrf = Csrf(secrets.token_urlsafe(32))
    app.state.facilitator = FacilitatorKey.of(key)
    app.state.facilitator_key = key

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        return security_headers(request, response)

    _handlers(app)
    _static(app)
    for module in (page_routes, report, ingest, facilitator, expert, api, panel_api):
        app.include_router(module.router)
    return app


def is_loopback(host: str) -> bool:
    """Whether ``host`` reaches only this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def preload(app: FastAPI | None = None) -> None:
    """Import what the first sub-field page would (SciPy's optimiser, for the fitted
    curves: about a second) and compile ``app``'s page templates (≈ 0.1 s for the
    expert's page alone) before the app answers, so no visitor waits for either."""
    import scipy.optimize  # noqa: F401

    if app is not None:
        env = app.state.templates
        for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
            env.get_template(name)


@dataclass(frozen=True, slots=True)
class Links:
    """Where the app answers: the dashboard and the facilitator's link (with its key)."""

    url: str
    facilitator_url: str
    exposed: bool  # listening beyond this machine (a host other than loopback)


def run(
    db: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    lang: str = "zh",
    announce: Callable[[Links], None] | None = None,
    pages: str | Path | None = None,
    config: str | Path | None = None,
) -> None:
    """Serve the dashboard with uvicorn until interrupted; ``announce`` gets the links
    first (the facilitator's key is new at every start); ``pages`` is a folder of the
    analyst's pages, by default the setting ``report.pages`` of ``config``. Raises
    :class:`~techcurve.errors.StoreError` when the store is missing or not a store."""
    import uvicorn

    from techcurve.config import load_config, section

    if pages is None:
        pages = section(load_config(config), "report").get("pages")

    StoreGate(db).read(lambda st: None)  # fail now, not at the first page
    key = new_token()
    app = create_app(db, lang=lang, facilitator_key=key, pages=pages)
    preload(app)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    if announce is not None:
        announce(Links(f"{base}/", f"{base}/facilitator?key={key}", not is_loopback(host)))
    uvicorn.run(app, host=host, port=port, log_level="warning")


__all__ = ["STATIC", "Links", "create_app", "is_loopback", "preload", "run"]
