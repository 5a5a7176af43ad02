"""Ledger throughput beside its floor, measured in the same run (SQLite, one CPU).

- append:   entries/s appended in batches of 1,000 (canonical JSON, chain hash, insert), beside
            the floor: bare SHA-256 of the same canonical bytes.
- reveal:   appends/s inside vault reveals (one entry each, with the reveal's own work).
- prove:    ms per inclusion proof against a checkpoint at 10^4, 10^5 and 10^6 entries
            (stored nodes, one query), beside the floor: hashing the proof's path.
- verify:   entries/s of a full `audit verify` (sequence, chain, columns, tree, checkpoints),
            beside the floor: SHA-256 of every body once.

    python bench/ledger.py [--max 1000000] [--reveals 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strongroom.access import local_operator
from strongroom.audit import log as ledger
from strongroom.audit import merkle
from strongroom.audit.entry import Entry, RequestContext
from strongroom.audit.ledger import append
from strongroom.instance import init_instance
from strongroom.sim.customers import SPEC_YAML, customers
from strongroom.store.engine import transaction
from strongroom.vault import records, tenants
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import parse_spec

BATCH = 1000


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def entry(i: int) -> Entry:
    return Entry(
        ts=datetime.now(UTC),
        principal=f"agent:emp-{i % 400:04d}",
        role="agent",
        tenant=f"tenant-{i % 7}",
        action="record.reveal",
        outcome="allowed",
        reason="ticket assigned, on shift, badged in",
        subjects=(f"c-{i:07d}",),
        fields=("card_number",),
        purpose="refund on ticket",
        policies=("agent-reveal",),
        context=RequestContext(
            ip="10.10.0.52", device="ws-mnl-1-0042", site="mnl-1", ticket=f"T-{i:06d}"
        ),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--max", type=int, default=1_000_000)
    ap.add_argument("--reveals", type=int, default=2000)
    args = ap.parse_args()
    os.sched_setaffinity(0, {0})
    os.environ["STRONGROOM_HOME"] = tempfile.mkdtemp(prefix="sr-bench-ledger-")
    os.environ["STRONGROOM_CHECKPOINT_EVERY"] = str(10**9)  # checkpoints only where measured
    os.environ["STRONGROOM_CHECKPOINT_SECONDS"] = str(10**9)
    inst = init_instance(Path(os.environ["STRONGROOM_HOME"]))
    who = local_operator()
    out: dict[str, Any] = {"bench": "ledger"}
    rows: list[tuple[str, str, str, str]] = []

    # Appends inside vault reveals.
    tenants.create(inst, who, parse_spec(SPEC_YAML.format(tenant="bench", name="Bench")))
    people = list(customers(1000, seed=5))
    records.put(
        inst,
        who,
        "bench",
        from_dicts(people),
    )
    start = time.perf_counter()
    for i in range(args.reveals):
        records.reveal(inst, who, "bench", people[i % 1000]["id"], "card_number", "benchmark")
    reveal_rate = args.reveals / (time.perf_counter() - start)
    out["reveal_appends_per_s"] = round(reveal_rate)
    rows.append(("append inside reveal", f"{reveal_rate:,.0f}/s", "", ""))

    sizes = [s for s in (10**4, 10**5, 10**6) if s <= args.max]
    built = 0
    append_time = floor_time = 0.0
    appended = 0
    for target in sizes:
        say(f"building the ledger to {target:,} entries")
        with transaction(inst.data, read_only=True) as tx:
            have = int(tx.one("SELECT count(*) FROM audit_entries")[0])  # type: ignore[index]
        n = target - have
        batch = [entry(i) for i in range(BATCH)]
        bodies = [e.canonical() for e in batch]
        for done in range(0, n, BATCH):
            k = min(BATCH, n - done)
            t0 = time.perf_counter()
            with transaction(inst.data) as tx:
                append(tx, batch[:k])
            t1 = time.perf_counter()
            for b in bodies[:k]:
                hashlib.sha256(b"\x00" + b).digest()
                hashlib.sha256(b"\x02" + b).digest()
            floor_time += time.perf_counter() - t1
            append_time += t1 - t0
            appended += k
        built = target
        t0 = time.perf_counter()
        signed = ledger.issue_checkpoint(inst)
        cp_time = time.perf_counter() - t0
        picks = random.Random(target).sample(range(built), 200)
        t0 = time.perf_counter()
        docs = [ledger.prove(inst, i, signed.note) for i in picks]
        prove_ms = (time.perf_counter() - t0) / len(picks) * 1000
        t0 = time.perf_counter()
        for d in docs:
            path = [bytes(32)] * len(d["proof"])
            leaf = merkle.leaf_hash(d["entry"].encode())
            for p in path:
                leaf = merkle.node_hash(leaf, p)
        prove_floor_ms = (time.perf_counter() - t0) / len(picks) * 1000
        say(f"verifying {built:,} entries")
        t0 = time.perf_counter()
        report = ledger.verify(inst)
        verify_rate = built / (time.perf_counter() - t0)
        assert report.intact, report.problems
        with transaction(inst.data, read_only=True) as tx:
            all_bodies = tx.column("SELECT body FROM audit_entries ORDER BY seq")
        t0 = time.perf_counter()
        for b in all_bodies:
            hashlib.sha256(b"\x00" + b.encode()).digest()
        verify_floor = built / (time.perf_counter() - t0)
        out[f"{built}"] = {
            "checkpoint_s": round(cp_time, 2),
            "prove_ms": round(prove_ms, 3),
            "prove_floor_ms": round(prove_floor_ms, 4),
            "verify_per_s": round(verify_rate),
            "verify_floor_per_s": round(verify_floor),
        }
        rows.append(
            (
                f"prove @ {built:,}",
                f"{prove_ms:.3f} ms",
                f"{prove_floor_ms:.4f} ms",
                f"{prove_ms / prove_floor_ms:.0f}x",
            )
        )
        rows.append(
            (
                f"verify @ {built:,}",
                f"{verify_rate:,.0f}/s",
                f"{verify_floor:,.0f}/s",
                f"{verify_floor / verify_rate:.1f}x",
            )
        )
        rows.append((f"checkpoint @ {built:,}", f"{cp_time:.2f} s", "", ""))
    append_rate = appended / append_time
    append_floor = appended / floor_time
    out["append_per_s"] = round(append_rate)
    out["append_floor_per_s"] = round(append_floor)
    rows.insert(
        0,
        (
            "append (batches of 1,000)",
            f"{append_rate:,.0f}/s",
            f"{append_floor:,.0f}/s",
            f"{append_floor / append_rate:.1f}x",
        ),
    )
    inst.close()
    print("SQLite, one CPU (pinned to cpu 0)")
    print(f"{'measure':<28} {'ours':>14} {'floor':>14} {'floor÷ours':>11}")
    for name, ours, floor, ratio in rows:
        print(f"{name:<28} {ours:>14} {floor:>14} {ratio:>11}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
