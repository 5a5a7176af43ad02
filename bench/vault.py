"""Vault throughput beside its floor, measured in the same run.

What is measured, per backend (SQLite file; PostgreSQL on 127.0.0.1):

- put:    records/s through `vault.records.put` in batches of 1,000 (6 fields: validation,
          per-subject data keys, 6 sealed values, 2 blind indexes, a card token, one ledger
          entry per batch, key store and data store both written).
- get:    masked views/s through `vault.records.get` (one ledger entry each).
- reveal: one-field reveals/s through `vault.records.reveal` (one ledger entry each).
- find:   blind-index finds/s by email through `vault.records.find` (two entries each: the
          search and the view of the match).

The floor of each is the same bytes through AES-256-GCM (pyca/cryptography) and bare SQL on
the raw driver (sqlite3 / psycopg) in a fresh database of the same kind:

- put floor:    6 AES-GCM encryptions per record, one executemany INSERT of the 6 ciphertexts
                per record, one commit per 1,000 records.
- get floor:    SELECT the row by key, 6 AES-GCM decryptions, INSERT one audit-sized row, commit.
- reveal floor: SELECT the row by key, 1 decryption, INSERT one audit-sized row, commit.
- find floor:   SELECT by an indexed 16-byte digest, SELECT the row, 6 decryptions, INSERT two
                audit-sized rows, commit.

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
from strongroom.vault.intake import RawRecord
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
    """Bare driver access to a fresh database: the physical work, nothing of Strongroom."""

    def __init__(self, backend: str, workdir: Path, pg_db: str | None) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.conn: Any = sqlite3.connect(workdir / "floor.db", isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.mark = "?"
        else:
            self.conn = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={pg_db}")
            self.mark = "%s"
        blob = "BLOB" if backend == "sqlite" else "BYTEA"
        cols = ", ".join(f"f{i} {blob}" for i in range(len(FIELDS)))
        self.exec(f"CREATE TABLE rec (id TEXT PRIMARY KEY, {cols})")
        self.exec(f"CREATE TABLE idx (digest {blob}, id TEXT)")
        self.exec("CREATE INDEX idx_digest ON idx (digest)")
        self.exec(f"CREATE TABLE audit (seq INTEGER PRIMARY KEY, body {blob})")
        self.commit()
        self.key = AESGCM(AESGCM.generate_key(bit_length=256))
        self.seq = 0

    def exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if (
            self.backend == "sqlite"
            and not self.conn.in_transaction
            and not sql.startswith("CREATE")
        ):
            self.conn.execute("BEGIN IMMEDIATE")
        return self.conn.execute(sql.replace("?", self.mark), params)

    def commit(self) -> None:
        self.conn.commit() if self.backend == "postgres" else (
            self.conn.execute("COMMIT") if self.conn.in_transaction else None
        )

    def seal(self, value: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.key.encrypt(nonce, value.encode(), b"tenant|subject|field")

    def unseal(self, blob: bytes) -> bytes:
        return self.key.decrypt(blob[:12], blob[12:], b"tenant|subject|field")

    def audit(self) -> None:
        self.seq += 1
        self.exec("INSERT INTO audit (seq, body) VALUES (?, ?)", (self.seq, AUDIT_ROW))

    def put(self, rows: list[dict[str, str]]) -> None:
        marks = ", ".join([self.mark] * (len(FIELDS) + 1))
        sql = f"INSERT INTO rec VALUES ({marks})"
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            if self.backend == "sqlite":
                self.conn.execute("BEGIN IMMEDIATE")
            cur = self.conn.cursor()
            cur.executemany(sql, [(r["id"], *(self.seal(r[f]) for f in FIELDS)) for r in chunk])
            cur.executemany(
                f"INSERT INTO idx VALUES ({self.mark}, {self.mark})",
                [(os.urandom(16), r["id"]) for r in chunk],
            )
            self.commit()

    def get(self, subject: str, fields: int) -> None:
        row = self.exec("SELECT * FROM rec WHERE id = ?", (subject,)).fetchone()
        for blob in row[1 : 1 + fields]:
            self.unseal(bytes(blob))
        self.audit()
        self.commit()

    def find(self, digest: bytes) -> None:
        self.exec("SELECT id FROM idx WHERE digest = ?", (digest,)).fetchall()
        row = self.exec("SELECT * FROM rec WHERE id = ?", ("c-000001",)).fetchone()
        for blob in row[1:]:
            self.unseal(bytes(blob))
        self.audit()
        self.audit()
        self.commit()

    def close(self) -> None:
        self.conn.close()


def run_backend(backend: str, n_records: int, n_ops: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"sr-bench-{backend}-"))
    dbs: list[str] = []
    os.environ["STRONGROOM_HOME"] = str(workdir / "home")
    os.environ.pop("STRONGROOM_DATABASE_URL", None)
    os.environ.pop("STRONGROOM_KEYSTORE_URL", None)
    floor_db = None
    if backend == "postgres":
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for _ in range(3):
                name = f"sr_bench_{uuid.uuid4().hex[:10]}"
                admin.execute(f'CREATE DATABASE "{name}"')
                dbs.append(name)
        os.environ["STRONGROOM_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{dbs[0]}"
        os.environ["STRONGROOM_KEYSTORE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{dbs[1]}"
        floor_db = dbs[2]
    try:
        inst = init_instance()
        who = local_operator()
        tenants.create(inst, who, parse_spec(SPEC_YAML.format(tenant="bench", name="Bench")))
        rows = list(customers(n_records, seed=2026))
        batches = [
            [
                RawRecord(i, r["id"], {k: v for k, v in r.items() if k != "id"})
                for i, r in enumerate(rows[s : s + BATCH], start=1)
            ]
            for s in range(0, len(rows), BATCH)
        ]
        rng = random.Random(7)
        picks = [rng.choice(rows) for _ in range(n_ops)]
        floor = Floor(backend, workdir, floor_db)
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
        base = rate(n_ops, lambda: [floor.find(os.urandom(16)) for _ in picks])
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
