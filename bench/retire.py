"""Retiring a tenant's old key versions (`strongroom keys rotate --retire`): how long it takes,
beside the bare cost of its cryptography, in the same run.

What is measured: a tenant of `--records` customer records (each with a card, so as many
token-vault entries), on SQLite and on PostgreSQL (127.0.0.1:5432, databases made and
dropped by the run), with the key-file root key. `keys.rotate(retire=True)` is timed
`--rounds` times: each rotates the `data` keyset, opens every subject key and token entry
and wraps it again under the new version, checks none is left behind, destroys the older
versions and stores the keyset, in one key-store transaction, with its ledger entry. That
transaction holds the tenant's keyset row (PostgreSQL) or the key store's one writer
(SQLite) for the whole time: new records of the tenant wait that long.
The floor: the same keys and entries opened and wrapped again by the same Tink keyset
directly, in memory (no store, no ledger): what the cryptography alone costs.

Pinned to cpu 0. Output: a table on stdout and one JSON line (the last line). About a minute.

    python bench/retire.py [--records 10000] [--rounds 3] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strongroom.access import local_operator
from strongroom.crypto import DATA, DataKey, Keyset, rotate
from strongroom.instance import Instance, init_instance
from strongroom.sim.customers import SPEC_YAML, customers
from strongroom.store.engine import transaction
from strongroom.vault import keyring, keys, tenants, tokens
from strongroom.vault import records as vault_records
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import parse_spec

TENANT = "bench"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def populate(inst: Instance, n: int) -> None:
    op = local_operator()
    tenants.create(inst, op, parse_spec(SPEC_YAML.format(tenant=TENANT, name="Bench")))
    rows = list(customers(n, seed=17))
    for start in range(0, n, 1000):
        vault_records.put(inst, op, TENANT, from_dicts(rows[start : start + 1000]))


def floor(inst: Instance) -> tuple[float, int, int]:
    """Seconds to open and wrap again every subject key and token entry with the keyset alone;
    how many of each."""
    with transaction(inst.keys, tenant=TENANT, read_only=True) as ktx:
        ks: Keyset = keyring.keyset(inst, ktx, TENANT, DATA, current=True)
        wrapped = keyring.wrapped_data_keys(ktx, TENANT)
        entries = tokens.all_entries(ktx, TENANT)
    new = rotate(ks)
    t = time.perf_counter()
    for subject, blob in wrapped:
        DataKey.unwrap(blob, new, TENANT, subject).wrap(new, TENANT, subject)
    for token, sealed in entries:
        binding = tokens.entry_binding(TENANT, token)
        new.seal(new.unseal(sealed, binding), binding)
    return time.perf_counter() - t, len(wrapped), len(entries)


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"sr-retire-{backend}-"))
    os.environ["STRONGROOM_HOME"] = str(workdir / "home")
    os.environ.pop("STRONGROOM_DATABASE_URL", None)
    os.environ.pop("STRONGROOM_KEYSTORE_URL", None)
    dbs: list[str] = []
    if backend == "postgres":
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for _ in range(2):
                dbs.append(f"sr_bench_{uuid.uuid4().hex[:10]}")
                admin.execute(f'CREATE DATABASE "{dbs[-1]}"')
        os.environ["STRONGROOM_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{dbs[0]}"
        os.environ["STRONGROOM_KEYSTORE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1/{dbs[1]}"
    try:
        inst = init_instance()
        say(f"[{backend}] {args.records} records")
        populate(inst, args.records)
        times, floors = [], []
        done = None
        for _ in range(args.rounds):
            bare, subjects, entries = floor(inst)
            floors.append(bare)
            t = time.perf_counter()
            done = keys.rotate(inst, local_operator(), TENANT, retire=True)
            times.append(time.perf_counter() - t)
            assert done.rewrapped_subject_keys == subjects and done.rewrapped_tokens == entries
            assert done.retired_versions == (done.old_version,)
        inst.close()
        assert done is not None
        secrets = done.rewrapped_subject_keys + done.rewrapped_tokens
        ours, bare = statistics.median(times), statistics.median(floors)
        return {
            "backend": backend,
            "subject_keys": done.rewrapped_subject_keys,
            "token_entries": done.rewrapped_tokens,
            "retire_s": round(ours, 3),
            "floor_s": round(bare, 3),
            "secrets_per_s": round(secrets / ours),
            "floor_secrets_per_s": round(secrets / bare),
            "ratio": round(ours / bare, 1),
            "retires_s": [round(x, 3) for x in times],
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if dbs:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                for name in dbs:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = ap.parse_args()
    os.sched_setaffinity(0, {0})  # one CPU, as the other benches
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [measure(b, args) for b in backends]
    head = ("backend", "keys", "tokens", "retire s", "secrets/s", "floor s", "floor secrets/s")
    print(f"{head[0]:9} " + " ".join(f"{h:>{len(h) + 2}}" for h in head[1:]) + "  ÷ floor")
    for r in results:
        print(
            f"{r['backend']:9} {r['subject_keys']:>6} {r['token_entries']:>8} "
            f"{r['retire_s']:>10.3f} {r['secrets_per_s']:>11,} {r['floor_s']:>9.3f} "
            f"{r['floor_secrets_per_s']:>17,} {r['ratio']:>7.1f}x"
        )
    print(
        json.dumps(
            {"bench": "retire", "records": args.records, "rounds": args.rounds, "results": results}
        )
    )


if __name__ == "__main__":
    main()
