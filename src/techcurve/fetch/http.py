"""The HTTP client of the connectors: httpx with timeouts, retries, pacing and a cache.

The transports, from the client down::

    httpx.Client ─▶ hishel CacheTransport ─▶ _Credentials ─▶ the network (or a test's)

The cache (hishel 2, an SQLite file beside the store) keys each entry by the request
as :class:`~techcurve.fetch.base.Call` spells it, so a re-run asks nothing already
answered; an *open* call (one covering today) is kept for :data:`OPEN_TTL` only. The
credential headers are added *below* the cache, so the cache never holds a token, key
or mailto, and nothing stored names one.

:meth:`Http.get` retries a timeout, a dropped connection, a 429 and a 5xx up to
``retries`` times, waiting ``Retry-After`` (seconds or an HTTP date; GitHub's
``X-RateLimit-Reset``) when the API says, else ``backoff`` doubled each time, never
more than ``max_wait``; it keeps the connector's interval between two requests that
reach the API. A 401 or 403 that is no rate limit is a :class:`FetchError` naming the
credential's variable; an answer that is not JSON is one too, and is dropped from the
cache so the next run asks again.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from techcurve.errors import FetchError
from techcurve.fetch.base import Call, Connector
from techcurve.version import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"techcurve/{__version__} (https://github.com/techcurve/techcurve)"
#: seconds an open call's answer stays in the cache
OPEN_TTL = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Timeouts and retries (the config file's ``fetch`` section can set each)."""

    timeout: float = 30.0  #: seconds to connect, and between two reads
    retries: int = 4  #: tries after the first
    backoff: float = 2.0  #: the first wait, doubled each retry
    max_wait: float = 300.0  #: the longest wait honoured (Retry-After, a rate limit's reset)


@dataclass(frozen=True, slots=True)
class Answer:
    """A decoded answer: ``payload`` None for a 404 the connector reads as no data."""

    payload: Any
    from_cache: bool


def secrets_for(connector: Connector, fetch_config: Mapping[str, Any]) -> dict[str, str]:
    """The connector's credentials by environment variable: each from its variable, else
    the config file's ``fetch`` section; a required one missing is a :class:`FetchError`
    naming both."""
    found: dict[str, str] = {}
    for cred in connector.credentials:
        value = os.environ.get(cred.env) or fetch_config.get(cred.key)
        if value and str(value).strip():
            found[cred.env] = str(value).strip()
        elif cred.required:
            raise FetchError.of(
                "fetch.credential_missing", source=connector.name, env=cred.env, key=cred.key
            )
    return found


class _Credentials(httpx.BaseTransport):
    """Adds the credential headers and parameters to a request on its way out (below
    the cache)."""

    def __init__(
        self, inner: httpx.BaseTransport, headers: Mapping[str, str], params: Mapping[str, str]
    ) -> None:
        self.inner = inner
        self.headers = dict(headers)
        self.params = dict(params)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A copy: the cache above stores the request it was given, which must stay
        # without the credential.
        headers = httpx.Headers(request.headers)
        for name, value in self.headers.items():
            if name.lower() == "user-agent":
                value = f"{request.headers.get('user-agent', '')} {value}".strip()
            headers[name] = value
        url = request.url.copy_merge_params(self.params) if self.params else request.url
        sent = httpx.Request(
            request.method, url, headers=headers, stream=request.stream,
            extensions=request.extensions,
        )  # fmt: skip
        return self.inner.handle_request(sent)

    def close(self) -> None:
        self.inner.close()


def _cache_key(call: Call) -> str:
    return hashlib.sha256(f"GET {call.request}".encode()).hexdigest()


class Http:
    """One connector's client. ``transport`` replaces the network (tests);
    ``cache_path`` None: no cache; ``sleep`` and ``clock`` can be replaced (tests)."""

    def __init__(
        self,
        connector: Connector,
        *,
        secrets: Mapping[str, str] | None = None,
        cache_path: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        settings: HttpSettings = HttpSettings(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connector = connector
        self.settings = settings
        self.sleep = sleep
        self.clock = clock
        secrets = dict(secrets or {})
        self._interval = connector.interval[1 if secrets else 0]
        self._next_at = 0.0
        base = transport or httpx.HTTPTransport()
        inner: httpx.BaseTransport = _Credentials(
            base, connector.headers(secrets), connector.auth_params(secrets)
        )
        self._storage = None
        if cache_path is not None:
            from hishel import SqliteStorage
            from hishel.httpx import CacheTransport

            cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._storage = SqliteStorage(database_path=cache_path)
            inner = CacheTransport(inner, storage=self._storage)
        self.client = httpx.Client(
            transport=inner,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget(self, call: Call) -> None:
        """Drop the cached answer of ``call`` (it could not be used)."""
        if self._storage is None:
            return
        for entry in self._storage.get_entries(_cache_key(call)):
            self._storage.remove_entry(entry.id)

    def get(self, call: Call) -> Answer:
        """The decoded answer to ``call``, after the retries it needs."""
        tries = self.settings.retries + 1
        for attempt in range(1, tries + 1):
            wait = self._next_at - self.clock()
            if wait > 0:
                self.sleep(wait)
            try:
                response = self._send(call)
            except httpx.TransportError as e:  # timeouts, dropped connections
                if attempt == tries:
                    raise FetchError.of(
                        "fetch.timeout", source=self.connector.name, request=call.request,
                        tries=tries, error=type(e).__name__,
                    ) from None  # fmt: skip
                self.sleep(self._backoff(attempt))
                continue
            answer = self._answer(call, response, attempt, tries)
            if answer is not None:
                return answer
        raise AssertionError("unreachable: the last try returns or raises")

    def _send(self, call: Call) -> httpx.Response:
        ttl = OPEN_TTL if call.open else None
        extensions = {"caching": {"key": _cache_key(call), "ttl": ttl}}
        response = self.client.get(call.url, params=call.params, extensions=extensions)
        if not _from_cache(response):
            self._next_at = self.clock() + self._interval
        return response

    def _answer(
        self, call: Call, response: httpx.Response, attempt: int, tries: int
    ) -> Answer | None:
        """The answer, None to try again (after waiting), or the error."""
        status = response.status_code
        from_cache = _from_cache(response)
        if status == 404 and self.connector.not_found_is_empty:
            return Answer(None, from_cache)
        limited = status == 429 or status >= 500 or _rate_limited(response)
        limited = limited or (status == 403 and self.connector.forbidden_is_rate_limit)
        creds = self.connector.credentials
        cred = creds[0] if creds else None
        if status in (401, 403) and not limited:
            raise FetchError.of(
                "fetch.unauthorized", source=self.connector.name, status=status,
                env=cred.env if cred else "-", key=cred.key if cred else "-",
            )  # fmt: skip
        if limited and attempt < tries:
            wait = _retry_after(response, time.time())
            self.sleep(
                min(self.settings.max_wait, wait if wait is not None else self._backoff(attempt))
            )
            return None
        if limited:
            raise FetchError.of(
                "fetch.http_status", source=self.connector.name, request=call.request,
                status=status, tries=attempt,
            )  # fmt: skip
        if status >= 400:
            detail = " ".join(response.text.split())[:200] or "-"
            raise FetchError.of(
                "fetch.http_refused", source=self.connector.name, request=call.request,
                status=status, detail=detail,
            )  # fmt: skip
        try:
            return Answer(json.loads(response.content), from_cache)
        except (ValueError, UnicodeDecodeError) as e:
            self.forget(call)
            raise FetchError.of(
                "fetch.malformed", source=self.connector.name, request=call.request,
                error=str(e).split(":")[0],
            ) from None  # fmt: skip

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.max_wait, self.settings.backoff * 2 ** (attempt - 1))


def _from_cache(response: httpx.Response) -> bool:
    """Whether hishel answered from the cache (its status is a mapping)."""
    status = response.extensions.get("caching")
    return bool(status.get("from_cache")) if isinstance(status, Mapping) else False


def _rate_limited(response: httpx.Response) -> bool:
    """A 403 that is GitHub's rate limit (no requests left), not a refused credential."""
    return response.status_code == 403 and (
        response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers
    )


def _retry_after(response: httpx.Response, now: float) -> float | None:
    """Seconds the API asks to wait: ``Retry-After`` (seconds or an HTTP date), else the
    rate limit's reset time (epoch seconds); None when it says nothing."""
    value = response.headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - now)
    reset = response.headers.get("x-ratelimit-reset")
    if reset and reset.isdigit() and response.headers.get("x-ratelimit-remaining") == "0":
        return max(0.0, float(reset) - now)
    return None
