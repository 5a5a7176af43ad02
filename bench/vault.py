"""Vault throughput beside its floor, measured in the same run.

What is measured, per backend (SQLite file; PostgreSQL on 127.0.0.1):

- put:    records/s through `vault.records.put` in batches of 1,000 (6 fields: validation,
          per-subject data keys, 6 sealed values, 2 blind indexes, a card token, one ledger
          entry per batch, key store and data store both written).
- get:    masked views/s through `vault.records.get` (one ledger entry each).
- reveal: one-field reveals/s through `vault.records.reveal` (one ledger entry each).
- find:   blind-index finds/s by email through `vault.records.find` (two entries each: the
          search and the view of the match).

The floor of each moves the same bytes through AES-256-GCM (pyca/cryptography) and bare SQL on
the raw driver (sqlite3 / psycopg), with one persistent connection to each of two fresh
databases of the same kind (a data store and a key store, as Strongroom has):

- put floor:    per record 8 AES-GCM encryptions (6 values, the data key, the card in the token
                vault); rows inserted with executemany as Strongroom stores them: the record,
                2 blind-index digests and a ledger-sized row per batch in the data store; the
                wrapped key, the token-vault entry and its reference in the key store; one
                commit per store per 1,000 records.
- get floor:    SELECT the wrapped key (key store) and unwrap it, SELECT the record, 6
                decryptions, INSERT a ledger-sized row, commit.
- reveal floor: as get, with 1 decryption.
- find floor:   SELECT by an indexed 16-byte digest, then as get, with two ledger-sized rows.

The floor has no validation, no policy, no hashing of the ledger, no JSON and no key
hierarchy beyond one AES-GCM unwrap: the gap to it is what Strongroom itself costs.

The process pins itself to one CPU (the issue's "one core"). Output: a table on stdout and one
JSON line (the last line) with every figure.

    python bench/vault.py [--backend sqlite|postgres|both] [--records N] [--ops N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.access import local_operator
from strongroom.instance import init_instance
from strongroom.sim.customers import SPEC_YAML, customers
from strongroom.vault import records, tenants
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import parse_spec

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
FIELDS = ("full_name", "email", "phone", "card_number", "iban", "notes")
BATCH = 1000
AUDIT_ROW = b"x" * 420  # the size of a reveal's canonical ledger entry


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rate(n: int, fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


class Floor:
    """Bare driver access to two fresh databases: the physical work, nothing of Strongroom."""

    def __init__(self, backend: str, workdir: Path, pg_dbs: tuple[str, str] | None) -> None:
        self.backend = backend
        self.mark = "?" if backend == "sqlite" else "%s"
        if backend == "sqlite":
            self.data: Any = sqlite3.connect(workdir / "floor.db", isolation_level=None)
            self.keys: Any = sqlite3.connect(workdir / "floor-keys.db", isolation_level=None)
            for conn in (self.data, self.keys):
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
        else:
            assert pg_dbs is not None
            self.data = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={pg_dbs[0]}")
            self.keys = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={pg_dbs[1]}")
        blob = "BLOB" if backend == "sqlite" else "BYTEA"
        self.data.execute("CREATE TABLE rec (id TEXT PRIMARY KEY, sealed TEXT, tokens TEXT)")
        self.data.execute(f"CREATE TABLE idx (digest {blob}, id TEXT)")
        self.data.execute("CREATE INDEX idx_digest ON idx (digest)")
        self.data.execute(f"CREATE TABLE audit (seq INTEGER PRIMARY KEY, body {blob})")
        self.keys.execute(f"CREATE TABLE sk (id TEXT PRIMARY KEY, wrapped {blob})")
        self.keys.execute(f"CREATE TABLE tv (token TEXT PRIMARY KEY, sealed {blob})")
        self.keys.execute("CREATE TABLE tr (token TEXT, id TEXT)")
        self.commit(self.data)
        self.commit(self.keys)
        self.root = AESGCM(AESGCM.generate_key(bit_length=256))
        self.seq = 0

    def q(self, sql: str) -> str:
        return sql.replace("?", self.mark)

    def begin(self, conn: Any) -> None:
        if self.backend == "sqlite":
            conn.execute("BEGIN IMMEDIATE")

    def commit(self, conn: Any) -> None:
        if self.backend == "postgres":
            conn.commit()
        elif conn.in_transaction:
            conn.execute("COMMIT")

    @staticmethod
    def seal(key: AESGCM, value: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + key.encrypt(nonce, value, b"tenant|subject|field")

    @staticmethod
    def unseal(key: AESGCM, blob: bytes) -> bytes:
        return key.decrypt(blob[:12], blob[12:], b"tenant|subject|field")

    def audit(self) -> None:
        self.seq += 1
        self.data.execute(
            self.q("INSERT INTO audit (seq, body) VALUES (?, ?)"), (self.seq, AUDIT_ROW)
        )

    def put(self, rows: list[dict[str, str]]) -> None:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            recs, idx, keys, vault, refs = [], [], [], [], []
            for r in chunk:
                material = AESGCM.generate_key(bit_length=256)
                key = AESGCM(material)
                sealed = {f: self.seal(key, r[f].encode()).hex() for f in FIELDS}
                token = r["card_number"][::-1]
                recs.append((r["id"], json.dumps(sealed), json.dumps({"card_number": token})))
                idx += [(os.urandom(16), r["id"]), (os.urandom(16), r["id"])]
                keys.append((r["id"], self.seal(self.root, material)))
                vault.append((token, self.seal(self.root, r["card_number"].encode())))
                refs.append((token, r["id"]))
            self.begin(self.keys)
            kc = self.keys.cursor()
            kc.executemany(self.q("INSERT INTO sk VALUES (?, ?)"), keys)
            kc.executemany(self.q("INSERT INTO tv VALUES (?, ?) ON CONFLICT DO NOTHING"), vault)
            kc.executemany(self.q("INSERT INTO tr VALUES (?, ?)"), refs)
            self.commit(self.keys)
            self.begin(self.data)
            dc = self.data.cursor()
            dc.executemany(self.q("INSERT INTO rec VALUES (?, ?, ?)"), recs)
            dc.executemany(self.q("INSERT INTO idx VALUES (?, ?)"), idx)
            self.audit()
            self.commit(self.data)

    def get(self, subject: str, fields: int, entries: int = 1) -> None:
        wrapped = self.keys.execute(
            self.q("SELECT wrapped FROM sk WHERE id = ?"), (subject,)
        ).fetchone()
        self.commit(self.keys)
        key = AESGCM(self.unseal(self.root, bytes(wrapped[0])))
        self.begin(self.data)
        row = self.data.execute(
            self.q("SELECT sealed FROM rec WHERE id = ?"), (subject,)
        ).fetchone()
        sealed = json.loads(row[0])
        for f in FIELDS[:fields]:
            self.unseal(key, bytes.fromhex(sealed[f]))
        for _ in range(entries):
            self.audit()
        self.commit(self.data)

    def find(self, subject: str) -> None:
        self.data.execute(
            self.q("SELECT id FROM idx WHERE digest = ?"), (os.urandom(16),)
        ).fetchall()
        self.commit(self.data)
        self.get(subject, len(FIELDS), entries=2)

    def close(self) -> None:
        self.data.close()
        self.keys.close()


def run_backend(backend: str, n_records: int, n_ops: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"sr-bench-{backend}-"))
    dbs: list[str] = []
    os.environ["STRONGROOM_HOME"] = str(workdir / "home")
    os.environ.pop("STRONGROOM_DATABASE_URL", None)
    os.environ.pop("STRONGROOM_KEYSTORE_URL", None)
    floor_dbs = None
    if backend == "postgres":
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for _ in range(4):
                name = f"sr_bench_{uuid.uuid4().hex[:10]}"
                admin.execute(f'CREATE DATABASE "{name}"')
                dbs.append(name)
        os.environ["STRONGROOM_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{dbs[0]}"
        os.environ["STRONGROOM_KEYSTORE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{dbs[1]}"
        floor_dbs = (dbs[2], dbs[3])
    try:
        inst = init_instance()
        who = local_operator()
        tenants.create(inst, who, parse_spec(SPEC_YAML.format(tenant="bench", name="Bench")))
        rows = list(customers(n_records, seed=2026))
        batches = [from_dicts(rows[s : s + BATCH]) for s in range(0, len(rows), BATCH)]
        rng = random.Random(7)
        picks = [rng.choice(rows) for _ in range(n_ops)]
        floor = Floor(backend, workdir, floor_dbs)
        out: dict[str, Any] = {}

        say(f"[{backend}] put {n_records} records")
        ours = rate(n_records, lambda: [records.put(inst, who, "bench", b) for b in batches])
        base = rate(n_records, lambda: floor.put(rows))
        out["put"] = (ours, base)

        say(f"[{backend}] get x{n_ops}")
        ours = rate(n_ops, lambda: [records.get(inst, who, "bench", r["id"]) for r in picks])
        base = rate(n_ops, lambda: [floor.get(r["id"], len(FIELDS)) for r in picks])
        out["get"] = (ours, base)

        say(f"[{backend}] reveal x{n_ops}")
        ours = rate(
            n_ops,
            lambda: [
                records.reveal(inst, who, "bench", r["id"], "card_number", "benchmark")
                for r in picks
            ],
        )
        base = rate(n_ops, lambda: [floor.get(r["id"], 1) for r in picks])
        out["reveal"] = (ours, base)

        say(f"[{backend}] find x{n_ops}")
        ours = rate(
            n_ops, lambda: [records.find(inst, who, "bench", "email", r["email"]) for r in picks]
        )
        base = rate(n_ops, lambda: [floor.find(r["id"]) for r in picks])
        out["find"] = (ours, base)
        floor.close()
        inst.close()
        return out
    finally:
        if dbs:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                for name in dbs:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--ops", type=int, default=2_000)
    args = ap.parse_args()
    os.sched_setaffinity(0, {0})
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not pg_available():
        say("PostgreSQL unreachable on 127.0.0.1:5432: measuring SQLite only")
        backends.remove("postgres")
    results = {b: run_backend(b, args.records, args.ops) for b in backends}
    print(f"one CPU (pinned to cpu 0), {args.records} records, {args.ops} operations each")
    print(f"{'operation':<8} {'backend':<9} {'ours/s':>10} {'floor/s':>10} {'floor÷ours':>11}")
    summary: dict[str, Any] = {"bench": "vault", "records": args.records, "ops": args.ops}
    for backend, ops in results.items():
        for op, (ours, base) in ops.items():
            print(f"{op:<8} {backend:<9} {ours:>10,.0f} {base:>10,.0f} {base / ours:>10.1f}x")
            summary[f"{backend}.{op}"] = {
                "ours": round(ours, 1),
                "floor": round(base, 1),
                "ratio": round(base / ours, 2),
            }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
