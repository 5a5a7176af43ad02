"""A client's slice of the ledger: its own entries with inclusion proofs, verifiable offline.

The folder holds the signed checkpoint, the verifier key and the PEM key, the tenant's
entries in full and one inclusion proof per entry. Other tenants' entries never appear: only
the subtree hashes inside the proofs stand for them, which reveal nothing of their content.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from strongroom import documents
from strongroom.audit import log as ledger
from strongroom.audit import tree
from strongroom.audit.search import Filters, entries
from strongroom.errors import BadInput, TamperDetected
from strongroom.instance import Instance
from strongroom.store.engine import transaction

README = """Strongroom ledger slice for tenant {tenant}.

checkpoint       the signed checkpoint (C2SP signed note) all proofs refer to
verifier.key     the checkpoint key as a note verifier key; ledger.pem the same key as PEM
entries.jsonl    this tenant's ledger entries, one per line: {{"index", "entry"}}
proofs.jsonl     one RFC 9162 inclusion proof per entry: {{"index", "proof"}}

Check it with only the public key you were given out of band:
    strongroom audit verify-slice DIR --public-key ledger.pem
"""


def write_slice(
    inst: Instance, tenant: str, out: Path, since: str | None = None, until: str | None = None
) -> dict[str, Any]:
    """Raises BadInput when `out` exists and is not an empty folder."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput("the slice folder must be new or empty", file=str(out))
    signed = ledger.issue_checkpoint(inst)
    size = signed.checkpoint.size
    chosen = [
        (i, e)
        for i, e in entries(inst, Filters(tenant=tenant, since=since, until=until))
        if i < size
    ]
    out.mkdir(parents=True, exist_ok=True)
    (out / "checkpoint").write_text(signed.note)
    (out / "verifier.key").write_text(ledger.verifier(inst) + "\n")
    (out / "ledger.pem").write_text(ledger.public_key_pem(inst))
    (out / "README.txt").write_text(README.format(tenant=tenant))
    with (
        transaction(inst.data, read_only=True) as tx,
        (out / "entries.jsonl").open("w") as fe,
        (out / "proofs.jsonl").open("w") as fp,
    ):
        for index, _ in chosen:
            body = tx.one("SELECT body FROM audit_entries WHERE seq = ?", (index,))
            proof = tree.inclusion_proof(tx, index, size)
            fe.write(json.dumps({"index": index, "entry": body[0] if body else None}) + "\n")
            fp.write(
                json.dumps({"index": index, "proof": [base64.b64encode(p).decode() for p in proof]})
                + "\n"
            )
    return {"tenant": tenant, "entries": len(chosen), "tree_size": size, "folder": str(out)}


def _indexed(path: Path, folder: Path) -> list[dict[str, Any]]:
    """The JSON objects of a slice file, one a line, each with an `index`. Raises BadInput."""
    out = []
    for line in documents.read_text(path).splitlines():
        try:
            doc = documents.loads(line)
        except ValueError as exc:
            raise BadInput(f"not a Strongroom slice: {exc}", file=str(folder)) from exc
        if not isinstance(doc, dict) or "index" not in doc:
            raise BadInput(
                "not a Strongroom slice: a line is not an indexed entry", file=str(folder)
            )
        out.append(doc)
    return out


def verify_slice(folder: Path, public_key: str) -> dict[str, Any]:
    """Check every entry of a slice against its checkpoint, offline.

    Raises BadInput for a folder that is not a slice, TamperDetected naming the first entry
    that does not hold.
    """
    note = documents.read_text(folder / "checkpoint")
    bodies = _indexed(folder / "entries.jsonl", folder)
    proofs = _indexed(folder / "proofs.jsonl", folder)
    if len(bodies) != len(proofs):
        raise TamperDetected("the slice has a different number of entries and proofs")
    tenants = set()
    checkpoint = None
    for body, proof in zip(bodies, proofs, strict=True):
        if body["index"] != proof["index"]:
            raise TamperDetected(f"entry {body['index']} is paired with the proof of another")
        doc = {
            "checkpoint": note,
            "entry": body["entry"],
            "index": body["index"],
            "proof": proof["proof"],
        }
        checkpoint = ledger.check_proof(doc, public_key)
        tenants.add(json.loads(body["entry"])["tenant"])
    return {
        "valid": True,
        "entries": len(bodies),
        "tenants": sorted(t for t in tenants if t),
        "tree_size": checkpoint.size if checkpoint else None,
    }
