"""strongroom detect run | eval

The continuous auditor over files: an events stream and a context folder in, explained
alerts out (`run`), or scored against the simulator's labels (`eval`).

Output contract: with `--json`, stdout carries only JSON (one alert a line for `run`, one report
for `eval`). What was read and what was skipped goes to stderr, always, so that a malformed
line is never silent. `--strict` turns the first malformed line into bad input (exit 2) with
nothing on stdout: its alerts are held until the last line has been read, so that a script never
takes the alerts before a bad line for a whole run's. Events are streamed: only alerts are held.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli.alert import watch_command
from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.detect.alert import Alert
from strongroom.detect.auditor import Auditor
from strongroom.detect.context import load_context
from strongroom.detect.evaluate import Report, evaluate, read_labels
from strongroom.detect.events import Skipped, iso, read_events

app = typer.Typer(
    help="The continuous auditor: data-access events in, insider-threat alerts out.",
    no_args_is_help=True,
)

Events = Annotated[
    Path,
    typer.Option("--events", metavar="FILE", help="events.jsonl, one event a line, time order."),
]
ContextDir = Annotated[
    Path,
    typer.Option(
        "--context",
        metavar="DIR",
        help="Folder of assignments/shifts/tickets/badges .jsonl files (each optional).",
    ),
]
Strict = Annotated[
    bool,
    typer.Option("--strict", help="Stop at the first malformed line (exit 2) instead of skipping."),
]
Labels = Annotated[
    Path, typer.Option("--labels", metavar="FILE", help="labels.jsonl from `strongroom sim`.")
]

SHOWN_SKIPS = 5


@dataclass(frozen=True)
class _Read:
    """What a command read, for the stderr summary."""

    events: int
    alerts: int
    skipped_events: Skipped
    skipped_context: Skipped


def _summarise(read: _Read) -> None:
    """The stderr footer: events read, then every skipped line's count and the first few."""
    sys.stderr.write(f"read {read.events:,} events; {read.alerts:,} alerts\n")
    for what, skipped in (("events", read.skipped_events), ("context", read.skipped_context)):
        if not skipped.count:
            continue
        plural = "line" if skipped.count == 1 else "lines"
        sys.stderr.write(f"skipped {skipped.count:,} malformed {plural} in the {what}:\n")
        for m in skipped.first[:SHOWN_SKIPS]:
            sys.stderr.write(f"  {m}\n")
        if skipped.count > SHOWN_SKIPS:
            sys.stderr.write(f"  ... and {skipped.count - SHOWN_SKIPS:,} more\n")


_COLUMNS = (("time", 20), ("severity", 8), ("scenario", 20), ("actor", 14), ("at", 20))


class _AlertTable:
    """Alerts as table rows, printed as they are raised (fixed widths: nothing is buffered)."""

    def __init__(self) -> None:
        self.shown = 0

    def __call__(self, a: Alert) -> None:
        if not self.shown:
            typer.echo(self._line([name for name, _ in _COLUMNS] + ["explanation"]))
            typer.echo(self._line(["-" * w for _, w in _COLUMNS] + ["-" * 11]))
        self.shown += 1
        at = a.evidence[0] if a.evidence else ""
        typer.echo(self._line([iso(a.end), a.severity, a.scenario, a.actor, at, a.explanation]))

    @staticmethod
    def _line(cells: list[str]) -> str:
        head = (c.ljust(w) for c, (_, w) in zip(cells, _COLUMNS, strict=False))
        return "  ".join([*head, cells[-1]]).rstrip()


def _emit_json(a: Alert) -> None:
    sys.stdout.write(json.dumps(a.to_dict()) + "\n")


@app.command("run")
def run_(
    events: Events,
    context: ContextDir,
    strict: Strict = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON alert a line on stdout, nothing else.")
    ] = False,
) -> None:
    """Run the detectors over an events file and print the alerts as they are raised (with
    --strict, once the whole file has been read).

    Example: strongroom detect run --events events.jsonl --context ctx/ --json > alerts.jsonl
    """
    printer = _emit_json if as_json else _AlertTable()
    held: list[Alert] = []
    show = held.append if strict else printer

    def action() -> _Read:
        ctx = load_context(context, strict)
        skipped = Skipped()
        auditor = Auditor(ctx)
        alerts = 0
        for e in read_events(events, skipped, strict):
            for a in auditor.feed(e):
                alerts += 1
                show(a)
        for a in auditor.finish():
            alerts += 1
            show(a)
        for a in held:  # reached only when every line was well formed
            printer(a)
        return _Read(auditor.events, alerts, skipped, ctx.skipped)

    def render(read: _Read) -> None:
        if not as_json and not read.alerts:
            typer.echo("no alerts")
        _summarise(read)

    run(as_json, action, render)


@app.command("eval")
def eval_(
    events: Events,
    context: ContextDir,
    labels: Labels,
    strict: Strict = False,
    as_json: Json = False,
) -> None:
    """Run the detectors and score their alerts against labels.

    Per scenario: recall, named share, false alerts per 100 actor-days, median time to detect;
    and events/s.

    Example: strongroom detect eval --events events.jsonl --context ctx/ --labels labels.jsonl
    """

    def action() -> tuple[Report, _Read]:
        ctx = load_context(context, strict)
        truth = read_labels(labels)
        skipped = Skipped()
        report = evaluate(read_events(events, skipped, strict), ctx, truth)
        return report, _Read(report.events, report.alerts, skipped, ctx.skipped)

    def render(result: tuple[Report, _Read]) -> None:
        report, read = result
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        else:
            typer.echo(report.table())
        _summarise(read)

    run(as_json, action, render)


# `detect watch`: the same detectors over the instance's own ledger, live (cli/alert.py).
app.command("watch")(watch_command)
