"""Bearer credentials: login sessions and service accounts' API keys.

Guarantees:
- A bearer is `<prefix>_<id>.<secret>`: prefix `srs` for a session, `srk` for an API key; `id`
  is a random public lookup key (it may appear in the ledger), `secret` comes from
  `secrets.token_urlsafe(32)`. Only SHA-256 of the secret is stored, compared in constant time.
- `parse` accepts exactly that shape; anything else is `Unauthenticated`, never another error.
- `authenticate` is one primary-key select (the credential joined to its principal) in a
  read-only transaction: it runs on every API request. It fails the same way for an unknown,
  wrong, expired or revoked credential and for a disabled principal.
- Sessions last `STRONGROOM_SESSION_HOURS` (default 8) and end early by `identity.end_session`,
  when their principal changes its password, is reset or is disabled. API keys last until
  revoked one by one (`identity.revoke_api_key`) or their principal is disabled.
- Time is read from `clock`, which tests may replace; stored times use the store's ISO format.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from strongroom.access.principal import Principal, PrincipalId
from strongroom.errors import BadInput, Unauthenticated
from strongroom.instance import Instance
from strongroom.store.engine import Tx, stamp, transaction

SESSION_PREFIX = "srs"
API_KEY_PREFIX = "srk"
DEFAULT_SESSION_HOURS = 8.0
_ID = r"[0-9a-f]{24}"  # a credential's public id
_BEARER = re.compile(rf"(srs|srk)_({_ID})\.([A-Za-z0-9_-]{{43}})")
_KEY_ID = re.compile(_ID)
NOT_SIGNED_IN = "not signed in: the token is unknown, expired or revoked; log in again"

BearerKind = Literal["session", "apikey"]


def _system_clock() -> datetime:
    return datetime.now(UTC)


# Every identity decision reads the time here, so tests can move it instead of sleeping.
clock: Callable[[], datetime] = _system_clock


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def number_setting(name: str, default: float, most: float) -> float:
    """The environment variable `name` as a number in (0, most], `default` when unset.
    Raises BadInput naming the variable."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadInput(f"not a number: {raw!r}", field=name) from exc
    if not 0 < value <= most:
        raise BadInput(f"must be more than 0 and at most {most:g}", field=name)
    return value


def session_hours() -> float:
    """`STRONGROOM_SESSION_HOURS`, default 8, at most 720. Raises BadInput."""
    return number_setting("STRONGROOM_SESSION_HOURS", DEFAULT_SESSION_HOURS, 720)


@dataclass(frozen=True)
class Session:
    """A login session; `token` is shown once, to the one who logged in."""

    token: str = field(repr=False)
    expires_at: datetime
    principal: Principal  # mfa_at set when a TOTP code was verified at login

    @property
    def id(self) -> str:
        """The session's public id (as the ledger names it)."""
        return parse(self.token).id


@dataclass(frozen=True)
class Bearer:
    """A parsed bearer credential. `id` is public; the secret is only ever digested."""

    kind: BearerKind
    id: str
    secret: str = field(repr=False)

    @property
    def digest(self) -> bytes:
        return _digest(self.secret)

    def matches(self, stored: bytes) -> bool:
        return hmac.compare_digest(self.digest, bytes(stored))


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).digest()


def parse(bearer: str) -> Bearer:
    """Raises Unauthenticated for anything that is not a well-formed session token or API key."""
    m = _BEARER.fullmatch(bearer) if isinstance(bearer, str) else None
    if m is None:
        raise Unauthenticated(NOT_SIGNED_IN)
    kind: BearerKind = "session" if m[1] == SESSION_PREFIX else "apikey"
    return Bearer(kind, m[2], m[3])


@dataclass(frozen=True)
class Minted:
    """A new credential before it is stored: its public id, the bearer to show once, and the
    digest to keep."""

    id: str
    bearer: str = field(repr=False)
    digest: bytes = field(repr=False)


def _mint(prefix: str) -> Minted:
    ident = secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    return Minted(ident, f"{prefix}_{ident}.{secret}", _digest(secret))


def mint_api_key() -> Minted:
    """A new API key, to be stored by `store_api_key` (its id can be recorded first)."""
    return _mint(API_KEY_PREFIX)


def open_session(tx: Tx, principal: Principal, at: datetime) -> Session:
    """Insert a session for `principal` (its `mfa_at` is kept) in the caller's transaction."""
    minted = _mint(SESSION_PREFIX)
    expires = at + timedelta(hours=session_hours())
    mfa = stamp(principal.mfa_at) if principal.mfa_at is not None else None
    tx.run(
        "INSERT INTO sessions (id, principal_id, digest, created_at, expires_at, mfa_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (minted.id, principal.id, minted.digest, stamp(at), stamp(expires), mfa),
    )
    return Session(minted.bearer, expires, principal)


def store_api_key(tx: Tx, key: Minted, principal_id: str, at: datetime) -> None:
    """Keep the digest of a minted API key, in the caller's transaction."""
    tx.run(
        "INSERT INTO api_keys (id, principal_id, digest, created_at) VALUES (?, ?, ?, ?)",
        (key.id, principal_id, key.digest, stamp(at)),
    )


@dataclass(frozen=True)
class ApiKeyInfo:
    """What may be shown of an API key: its public id (the hex after `srk_` in the key
    itself) and when it was issued and revoked. Never the key."""

    id: str
    created_at: str
    revoked_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "revoked_at": self.revoked_at}


def api_keys(tx: Tx, principal_id: str) -> list[ApiKeyInfo]:
    """A principal's API keys, oldest first."""
    rows = tx.all(
        "SELECT id, created_at, revoked_at FROM api_keys WHERE principal_id = ? "
        "ORDER BY created_at, id",
        (principal_id,),
    )
    return [ApiKeyInfo(str(i), str(c), str(r) if r is not None else None) for i, c, r in rows]


def revoke_api_key(tx: Tx, principal_id: str, key_id: str, at: datetime) -> ApiKeyInfo | None:
    """Revoke one of a principal's API keys (a revoked one stays as it was); None when the
    principal has no key of that id."""
    found = [k for k in api_keys(tx, principal_id) if k.id == key_id]
    if not found:
        return None
    if found[0].revoked_at is not None:
        return found[0]
    when = stamp(at)
    tx.run(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND principal_id = ?",
        (when, key_id, principal_id),
    )
    return ApiKeyInfo(key_id, found[0].created_at, when)


def api_key_id(given: str) -> str:
    """The id of an API key, from the id itself (24 hex digits) or from the whole key. Says
    nothing of what was given, which may be a live secret. Raises BadInput (key_id)."""
    if _KEY_ID.fullmatch(given):
        return given
    m = _BEARER.fullmatch(given)
    if m is not None and m[1] == API_KEY_PREFIX:
        return m[2]
    raise BadInput(
        "a key id is the 24 hex digits after srk_ (strongroom principal keys lists them)",
        field="key_id",
    )


def end_sessions(tx: Tx, principal_id: str, at: datetime) -> int:
    """End every live session of a principal (its API keys stay); returns how many."""
    return tx.run(
        "UPDATE sessions SET revoked_at = ? WHERE principal_id = ? AND revoked_at IS NULL",
        (stamp(at), principal_id),
    )


def revoke_all(tx: Tx, principal_id: str, at: datetime) -> tuple[int, int]:
    """End every live session and revoke every API key of a principal; returns the counts."""
    revoked = tx.run(
        "UPDATE api_keys SET revoked_at = ? WHERE principal_id = ? AND revoked_at IS NULL",
        (stamp(at), principal_id),
    )
    return end_sessions(tx, principal_id, at), revoked


_SESSION = (
    "SELECT s.digest, s.expires_at, s.revoked_at, s.mfa_at, p.id, p.role, p.tenant_id, p.site, "
    "p.disabled_at FROM sessions s JOIN principals p ON p.id = s.principal_id WHERE s.id = ?"
)
_API_KEY = (
    "SELECT k.digest, NULL, k.revoked_at, NULL, p.id, p.role, p.tenant_id, p.site, "
    "p.disabled_at FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.id = ?"
)


def resolve(tx: Tx, bearer: Bearer, at: datetime) -> Principal:
    """The principal a live credential stands for. Raises Unauthenticated."""
    row = tx.one(_SESSION if bearer.kind == "session" else _API_KEY, (bearer.id,))
    if row is None:
        raise Unauthenticated(NOT_SIGNED_IN)
    digest, expires_at, revoked_at, mfa_at, pid, role, tenant, site, disabled_at = row
    live = revoked_at is None and disabled_at is None
    if expires_at is not None and expires_at <= stamp(at):
        live = False
    # The digest is compared whatever the rest says, so every refusal costs the same.
    if not bearer.matches(digest) or not live:
        raise Unauthenticated(NOT_SIGNED_IN)
    mfa = parse_stamp(mfa_at) if mfa_at is not None else None
    return Principal(PrincipalId(pid), role, tenant, site, mfa)


def authenticate(inst: Instance, bearer: str) -> Principal:
    """The principal behind a session token or an API key; `mfa_at` is None for an API key.

    Raises Unauthenticated (the same message whatever was wrong), StoreUnavailable.
    """
    parsed = parse(bearer)
    with transaction(inst.data, read_only=True) as tx:
        return resolve(tx, parsed, clock())
