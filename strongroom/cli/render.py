"""Output for people and for machines: `--json` prints one JSON document on stdout; otherwise a
short table or key/value block. Errors go to stderr, never stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import typer


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=None, sort_keys=False, default=str) + "\n")


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    cells = [[str(c) for c in header]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            typer.echo("  ".join("-" * w for w in widths))


def pairs(items: Sequence[tuple[str, Any]]) -> None:
    width = max((len(k) for k, _ in items), default=0)
    for k, v in items:
        typer.echo(f"{k.ljust(width)}  {v}")


def progress(label: str) -> Any:
    """A progress callback drawing on stderr (only when stderr is a terminal)."""

    def draw(done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{label}: {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return draw
