"""The ledger as a verifiable log: checkpoints, inclusion and consistency proofs, verification.

- `issue_checkpoint` signs the current size and root (C2SP signed note), stores it, and also
  writes it to the witness directory outside the database, where a database administrator
  who rewrites the ledger cannot reach it.
- `prove` returns a self-contained proof document: the entry, its inclusion proof, the signed
  checkpoint and the verifier key. `check_proof` verifies such a document offline, with only
  a public key the auditor already trusts: what a client's auditor runs.
- `verify` recomputes everything from the stored entries and names the first bad one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from strongroom import config
from strongroom.audit import merkle, tree
from strongroom.audit.checkpoint import (
    Checkpoint,
    open_note,
    parse_verifier_key,
    sign,
    verifier_key,
)
from strongroom.audit.ledger import GENESIS
from strongroom.audit.signer import note_signer
from strongroom.errors import BadInput, NotFound, TamperDetected
from strongroom.instance import Instance
from strongroom.store.engine import Tx, now, transaction

_LOOK_EVERY = 32


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: str

    def to_dict(self) -> dict[str, object]:
        cp = self.checkpoint
        return {"origin": cp.origin, "size": cp.size, "root": cp.root.hex(), "note": self.note}


def witness_dir(inst: Instance) -> Path:
    return Path(os.environ.get("STRONGROOM_WITNESS_DIR", str(inst.home / "witness")))


def _write_witness(inst: Instance, signed: SignedCheckpoint) -> None:
    folder = witness_dir(inst)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"checkpoint.{signed.checkpoint.size}").write_text(signed.note)
    latest = folder / "checkpoint"
    tmp = folder / ".checkpoint.tmp"
    tmp.write_text(signed.note)
    tmp.replace(latest)


def _size(tx: Tx) -> int:
    row = tx.one("SELECT seq FROM audit_entries ORDER BY seq DESC LIMIT 1")
    return int(row[0]) + 1 if row else 0


def issue_checkpoint(inst: Instance) -> SignedCheckpoint:
    """Sign the ledger as it stands. Raises TamperDetected for a ledger with gaps,
    KeyUnavailable when the signing key cannot be used."""
    signer = note_signer(inst)
    with transaction(inst.data) as tx:  # holds the write lock: no append slips in between
        size = _size(tx)
        existing = tx.one("SELECT note FROM checkpoints WHERE size = ?", (size,))
        if existing is not None:
            signed = SignedCheckpoint(_open(inst, str(existing[0])), str(existing[0]))
        else:
            tree.extend(tx, size)
            cp = Checkpoint(inst.settings.origin, size, tree.root_at(tx, size))
            signed = SignedCheckpoint(cp, sign(cp, signer))
            tx.run(
                "INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)",
                (size, cp.root, signed.note, now()),
            )
    _write_witness(inst, signed)
    return signed


def checkpoint_if_due(inst: Instance) -> SignedCheckpoint | None:
    """Issue a checkpoint when enough entries or time have passed since the last one.

    The first call in a process reads the last checkpoint from the store; later calls read the
    ledger's size every `_LOOK_EVERY` operations (or when the interval has passed), so other
    processes' entries count too, give or take that many. Called after each operation by the
    vault's door.
    """
    every, seconds = config.checkpoint_every()
    clock = time.monotonic()
    inst.unchecked += 1
    if (
        inst.checkpointed is not None
        and inst.unchecked < min(every, _LOOK_EVERY)
        and (clock - inst.checkpointed[1] < seconds)
    ):
        return None  # looked recently: the size cannot have grown by `every` from here alone
    inst.unchecked = 0
    with transaction(inst.data, read_only=True) as tx:
        size = _size(tx)
        if inst.checkpointed is None:
            row = tx.one("SELECT size, created_at FROM checkpoints ORDER BY size DESC LIMIT 1")
            if row is None:
                inst.checkpointed = (0, clock - seconds)  # never checkpointed: due now
            else:
                age = (
                    datetime.now(UTC) - datetime.fromisoformat(str(row[1]).replace("Z", "+00:00"))
                ).total_seconds()
                inst.checkpointed = (int(row[0]), clock - age)
    last_size, last_time = inst.checkpointed
    if size == last_size or (size - last_size < every and clock - last_time < seconds):
        return None
    signed = issue_checkpoint(inst)
    inst.checkpointed = (signed.checkpoint.size, time.monotonic())
    return signed


def _open(inst: Instance, note: str) -> Checkpoint:
    signer = note_signer(inst)
    return open_note(note, signer.name, signer.public_key)


def latest_checkpoint(inst: Instance) -> SignedCheckpoint | None:
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
    return SignedCheckpoint(_open(inst, str(row[0])), str(row[0])) if row else None


def public_key_pem(inst: Instance) -> str:
    key = Ed25519PublicKey.from_public_bytes(note_signer(inst).public_key)
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def verifier(inst: Instance) -> str:
    signer = note_signer(inst)
    return verifier_key(signer.name, signer.public_key)


def prove(inst: Instance, index: int, checkpoint_note: str | None = None) -> dict[str, Any]:
    """An inclusion proof of entry `index` against a checkpoint (given, else the latest one,
    else a new one). Raises NotFound, BadInput, TamperDetected."""
    if checkpoint_note is not None:
        signed = SignedCheckpoint(_open(inst, checkpoint_note), checkpoint_note)
    else:
        signed = latest_checkpoint(inst) or issue_checkpoint(inst)
        if index >= signed.checkpoint.size:
            signed = issue_checkpoint(inst)
    size = signed.checkpoint.size
    if not 0 <= index < size:
        raise NotFound(f"entry {index} is not in the checkpoint of size {size}")
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one("SELECT body FROM audit_entries WHERE seq = ?", (index,))
        if row is None:  # inside a signed checkpoint: a row was deleted, not a typo
            raise TamperDetected(f"ledger entry {index} is missing from the data store")
        proof = tree.inclusion_proof(tx, index, size)
    return {
        "format": "strongroom-inclusion-proof/v1",
        "index": index,
        "tree_size": size,
        "entry": str(row[0]),
        "proof": [base64.b64encode(p).decode() for p in proof],
        "checkpoint": signed.note,
        "verifier_key": verifier(inst),
    }


def consistency(inst: Instance, old_note: str, new_note: str) -> dict[str, Any]:
    old, new = _open(inst, old_note), _open(inst, new_note)
    if old.size > new.size:
        old, new, old_note, new_note = new, old, new_note, old_note
    with transaction(inst.data, read_only=True) as tx:
        proof = (
            merkle.consistency_proof(
                tree.nodes_for(tx, merkle.needed(old.size, new.size, consistency=True)),
                old.size,
                new.size,
            )
            if old.size
            else []
        )
    return {
        "format": "strongroom-consistency-proof/v1",
        "old": old_note,
        "new": new_note,
        "proof": [base64.b64encode(p).decode() for p in proof],
    }


def load_public_key(text: str) -> tuple[str | None, bytes]:
    """A verifier key (`name+hash+key`) or an Ed25519 PEM. Raises BadInput."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = load_pem_public_key(text.encode())
        except ValueError as exc:
            raise BadInput(f"not a PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise BadInput("the public key is not an Ed25519 key")
        return None, key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    name, raw = parse_verifier_key(text)
    return name, raw


def _note_key_name(note: str) -> str:
    sigs = note.partition("\n\n")[2]
    first = sigs.split("\n", 1)[0]
    return first[2:].rpartition(" ")[0] if first.startswith("\u2014 ") else ""


def check_proof(doc: object, public_key: str, file: str | None = None) -> Checkpoint:
    """Verify a proof document offline with a trusted public key; needs nothing else.

    Raises BadInput (naming `file` and the field) for a document that is not a proof,
    TamperDetected when the checkpoint's signature, the entry or the proof does not hold.
    """

    def bad(field: str, what: str) -> BadInput:
        return BadInput(f"not a Strongroom inclusion proof: {what}", file=file, field=field)

    if not isinstance(doc, dict):
        raise bad("", "expected a JSON object")
    note, entry, index, proof = (doc.get(k) for k in ("checkpoint", "entry", "index", "proof"))
    if not isinstance(note, str):
        raise bad("checkpoint", "'checkpoint' must be the signed note, a string")
    if not isinstance(entry, str):
        raise bad("entry", "'entry' must be the entry's body, a string")
    # bool is an int to Python, and "1" or 1.0 would have been read as entry 1.
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise bad("index", "'index' must be a whole number, 0 or more")
    if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
        raise bad("proof", "'proof' must be a list of base64 hashes")
    try:
        path = [base64.b64decode(p, validate=True) for p in proof]
    except ValueError as exc:
        raise bad("proof", "a hash of 'proof' is not base64") from exc
    name, raw = load_public_key(public_key)
    checkpoint = open_note(note, name or _note_key_name(note), raw)
    leaf = merkle.leaf_hash(entry.encode())
    if not merkle.verify_inclusion(leaf, index, checkpoint.size, path, checkpoint.root):
        raise TamperDetected(
            f"entry {index} and its proof do not match the signed root of size {checkpoint.size}"
        )
    return checkpoint


@dataclass
class VerifyReport:
    entries: int = 0
    checkpoints: int = 0
    against: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "intact": self.intact,
            "entries": self.entries,
            "checkpoints": self.checkpoints,
            "against_size": self.against,
            "problems": self.problems,
        }


def verify(inst: Instance, against: str | None = None) -> VerifyReport:
    """Recompute the whole ledger: sequence, hash chain, the leaf hashes recorded at
    checkpoint time, every stored checkpoint's signature and root,
    and a checkpoint kept elsewhere. The first problem of each kind names the entry."""
    report = VerifyReport()
    signer = note_signer(inst)
    leaves: list[bytes] = []
    sha256 = hashlib.sha256
    with transaction(inst.data, read_only=True) as tx:
        prev = GENESIS
        expected = 0
        chain_ok = True
        as_bytes = "CAST(body AS BLOB)" if tx.dialect == "sqlite" else "convert_to(body, 'UTF8')"
        rows = tx.stream(
            f"SELECT seq, {as_bytes}, prev_hash, entry_hash FROM audit_entries ORDER BY seq"
        )
        for seq, body, prev_hash, entry_hash in rows:
            if seq != expected:
                report.problems.append(
                    f"entry {expected}: missing (the next stored entry is {seq})"
                    if seq > expected
                    else f"entry {seq}: out of order"
                )
                expected = seq
                chain_ok = False
            leaf = sha256(b"\x00" + body).digest()
            leaves.append(leaf)
            if chain_ok and (
                prev_hash != prev or sha256(b"\x02" + prev + leaf).digest() != entry_hash
            ):
                report.problems.append(f"entry {seq}: does not chain to entry {seq - 1}")
                chain_ok = False
            prev = entry_hash
            expected += 1
        report.entries = expected
        full = merkle.MemoryTree(leaves)
        if any(
            full.root(int(size)) != bytes(root)
            for size, root in tx.all(
                "SELECT size, root FROM checkpoints WHERE size <= ?", (len(leaves),)
            )
        ):
            # Some signed root no longer matches: name the entry through the leaf hashes
            # recorded when it was checkpointed (only read when something is wrong).
            for index, recorded in tx.stream(
                "SELECT idx, hash FROM audit_nodes WHERE level = 0 ORDER BY idx"
            ):
                if index < len(leaves) and bytes(recorded) != leaves[index]:
                    report.problems.append(
                        f"entry {index}: its hash differs from the one recorded when it was "
                        "checkpointed"
                    )
                    break
        good = 0
        for size, root, note in tx.all("SELECT size, root, note FROM checkpoints ORDER BY size"):
            report.checkpoints += 1
            try:
                cp = open_note(str(note), signer.name, signer.public_key)
            except (TamperDetected, BadInput) as exc:
                report.problems.append(f"checkpoint {size}: {exc.message}")
                continue
            if cp.size != int(size) or cp.root != bytes(root):
                report.problems.append(f"checkpoint {size}: stored columns differ from the note")
            problem = _against(full, cp, good)
            if problem:
                report.problems.append(f"checkpoint {cp.size}: {problem}")
            else:
                good = cp.size
    if against is not None:
        cp = open_note(against, signer.name, signer.public_key)
        report.against = cp.size
        problem = _against(full, cp, 0)
        if problem:
            report.problems.append(f"outside checkpoint {cp.size}: {problem}")
    return report


def _against(full: merkle.MemoryTree, cp: Checkpoint, good: int) -> str | None:
    """What is wrong between the recomputed tree and a signed checkpoint, if anything; `good`
    is the largest size already shown intact, which bounds where the change can lie."""
    if cp.size > full.size:
        return f"signed for {cp.size} entries, the ledger holds {full.size} (truncated)"
    if full.root(cp.size) != cp.root:
        return (
            f"the entries no longer hash to its signed root: an entry in {good}..{cp.size - 1} "
            "was changed, removed or reordered"
        )
    return None
