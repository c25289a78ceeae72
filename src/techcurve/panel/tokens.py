"""Experts' personal tokens: made with :func:`secrets.token_urlsafe`, stored only as
their SHA-256, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh random token (43 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The hex SHA-256 of ``token``: what the store keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def find_token(token: str, hashes: Iterable[tuple[int, int, str]]) -> tuple[int, int] | None:
    """(expert_id, panel_id) of the stored hash ``token`` hashes to, or None.

    Every hash is compared with :func:`hmac.compare_digest` (no early exit), so the time
    taken says nothing about how close a wrong token came."""
    want = hash_token(token)
    found: tuple[int, int] | None = None
    for expert_id, panel_id, stored in hashes:
        if hmac.compare_digest(want, stored):
            found = (expert_id, panel_id)
    return found
