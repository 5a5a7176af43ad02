"""Identity through its services on a real store: enrolment, login with password and TOTP,
lockout, sessions and API keys, and what the ledger and the files on disk say about them.

The login and lockout paths run on SQLite and PostgreSQL; time is moved with
`sessions.clock`, never slept."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from strongroom.access import identity, local_operator, passwords, sessions
from strongroom.access.identity import Enrolment
from strongroom.access.principal import Principal, PrincipalId
from strongroom.audit import RequestContext
from strongroom.errors import (
    BadInput,
    Conflict,
    Denied,
    KeyUnavailable,
    NotFound,
    PasswordChangeRequired,
    Unauthenticated,
)
from strongroom.instance import Instance
from strongroom.store.engine import stamp, transaction
from strongroom.vault import tenants
from tests.conftest import Setup, as_after_first_sign_in, demo_spec

BOTH = pytest.mark.parametrize("setup", ["sqlite-keyfile", "postgres-keyfile"], indirect=True)
SQLITE = pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)


class Clock:
    """The identity clock, moved by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    now = datetime.now(UTC)
    # The start of a 30 s step, so a code made "now" stays the current one.
    c = Clock(now.replace(second=now.second - now.second % 30, microsecond=0))
    monkeypatch.setattr(sessions, "clock", c)
    return c


@dataclass
class Person:
    name: str
    password: str
    totp: pyotp.TOTP
    enrolment: Enrolment

    def code(self, clock: Clock, steps: int = 0) -> str:
        return self.totp.at(clock.at, counter_offset=steps)


@pytest.fixture
def inst(setup: Setup) -> Instance:
    tenants.create(setup.instance, setup.operator, demo_spec())
    return setup.instance


def enrol(inst: Instance, name: str = "pat.lee", role: str = "agent") -> Person:
    """Past the first sign-in's password change (`as_after_first_sign_in`), which
    test_the_first_sign_in_replaces_the_password_set_at_enrolment covers."""
    e = identity.add_principal(inst, local(), name, role, "acme-bank", "lon-1")
    as_after_first_sign_in(inst, name)
    assert e.password is not None and e.totp_uri is not None
    totp = pyotp.parse_uri(e.totp_uri)
    assert isinstance(totp, pyotp.TOTP)
    return Person(name, e.password, totp, e)


def local() -> Principal:
    return local_operator()


def entries(inst: Instance, action_prefix: str = "") -> list[dict[str, Any]]:
    with transaction(inst.data, read_only=True) as tx:
        bodies = tx.column("SELECT body FROM audit_entries ORDER BY seq")
    found = [json.loads(b) for b in bodies]
    return [e for e in found if e["action"].startswith(action_prefix)]


def reasons(inst: Instance, action: str) -> list[str]:
    return [e["outcome"]["reason"] for e in entries(inst) if e["action"] == action]


def state(inst: Instance, name: str) -> tuple[int, str | None]:
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one("SELECT failed_logins, locked_until FROM principals WHERE id = ?", (name,))
    assert row is not None
    return int(row[0]), row[1]


# Enrolment and a good login ---------------------------------------------------------------------


@BOTH
def test_enrolled_agent_logs_in_with_password_and_code(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    ctx = RequestContext(ip="10.0.0.7", device="ws-12")
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock), ctx)
    assert session.principal == Principal(
        PrincipalId("pat.lee"), "agent", "acme-bank", "lon-1", clock.at
    )
    assert session.expires_at == clock.at + timedelta(hours=8)
    assert session.token.startswith("srs_")
    assert identity.authenticate(inst, session.token) == session.principal
    add = entries(inst, "principal.add")[-1]
    assert add["outcome"]["decision"] == "allowed"
    assert add["details"] == {"principal": "pat.lee", "role": "agent"}
    login = entries(inst, "login")[-1]
    assert login["action"] == "login" and login["outcome"]["decision"] == "allowed"
    assert login["principal"] == "pat.lee" and login["tenant"] == "acme-bank"
    assert login["details"] == {"session": session.id, "mfa": True}
    assert login["context"] == {"ip": "10.0.0.7", "device": "ws-12"}
    assert session.token.split(".")[1] not in json.dumps(entries(inst))


@SQLITE
def test_login_without_a_code_asks_for_it_and_does_not_count(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    with pytest.raises(Unauthenticated) as exc:
        identity.login(inst, "pat.lee", pat.password)
    assert "code" in exc.value.message
    assert reasons(inst, "login.failed") == ["code required"]
    assert state(inst, "pat.lee") == (0, None)


@SQLITE
def test_wrong_password_and_unknown_name_read_the_same_but_the_ledger_knows(
    inst: Instance, clock: Clock
) -> None:
    pat = enrol(inst)
    with pytest.raises(Unauthenticated) as wrong:
        identity.login(inst, "pat.lee", "not it", pat.code(clock))
    with pytest.raises(Unauthenticated) as nobody:
        identity.login(inst, "nobody", "not it", pat.code(clock))
    with pytest.raises(Unauthenticated) as typed_a_password:
        identity.login(inst, "Hunter2!", "not it", pat.code(clock))
    assert wrong.value.message == nobody.value.message == typed_a_password.value.message
    failed = entries(inst, "login.failed")
    assert [(e["principal"], e["outcome"]["reason"]) for e in failed] == [
        ("pat.lee", "wrong password"),
        ("nobody", "unknown principal"),
        ("(not a principal name)", "unknown principal"),
    ]
    assert failed[1]["role"] == "unknown"
    assert "Hunter2!" not in json.dumps(entries(inst))


@SQLITE
def test_wrong_code_is_refused_and_counted(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    wrong = f"{(int(pat.code(clock)) + 1) % 10**6:06d}"
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", pat.password, wrong)
    assert reasons(inst, "login.failed") == ["wrong code"]
    assert state(inst, "pat.lee") == (1, None)


@SQLITE
def test_a_code_is_accepted_once(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    code = pat.code(clock)
    identity.login(inst, "pat.lee", pat.password, code)
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", pat.password, code)
    # The previous step's code is older still; the next step's is fresh.
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", pat.password, pat.code(clock, -1))
    identity.login(inst, "pat.lee", pat.password, pat.code(clock, +1))
    assert reasons(inst, "login.failed") == ["replayed code", "replayed code"]
    clock.advance(seconds=30)
    with pytest.raises(Unauthenticated):  # now the current step, but used already
        identity.login(inst, "pat.lee", pat.password, pat.code(clock))


# Lockout ----------------------------------------------------------------------------------------


@BOTH
def test_five_failures_lock_the_principal_until_the_period_ends(
    inst: Instance, clock: Clock
) -> None:
    pat = enrol(inst)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            identity.login(inst, "pat.lee", "guess", pat.code(clock))
    locks = entries(inst, "login.locked")
    assert len(locks) == 1 and locks[0]["principal"] == "pat.lee"
    assert locks[0]["outcome"]["decision"] == "denied"
    until = clock.at + timedelta(minutes=15)
    assert state(inst, "pat.lee") == (0, stamp(until))
    # The right password and code now fail exactly as a wrong one does.
    with pytest.raises(Unauthenticated) as exc:
        identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    assert exc.value.message == identity.LOGIN_FAILED
    assert reasons(inst, "login.failed") == ["wrong password"] * 5 + ["locked"]
    clock.advance(minutes=15)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    assert identity.authenticate(inst, session.token).id == "pat.lee"
    assert state(inst, "pat.lee") == (0, None)


@SQLITE
def test_lockout_minutes_come_from_the_environment(
    inst: Instance, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRONGROOM_LOCKOUT_MINUTES", "2")
    pat = enrol(inst)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            identity.login(inst, "pat.lee", "guess", pat.code(clock))
    clock.advance(minutes=1, seconds=59)
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    clock.advance(seconds=1)
    identity.login(inst, "pat.lee", pat.password, pat.code(clock))


@SQLITE
def test_a_success_resets_the_count(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            identity.login(inst, "pat.lee", "guess", pat.code(clock))
    identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    assert state(inst, "pat.lee") == (0, None)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            identity.login(inst, "pat.lee", "guess", pat.code(clock))
    assert entries(inst, "login.locked") == []


@BOTH
def test_concurrent_failures_are_all_counted(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    refused: list[str] = []

    def attempt() -> None:
        try:
            identity.login(inst, "pat.lee", "guess", pat.code(clock))
        except Unauthenticated as exc:
            refused.append(exc.message)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refused) == 8
    assert sorted(reasons(inst, "login.failed")) == ["locked"] * 3 + ["wrong password"] * 5
    assert len(entries(inst, "login.locked")) == 1
    assert state(inst, "pat.lee")[1] is not None


# Second factor in a session --------------------------------------------------------------------


@BOTH
def test_verify_mfa_refreshes_the_session_and_refuses_a_replay(
    inst: Instance, clock: Clock
) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    clock.advance(minutes=10)
    p = identity.verify_mfa(inst, session.token, pat.code(clock))
    assert p.mfa_at == clock.at
    assert identity.authenticate(inst, session.token).mfa_at == clock.at
    with pytest.raises(Unauthenticated):
        identity.verify_mfa(inst, session.token, pat.code(clock))
    assert reasons(inst, "mfa.verify") == ["code"]
    assert reasons(inst, "mfa.failed") == ["replayed code"]
    assert identity.authenticate(inst, session.token).mfa_at == clock.at


@SQLITE
def test_wrong_codes_in_a_session_lock_the_principal(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            identity.verify_mfa(inst, session.token, "000000")
    assert len(entries(inst, "login.locked")) == 1
    clock.advance(seconds=30)
    with pytest.raises(Unauthenticated):  # a right code, but locked
        identity.verify_mfa(inst, session.token, pat.code(clock))
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", pat.password, pat.code(clock, 1))
    assert reasons(inst, "mfa.failed")[-1] == "locked"


@SQLITE
def test_verify_mfa_needs_a_session_token(inst: Instance, clock: Clock) -> None:
    identity.add_principal(inst, local(), "crm", "service", "acme-bank")
    key = identity.issue_api_key(inst, local(), "crm")
    with pytest.raises(Unauthenticated):
        identity.verify_mfa(inst, key, "123456")
    with pytest.raises(Unauthenticated):
        identity.end_session(inst, key)


# Sessions end ----------------------------------------------------------------------------------


@SQLITE
def test_session_expires(inst: Instance, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    clock.advance(hours=7, minutes=59)
    identity.authenticate(inst, session.token)
    clock.advance(minutes=1)
    with pytest.raises(Unauthenticated):
        identity.authenticate(inst, session.token)
    monkeypatch.setenv("STRONGROOM_SESSION_HOURS", "1")
    short = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    assert short.expires_at == clock.at + timedelta(hours=1)


@BOTH
def test_ended_session_is_refused(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    other = identity.login(inst, "pat.lee", pat.password, pat.code(clock, 1))
    identity.end_session(inst, session.token)
    with pytest.raises(Unauthenticated):
        identity.authenticate(inst, session.token)
    with pytest.raises(Unauthenticated):
        identity.end_session(inst, session.token)
    assert identity.authenticate(inst, other.token).id == "pat.lee"
    ended = entries(inst, "session.end")
    assert [e["details"] for e in ended] == [{"session": session.id}]


@SQLITE
def test_a_forged_secret_for_a_real_session_id_is_refused(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    forged = f"srs_{session.id}.{'A' * 43}"
    with pytest.raises(Unauthenticated) as exc:
        identity.authenticate(inst, forged)
    with pytest.raises(Unauthenticated) as unknown:
        identity.authenticate(inst, f"srs_{'0' * 24}.{'A' * 43}")
    assert exc.value.message == unknown.value.message


# Disable, API keys ------------------------------------------------------------------------------


@BOTH
def test_disabling_ends_sessions_and_refuses_login(inst: Instance, clock: Clock) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    info = identity.disable_principal(inst, local(), "pat.lee")
    assert info.disabled and info.id == "pat.lee"
    with pytest.raises(Unauthenticated):
        identity.authenticate(inst, session.token)
    with pytest.raises(Unauthenticated) as exc:
        identity.login(inst, "pat.lee", pat.password, pat.code(clock, 1))
    assert exc.value.message == identity.LOGIN_FAILED
    assert reasons(inst, "login.failed") == ["disabled"]
    assert [i.to_dict()["disabled"] for i in identity.list_principals(inst, local())] == [True]
    assert identity.disable_principal(inst, local(), "pat.lee").disabled  # again: no change
    with pytest.raises(NotFound):
        identity.disable_principal(inst, local(), "nobody")
    assert entries(inst, "principal.disable")[-1]["outcome"]["decision"] == "failed"


@BOTH
def test_api_key_authenticates_its_service_until_disabled(inst: Instance, clock: Clock) -> None:
    e = identity.add_principal(inst, local(), "crm-sync", "service", "acme-bank")
    assert e.password is None and e.totp_uri is None
    key = identity.issue_api_key(inst, local(), "crm-sync")
    assert key.startswith("srk_")
    assert identity.authenticate(inst, key) == Principal(
        PrincipalId("crm-sync"), "service", "acme-bank", None, None
    )
    second = identity.issue_api_key(inst, local(), "crm-sync")
    assert identity.authenticate(inst, second).id == "crm-sync"
    with pytest.raises(Unauthenticated):  # a service account has no password
        identity.login(inst, "crm-sync", "", None)
    assert reasons(inst, "login.failed") == ["no password (service account)"]
    issued = entries(inst, "apikey.issue")
    assert [e["details"]["key"] for e in issued] == [key[4:28], second[4:28]]
    identity.disable_principal(inst, local(), "crm-sync")
    for k in (key, second):
        with pytest.raises(Unauthenticated):
            identity.authenticate(inst, k)
    with pytest.raises(Conflict):
        identity.issue_api_key(inst, local(), "crm-sync")


# New passwords each rule refuses (passwords.check_new): no digit, a common one, a sequence,
# the name.
WEAK = ("no digits in this one", "Password12345", "abcdefgh1234", "Pat-Lee-2026-x")


@BOTH
def test_the_first_sign_in_replaces_the_password_set_at_enrolment(
    inst: Instance, clock: Clock
) -> None:
    """PCI DSS 4.0 8.3.5: a password set for someone is changed at its first use."""
    e = identity.add_principal(inst, local(), "pat.lee", "agent", "acme-bank", "lon-1")
    assert e.password is not None and e.totp_uri is not None
    totp = pyotp.parse_uri(e.totp_uri)
    assert isinstance(totp, pyotp.TOTP)
    code = totp.at(clock.at)
    with pytest.raises(Unauthenticated):  # a wrong password says nothing of the change
        identity.login(inst, "pat.lee", "guess", code)
    with pytest.raises(Unauthenticated):  # nor does a right one with a wrong code
        identity.login(inst, "pat.lee", e.password, totp.at(clock.at, counter_offset=5))
    with pytest.raises(PasswordChangeRequired) as told:
        identity.login(inst, "pat.lee", e.password, code)
    assert "new_password" in told.value.message and told.value.condition == "password-change"
    assert state(inst, "pat.lee")[0] == 2  # the two failures count; being told does not
    for bad in ("short", "x" * 129, e.password, *WEAK):
        with pytest.raises(BadInput) as refused:
            identity.login(inst, "pat.lee", e.password, code, new_password=bad)
        assert refused.value.location.field == "new_password"
    # Being told spent the code: whoever saw it cannot finish the change with it.
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", e.password, code, new_password="someone else's 9th life")
    clock.advance(seconds=30)
    session = identity.login(
        inst, "pat.lee", e.password, totp.at(clock.at), new_password="correct horse 42"
    )
    assert identity.authenticate(inst, session.token).id == "pat.lee"
    assert state(inst, "pat.lee") == (0, None)
    clock.advance(seconds=30)
    with pytest.raises(Unauthenticated):
        identity.login(inst, "pat.lee", e.password, totp.at(clock.at))
    later = identity.login(inst, "pat.lee", "correct horse 42", totp.at(clock.at))
    assert identity.authenticate(inst, later.token).id == "pat.lee"  # and no change asked
    clock.advance(seconds=30)  # a change at any sign-in ends every other session
    last = identity.login(
        inst, "pat.lee", "correct horse 42", totp.at(clock.at), new_password="battery staple 7"
    )
    for ended in (session, later):
        with pytest.raises(Unauthenticated):
            identity.authenticate(inst, ended.token)
    assert identity.authenticate(inst, last.token).id == "pat.lee"
    decided = [
        (x["action"], x["outcome"]["decision"], x["outcome"]["reason"])
        for x in entries(inst)
        if x["principal"] == "pat.lee" and x["action"] != "principal.add"
    ]
    required = "password change required (set at enrolment or reset)"
    assert decided == [
        ("login.failed", "denied", "wrong password"),
        ("login.failed", "denied", "wrong code"),
        ("password.change_required", "denied", required),
        ("login.failed", "denied", "replayed code"),
        ("login", "allowed", "password and code"),
        ("password.change", "allowed", "temporary password replaced"),
        ("login.failed", "denied", "wrong password"),  # the enrolment password, now gone
        ("login", "allowed", "password and code"),
        ("login", "allowed", "password and code"),
        ("password.change", "allowed", "changed"),
    ]
    changes = [x["details"] for x in entries(inst) if x["action"] == "password.change"]
    assert changes == [{"sessions_ended": 0}, {"sessions_ended": 2}]
    for secret in (e.password, "correct horse 42", "battery staple 7", "someone else's"):
        assert secret not in json.dumps(entries(inst))


@pytest.mark.parametrize("setup", ["sqlite-keyfile", "sqlite-hsm"], indirect=True)
def test_a_code_is_checked_whatever_the_name_and_the_password(
    inst: Instance, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a TOTP secret is a round trip to the HSM: opened only after a right password,
    its time would tell a guesser the password was right, code or no code."""
    pat = enrol(inst)
    identity.add_principal(inst, local(), "crm-sync", "service", "acme-bank")
    opened: list[bytes] = []
    real_unwrap = inst.provider.unwrap

    def counted(sealed: bytes, context: bytes) -> bytes:
        opened.append(context)
        return real_unwrap(sealed, context)

    monkeypatch.setattr(inst.provider, "unwrap", counted)
    wrong_code = totp_code_not(pat, clock)
    for name, given in (
        ("pat.lee", "guess"),  # a wrong password
        ("pat.lee", pat.password),  # a right one, with a wrong code
        ("nobody", "guess"),  # no such principal
        ("crm-sync", "guess"),  # a service account: no password, no secret
    ):
        opened.clear()
        with pytest.raises(Unauthenticated):
            identity.login(inst, name, given, wrong_code)
        assert len(opened) == 1, name
        opened.clear()
        with pytest.raises(Unauthenticated):  # no code: nothing to open
            identity.login(inst, name, given, None)
        assert opened == [], name
    assert state(inst, "pat.lee")[0] == 3  # the wrong password twice, the wrong code once
    clock.advance(seconds=30)
    identity.login(inst, "pat.lee", pat.password, pat.code(clock))  # and a right one signs in


@SQLITE
def test_a_sign_in_the_key_provider_cannot_decide_is_recorded_not_counted(
    inst: Instance, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the HSM away no code can be checked: every such sign-in gets the same error,
    which says nothing of the password, and each is still a ledger entry."""
    pat = enrol(inst)

    def away(sealed: bytes, context: bytes) -> bytes:
        raise KeyUnavailable("the HSM is not answering")

    monkeypatch.setattr(inst.provider, "unwrap", away)
    for name, given in (("pat.lee", "guess"), ("pat.lee", pat.password), ("nobody", "guess")):
        with pytest.raises(KeyUnavailable):
            identity.login(inst, name, given, pat.code(clock))
    refused = [(e["principal"], e["outcome"]["reason"]) for e in entries(inst, "login.failed")]
    assert refused == [
        ("pat.lee", identity.KEYS_DOWN),
        ("pat.lee", identity.KEYS_DOWN),
        ("nobody", identity.KEYS_DOWN),
    ]
    assert state(inst, "pat.lee") == (0, None)  # not counted towards a lock


def totp_code_not(pat: Person, clock: Clock) -> str:
    """A well-formed code that is none of the three the window accepts now."""
    good = {pat.totp.at(clock.at, counter_offset=k) for k in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in good)


@SQLITE
def test_a_new_password_costs_the_same_whether_the_old_one_was_right(
    inst: Instance, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashed only after a right password, a sign-in with new_password would take twice as
    long then: a test of the password that needs no code."""
    pat = enrol(inst)
    hashed: list[str] = []
    verified: list[str] = []
    real_hash, real_verify = passwords.hash_password, passwords.verify
    monkeypatch.setattr(passwords, "hash_password", lambda p: hashed.append(p) or real_hash(p))
    monkeypatch.setattr(
        passwords, "verify", lambda h, p: verified.append(p) is None and real_verify(h, p)
    )
    for given in ("guess", pat.password):
        hashed.clear()
        verified.clear()
        with pytest.raises(Unauthenticated):  # no code: refused either way
            identity.login(inst, "pat.lee", given, None, new_password="a new password 1")
        assert hashed == ["a new password 1"], given
        # The old password once, then the new one against each of the last four.
        assert verified == [given] + ["a new password 1"] * passwords.REMEMBERED, given


@BOTH
def test_a_new_password_is_none_of_the_last_four(inst: Instance, clock: Clock) -> None:
    """PCI DSS 4.0 8.3.7. Said only once both factors were right."""
    pat = enrol(inst)
    current = pat.password
    for new in ("password A 2026", "password B 2026", "password C 2026"):
        clock.advance(seconds=30)
        identity.login(inst, "pat.lee", current, pat.code(clock), new_password=new)
        current = new
    for old in (pat.password, "password A 2026", "password B 2026"):
        clock.advance(seconds=30)
        with pytest.raises(Unauthenticated):  # a wrong password hears nothing of the history
            identity.login(inst, "pat.lee", "guess", pat.code(clock), new_password=old)
        with pytest.raises(BadInput) as refused:
            identity.login(inst, "pat.lee", current, pat.code(clock), new_password=old)
        assert refused.value.location.field == "new_password" and "last 4" in refused.value.message
    clock.advance(seconds=30)
    identity.login(inst, "pat.lee", current, pat.code(clock), new_password="password D 2026")
    clock.advance(seconds=30)  # the enrolment password is now five back: allowed again
    identity.login(inst, "pat.lee", "password D 2026", pat.code(clock), new_password=pat.password)
    denied = [
        e["outcome"]["reason"]
        for e in entries(inst, "password.change")
        if e["outcome"]["decision"] == "denied"
    ]
    assert denied == ["the new password is one of the last 4"] * 3
    with transaction(inst.data, read_only=True) as tx:
        stored = tx.one("SELECT password_history FROM principals WHERE id = ?", ("pat.lee",))
    assert stored is not None and len(json.loads(stored[0])) == passwords.REMEMBERED - 1
    for secret in ("password A 2026", "password D 2026", pat.password):
        assert secret not in str(stored[0]) and secret not in json.dumps(entries(inst))


@BOTH
def test_reset_gives_new_credentials_ends_the_sessions_and_lifts_a_lockout(
    inst: Instance, clock: Clock
) -> None:
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            identity.login(inst, "pat.lee", "guess", pat.code(clock))
    assert state(inst, "pat.lee")[1] is not None  # locked
    fresh = identity.reset_principal(inst, local(), "pat.lee")
    assert fresh.principal.id == "pat.lee" and fresh.password not in (None, pat.password)
    assert fresh.totp_uri is not None and fresh.totp_uri != pat.enrolment.totp_uri
    assert state(inst, "pat.lee") == (0, None)
    with pytest.raises(Unauthenticated):
        identity.authenticate(inst, session.token)
    clock.advance(seconds=30)
    with pytest.raises(Unauthenticated):  # the old password is gone
        identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    totp = pyotp.parse_uri(fresh.totp_uri)
    assert isinstance(totp, pyotp.TOTP) and fresh.password is not None
    with pytest.raises(Unauthenticated):  # so is the old phone
        identity.login(inst, "pat.lee", fresh.password, pat.code(clock))
    clock.advance(seconds=30)
    with pytest.raises(PasswordChangeRequired):  # a reset password is replaced at first use
        identity.login(inst, "pat.lee", fresh.password, totp.at(clock.at))
    clock.advance(seconds=30)  # with the next code
    again = identity.login(
        inst, "pat.lee", fresh.password, totp.at(clock.at), new_password="a new one, mine 1"
    )
    assert identity.authenticate(inst, again.token).id == "pat.lee"
    [reset] = entries(inst, "principal.reset")
    assert reset["outcome"]["decision"] == "allowed" and reset["details"] == {
        "principal": "pat.lee"
    }
    assert fresh.password not in json.dumps(entries(inst))
    identity.add_principal(inst, local(), "crm-sync", "service", "acme-bank")
    with pytest.raises(BadInput) as service:
        identity.reset_principal(inst, local(), "crm-sync")
    assert service.value.location.field == "name" and "API keys" in service.value.message
    with pytest.raises(NotFound):
        identity.reset_principal(inst, local(), "nobody")
    identity.disable_principal(inst, local(), "pat.lee")
    with pytest.raises(Conflict):
        identity.reset_principal(inst, local(), "pat.lee")


@SQLITE
def test_a_stored_officer_resets_an_agent_but_not_a_supervisor(
    inst: Instance, clock: Clock
) -> None:
    enrol(inst, "pat.lee", "agent")
    identity.add_principal(inst, local(), "sam", "supervisor", None, None)
    officer = Principal(PrincipalId("so-1"), "security_officer", None, None, clock.at)
    assert identity.reset_principal(inst, officer, "pat.lee").principal.id == "pat.lee"
    with pytest.raises(Denied) as refused:
        identity.reset_principal(inst, officer, "sam")
    assert refused.value.condition == "role"
    assert "forbid-reset-of-an-approver" in refused.value.policies
    resets = [(e["resource"], e["outcome"]["decision"]) for e in entries(inst, "principal.reset")]
    assert resets == [
        ({"subjects": ["pat.lee"], "fields": ["role=agent"]}, "allowed"),
        ({"subjects": ["sam"], "fields": ["role=supervisor"]}, "denied"),
    ]
    assert identity.reset_principal(inst, local(), "sam").principal.id == "sam"  # the operator


@BOTH
def test_one_api_key_is_revoked_alone_and_keys_are_listed_by_id(
    inst: Instance, clock: Clock
) -> None:
    identity.add_principal(inst, local(), "crm-sync", "service", "acme-bank")
    identity.add_principal(inst, local(), "ivr", "service", "acme-bank")
    old = identity.issue_api_key(inst, local(), "crm-sync")
    clock.advance(seconds=1)
    new = identity.issue_api_key(inst, local(), "crm-sync")
    other = identity.issue_api_key(inst, local(), "ivr")
    old_id, new_id = sessions.parse(old).id, sessions.parse(new).id
    listed = identity.list_api_keys(inst, local(), "crm-sync")
    assert [(k.id, k.revoked_at) for k in listed] == [(old_id, None), (new_id, None)]
    assert old not in json.dumps([k.to_dict() for k in listed])
    revoked = identity.revoke_api_key(inst, local(), "crm-sync", old_id)
    assert revoked.id == old_id and revoked.revoked_at == stamp(clock.at)
    with pytest.raises(Unauthenticated):
        identity.authenticate(inst, old)
    assert identity.authenticate(inst, new).id == "crm-sync"
    assert identity.authenticate(inst, other).id == "ivr"
    clock.advance(seconds=5)
    assert identity.revoke_api_key(inst, local(), "crm-sync", old_id) == revoked  # no change
    with pytest.raises(NotFound, match="no API key"):  # another account's key is not its own
        identity.revoke_api_key(inst, local(), "crm-sync", sessions.parse(other).id)
    # A leaked key pasted whole is revoked by its id; the ledger never sees the secret.
    pasted = identity.revoke_api_key(inst, local(), "crm-sync", new)
    assert pasted.id == new_id and pasted.revoked_at is not None
    with pytest.raises(Unauthenticated):
        identity.authenticate(inst, new)
    assert new not in json.dumps(entries(inst)) and new.split(".")[1] not in json.dumps(
        entries(inst)
    )
    for bad in ("xyz", new_id.upper(), "srs_" + new[4:]):
        with pytest.raises(BadInput) as refused:
            identity.revoke_api_key(inst, local(), "crm-sync", bad)
        assert refused.value.location.field == "key_id" and bad not in refused.value.message
    assert identity.authenticate(inst, other).id == "ivr"
    with pytest.raises(NotFound):
        identity.list_api_keys(inst, local(), "nobody")
    decided = [
        (e["details"]["key"], e["outcome"]["decision"]) for e in entries(inst, "apikey.revoke")
    ]
    assert decided == [
        (old_id, "allowed"),
        (old_id, "allowed"),
        (sessions.parse(other).id, "failed"),
        (new_id, "allowed"),
    ]


@SQLITE
def test_api_keys_are_for_service_accounts_only(inst: Instance, clock: Clock) -> None:
    enrol(inst)
    with pytest.raises(BadInput) as exc:
        identity.issue_api_key(inst, local(), "pat.lee")
    assert exc.value.location.field == "name"
    with pytest.raises(NotFound):
        identity.issue_api_key(inst, local(), "nobody")


# Management input and policy --------------------------------------------------------------------


@SQLITE
@pytest.mark.parametrize(
    ("name", "role", "tenant", "site", "field"),
    [
        ("Pat", "agent", "acme-bank", "lon-1", "name"),
        ("", "agent", "acme-bank", "lon-1", "name"),
        ("-pat", "agent", "acme-bank", "lon-1", "name"),
        ("pat lee", "agent", "acme-bank", "lon-1", "name"),
        ("operator:pat", "agent", "acme-bank", "lon-1", "name"),
        ("p" * 65, "agent", "acme-bank", "lon-1", "name"),
        ("pat", "admin", "acme-bank", "lon-1", "role"),
        ("pat", "operator", None, None, "role"),
        ("pat", "agent", None, "lon-1", "tenant"),
        ("pat", "agent", "acme-bank", None, "site"),
        ("pat", "client_auditor", None, None, "tenant"),
        ("pat", "supervisor", None, "Lon 1", "site"),
    ],
)
def test_bad_enrolment_is_bad_input_naming_the_field(
    inst: Instance, name: str, role: str, tenant: str | None, site: str | None, field: str
) -> None:
    with pytest.raises(BadInput) as exc:
        identity.add_principal(inst, local(), name, role, tenant, site)
    assert exc.value.location.field == field
    assert identity.list_principals(inst, local()) == []


@SQLITE
def test_enrolment_needs_a_free_name_and_a_real_tenant(inst: Instance, clock: Clock) -> None:
    enrol(inst)
    with pytest.raises(Conflict):
        identity.add_principal(inst, local(), "pat.lee", "supervisor")
    with pytest.raises(NotFound):
        identity.add_principal(inst, local(), "aud", "client_auditor", "no-such-bank")
    sup = identity.add_principal(inst, local(), "sam", "supervisor")
    assert sup.principal.tenant is None and sup.password and sup.totp_uri
    listed = {i.id: i.to_dict() for i in identity.list_principals(inst, local())}
    assert listed["pat.lee"] == {
        "id": "pat.lee",
        "role": "agent",
        "tenant": "acme-bank",
        "site": "lon-1",
        "disabled": False,
        "locked": False,
        "created_at": stamp(clock.at),
    }


@SQLITE
def test_an_agent_may_not_manage_principals(inst: Instance, clock: Clock) -> None:
    enrol(inst)
    agent = Principal(PrincipalId("pat.lee"), "agent", "acme-bank", "lon-1", clock.at)
    with pytest.raises(Denied):
        identity.add_principal(inst, agent, "eve", "security_officer")
    with pytest.raises(Denied):
        identity.disable_principal(inst, agent, "pat.lee")
    with pytest.raises(Denied):
        identity.list_principals(inst, agent)
    with pytest.raises(Denied):
        identity.issue_api_key(inst, agent, "pat.lee")
    with pytest.raises(Denied):
        identity.reset_principal(inst, agent, "pat.lee")
    with pytest.raises(Denied):
        identity.revoke_api_key(inst, agent, "pat.lee", "0" * 24)
    refused = [e for e in entries(inst) if e["principal"] == "pat.lee" and e["action"] != "login"]
    assert [(e["action"], e["outcome"]["decision"]) for e in refused] == [
        ("principal.add", "denied"),
        ("principal.disable", "denied"),
        ("principal.list", "denied"),
        ("apikey.issue", "denied"),
        ("principal.reset", "denied"),
        ("apikey.revoke", "denied"),
    ]


@SQLITE
def test_a_password_hashed_with_old_parameters_is_rehashed_at_login(
    inst: Instance, clock: Clock
) -> None:
    from argon2 import PasswordHasher

    pat = enrol(inst)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(pat.password)
    with transaction(inst.data) as tx:
        tx.run("UPDATE principals SET password_hash = ? WHERE id = ?", (old, "pat.lee"))
    identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    with transaction(inst.data, read_only=True) as tx:
        now = tx.one("SELECT password_hash FROM principals WHERE id = ?", ("pat.lee",))
    assert now is not None and str(now[0]).startswith("$argon2id$v=19$m=32768,t=2,p=1$")


# Nothing in clear at rest -----------------------------------------------------------------------


def _secrets_of(inst: Instance, clock: Clock) -> list[bytes]:
    """Enrol, log in, issue a key; the secrets each step showed once."""
    pat = enrol(inst)
    session = identity.login(inst, "pat.lee", pat.password, pat.code(clock))
    clock.advance(seconds=30)
    identity.verify_mfa(inst, session.token, pat.code(clock))
    identity.add_principal(inst, local(), "crm-sync", "service", "acme-bank")
    key = identity.issue_api_key(inst, local(), "crm-sync")
    other = identity.login(inst, "pat.lee", pat.password, pat.code(clock, 1))
    identity.end_session(inst, other.token)
    values = [pat.password, pat.totp.secret, session.token, key, other.token]
    values += [session.token.split(".")[1], key.split(".")[1], other.token.split(".")[1]]
    return [v.encode() for v in values]


@SQLITE
def test_no_password_code_secret_token_or_key_in_the_sqlite_files(
    setup: Setup, inst: Instance, clock: Clock
) -> None:
    needles = _secrets_of(inst, clock)
    files = [p for p in setup.home.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:
        blob = path.read_bytes()
        assert [n for n in needles if n in blob] == [], f"a secret in clear in {path}"
    setup.instance.close()
    for path in [p for p in setup.home.rglob("*") if p.is_file()]:
        blob = path.read_bytes()
        assert [n for n in needles if n in blob] == [], f"a secret in clear in {path}"


@pytest.mark.parametrize("setup", ["postgres-keyfile"], indirect=True)
def test_no_password_code_secret_token_or_key_in_pg_dump(
    setup: Setup, inst: Instance, clock: Clock
) -> None:
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to check the PostgreSQL store")
    needles = _secrets_of(inst, clock)
    assert setup.pg is not None
    for db in setup.pg:
        dump = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", db],
            check=True,
            capture_output=True,
        ).stdout
        assert b"pat.lee" in dump or db == setup.pg[1]
        assert [n for n in needles if n in dump] == [], f"a secret in clear in pg_dump of {db}"
