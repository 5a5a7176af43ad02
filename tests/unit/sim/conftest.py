"""One small run of the simulator, shared by the tests that read its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from strongroom.detect.context import FileContext, load_context
from strongroom.detect.evaluate import Label, read_labels
from strongroom.detect.events import Event, Skipped, read_events
from strongroom.sim.simulation import Summary, simulate

AGENTS, DAYS, SEED = 60, 12, 11


@dataclass(frozen=True)
class Run:
    folder: Path
    summary: Summary
    events: list[Event]
    skipped: Skipped
    context: FileContext
    labels: list[Label]

    def of(self, actor: str, start: float, end: float) -> list[Event]:
        return [e for e in self.events if e.actor == actor and start <= e.ts <= end]

    def labelled(self, e: Event) -> bool:
        return any(lb.actor == e.actor and lb.start <= e.ts <= lb.end for lb in self.labels)


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("sim") / "run"
    summary = simulate(folder, AGENTS, DAYS, SEED)
    skipped = Skipped()
    events = list(read_events(folder / "events.jsonl", skipped, strict=True))
    return Run(
        folder,
        summary,
        events,
        skipped,
        load_context(folder, strict=True),
        read_labels(folder / "labels.jsonl"),
    )
