"""SQLite writers from several processes: the writer queue (`store.engine._Writers`) beside
SQLite's own wait for its write lock, in the same run.

Why it exists: under `strongroom serve --workers N` on SQLite every gated request is a writing
transaction (its ledger entry), and SQLite's busy handler sleeps 1, 2, 5, 10 ... ms between
tries for the write lock. Each process here runs `transaction(engine)` the way the door does:
BEGIN IMMEDIATE, a read, `--hold-us` of CPU inside the transaction (the decision), an insert,
COMMIT, then `--outside-us` of CPU outside it (HTTP, decryption, masking). One process is the
ceiling's unit; N processes with the queue and without it (the engine's queue removed, so only
SQLite's own wait remains) are compared: transactions/s, and each transaction's latency.

Output: a table on stdout and one JSON line (the last line). Needs N CPUs for a fair run.

    python bench/writers.py [--processes 2] [--transactions 3000] [--hold-us 400] [--outside-us 500]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strongroom.store import engine as store


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def writer(url: str, queue: bool, n: int, hold: float, outside: float, out: Any) -> None:
    eng = store.open_engine(url)
    if not queue:
        store._WRITERS.pop(eng, None)  # SQLite's own wait alone
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        with store.transaction(eng) as tx:
            tx.one("SELECT max(id) FROM t")
            spin(hold)
            tx.run("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
        spin(outside)
        lat.append(time.perf_counter() - t)
    eng.dispose()
    out.put(lat)


def run(url: str, procs: int, queue: bool, args: argparse.Namespace) -> dict[str, float]:
    q: Any = mp.get_context("spawn").Queue()
    ctx = mp.get_context("spawn")
    ps = [
        ctx.Process(
            target=writer,
            args=(url, queue, args.transactions, args.hold_us / 1e6, args.outside_us / 1e6, q),
        )
        for _ in range(procs)
    ]
    t = time.perf_counter()
    for p in ps:
        p.start()
    lats = [q.get() for _ in ps]
    for p in ps:
        p.join()
    elapsed = time.perf_counter() - t
    every = sorted(x for lat in lats for x in lat)
    return {
        "tx_per_s": round(procs * args.transactions / elapsed, 1),
        "p50_ms": round(statistics.median(every) * 1e3, 3),
        "p99_ms": round(every[int(len(every) * 0.99)] * 1e3, 3),
        "max_ms": round(every[-1] * 1e3, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--transactions", type=int, default=3000, help="per process")
    ap.add_argument("--hold-us", type=float, default=400.0, help="CPU inside the transaction")
    ap.add_argument("--outside-us", type=float, default=500.0, help="CPU outside it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sr-bench-writers-") as d:
        url = f"sqlite:///{Path(d) / 'w.db'}"
        eng = store.open_engine(url)
        with store.transaction(eng) as tx:
            tx.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        eng.dispose()
        one = run(url, 1, True, args)
        results = {}
        # Alternate, twice each, so neither gets the quieter half of the run.
        for rnd in range(2):
            for name, queue in (("sqlite_wait", False), ("queue", True)):
                results[f"{name}.{rnd}"] = run(url, args.processes, queue, args)
    best = {
        name: max((results[f"{name}.{r}"] for r in range(2)), key=lambda c: c["tx_per_s"])
        for name in ("sqlite_wait", "queue")
    }
    print(
        f"{args.processes} processes x {args.transactions} transactions, "
        f"{args.hold_us:g} µs held inside, {args.outside_us:g} µs outside; cpus "
        f"{len(os.sched_getaffinity(0))}"
    )
    print(f"{'writers':<38} {'tx/s':>8} {'x one':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    rows = [("1 process", one)] + [
        (f"{args.processes} processes, {label} (round {r + 1})", results[f"{key}.{r}"])
        for key, label in (("sqlite_wait", "SQLite's wait"), ("queue", "queue"))
        for r in range(2)
    ]
    for label, c in rows:
        print(
            f"{label:<38} {c['tx_per_s']:>8,.0f} {c['tx_per_s'] / one['tx_per_s']:>5.2f}x"
            f" {c['p50_ms']:>7.2f} {c['p99_ms']:>7.2f} {c['max_ms']:>7.1f}"
        )
    ratio = best["queue"]["tx_per_s"] / best["sqlite_wait"]["tx_per_s"]
    print(f"queue / SQLite's wait (best of two each): {ratio:.2f}x transactions/s")
    print(
        json.dumps(
            {
                "bench": "writers",
                "processes": args.processes,
                "transactions": args.transactions,
                "hold_us": args.hold_us,
                "outside_us": args.outside_us,
                "one": one,
                "runs": results,
                "queue_vs_sqlite_wait": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
