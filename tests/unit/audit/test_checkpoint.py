"""Checkpoints as C2SP signed notes: format, signature, and failing closed."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.audit.checkpoint import (
    Checkpoint,
    key_hash,
    open_note,
    parse_verifier_key,
    sign,
    verifier_key,
)
from strongroom.errors import BadInput, TamperDetected


class KeySigner:
    def __init__(self, name: str = "strongroom.test") -> None:
        self.key = Ed25519PrivateKey.generate()
        self.name = name

    @property
    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message)


CP = Checkpoint("strongroom.test/ledger", 1234, hashlib.sha256(b"root").digest())


def test_note_layout_follows_c2sp() -> None:
    s = KeySigner()
    note = sign(CP, s)
    body, sig = note.split("\n\n")
    assert body + "\n" == f"strongroom.test/ledger\n1234\n{base64.b64encode(CP.root).decode()}\n"
    assert sig.startswith("\u2014 strongroom.test ") and sig.endswith("\n")
    blob = base64.b64decode(sig.split(" ")[-1])
    expected_hash = hashlib.sha256(b"strongroom.test\n\x01" + s.public_key).digest()[:4]
    assert blob[:4] == expected_hash == key_hash(s.name, s.public_key)
    assert len(blob) == 68


def test_round_trip_and_verifier_key() -> None:
    s = KeySigner()
    assert open_note(sign(CP, s), s.name, s.public_key) == CP
    assert parse_verifier_key(verifier_key(s.name, s.public_key)) == (s.name, s.public_key)


@settings(max_examples=100)
@given(
    size=st.integers(0, 2**40),
    root=st.binary(min_size=32, max_size=32),
    origin=st.from_regex(r"[a-z0-9./-]{1,30}", fullmatch=True),
)
def test_any_checkpoint_round_trips(size: int, root: bytes, origin: str) -> None:
    s = KeySigner()
    cp = Checkpoint(origin, size, root)
    assert open_note(sign(cp, s), s.name, s.public_key) == cp


def test_changed_size_or_root_is_tamper() -> None:
    s = KeySigner()
    note = sign(CP, s)
    for forged in (
        note.replace("\n1234\n", "\n1235\n"),
        note.replace(base64.b64encode(CP.root).decode(), base64.b64encode(bytes(32)).decode()),
    ):
        with pytest.raises(TamperDetected):
            open_note(forged, s.name, s.public_key)


def test_other_key_or_no_signature_is_tamper() -> None:
    s, other = KeySigner(), KeySigner()
    with pytest.raises(TamperDetected):
        open_note(sign(CP, other), s.name, s.public_key)
    forged = sign(CP, other).replace(other.name, s.name)  # right name, wrong key
    with pytest.raises(TamperDetected):
        open_note(forged, s.name, s.public_key)


def test_witness_cosignature_is_ignored() -> None:
    s, witness = KeySigner(), KeySigner("witness.example")
    note = sign(CP, s)
    extra = sign(CP, witness).split("\n\n")[1]
    assert open_note(note + extra, s.name, s.public_key) == CP


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no blank line\n",
        "a\n1\nAAAA\n\n\u2014 x AAAA\n",
        "a\nx\nAAAA\n\n\u2014 k AAAA\n",
        "a\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n- k AAAA\n",
    ],
)
def test_malformed_notes_are_bad_input(text: str) -> None:
    s = KeySigner()
    with pytest.raises(BadInput):
        open_note(text, s.name, s.public_key)


@pytest.mark.parametrize("vkey", ["x", "a+b+c", "name+00000000+AAAA", "bad name+00+AA=="])
def test_malformed_verifier_keys_are_bad_input(vkey: str) -> None:
    with pytest.raises(BadInput):
        parse_verifier_key(vkey)
