"""What a principal proves itself with (a password and a one-time code), the row that keeps
them, and the lockout that guards them.

Guarantees:
- A password is never stored or recorded; only its argon2id hash (argon2-cffi, PHC string with
  its own salt and parameters) is kept.
- `verify` takes the same time whether or not a hash exists: for an unknown principal, or one
  without a password (a service account), it verifies against a dummy hash of the same
  parameters, so the time of a refusal does not tell whether the name exists.
- Parameters: argon2id, 32 MiB, 2 passes, 1 lane (above OWASP's 19 MiB / 2 passes minimum;
  RFC 9106's 64 MiB / 3 passes / 4 lanes costs ~100 ms per login on the reference machine,
  twice the budget). One verification costs ~40 ms there. Hashes made with other parameters
  still verify and are re-hashed at the next successful login (`needs_rehash`).
- A TOTP secret (pyotp, RFC 6238: SHA-1, 30 s steps, 6 digits) is stored only wrapped by the
  instance's root-key provider, bound to its principal, and shown once as a provisioning URI.
  A sign-in that gives a code opens a secret whatever the name and the password
  (`steps_for`: a dummy one when there is none), so an HSM's round trip tells neither.
- `refuse` records a refused login or code and counts it: `MAX_FAILURES` wrong passwords or
  codes in a row lock the principal for `STRONGROOM_LOCKOUT_MINUTES` (default 15). The
  entries and the count are written in the caller's transaction.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
import secrets
import string
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from strongroom.access.principal import Principal, PrincipalId
from strongroom.access.sessions import number_setting
from strongroom.audit import Entry, Outcome, RequestContext, append
from strongroom.crypto import RootKeyProvider
from strongroom.crypto.otp import open_totp_secret, rewrap_totp_secret, seal_totp_secret
from strongroom.errors import BadInput, KeyUnavailable, StoreUnavailable
from strongroom.store.engine import Tx, stamp

T = TypeVar("T")

TIME_COST = 2
MEMORY_KIB = 32 * 1024
PARALLELISM = 1
GENERATED_LENGTH = 20  # ~119 bits from 62 symbols
MAX_LENGTH = 1024  # longer input is refused before hashing; no generated password comes close

TOTP_ISSUER = "Strongroom"
TOTP_DIGITS = 6
TOTP_SECONDS = 30

_ALPHABET = string.ascii_letters + string.digits
_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


def generate() -> str:
    """A new random password, to be shown once to the person it is for. It holds a letter and
    a digit (PCI DSS 4.0 8.3.6), drawn again until it does: about 3 % of uniform draws have no
    digit, and drawing again keeps it uniform over the passwords that do."""
    while True:
        made = "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))
        if _letters_and_digits(made):
            return made


def _letters_and_digits(password: str) -> bool:
    """A letter (any alphabet's) and an ASCII digit: `isdigit` also takes ² and ٣."""
    return any(c.isalpha() for c in password) and any(c in string.digits for c in password)


def check_new(new: str, current: str, username: str) -> None:
    """Refuse a new password that breaks the rule a person's own password follows:
    - 12 to 128 characters, with at least one letter and one digit (PCI DSS 4.0 8.3.6);
    - not the current one;
    - not easy to guess (NIST SP 800-63B 3.1.1.2): zxcvbn, judging its first characters
      (`judged_prefix`: at most 72), must put it at `MIN_STRENGTH` or above. zxcvbn knows the
      30,000 passwords most common in breached dumps, English words, names, keyboard walks,
      repeats, sequences, dates and l33t spellings, and is told the name and "strongroom";
    - not containing the name, its separators aside (pat.lee: "PatLee", "pat-lee").

    It says nothing about the account, so it is checked before anything is. The message names
    what is wrong in zxcvbn's fixed words, never the password. Raises BadInput (new_password).
    """
    if not NEW_PASSWORD_MIN <= len(new) <= NEW_PASSWORD_MAX:
        raise BadInput(
            f"a new password is {NEW_PASSWORD_MIN} to {NEW_PASSWORD_MAX} characters",
            field="new_password",
        )
    if new == current:
        raise BadInput("the new password must differ from the current one", field="new_password")
    if not _letters_and_digits(new):
        raise BadInput(
            "a new password holds at least one letter and one digit", field="new_password"
        )
    name = _NOT_ALNUM.sub("", username.lower())
    if len(name) >= 3 and name in _NOT_ALNUM.sub("", new.lower()):
        raise BadInput("a new password may not contain your name", field="new_password")
    parts = [p for p in _NOT_ALNUM.split(username) if len(p) >= 3]
    weak = weakness(new, (username, name, *parts, TOTP_ISSUER))
    if weak is not None:
        raise BadInput(f"the new password is too easy to guess: {weak}", field="new_password")


_NOT_ALNUM = re.compile(r"[^0-9a-z]+", re.IGNORECASE)
# zxcvbn's scores: 3 is "safely unguessable" (at least 10^8 guesses), 4 "very unguessable".
MIN_STRENGTH = 3
# zxcvbn's own default bound on the length. A password whose first characters are strong is
# strong, so judging a prefix can only refuse more.
JUDGED_LENGTH = 72
# zxcvbn matches every word list against every substring once per way of reading the
# password's l33t characters (4 as a, 1 as i or l, ...): time grows with the number of
# readings times the length squared. 736 readings of 72 characters took 1.5 s, one reading
# ~2 ms. The prefix judged is the longest whose (readings + 1) x length^2 is at most this,
# though never below NEW_PASSWORD_MIN characters: the slowest of 400 random passwords of l33t
# characters, 12 to 128 long, then took 47 ms, the search for the prefix included.
JUDGED_WORK = 80_000
# zxcvbn keeps the words it is told in a module-level dictionary while it judges, so two
# threads judging at once could each be judged against the other's name.
_ZXCVBN = threading.Lock()


def judged_prefix(password: str) -> str:
    """The part of `password` zxcvbn is given: the longest prefix of at most JUDGED_LENGTH
    characters whose l33t readings keep judging it within JUDGED_WORK, and never fewer than
    NEW_PASSWORD_MIN characters. Readings only grow with the prefix, so it is searched by
    halves (each step enumerates the readings once: ~7 ms at worst)."""
    top = min(len(password), JUDGED_LENGTH)
    if top <= NEW_PASSWORD_MIN or _work(password[:top]) <= JUDGED_WORK:
        return password[:top]
    fits, too_long = NEW_PASSWORD_MIN, top  # `fits` is within the work, or the floor
    while too_long - fits > 1:
        mid = (fits + too_long) // 2
        if _work(password[:mid]) <= JUDGED_WORK:
            fits = mid
        else:
            too_long = mid
    return password[:fits]


def _work(prefix: str) -> int:
    """(l33t readings + 1) x length^2: what zxcvbn's time grows with."""
    from zxcvbn import matching

    table = matching.relevant_l33t_subtable(prefix, matching.L33T_TABLE)
    readings = len(matching.enumerate_l33t_subs(table)) if table else 0
    return (readings + 1) * len(prefix) ** 2


def weakness(password: str, known_words: tuple[str, ...]) -> str | None:
    """None when zxcvbn puts `password` (`judged_prefix`) at MIN_STRENGTH or above; else
    what makes it weak, in zxcvbn's words (its warning and suggestions: fixed text that never
    quotes the password). `known_words` are words of this context a guesser would try
    first."""
    from zxcvbn import zxcvbn  # 18 ms and ~6 MiB of word lists: only when a password changes

    with _ZXCVBN:
        judged = zxcvbn(judged_prefix(password), user_inputs=list(known_words))
    if judged["score"] >= MIN_STRENGTH:
        return None
    feedback = judged["feedback"]
    said = [feedback["warning"], *feedback["suggestions"]]
    return " ".join(s for s in said if s) or "add another uncommon word or two"


def reused(new: str, remembered: list[str]) -> bool:
    """True when `new` matches one of the `remembered` hashes. Always `REMEMBERED` argon2
    verifications (the missing ones against the dummy hash), so its cost says nothing of the
    account or of whether the old password was right."""
    padded: list[str | None] = [*remembered[:REMEMBERED]]
    padded += [None] * (REMEMBERED - len(padded))
    return any([verify(h, new) for h in padded])  # a list: every one is verified


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def verify(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`. With `stored` None the work is done against a
    dummy hash and the answer is False; over-long input is refused after the same work."""
    candidate = password if len(password) <= MAX_LENGTH else ""
    target = stored if stored is not None else _dummy_hash()
    try:
        matched = _HASHER.verify(target, candidate)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored is not None and len(password) <= MAX_LENGTH


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with other parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# One-time passwords (TOTP, RFC 6238) ---------------------------------------------------------


def new_totp(provider: RootKeyProvider, principal_id: str) -> tuple[bytes, str]:
    """A new TOTP secret for a principal: (the secret wrapped by the root key and bound to
    the principal, to store; its otpauth:// provisioning URI, to show once). Raises
    KeyUnavailable."""
    secret = pyotp.random_base32()
    sealed = seal_totp_secret(provider, principal_id, secret.encode())
    return sealed, pyotp.TOTP(secret).provisioning_uri(name=principal_id, issuer_name=TOTP_ISSUER)


def code_steps(
    provider: RootKeyProvider, principal_id: str, sealed: bytes, code: str, at: datetime
) -> tuple[int, ...]:
    """The time steps (the current one and one either side, pyotp's `valid_window=1`) whose
    code is `code`; () when none is. Raises KeyUnavailable when the secret cannot be opened."""
    code = code.replace(" ", "")
    if not (len(code) == TOTP_DIGITS and code.isascii() and code.isdigit()):
        return ()
    secret = open_totp_secret(provider, principal_id, sealed).decode()
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_SECONDS)
    now = totp.timecode(at)
    window = (now - 1, now, now + 1)
    return tuple(s for s in window if hmac.compare_digest(totp.generate_otp(s), code))


def rewrap_totp_secrets(provider: RootKeyProvider, tx: Tx, *, write: bool = True) -> int:
    """Wrap every TOTP secret again under the staged root key (`vault.keys.rotate_root`, in
    its door's transaction, which holds the lock every enrolment seals under); how many were
    not under it yet. With `write` False, only counts them. Raises KeyUnavailable."""
    moved = 0
    rows = tx.all("SELECT id, totp_sealed FROM principals WHERE totp_sealed IS NOT NULL")
    for name, sealed in rows:
        fresh = rewrap_totp_secret(provider, str(name), bytes(sealed))
        if fresh is None:
            continue
        moved += 1
        if write:
            tx.run("UPDATE principals SET totp_sealed = ? WHERE id = ?", (fresh, name))
    return moved


def steps_for(
    provider: RootKeyProvider, account: Account | None, code: str, at: datetime
) -> tuple[int, ...]:
    """`account`'s `code_steps`, with the same work done when there is no account or it has
    no TOTP secret: a dummy secret sealed by the same provider is opened, and () is the
    answer. Opening is a round trip to the HSM behind a PKCS#11 provider, so a sign-in opens a
    secret whatever the name and the password, and its time tells neither. Raises
    KeyUnavailable."""
    if account is not None and account.totp_sealed is not None:
        return account.code_steps(provider, code, at)
    try:
        code_steps(provider, _DUMMY_PRINCIPAL, _dummy_sealed(provider), code, at)
    except KeyUnavailable:  # sealed under a root key that a rotation has since retired
        _DUMMY_SEALED.pop(provider, None)
        code_steps(provider, _DUMMY_PRINCIPAL, _dummy_sealed(provider), code, at)
    return ()


_DUMMY_PRINCIPAL = "(no principal)"  # not a principal name (NAME), so never anyone's
_DUMMY_SEALED: weakref.WeakKeyDictionary[RootKeyProvider, bytes] = weakref.WeakKeyDictionary()


def prime(provider: RootKeyProvider) -> None:
    """Seal `provider`'s dummy TOTP secret now (the API does at start-up): sealed at the first
    sign-in that needs it, that one sign-in would take an HSM round trip longer. Raises
    KeyUnavailable."""
    _dummy_sealed(provider)


def _dummy_sealed(provider: RootKeyProvider) -> bytes:
    """A random TOTP secret sealed by `provider`, once per provider (two threads racing may
    each seal one; either does)."""
    sealed = _DUMMY_SEALED.get(provider)
    if sealed is None:
        sealed = _DUMMY_SEALED[provider] = seal_totp_secret(
            provider, _DUMMY_PRINCIPAL, pyotp.random_base32().encode()
        )
    return sealed


def fresh_step(last_step: int | None, steps: tuple[int, ...]) -> int | None:
    """The newest of `steps` after `last_step`; None when every one is a replay."""
    fresh = [s for s in steps if last_step is None or s > last_step]
    return max(fresh) if fresh else None


# The principal's row and the lockout --------------------------------------------------------

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")  # a principal's name, which is its id
MAX_FAILURES = 5
WRONG_PASSWORD = "wrong password"  # noqa: S105 (a ledger reason, not a secret)
WRONG_CODE = "wrong code"
REPLAYED_CODE = "replayed code"
_COUNTED = frozenset({WRONG_PASSWORD, WRONG_CODE, REPLAYED_CODE})  # towards the lockout
POLICIES = ("identity",)  # what decided a login, as the ledger names it
COLUMNS = (
    "id, role, tenant_id, site, password_hash, totp_sealed, totp_last_step, failed_logins, "
    "locked_until, disabled_at, created_at, password_temporary, password_history"
)
# A new password may be none of the last four: the current one and the three before it
# (PCI DSS 4.0 8.3.7).
REMEMBERED = 4
# A new password: long enough to resist guessing when the second factor is the other half,
# short enough for argon2 (PCI DSS 4.0 8.3.6 asks at least 12 characters).
NEW_PASSWORD_MIN, NEW_PASSWORD_MAX = 12, 128
# Each retry means another change to the same principal committed, so a few concurrent
# attempts need a few retries each; only a storm on one principal runs out.
_RETRIES = 50


def lockout_minutes() -> float:
    """`STRONGROOM_LOCKOUT_MINUTES`, default 15, at most a week. Raises BadInput."""
    return number_setting("STRONGROOM_LOCKOUT_MINUTES", 15, 7 * 24 * 60)


@dataclass(frozen=True)
class Account:
    """One row of `principals`, as read."""

    id: str
    role: str
    tenant: str | None
    site: str | None
    password_hash: str | None
    totp_sealed: bytes | None
    totp_last_step: int | None
    failed_logins: int
    locked_until: str | None
    disabled_at: str | None
    created_at: str
    password_temporary: bool = False  # set at enrolment and reset: changed at first sign-in
    password_history: tuple[str, ...] = ()  # hashes of the passwords before, newest first

    @classmethod
    def from_row(cls, r: tuple[Any, ...]) -> Account:
        sealed = bytes(r[5]) if r[5] is not None else None
        step = int(r[6]) if r[6] is not None else None
        history = tuple(json.loads(r[12])) if r[12] else ()
        return cls(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            sealed,
            step,
            int(r[7]),
            r[8],
            r[9],
            r[10],
            bool(r[11]),
            history,
        )

    def remembered(self) -> list[str]:
        """The hashes a new password must match none of: the current one and those before."""
        current = [self.password_hash] if self.password_hash is not None else []
        return (current + list(self.password_history))[:REMEMBERED]

    def history_after_change(self) -> str:
        """`password_history` once the current password is replaced (JSON)."""
        return json.dumps(self.remembered()[: REMEMBERED - 1])

    def locked(self, at: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > stamp(at)

    def principal(self, mfa_at: datetime | None = None) -> Principal:
        return Principal(PrincipalId(self.id), self.role, self.tenant, self.site, mfa_at)

    def code_steps(self, provider: RootKeyProvider, code: str, at: datetime) -> tuple[int, ...]:
        if self.totp_sealed is None:
            return ()
        return code_steps(provider, self.id, self.totp_sealed, code, at)


def load(tx: Tx, name: str) -> Account | None:
    """The principal named `name`; None when there is none (or `name` cannot be one)."""
    if not NAME.fullmatch(name):
        return None
    row = tx.one(f"SELECT {COLUMNS} FROM principals WHERE id = ?", (name,))
    return Account.from_row(row) if row is not None else None


class Stale(Exception):
    """A principal changed between the read and the ledger lock (PostgreSQL); try again."""


def recheck(tx: Tx, seen: Account) -> None:
    """Call after `append`. On PostgreSQL `append` took the ledger lock, which every writer of
    `principals` holds, so a fresh read now shows whether the decision rested on a stale row.
    (SQLite's BEGIN IMMEDIATE serialised the whole transaction already.) Raises Stale."""
    if tx.dialect == "postgresql" and load(tx, seen.id) != seen:
        raise Stale


def retried(work: Callable[[], T]) -> T:
    """`work()`, run again while it raises Stale. Raises StoreUnavailable after a few tries."""
    for _ in range(_RETRIES):
        try:
            return work()
        except Stale:
            continue
    raise StoreUnavailable("too many concurrent changes to one principal; try again")


def entry(
    at: datetime,
    who: Account | Principal,
    action: str,
    outcome: Outcome,
    reason: str,
    context: RequestContext | None,
    details: dict[str, Any] | None = None,
) -> Entry:
    """The ledger entry of an identity event (login, code check, lockout, logout)."""
    return Entry(
        ts=at,
        principal=who.id,
        role=who.role,
        tenant=who.tenant,
        action=action,
        outcome=outcome,
        reason=reason,
        policies=POLICIES,
        context=context or RequestContext(),
        details=details or {},
    )


def refuse(
    tx: Tx, acct: Account, action: str, reason: str, at: datetime, ctx: RequestContext | None
) -> None:
    """Record a refusal and, when it counts, count it; the last failure allowed locks the
    principal. Entries go first: appending takes the ledger lock before the update takes the
    row's, the order the door keeps too (no deadlock on PostgreSQL). Raises Stale."""
    entries = [entry(at, acct, action, "denied", reason, ctx)]
    count = acct.failed_logins + 1
    until = None
    if reason in _COUNTED and count >= MAX_FAILURES:
        until = stamp(at + timedelta(minutes=lockout_minutes()))
        why = f"{count} failures in a row: locked until {until}"
        entries.append(entry(at, acct, "login.locked", "denied", why, ctx))
    append(tx, entries)
    recheck(tx, acct)
    if until is not None:
        tx.run(
            "UPDATE principals SET failed_logins = 0, locked_until = ? WHERE id = ?",
            (until, acct.id),
        )
    elif reason in _COUNTED:
        tx.run("UPDATE principals SET failed_logins = ? WHERE id = ?", (count, acct.id))
