"""Identity's pure parts: bearer parsing, passwords, TOTP steps, the login verdict."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st
from zxcvbn import matching as zxcvbn_matching

from strongroom.access import passwords, sessions
from strongroom.access.identity import _judge, _Verdict
from strongroom.access.passwords import Account
from strongroom.access.principal import Principal, PrincipalId
from strongroom.access.sessions import Session, parse
from strongroom.crypto.providers.keyfile import KeyFileProvider, create_key_file
from strongroom.errors import BadInput, KeyUnavailable, Unauthenticated
from strongroom.store.engine import stamp

AT = datetime(2025, 3, 14, 9, 26, 30, tzinfo=UTC)  # the start of a 30 s step
WELL_FORMED = re.compile(r"(srs|srk)_[0-9a-f]{24}\.[A-Za-z0-9_-]{43}")


# Bearer credentials ---------------------------------------------------------------------------


def test_minted_api_key_parses_back_to_its_id_and_digest() -> None:
    key = sessions.mint_api_key()
    parsed = parse(key.bearer)
    assert parsed.kind == "apikey" and parsed.id == key.id
    assert parsed.matches(key.digest)
    assert WELL_FORMED.fullmatch(key.bearer)


def test_a_bearer_with_another_secret_does_not_match_the_stored_digest() -> None:
    key = sessions.mint_api_key()
    forged = parse(f"srk_{key.id}.{'A' * 43}")
    assert not forged.matches(key.digest)


@given(st.text(max_size=120))
def test_parse_refuses_any_malformed_bearer_with_unauthenticated(text: str) -> None:
    if WELL_FORMED.fullmatch(text):
        assert parse(text).id == text[4:28]
        return
    with pytest.raises(Unauthenticated):
        parse(text)


@given(
    st.sampled_from(["srs", "srk", "srx", "SRS", ""]),
    st.text(alphabet="0123456789abcdefABCDEF_-.", min_size=0, max_size=30),
    st.text(alphabet="ABCxyz019_-.=+/ \n", min_size=0, max_size=50),
)
def test_parse_refuses_near_misses(prefix: str, ident: str, secret: str) -> None:
    text = f"{prefix}_{ident}.{secret}"
    if WELL_FORMED.fullmatch(text):
        parse(text)
    else:
        with pytest.raises(Unauthenticated):
            parse(text)


def test_parse_refuses_a_trailing_newline() -> None:
    good = sessions.mint_api_key().bearer
    with pytest.raises(Unauthenticated):
        parse(good + "\n")


def test_secrets_are_kept_out_of_reprs() -> None:
    key = sessions.mint_api_key()
    secret = key.bearer.split(".")[1]
    assert secret not in repr(key) and secret not in repr(parse(key.bearer))
    session = Session(key.bearer, AT, Principal(PrincipalId("pat"), "agent"))
    assert secret not in repr(session)


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 8.0), ("1", 1.0), ("0.5", 0.5), ("720", 720.0)]
)
def test_session_hours_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float
) -> None:
    if raw is None:
        monkeypatch.delenv("STRONGROOM_SESSION_HOURS", raising=False)
    else:
        monkeypatch.setenv("STRONGROOM_SESSION_HOURS", raw)
    assert sessions.session_hours() == expected


@pytest.mark.parametrize("raw", ["eight", "0", "-1", "721", "nan"])
def test_bad_session_hours_are_bad_input_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("STRONGROOM_SESSION_HOURS", raw)
    with pytest.raises(BadInput) as exc:
        sessions.session_hours()
    assert exc.value.location.field == "STRONGROOM_SESSION_HOURS"


def test_stamps_sort_as_times_do() -> None:
    times = [AT + timedelta(microseconds=n) for n in (0, 1, 999_999, 10**6, 86_400 * 10**6)]
    assert sorted(stamp(t) for t in times) == [stamp(t) for t in times]
    assert sessions.parse_stamp(stamp(AT)) == AT


# Passwords ------------------------------------------------------------------------------------


def test_generated_passwords_are_long_random_and_alphanumeric() -> None:
    made = {passwords.generate() for _ in range(500)}
    assert len(made) == 500
    assert all(len(p) == 20 and p.isalnum() and p.isascii() for p in made)
    # PCI DSS 4.0 8.3.6. Drawn uniformly, ~3 % of them (~15 of 500) would hold no digit.
    assert all(any(c.isdigit() for c in p) and any(c.isalpha() for c in p) for p in made)


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ("short1", "12 to 128 characters"),
        ("a1" * 64 + "b", "12 to 128 characters"),
        ("the current one 1", "differ from the current one"),
        ("no digits in this one", "one letter and one digit"),
        ("1234 5678 9012 3456", "one letter and one digit"),
        ("no ascii digit² here ٣", "one letter and one digit"),
        ("Password12345", "similar to a commonly used password"),
        ("abcdefgh1234", "Sequences"),
        ("qwertyuiop12", "too easy to guess"),
        ("A1A1A1A1A1A1A1", "Repeats"),
        ("strongroom2026", "too easy to guess"),
        ("Pat.Lee 2026 rules", "contain your name"),
        ("patlee-and-a-4-more", "contain your name"),
    ],
)
def test_a_new_password_breaking_the_rule_is_refused_without_quoting_it(
    new: str, said: str
) -> None:
    with pytest.raises(BadInput) as refused:
        passwords.check_new(new, "the current one 1", "pat.lee")
    assert refused.value.location.field == "new_password"
    assert said in refused.value.message
    assert new not in refused.value.message


_LONG = "Vq7sLm2Xe9RtB4nZk8Pw3Hy6Jd1Fg5Uc0AoMi4Ne7Tb2Wl9Kx3Rz6Yp8Gh1Qs5Dv0Jc7Lf2Bn4Xm9Ek3Pt6Ha"


@pytest.mark.parametrize(
    "new",
    [
        "correct horse 42",
        "password A 2026",
        "q8Vz3kPp0LmW",
        "Tr0ub4dor&3xyz",
        _LONG,
        # strong in its first 52 characters, the longest prefix judged (many l33t characters)
        "Password1234 quartz fjord nymph vexing waltz 7$@+%69|([{<80!",
    ],
)
def test_a_new_password_following_the_rule_is_taken(new: str) -> None:
    passwords.check_new(new, "the current one 1", "pat.lee")


_L33T = "".join(sorted({c for subs in zxcvbn_matching.L33T_TABLE.values() for c in subs}))


def _work(prefix: str) -> int:
    table = zxcvbn_matching.relevant_l33t_subtable(prefix, zxcvbn_matching.L33T_TABLE)
    readings = len(zxcvbn_matching.enumerate_l33t_subs(table)) if table else 0
    return (readings + 1) * len(prefix) ** 2


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(alphabet=_L33T + "aeilostQz ", min_size=12, max_size=128))
def test_the_prefix_judged_is_the_longest_within_zxcvbns_work(password: str) -> None:
    """Every l33t reading is matched against every word list: 72 characters with 20
    different l33t characters (736 readings) took 1.5 s before the prefix was bounded. Cut
    shorter than it must be, a strong password is refused, and more words cannot help."""
    judged = passwords.judged_prefix(password)
    n = len(judged)
    assert password.startswith(judged) and n >= passwords.NEW_PASSWORD_MIN
    assert n == passwords.NEW_PASSWORD_MIN or _work(judged) <= passwords.JUDGED_WORK
    assert (
        n == min(len(password), passwords.JUDGED_LENGTH)
        or _work(password[: n + 1]) > passwords.JUDGED_WORK
    )


def test_a_password_of_many_l33t_characters_is_judged_on_a_shorter_prefix() -> None:
    slow = ("4@8({[<3691!|70$5+%2" * 4)[:72]
    judged = passwords.judged_prefix(slow)
    assert passwords.NEW_PASSWORD_MIN <= len(judged) < 72
    assert _work(judged) <= passwords.JUDGED_WORK < _work(slow[: len(judged) + 1])
    assert len(passwords.judged_prefix(_LONG)) == passwords.JUDGED_LENGTH  # no l33t to read


def test_only_the_first_72_characters_are_judged_for_strength() -> None:
    """zxcvbn's time grows faster than the length: 128 characters of a repeat took 140 ms."""
    weak_start = "aaaaaaaaaaa1" * 6  # 72 characters of a repeat
    with pytest.raises(BadInput):
        passwords.check_new(weak_start + "q8Vz3kPp0LmW", "the current one 1", "pat.lee")
    assert passwords.weakness("q8Vz3kPp0LmW" + weak_start, ()) is None


def test_hash_is_argon2id_with_the_documented_parameters() -> None:
    h = passwords.hash_password("correct horse")
    assert h.startswith("$argon2id$v=19$m=32768,t=2,p=1$")
    assert "correct horse" not in h
    assert passwords.verify(h, "correct horse")
    assert not passwords.verify(h, "correct horsf")
    assert not passwords.needs_rehash(h)


def test_no_hash_never_verifies() -> None:
    assert not passwords.verify(None, "")
    assert not passwords.verify(None, "anything")


def test_over_long_password_is_refused_even_when_it_matches() -> None:
    long = "x" * (passwords.MAX_LENGTH + 1)
    assert not passwords.verify(passwords.hash_password(long), long)


def test_a_hash_with_other_parameters_verifies_and_asks_for_a_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    assert passwords.verify(old, "pw")
    assert passwords.needs_rehash(old)
    assert passwords.needs_rehash("not a hash")
    assert not passwords.verify("not a hash", "pw")


# TOTP -----------------------------------------------------------------------------------------


@pytest.fixture
def provider(tmp_path: Path) -> KeyFileProvider:
    create_key_file(tmp_path / "root.key")
    return KeyFileProvider(tmp_path / "root.key")


def _secret(uri: str) -> pyotp.TOTP:
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    return totp


def test_totp_is_sealed_to_its_principal_and_checks_one_step_either_side(
    provider: KeyFileProvider,
) -> None:
    sealed, uri = passwords.new_totp(provider, "pat.lee")
    assert uri.startswith("otpauth://totp/Strongroom:pat.lee?") and "issuer=Strongroom" in uri
    totp = _secret(uri)
    assert totp.secret.encode() not in sealed
    step = totp.timecode(AT)
    for offset in (-1, 0, 1):
        code = totp.at(AT, counter_offset=offset)
        assert step + offset in passwords.code_steps(provider, "pat.lee", sealed, code, AT)
    for offset in (-3, -2, 2, 3):
        code = totp.at(AT, counter_offset=offset)
        found = passwords.code_steps(provider, "pat.lee", sealed, code, AT)
        assert step + offset not in found


def test_a_code_with_spaces_is_read_without_them(provider: KeyFileProvider) -> None:
    sealed, uri = passwords.new_totp(provider, "pat")
    code = _secret(uri).at(AT)
    spaced = f"{code[:3]} {code[3:]}"
    assert passwords.code_steps(provider, "pat", sealed, spaced, AT)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "  "])
def test_malformed_codes_match_nothing(provider: KeyFileProvider, code: str) -> None:
    sealed, _ = passwords.new_totp(provider, "pat")
    assert passwords.code_steps(provider, "pat", sealed, code, AT) == ()


def test_a_sealed_secret_moved_to_another_principal_does_not_open(
    provider: KeyFileProvider,
) -> None:
    sealed, _ = passwords.new_totp(provider, "pat")
    with pytest.raises(KeyUnavailable):
        passwords.code_steps(provider, "sam", sealed, "123456", AT)


@pytest.mark.parametrize(
    ("last", "steps", "fresh"),
    [
        (None, (10,), 10),
        (9, (10,), 10),
        (10, (10,), None),
        (11, (10,), None),
        (9, (9, 10), 10),
        (None, (), None),
    ],
)
def test_fresh_step_refuses_a_step_at_or_before_the_last(
    last: int | None, steps: tuple[int, ...], fresh: int | None
) -> None:
    assert passwords.fresh_step(last, steps) == fresh


# The login verdict ----------------------------------------------------------------------------


def _account(**changes: object) -> Account:
    base: dict[str, object] = {
        "id": "pat",
        "role": "agent",
        "tenant": "acme-bank",
        "site": "lon-1",
        "password_hash": "$argon2id$...",
        "totp_sealed": b"sealed",
        "totp_last_step": 100,
        "failed_logins": 0,
        "locked_until": None,
        "disabled_at": None,
        "created_at": stamp(AT),
    }
    base.update(changes)
    return Account(**base)  # type: ignore[arg-type]


LATER = stamp(AT + timedelta(minutes=1))
EARLIER = stamp(AT - timedelta(minutes=1))
SERVICE = _account(role="service", password_hash=None, totp_sealed=None)
V = _Verdict


@pytest.mark.parametrize(
    ("acct", "password_ok", "code", "steps", "verdict"),
    [
        (None, True, "1", (101,), V("unknown principal")),
        (_account(disabled_at=EARLIER), True, "1", (101,), V("disabled")),
        (_account(locked_until=LATER), True, "1", (101,), V("locked")),
        (_account(locked_until=EARLIER), True, "1", (101,), V("password and code", True, 101)),
        (SERVICE, True, None, (), V("no password (service account)")),
        (_account(), False, "1", (101,), V("wrong password")),
        (_account(), True, None, (), V("code required")),
        (_account(), True, "1", (), V("wrong code")),
        (_account(), True, "1", (99, 100), V("replayed code")),
        (_account(totp_last_step=None), True, "1", (5,), V("password and code", True, 5)),
        (_account(totp_sealed=None), True, None, (), V("password", True)),
    ],
)
def test_login_verdict(
    acct: Account | None,
    password_ok: bool,
    code: str | None,
    steps: tuple[int, ...],
    verdict: _Verdict,
) -> None:
    assert _judge(acct, password_ok, code, steps, AT) == verdict


def test_a_lock_ends_at_its_time() -> None:
    acct = _account(locked_until=stamp(AT))
    assert acct.locked(AT - timedelta(microseconds=1))
    assert not acct.locked(AT)
