"""Rendering pages: the templates (Jinja2, autoescaped, from the package), the page's
language and the layout's context (navigation, language switch, CSRF token, the
"store is busy" banner). The routes and the app's error pages use it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from techcurve.serve.security import CSRF_FIELD
from techcurve.text import LANGS, Lang, t
from techcurve.version import __version__

LangParam = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Settings:
    """What the app was started with."""

    db: Path
    lang: Lang
    pages: Path | None = None  # the analyst's pages (Markdown) shown among the report's


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("techcurve.serve", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def page_lang(request: Request) -> Lang:
    """The page's language: ``?lang=`` when it is zh or en, else the app's default."""
    q = request.query_params.get("lang")
    return q if q in LANGS else request.app.state.settings.lang  # type: ignore[return-value]


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """The template ``name`` in the request's language, with the layout's context."""
    lang: Lang = ctx.pop("lang", None) or page_lang(request)
    app = request.app
    other = "en" if lang == "zh" else "zh"
    params = dict(request.query_params)
    params["lang"] = other
    busy = ctx.pop("busy_as_of", None)
    html = app.state.templates.get_template(name).render(
        lang=lang,
        tx=lambda key, **f: t(key, lang, **f),
        path=request.url.path,
        other_lang=other,
        other_lang_query=params,
        csrf_field=CSRF_FIELD,
        csrf_token=app.state.csrf.token(request),
        banner=t("serve.busy.banner", lang, when=busy.strftime("%Y-%m-%d %H:%M:%S"))
        if busy
        else None,
        version=__version__,
        **ctx,
    )
    return HTMLResponse(html, status_code=status)


__all__ = ["LangParam", "Settings", "page_lang", "render", "templates"]
