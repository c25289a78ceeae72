"""The web app's defences: response headers, CSRF tokens, the facilitator's key.

- **Headers** (:func:`security_headers`): a Content-Security-Policy that lets a page
  load scripts, styles, images and data only from the app itself (no inline script:
  data reaches the scripts as ``<script type="application/json">`` blocks or from the
  API), ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``, no referrer.
  The report's pages (:data:`REPORT_CSP`) also allow the inline ``<style>`` and the
  embedded font of the report's own HTML; their scripts stay restricted to the app.
- **CSRF** (:class:`Csrf`): each browser gets a random session id in an HttpOnly,
  SameSite=Strict cookie; a form's token is that id signed with the app's secret and a
  time stamp (itsdangerous, the Pallets signer Flask and Starlette's sessions use), and
  :func:`require_csrf` refuses a request that changes anything without a valid token
  (form field ``csrf_token`` or header ``X-CSRF-Token``) for its cookie.
- **The facilitator's key** (:class:`FacilitatorKey`): a random token made at each
  start, only its SHA-256 kept, compared in constant time; :func:`require_facilitator`
  is the dependency of the facilitator's pages (a wrong or missing key: 403).
  :func:`token_hash` is the same hash for the experts' personal tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

SESSION_COOKIE = "tc_session"
FACILITATOR_COOKIE = "tc_facilitator"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MAX_AGE = 12 * 3600  # seconds a form's token stays valid

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
REPORT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a token is kept; the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class FacilitatorKey:
    """The facilitator's key as the app keeps it: its hash only."""

    digest: str

    @classmethod
    def of(cls, key: str) -> FacilitatorKey:
        return cls(token_hash(key))

    def matches(self, key: str | None) -> bool:
        """Whether ``key`` is the facilitator's (constant-time comparison of the hashes)."""
        return key is not None and hmac.compare_digest(token_hash(key), self.digest)


class Forbidden(Exception):
    """A request without the right key or token (the app answers 403)."""


class CsrfRefused(Exception):
    """A state-changing request without a valid CSRF token (the app answers 403)."""


class Csrf:
    """Signed per-browser CSRF tokens (see the module docstring)."""

    def __init__(self, secret: str) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="techcurve-csrf")

    def session_id(self, request: Request) -> str:
        """The browser's session id (a new one, set by :func:`security_headers`, if none)."""
        sid = request.cookies.get(SESSION_COOKIE) or getattr(request.state, "new_session", None)
        if not sid:
            sid = new_token()
            request.state.new_session = sid
        return sid

    def token(self, request: Request) -> str:
        """The token forms of this browser carry."""
        return str(self._signer.dumps(self.session_id(request)))

    def valid(self, request: Request, token: str | None) -> bool:
        sid = request.cookies.get(SESSION_COOKIE)
        if not token or not sid:
            return False
        try:
            signed = self._signer.loads(token, max_age=CSRF_MAX_AGE)
        except BadSignature:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, sid)


async def require_csrf(request: Request) -> None:
    """Dependency of every route that changes something: a valid token or 403."""
    if request.method in SAFE_METHODS:
        return
    csrf: Csrf = request.app.state.csrf
    token = request.headers.get(CSRF_HEADER)
    if token is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        field = form.get(CSRF_FIELD)
        token = field if isinstance(field, str) else None
    if not csrf.valid(request, token):
        raise CsrfRefused()


def require_facilitator(request: Request) -> str:
    """Dependency of the facilitator's pages: the key (``?key=`` once, then a cookie).

    Returns the key; raises :class:`Forbidden` when it is missing or wrong."""
    fk: FacilitatorKey = request.app.state.facilitator
    key = request.query_params.get("key") or request.cookies.get(FACILITATOR_COOKIE)
    if not fk.matches(key):
        raise Forbidden()
    request.state.facilitator_key = key
    return str(key)


def security_headers(request: Request, response: Response) -> Response:
    """Add the security headers (and a new session cookie) to ``response``."""
    path = request.url.path
    response.headers.setdefault(
        "Content-Security-Policy", REPORT_CSP if path.startswith("/report") else CSP
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    new = getattr(request.state, "new_session", None)
    if new and not request.cookies.get(SESSION_COOKIE):
        response.set_cookie(SESSION_COOKIE, new, httponly=True, samesite="strict")
    key = getattr(request.state, "facilitator_key", None)
    if key and request.cookies.get(FACILITATOR_COOKIE) != key:
        response.set_cookie(FACILITATOR_COOKIE, key, httponly=True, samesite="strict")
    return response


__all__ = [
    "CSP",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "Csrf",
    "CsrfRefused",
    "FacilitatorKey",
    "Forbidden",
    "REPORT_CSP",
    "new_token",
    "require_csrf",
    "require_facilitator",
    "security_headers",
    "token_hash",
]
