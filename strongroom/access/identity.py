"""Identity: enrolment, login with password and TOTP, lockout, sessions and API keys.

Guarantees:
- Secrets are shown once and kept only in a form that cannot give them back: passwords as
  argon2id hashes (`passwords`), TOTP secrets wrapped by the instance's root-key provider bound
  to the principal, session tokens and API keys as SHA-256 digests (`sessions`).
- Every login, refusal, lockout, second-factor check and logout is a ledger entry written in
  the same transaction as the state it changes. Managing principals goes through the vault's
  door, so the policy decides it and the ledger records it.
- A refusal tells the caller nothing about why: an unknown, locked or disabled principal, a
  wrong password and a wrong code read the same and cost the same argon2 work. The ledger
  says which.
- A password set for someone (enrolment, reset) is replaced at its first use: that sign-in
  is refused until it carries `new_password`, and told so only once password and code were
  right. A change ends every other session of the principal.
- `MAX_FAILURES` consecutive password or code failures lock the principal for
  `STRONGROOM_LOCKOUT_MINUTES` (default 15); a success resets the count. A TOTP code is
  accepted once: a code of a time step at or before the last accepted one is refused.
- Time comes from `sessions.clock`, so tests move it instead of sleeping.

This module is the face of three: `passwords` holds the factors (argon2id, TOTP), the
principal's row and the lockout; `sessions` holds bearer credentials and `authenticate`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from strongroom.access import passwords, sessions
from strongroom.access.cedar import principal_resource
from strongroom.access.gate import Passage
from strongroom.access.passwords import (
    NAME,
    REPLAYED_CODE,
    WRONG_CODE,
    WRONG_PASSWORD,
    Account,
    entry,
    load,
    recheck,
    refuse,
    retried,
)
from strongroom.access.policy import Resource
from strongroom.access.principal import (
    AGENT,
    CLIENT_AUDITOR,
    ROLES,
    SERVICE,
    Principal,
    PrincipalId,
)
from strongroom.access.sessions import ApiKeyInfo, Session, authenticate
from strongroom.audit import Entry, RequestContext, append
from strongroom.audit.log import checkpoint_if_due
from strongroom.errors import (
    BadInput,
    Conflict,
    KeyUnavailable,
    NotFound,
    PasswordChangeRequired,
    StrongroomError,
    Unauthenticated,
)
from strongroom.instance import Instance
from strongroom.store.engine import Tx, stamp, transaction
from strongroom.vault.door import door

__all__ = [
    "Enrolment",
    "PrincipalInfo",
    "Session",
    "add_principal",
    "authenticate",
    "disable_principal",
    "end_session",
    "issue_api_key",
    "list_api_keys",
    "list_principals",
    "login",
    "reset_principal",
    "revoke_api_key",
    "verify_mfa",
]

log = logging.getLogger("strongroom.audit")

SITE = NAME
# A service account without a tenant is a workforce integration (badges, shifts, training).
NEEDS_TENANT = frozenset({AGENT, CLIENT_AUDITOR})
NEEDS_SITE = frozenset({AGENT})
LOGIN_FAILED = "login failed: check the name, the password and the code"
LOGIN_NEEDS_CODE = (
    "login failed: check the name and the password, and give the current code from your "
    "authenticator app (TOTP)"
)
CODE_REFUSED = "the code was not accepted: give the current code from your authenticator app"
MUST_REPLACE = (
    "this password was set for you and must be replaced: sign in again with it and the next "
    "code from your authenticator app, and give new_password (12 to 128 characters, a "
    "letter and a digit among them, not easy to guess)"
)


@dataclass(frozen=True)
class Enrolment:
    """A new principal and its first secrets, shown once and never again."""

    principal: Principal
    password: str | None = field(repr=False)  # None for service accounts
    totp_uri: str | None = field(repr=False)  # otpauth:// provisioning URI; None for services


@dataclass(frozen=True)
class PrincipalInfo:
    id: str
    role: str
    tenant: str | None
    site: str | None
    disabled: bool
    locked: bool
    created_at: str

    @classmethod
    def of(cls, acct: Account, at: datetime) -> PrincipalInfo:
        return cls(
            acct.id,
            acct.role,
            acct.tenant,
            acct.site,
            acct.disabled_at is not None,
            acct.locked(at),
            acct.created_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _checkpoint(inst: Instance) -> None:
    try:
        checkpoint_if_due(inst)
    except StrongroomError as exc:
        log.warning("checkpoint not issued: %s", exc.message)


# Login ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    reason: str  # for the ledger only
    ok: bool = False
    step: int | None = None  # the accepted TOTP step


def _judge(
    acct: Account | None,
    password_ok: bool,
    code: str | None,
    steps: tuple[int, ...],
    at: datetime,
) -> _Verdict:
    if acct is None:
        return _Verdict("unknown principal")
    if acct.disabled_at is not None:
        return _Verdict("disabled")
    if acct.locked(at):
        return _Verdict("locked")
    if acct.password_hash is None:
        return _Verdict("no password (service account)")
    if not password_ok:
        return _Verdict(WRONG_PASSWORD)
    if acct.totp_sealed is None:
        return _Verdict("password", ok=True)
    if code is None:
        return _Verdict("code required")
    if not steps:
        return _Verdict(WRONG_CODE)
    step = passwords.fresh_step(acct.totp_last_step, steps)
    if step is None:
        return _Verdict(REPLAYED_CODE)
    return _Verdict("password and code", ok=True, step=step)


def login(
    inst: Instance,
    username: str,
    password: str,
    totp: str | None = None,
    context: RequestContext | None = None,
    new_password: str | None = None,
) -> Session:
    """Open a session for a principal with its password and, when it has one, its TOTP code.

    A password set at enrolment or reset must be changed at the first sign-in (PCI DSS 4.0
    8.3.5): without `new_password` that sign-in is refused with PasswordChangeRequired, which
    is said only once the password and the code were right; it spends the code (the change
    comes with the next one) but not a try. With `new_password` the password is changed in
    the sign-in's own transaction and every other session of the principal ends; any sign-in
    may change the password so.

    Raises BadInput (a new password that breaks `passwords.check_new`'s rule),
    Unauthenticated (one message whatever was wrong; it asks for the code when none was
    given), PasswordChangeRequired, KeyUnavailable, StoreUnavailable.
    """
    if new_password is not None:
        passwords.check_new(new_password, password, username)
    at = sessions.clock()
    with transaction(inst.data, read_only=True) as tx:
        seen = load(tx, username)
    # The argon2 work is done outside the write lock, and for an unknown name too.
    password_ok = passwords.verify(seen.password_hash if seen else None, password)
    # A new password is hashed whether or not the old one was right: hashed only when it was,
    # the sign-in would take twice as long then, which tells a guesser without the code.
    fresh = passwords.hash_password(new_password) if new_password is not None else None
    # Checked against the last four whatever else holds (same cost), said only after both
    # factors were right.
    reused = new_password is not None and passwords.reused(
        new_password, seen.remembered() if seen is not None else []
    )
    # The name is recorded as given (it is no secret), unless it cannot be one: a password
    # typed into the name box must not reach the ledger.
    who = username if NAME.fullmatch(username) else "(not a principal name)"
    # The code is checked whatever the name and the password (`steps_for`); `_judge` looks
    # at the steps only after a right password.
    try:
        steps = passwords.steps_for(inst.provider, seen, totp, at) if totp is not None else ()
    except KeyUnavailable:
        # Nothing is decided without the code's answer, and every attempt gets the same 503,
        # which says nothing of the password; the attempt is still recorded, not counted.
        retried(lambda: _record_undecided(inst, who, seen is not None, at, context))
        _checkpoint(inst)
        raise
    rehash: str | None = None
    if password_ok and seen is not None and seen.password_hash is not None:
        if fresh is not None:
            rehash = fresh
        elif passwords.needs_rehash(seen.password_hash):
            rehash = passwords.hash_password(password)
    changed = new_password is not None
    attempt = _LoginAttempt(
        who, seen, password_ok, totp, steps, rehash, changed, reused, at, context
    )
    outcome = retried(lambda: _login_tx(inst, attempt))
    _checkpoint(inst)
    if isinstance(outcome, StrongroomError):
        raise outcome
    return outcome


KEYS_DOWN = "the key provider is unavailable: the code could not be checked"


def _record_undecided(
    inst: Instance, who: str, known: bool, at: datetime, ctx: RequestContext | None
) -> None:
    """A sign-in that could not be decided, in the ledger (not counted towards a lock)."""
    with transaction(inst.data) as tx:
        _refused(tx, who, load(tx, who) if known else None, KEYS_DOWN, at, ctx)


def _refused(
    tx: Tx, who: str, acct: Account | None, reason: str, at: datetime, ctx: RequestContext | None
) -> None:
    """A refused sign-in in the ledger: under the name as given when no principal has it,
    else counted towards the principal's lock when the reason counts (`refuse`)."""
    if acct is None:
        nobody = Principal(PrincipalId(who), "unknown")
        append(tx, [entry(at, nobody, "login.failed", "denied", reason, ctx)])
    else:
        refuse(tx, acct, "login.failed", reason, at, ctx)


@dataclass(frozen=True)
class _LoginAttempt:
    who: str
    seen: Account | None
    password_ok: bool
    code: str | None
    steps: tuple[int, ...]
    rehash: str | None = field(repr=False)  # the hash to store: of the new password, or rehashed
    changed: bool  # `rehash` is of a new password
    reused: bool  # the new password is one of the remembered ones
    at: datetime
    context: RequestContext | None


def _login_tx(inst: Instance, a: _LoginAttempt) -> Session | StrongroomError:
    """Decide on a fresh read; write the outcome and its entries. A refusal is answered, not
    raised, so that its entries commit: the caller raises it."""
    at, ctx = a.at, a.context
    failed = Unauthenticated(LOGIN_FAILED if a.code is not None else LOGIN_NEEDS_CODE)
    with transaction(inst.data) as tx:
        acct = load(tx, a.who) if a.seen is not None else None
        # A password verified against another hash than the one now stored proves nothing.
        same = (
            acct is not None and a.seen is not None and acct.password_hash == a.seen.password_hash
        )
        verdict = _judge(acct, a.password_ok and same, a.code, a.steps, at)
        if acct is None or not verdict.ok:
            _refused(tx, a.who, acct, verdict.reason, at, ctx)
            return failed
        refusal: tuple[Entry, StrongroomError] | None = None
        if a.changed and a.reused:
            why = f"the new password is one of the last {passwords.REMEMBERED}"
            reused = BadInput(
                f"the new password is one of your last {passwords.REMEMBERED}: choose another "
                "(and sign in with the next code)",
                field="new_password",
            )
            refusal = (entry(at, acct, "password.change", "denied", why, ctx), reused)
        elif acct.password_temporary and not a.changed:
            why = "password change required (set at enrolment or reset)"
            refusal = (
                entry(at, acct, "password.change_required", "denied", why, ctx),
                PasswordChangeRequired(MUST_REPLACE),
            )
        if refusal is not None:
            # The code is spent, so one seen with the temporary password cannot finish the
            # change for someone else; the change comes with the next code.
            append(tx, [refusal[0]])
            recheck(tx, acct)
            tx.run(
                "UPDATE principals SET totp_last_step = COALESCE(?, totp_last_step) WHERE id = ?",
                (verdict.step, acct.id),
            )
            return refusal[1]
        mfa_at = at if verdict.step is not None else None
        entries = []
        if a.changed:
            # Whoever held the old password may hold a session opened with it: they all end.
            ended = sessions.end_sessions(tx, acct.id, at)
            why = "temporary password replaced" if acct.password_temporary else "changed"
            note = {"sessions_ended": ended}
            entries.append(entry(at, acct, "password.change", "allowed", why, ctx, note))
        session = sessions.open_session(tx, acct.principal(mfa_at), at)
        details = {"session": session.id, "mfa": mfa_at is not None}
        entries.insert(0, entry(at, acct, "login", "allowed", verdict.reason, ctx, details))
        append(tx, entries)
        recheck(tx, acct)
        history = acct.history_after_change() if a.changed else None
        tx.run(
            "UPDATE principals SET failed_logins = 0, locked_until = NULL, "
            "totp_last_step = COALESCE(?, totp_last_step), "
            "password_hash = COALESCE(?, password_hash), password_temporary = ?, "
            "password_history = COALESCE(?, password_history) WHERE id = ?",
            (verdict.step, a.rehash, acct.password_temporary and not a.changed, history, acct.id),
        )
        return session


# Second factor and logout -----------------------------------------------------------------------


def _session(bearer: str) -> sessions.Bearer:
    parsed = sessions.parse(bearer)
    if parsed.kind != "session":
        raise Unauthenticated(sessions.NOT_SIGNED_IN)
    return parsed


def verify_mfa(
    inst: Instance, bearer: str, totp: str, context: RequestContext | None = None
) -> Principal:
    """Check a TOTP code in a live session and refresh the session's `mfa_at`; returns the
    principal with `mfa_at` now. Failures count towards the lockout, and a locked principal's
    codes are refused. Raises Unauthenticated, KeyUnavailable, StoreUnavailable.
    """
    parsed = _session(bearer)
    at = sessions.clock()
    with transaction(inst.data, read_only=True) as tx:
        who = sessions.resolve(tx, parsed, at)
        seen = load(tx, who.id)
    if seen is None:
        raise Unauthenticated(sessions.NOT_SIGNED_IN)
    steps = seen.code_steps(inst.provider, totp, at)
    verdict = retried(lambda: _mfa_tx(inst, parsed, steps, at, context))
    _checkpoint(inst)
    if not verdict.ok:
        raise Unauthenticated(CODE_REFUSED)
    return replace(who, mfa_at=at)


def _mfa_tx(
    inst: Instance,
    parsed: sessions.Bearer,
    steps: tuple[int, ...],
    at: datetime,
    ctx: RequestContext | None,
) -> _Verdict:
    with transaction(inst.data) as tx:
        who = sessions.resolve(tx, parsed, at)
        acct = load(tx, who.id)
        if acct is None:
            raise Unauthenticated(sessions.NOT_SIGNED_IN)
        details = {"session": parsed.id}
        if acct.totp_sealed is None:
            verdict = _Verdict("no TOTP enrolled")
        elif acct.locked(at):
            verdict = _Verdict("locked")
        elif not steps:
            verdict = _Verdict(WRONG_CODE)
        else:
            step = passwords.fresh_step(acct.totp_last_step, steps)
            verdict = _Verdict(REPLAYED_CODE) if step is None else _Verdict("code", True, step)
        if not verdict.ok:
            refuse(tx, acct, "mfa.failed", verdict.reason, at, ctx)
            return verdict
        append(tx, [entry(at, acct, "mfa.verify", "allowed", "code", ctx, details)])
        recheck(tx, acct)
        tx.run(
            "UPDATE principals SET failed_logins = 0, totp_last_step = ? WHERE id = ?",
            (verdict.step, acct.id),
        )
        tx.run("UPDATE sessions SET mfa_at = ? WHERE id = ?", (stamp(at), parsed.id))
        return verdict


def end_session(inst: Instance, bearer: str, context: RequestContext | None = None) -> None:
    """Log out: the session token stops working at once. Raises Unauthenticated (not a live
    session token), StoreUnavailable."""
    parsed = _session(bearer)
    at = sessions.clock()
    with transaction(inst.data) as tx:
        who = sessions.resolve(tx, parsed, at)
        details = {"session": parsed.id}
        append(tx, [entry(at, who, "session.end", "allowed", "logout", context, details)])
        tx.run("UPDATE sessions SET revoked_at = ? WHERE id = ?", (stamp(at), parsed.id))
    _checkpoint(inst)


# Managing principals (through the door) ---------------------------------------------------------


def _validate(name: str, role: str, tenant: str | None, site: str | None) -> None:
    if not NAME.fullmatch(name):
        raise BadInput(
            "a principal name is 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            field="name",
        )
    if role not in ROLES:
        raise BadInput(f"unknown role '{role}'; one of {', '.join(ROLES)}", field="role")
    if role in NEEDS_TENANT and not tenant:
        raise BadInput(f"a {role} belongs to one tenant: give --tenant", field="tenant")
    if role in NEEDS_SITE and not site:
        raise BadInput(f"an {role} works at one site: give --site", field="site")
    if site is not None and not SITE.fullmatch(site):
        raise BadInput("a site is 1-64 of a-z, 0-9, '.', '_', '-'", field="site")


def add_principal(
    inst: Instance,
    actor: Principal,
    name: str,
    role: str,
    tenant: str | None = None,
    site: str | None = None,
) -> Enrolment:
    """Enrol a principal. People get a generated password and a TOTP secret (returned once, as
    a provisioning URI for an authenticator app); service accounts get neither (they use API
    keys). Raises BadInput (naming the field), NotFound (no such tenant), Conflict (the name is
    taken), Denied.
    """
    _validate(name, role, tenant, site)
    password = totp_uri = password_hash = None
    sealed: bytes | None = None
    if role != SERVICE:  # the hash is made before the write lock is taken
        password = passwords.generate()
        password_hash = passwords.hash_password(password)
    details = {"principal": name, "role": role}
    with door(inst, actor, "principal.add", Resource(tenant), details=details) as p:
        if tenant is not None and p.tx.one("SELECT 1 FROM tenants WHERE id = ?", (tenant,)) is None:
            raise NotFound(f"no tenant '{tenant}'")
        if load(p.tx, name) is not None:
            raise Conflict(f"principal '{name}' already exists")
        if role != SERVICE:  # sealed under the lock: a root-key rotation cannot miss it
            sealed, totp_uri = passwords.new_totp(inst.provider, name)
        p.tx.run(
            f"INSERT INTO principals ({passwords.COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL, 0, NULL, NULL, ?, ?, NULL)",
            (
                name,
                role,
                tenant,
                site,
                password_hash,
                sealed,
                stamp(sessions.clock()),
                password_hash is not None,  # a person changes it at the first sign-in
            ),
        )
    principal = Principal(PrincipalId(name), role, tenant, site)
    return Enrolment(principal, password, totp_uri)


def list_principals(inst: Instance, actor: Principal) -> list[PrincipalInfo]:
    """Every principal, or only the actor's tenant's when the actor belongs to one.
    Raises Denied."""
    where, params = (" WHERE tenant_id = ?", (actor.tenant,)) if actor.tenant else ("", ())
    with door(inst, actor, "principal.list", Resource(actor.tenant)) as p:
        rows = p.tx.all(f"SELECT {passwords.COLUMNS} FROM principals{where} ORDER BY id", params)
    at = sessions.clock()
    return [PrincipalInfo.of(Account.from_row(r), at) for r in rows]


@contextmanager
def _on_principal(
    inst: Instance, actor: Principal, action: str, name: str, **details: Any
) -> Iterator[tuple[Passage, Account]]:
    """The door for `action` on the principal `name` (the ledger's details name it), and its
    row as read inside; a reset also names the target and its role to the policy. Raises
    NotFound (recorded as a failure), Denied."""
    with transaction(inst.data, read_only=True) as tx:
        target = load(tx, name)  # the door reads it again, in the action's transaction
    tenant = target.tenant if target else None
    resource = (
        principal_resource(tenant, name, target.role)
        if action == "principal.reset" and target is not None
        else Resource(tenant)
    )
    with door(inst, actor, action, resource, details={"principal": name, **details}) as p:
        acct = load(p.tx, name)
        if acct is None:
            raise NotFound(f"no principal '{name}'")
        yield p, acct


def disable_principal(inst: Instance, actor: Principal, name: str) -> PrincipalInfo:
    """Disable a principal for good: its sessions end and its API keys are revoked at once.
    Disabling a disabled principal changes nothing. Raises NotFound, Denied."""
    with _on_principal(inst, actor, "principal.disable", name) as (p, found):
        at = sessions.clock()
        acct = found if found.disabled_at is not None else replace(found, disabled_at=stamp(at))
        if found.disabled_at is None:
            p.tx.run("UPDATE principals SET disabled_at = ? WHERE id = ?", (acct.disabled_at, name))
        sessions.revoke_all(p.tx, name, at)
    return PrincipalInfo.of(acct, at)


def issue_api_key(inst: Instance, actor: Principal, name: str) -> str:
    """A new API key for a service account, returned once (only its digest is kept).
    Raises NotFound, BadInput (not a service account), Conflict (disabled), Denied."""
    key = sessions.mint_api_key()
    with _on_principal(inst, actor, "apikey.issue", name, key=key.id) as (p, acct):
        if acct.role != SERVICE:
            raise BadInput(
                f"'{name}' is a {acct.role}: API keys are issued to service accounts only",
                field="name",
            )
        if acct.disabled_at is not None:
            raise Conflict(f"principal '{name}' is disabled")
        sessions.store_api_key(p.tx, key, name, sessions.clock())
    return key.bearer


def list_api_keys(inst: Instance, actor: Principal, name: str) -> list[ApiKeyInfo]:
    """A service account's API keys by id, oldest first, with when each was issued and
    revoked (never a key). Decided as `principal.list`. Raises NotFound, Denied."""
    with _on_principal(inst, actor, "principal.list", name) as (p, _):
        return sessions.api_keys(p.tx, name)


def revoke_api_key(inst: Instance, actor: Principal, name: str, key: str) -> ApiKeyInfo:
    """Revoke one API key at once: a leaked one, or the old one once its replacement is in
    use (rotation). The account's other keys keep working. Revoking a revoked key changes
    nothing. `key` is the key's id, or the whole key (a leaked one, pasted): only its id is
    kept, so a secret never reaches the ledger. Raises BadInput (key_id: neither), NotFound
    (no such principal or key), Denied."""
    key_id = sessions.api_key_id(key)
    with _on_principal(inst, actor, "apikey.revoke", name, key=key_id) as (p, _):
        revoked = sessions.revoke_api_key(p.tx, name, key_id, sessions.clock())
        if revoked is None:
            raise NotFound(
                f"principal '{name}' has no API key '{key_id}' "
                "(the id is the hex after srk_; see strongroom principal keys)"
            )
        return revoked


def reset_principal(inst: Instance, actor: Principal, name: str) -> Enrolment:
    """New credentials for a person who lost them (a forgotten password, a lost phone): a new
    password and TOTP secret, returned once. Every session of theirs ends, and their failed
    sign-ins and any lockout are cleared. The name stays, so their shifts, training, grants
    and ledger history stay theirs. Raises NotFound, BadInput (a service account: it has API
    keys, not a password), Conflict (disabled: disabling is for good), Denied."""
    password = passwords.generate()  # hashed before the write lock is taken
    password_hash = passwords.hash_password(password)
    with _on_principal(inst, actor, "principal.reset", name) as (p, acct):
        if acct.role == SERVICE:
            raise BadInput(
                f"'{name}' is a service account: it has API keys, not a password "
                "(issue a new key with principal apikey, then revoke the old one)",
                field="name",
            )
        if acct.disabled_at is not None:
            raise Conflict(f"principal '{name}' is disabled; disabling is for good")
        # Sealed under the lock: a root-key rotation cannot miss it (`rewrap_totp_secrets`).
        sealed, totp_uri = passwords.new_totp(inst.provider, name)
        p.tx.run(
            "UPDATE principals SET password_hash = ?, totp_sealed = ?, totp_last_step = NULL, "
            "failed_logins = 0, locked_until = NULL, password_temporary = ?, "
            "password_history = ? WHERE id = ?",
            (password_hash, sealed, True, acct.history_after_change(), name),
        )
        sessions.revoke_all(p.tx, name, sessions.clock())
    return Enrolment(acct.principal(), password, totp_uri)
