"""Replaying the recorded API answers of tests/data/fetch/ through an httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

DATA = Path(__file__).parent / "data" / "fetch"
TAXONOMY = DATA / "taxonomy.yaml"
#: the day the tests fetch on: a fixed date, so open periods are known
TODAY = date(2024, 4, 15)


def answer(name: str) -> httpx.Response:
    """The HTTP answer stored in ``tests/data/fetch/<name>.json``."""
    doc = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert doc["fixture"]["shape_from"]  # every fixture says where its shape comes from
    if "text" in doc:
        return httpx.Response(doc["status"], headers=doc["headers"], text=doc["text"])
    return httpx.Response(
        doc["status"], headers=doc["headers"], content=json.dumps(doc["body"]).encode()
    )


Route = Callable[[httpx.Request], "str | httpx.Response | Exception | None"]


@dataclass
class Replay:
    """A MockTransport handler: each route returns a fixture name, a response, an
    exception to raise, or None (not this route); every request is kept."""

    routes: list[Route]
    seen: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        for route in self.routes:
            got = route(request)
            if got is None:
                continue
            if isinstance(got, Exception):
                raise got
            return answer(got) if isinstance(got, str) else got
        raise AssertionError(f"no recorded answer for {request.url}")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def param(request: httpx.Request, name: str) -> str:
    return request.url.params.get(name, "")


def openalex_routes(request: httpx.Request) -> str | None:
    """OpenAlex: the totals (no search filter) or a series."""
    if request.url.host != "api.openalex.org":
        return None
    return "openalex_series" if "search" in param(request, "filter") else "openalex_totals"
