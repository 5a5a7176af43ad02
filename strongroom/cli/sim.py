"""strongroom sim

A synthetic BPO's traffic with labelled insider attacks, written as the files `strongroom
detect` reads: events, a context folder (the output folder itself) and labels.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, progress
from strongroom.sim.simulation import Summary, simulate


def sim(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="DIR", help="A new or empty folder for the files."),
    ],
    agents: Annotated[int, typer.Option("--agents", help="Agents on the floors.")] = 90,
    days: Annotated[int, typer.Option("--days", help="Days from 2026-10-05 (UTC).")] = 14,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 1,
    as_json: Json = False,
) -> None:
    """Simulate a BPO: tenants, sites, agents, supervisors and vendors at work, with honest
    noise and every insider-attack scenario injected, into DIR: events.jsonl (time order),
    assignments/shifts/tickets/badges.jsonl (DIR is a --context folder) and labels.jsonl.

    Example: strongroom sim --agents 90 --days 14 --seed 7 --out run1
             strongroom detect eval --events run1/events.jsonl --context run1 \\
                 --labels run1/labels.jsonl
    """

    def action() -> Summary:
        return simulate(out, agents, days, seed, progress("sim: day"))

    def render(s: Summary) -> None:
        sys.stderr.write(
            f"sim: {s.events:,} events, {s.actors:,} actors ({s.agents:,} agents, "
            f"{s.supervisors:,} supervisors, {s.vendors:,} vendors), "
            f"{sum(s.scenarios.values()):,} labels, in {s.seconds:.1f} s -> {s.folder}\n"
        )
        if as_json:
            emit_json(s.to_dict())

    run(as_json, action, render)
