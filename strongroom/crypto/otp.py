"""TOTP secrets at rest: wrapped by the root key, bound to their principal, so a sealed
secret copied to another principal's row does not open."""

from __future__ import annotations

import json

from strongroom.crypto.providers.interface import RootKeyProvider, rewrap


def _context(principal_id: str) -> bytes:
    return json.dumps(["strongroom/totp/v1", principal_id]).encode()


def seal_totp_secret(provider: RootKeyProvider, principal_id: str, secret: bytes) -> bytes:
    """Raises KeyUnavailable."""
    return provider.wrap(secret, _context(principal_id))


def open_totp_secret(provider: RootKeyProvider, principal_id: str, sealed: bytes) -> bytes:
    """Raises KeyUnavailable when the sealed secret was altered or belongs to another."""
    return provider.unwrap(sealed, _context(principal_id))


def rewrap_totp_secret(provider: RootKeyProvider, principal_id: str, sealed: bytes) -> bytes | None:
    """The sealed secret wrapped again under the staged root key (None if it already is).
    Raises KeyUnavailable."""
    return rewrap(provider, sealed, _context(principal_id))
