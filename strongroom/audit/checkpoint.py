"""Checkpoints: signed statements of the ledger's size and root, in the C2SP formats.

A checkpoint body follows C2SP tlog-checkpoint (origin line, decimal tree size, base64 root
hash); it travels as a C2SP signed note: the body, a blank line, and one line per signature,
`— <key name> <base64(key hash || Ed25519 signature)>`, where the key hash is the first four
bytes of SHA-256(name || 0x0A || 0x01 || public key). The verifier key is the note ecosystem's
`<name>+<hex key hash>+<base64(0x01 || public key)>`.

Opening a note fails closed: no signature by the expected key, a malformed line or a bad
signature is `TamperDetected` (or `BadInput` for text that is not a note at all); an extra
signature by some other key is ignored, as the format allows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from strongroom.errors import BadInput, TamperDetected

ALG_ED25519 = b"\x01"
_DASH = "\u2014 "
_NAME = re.compile(r"^[^\s+]+$")


class NoteSigner(Protocol):
    """An Ed25519 key that signs notes: a key file's or an HSM's."""

    @property
    def name(self) -> str: ...

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature. Raises KeyUnavailable."""
        ...


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse_body(cls, body: str) -> Checkpoint:
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise BadInput("a checkpoint has an origin, a size and a root hash, each on a line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not origin or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise BadInput("checkpoint origin or size is malformed")
        try:
            digest = base64.b64decode(root, validate=True)
        except binascii.Error as exc:
            raise BadInput("checkpoint root hash is not base64") from exc
        if len(digest) != 32:
            raise BadInput("checkpoint root hash is not 32 bytes")
        return cls(origin, int(size), digest)


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    encoded = base64.b64encode(ALG_ED25519 + public_key).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    """(name, raw public key). Raises BadInput."""
    parts = vkey.strip().split("+", 2)  # the base64 part may itself hold a "+"
    if len(parts) != 3 or not _NAME.match(parts[0]):
        raise BadInput("a verifier key reads <name>+<8 hex digits>+<base64 key>")
    name, hex_hash, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise BadInput("the verifier key's key part is not base64") from exc
    if len(raw) != 33 or raw[:1] != ALG_ED25519:
        raise BadInput("the verifier key is not an Ed25519 key")
    if key_hash(name, raw[1:]).hex() != hex_hash.lower():
        raise BadInput("the verifier key's hash does not match its name and key")
    return name, raw[1:]


def sign(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note."""
    if not _NAME.match(signer.name):
        raise BadInput("a key name has no spaces and no '+'", field="name")
    body = checkpoint.body()
    signature = signer.sign(body.encode())
    blob = base64.b64encode(key_hash(signer.name, signer.public_key) + signature).decode()
    return f"{body}\n{_DASH}{signer.name} {blob}\n"


def open_note(note: str, name: str, public_key: bytes) -> Checkpoint:
    """The checkpoint of a note signed by (name, public_key).

    Raises BadInput for text that is not a signed note, TamperDetected when the expected key's
    signature is missing or does not verify.
    """
    body, sep, sigs = note.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise BadInput("not a signed note: a body, a blank line, then signature lines")
    body += "\n"
    checkpoint = Checkpoint.parse_body(body)
    wanted = key_hash(name, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    found = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise BadInput("a signature line starts with an em dash and a space")
        signer_name, _, encoded = line[len(_DASH) :].rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise BadInput("a note signature is not base64") from exc
        if signer_name != name or blob[:4] != wanted:
            continue  # someone else's signature (a witness, say): not ours to judge
        try:
            verifier.verify(blob[4:], body.encode())
        except InvalidSignature as exc:
            raise TamperDetected(
                f"checkpoint at size {checkpoint.size}: the signature of '{name}' does not verify"
            ) from exc
        found = True
    if not found:
        raise TamperDetected(f"the checkpoint carries no signature by '{name}'")
    return checkpoint
