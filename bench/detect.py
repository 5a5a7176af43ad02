"""Detection throughput beside its floor, and detection quality on seeds it never saw.

Data: `strongroom sim` (events.jsonl, the context files, labels.jsonl), generated into a temp
folder before anything is timed.

- throughput, at 90 agents x 14 days (seed 101) and 2,000 agents x 30 days (seed 102):
    floor:  events/s of `read_events` alone over the same events file, in this process (parsing
            and validating every line, nothing else);
    ours:   events/s of `strongroom detect run --json` end to end in a child process: start-up,
            context load, parse and every detector, alerts written to a file;
    ratio:  floor ÷ ours, and the child's peak resident memory (ru_maxrss from wait4, so it is
            that child's alone, not the simulator's).
  Everything timed runs pinned to one CPU (cpu 0; children inherit the pinning).
- quality, pooled over unseen seeds (201-205 by default) at 90 x 14: `strongroom detect eval
  --json` per seed, pooled (counts and actor-days add; times to detect are pooled before the
  median), per scenario: recall, named share, false alerts per 100 actor-days, median time to
  detect.

Output: tables on stdout and one JSON line (the last line) with every figure. Nothing here
asserts a speed: the figures are read, not gated.

    python bench/detect.py [--quick] [--seeds 201-205] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strongroom.detect.evaluate import Report, pool
from strongroom.detect.events import Skipped, read_events

EXE = str(Path(sys.executable).with_name("strongroom"))
THROUGHPUT = (("90x14", 90, 14, 101), ("2000x30", 2000, 30, 102))
EVAL_AGENTS, EVAL_DAYS = 90, 14


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Dataset:
    """One simulated run on disk."""

    name: str
    folder: Path

    @property
    def events(self) -> Path:
        return self.folder / "events.jsonl"

    @property
    def context(self) -> Path:
        # The simulator writes the context files beside the events, or in a context/ folder.
        sub = self.folder / "context"
        return sub if sub.is_dir() else self.folder

    @property
    def labels(self) -> Path:
        return self.folder / "labels.jsonl"


def generate(root: Path, name: str, agents: int, days: int, seed: int) -> Dataset:
    out = root / name
    if not (out / "events.jsonl").exists():
        say(f"simulating {agents} agents x {days} days (seed {seed})")
        args = ["sim", "--agents", str(agents), "--days", str(days), "--seed", str(seed)]
        proc = subprocess.run(
            [EXE, *args, "--out", str(out)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            sys.exit(f"strongroom sim failed ({proc.returncode}):\n{proc.stderr}")
    return Dataset(name, out)


def floor(data: Dataset) -> tuple[int, float]:
    """(events, seconds) of parsing the events file alone."""
    skipped = Skipped()
    start = time.perf_counter()
    n = sum(1 for _ in read_events(data.events, skipped))
    return n, time.perf_counter() - start


def run_child(args: list[str], stdout: Path, stderr: Path) -> tuple[int, float, int]:
    """(exit code, wall seconds, peak RSS in KiB) of one child process."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen([EXE, *args], stdout=out, stderr=err)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max over all).
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, seconds, usage.ru_maxrss


def throughput(data: Dataset, work: Path) -> dict[str, Any]:
    say(f"{data.name}: floor (read_events)")
    n, floor_s = floor(data)
    say(f"{data.name}: detect run ({n:,} events)")
    alerts, log = work / f"{data.name}.alerts.jsonl", work / f"{data.name}.stderr"
    code, ours_s, rss_kib = run_child(
        ["detect", "run", "--events", str(data.events), "--context", str(data.context), "--json"],
        alerts,
        log,
    )
    if code != 0:
        sys.exit(f"detect run failed ({code}):\n{log.read_text()}")
    with alerts.open("rb") as fh:
        n_alerts = sum(1 for _ in fh)
    floor_rate, ours_rate = n / floor_s, n / ours_s
    return {
        "events": n,
        "alerts": n_alerts,
        "floor_events_per_s": round(floor_rate),
        "events_per_s": round(ours_rate),
        "seconds": round(ours_s, 2),
        "ratio": round(floor_rate / ours_rate, 2),
        "peak_rss_mib": round(rss_kib / 1024, 1),
    }


def evaluation(data: Dataset, work: Path) -> Report:
    say(f"{data.name}: detect eval")
    out, log = work / f"{data.name}.report.json", work / f"{data.name}.eval.stderr"
    args = ["detect", "eval", "--events", str(data.events), "--context", str(data.context)]
    code, _, _ = run_child([*args, "--labels", str(data.labels), "--json"], out, log)
    if code != 0:
        sys.exit(f"detect eval failed ({code}):\n{log.read_text()}")
    return Report.from_dict(json.loads(out.read_text()))


def seeds(spec: str) -> list[int]:
    """`201-205` or `201,203`."""
    if "-" in spec:
        lo, hi = spec.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in spec.split(",")]


def _without_ttd_lists(doc: dict[str, Any]) -> dict[str, Any]:
    doc["overall"].pop("ttd_s", None)
    for s in doc["scenarios"].values():
        s.pop("ttd_s", None)
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip 2,000 agents x 30 days")
    ap.add_argument("--seeds", default="201-205", help="unseen seeds for the evaluation")
    ap.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="sr-bench-detect-"))
    root.mkdir(parents=True, exist_ok=True)
    work = root / "out"
    work.mkdir(exist_ok=True)
    try:
        sizes = THROUGHPUT[:1] if args.quick else THROUGHPUT
        timed = [generate(root, *s) for s in sizes]
        unseen = [generate(root, f"eval-{s}", EVAL_AGENTS, EVAL_DAYS, s) for s in seeds(args.seeds)]
        os.sched_setaffinity(0, {0})
        out: dict[str, Any] = {"bench": "detect", "cpu": "pinned to cpu 0", "throughput": {}}
        for data in timed:
            out["throughput"][data.name] = throughput(data, work)
        reports = [evaluation(d, work) for d in unseen]
        pooled = pool(reports)

        print("detect run, end to end (start-up + context + parse + detectors), one CPU")
        head = ("agents x days", "events", "alerts", "ours", "floor", "floor÷ours", "peak RSS")
        print(f"{head[0]:<14}" + "".join(f"{h:>13}" for h in head[1:]))
        for name, t in out["throughput"].items():
            print(
                f"{name:<14}{t['events']:>13,}{t['alerts']:>13,}"
                f"{t['events_per_s']:>11,}/s{t['floor_events_per_s']:>11,}/s"
                f"{t['ratio']:>12.1f}x{t['peak_rss_mib']:>9,.0f} MiB"
            )
        print()
        print(
            f"detect eval, {EVAL_AGENTS} agents x {EVAL_DAYS} days, pooled over seeds {args.seeds}"
        )
        print(pooled.table())
        out["eval"] = {
            "agents": EVAL_AGENTS,
            "days": EVAL_DAYS,
            "seeds": seeds(args.seeds),
            "per_seed_recall": [r.to_dict()["overall"]["recall"] for r in reports],
            "pooled": _without_ttd_lists(pooled.to_dict()),
        }
        print(json.dumps(out))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
