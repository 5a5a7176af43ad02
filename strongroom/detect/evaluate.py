"""How well the auditor did: its alerts scored against the labels of injected incidents.

The rules (stated here once; the bench and `detect eval` report by them):

- A label {scenario, actor, start, end} is *caught* when some alert for the same actor overlaps
  the label widened by `SLACK_S` (one hour) on each side: `alert.start <= label.end + 1 h` and
  `alert.end >= label.start - 1 h`, edges included. Recall = caught labels / labels, per
  scenario and overall. A caught label is *named* when one of the alerts that caught it names
  the label's scenario; the named share is named / caught.
- A *false alert* is one that catches no label. Detectors can raise several alerts for one
  burst, so false alerts are counted once per actor and hour: distinct (actor, hour of
  `alert.end`, floored) pairs. The rate is per 100 actor-days, an actor-day being a distinct
  (actor, UTC date) with at least one event in the stream; `ActorDays` counts them as the
  events stream past, so nothing is held but the pairs. Per scenario, false alerts are the
  distinct actor-hours of that scenario's false alerts (a busy hour with two scenarios counts
  once in the total and once in each row, so the rows may sum to more than the total).
- Time to detect of a caught label = the earliest `end` among the alerts that caught it minus
  the label's start, never below zero (an alert ending in the hour before the label starts
  still catches it), in seconds; medians per scenario and overall.
- events/s = events processed / wall time of parse + detect, timed by `evaluate` (loading the
  context and the labels is not counted).

Labels are ground truth, so a malformed labels file is an error (BadInput naming file, line and
field), never skipped: a dropped label would move the recall and turn the alerts it explains
into false ones.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strongroom.detect.alert import SCENARIOS, Alert
from strongroom.detect.auditor import Auditor
from strongroom.detect.context import Context
from strongroom.detect.detectors.interface import Detector
from strongroom.detect.events import Event, iso, parse_time
from strongroom.documents import json_lines, read_text
from strongroom.errors import BadInput

SLACK_S = 3600.0
_DAY_S = 86_400
_HOUR_S = 3600


@dataclass(frozen=True, slots=True)
class Label:
    """One injected incident: what the simulator did, by whom, from when to when."""

    scenario: str
    actor: str
    start: float
    end: float

    def caught_by(self, alert: Alert) -> bool:
        """Whether `alert` overlaps this label, widened by the slack on each side."""
        return (
            alert.actor == self.actor
            and alert.start <= self.end + SLACK_S
            and alert.end >= self.start - SLACK_S
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "actor": self.actor,
            "start": iso(self.start),
            "end": iso(self.end),
        }


def _label(obj: Any) -> Label:
    """The label in one decoded line. Raises BadInput (without file or line) naming the field."""
    if not isinstance(obj, dict):
        raise BadInput("a line must be a JSON object")
    scenario = obj.get("scenario")
    if scenario not in SCENARIOS:
        raise BadInput(
            f"scenario must be one of {', '.join(SCENARIOS)}, not {str(scenario)[:40]!r}",
            field="scenario",
        )
    actor = obj.get("actor")
    if not isinstance(actor, str) or not actor:
        raise BadInput("actor must be a non-empty string", field="actor")
    times: dict[str, float] = {}
    for key in ("start", "end"):
        try:
            times[key] = parse_time(obj.get(key), key)
        except ValueError as exc:
            raise BadInput(str(exc), field=key) from None
    if times["end"] < times["start"]:
        raise BadInput("end is before start", field="end")
    return Label(scenario, actor, times["start"], times["end"])


def parse_labels(text: str, source: str) -> list[Label]:
    """Labels from JSON lines (blank lines ignored). Raises BadInput naming `source`, the line
    and the field at the first malformed line, an unknown scenario included."""
    labels: list[Label] = []
    for n, obj in json_lines(text, source):
        try:
            labels.append(_label(obj))
        except BadInput as exc:
            raise BadInput(exc.reason, file=source, line=n, field=exc.location.field) from None
    return labels


def read_labels(path: Path) -> list[Label]:
    """The labels of `path` (`labels.jsonl` as the simulator writes it). Raises BadInput when
    the file cannot be read or a line is malformed."""
    return parse_labels(read_text(path), path.name)


class ActorDays:
    """Distinct (actor, UTC date) pairs with at least one event: the exposure false alerts are
    rated against. Counted while the events stream past (`counted`), never from a list."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, int]] = set()

    def see(self, event: Event) -> None:
        self._seen.add((event.actor, int(event.ts // _DAY_S)))

    def counted(self, events: Iterable[Event]) -> Iterator[Event]:
        """`events`, unchanged, each seen on its way through."""
        seen = self._seen
        for e in events:
            seen.add((e.actor, int(e.ts // _DAY_S)))
            yield e

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True, slots=True)
class ScenarioScore:
    """The figures of one scenario: its labels, and the false alerts that named it."""

    labels: int = 0
    caught: int = 0
    named: int = 0
    ttd_s: tuple[float, ...] = ()  # one per caught label, ascending
    false_alerts: int = 0  # distinct actor-hours

    @property
    def recall(self) -> float | None:
        return self.caught / self.labels if self.labels else None

    @property
    def named_share(self) -> float | None:
        return self.named / self.caught if self.caught else None

    @property
    def median_ttd_s(self) -> float | None:
        return statistics.median(self.ttd_s) if self.ttd_s else None

    def __add__(self, other: ScenarioScore) -> ScenarioScore:
        return ScenarioScore(
            self.labels + other.labels,
            self.caught + other.caught,
            self.named + other.named,
            tuple(sorted(self.ttd_s + other.ttd_s)),
            self.false_alerts + other.false_alerts,
        )


def _rate(n: int, per: int) -> float | None:
    return n * 100 / per if per else None


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


@dataclass(frozen=True)
class Report:
    """The evaluation of one run (or of several, pooled with `pool`)."""

    scenarios: Mapping[str, ScenarioScore]
    false_alerts: int  # distinct actor-hours over every scenario
    actor_days: int
    alerts: int
    events: int
    seconds: float
    runs: int = 1

    @property
    def total(self) -> ScenarioScore:
        """Every scenario's labels together; the false alerts are the distinct total."""
        s = sum(self.scenarios.values(), ScenarioScore())
        return ScenarioScore(s.labels, s.caught, s.named, s.ttd_s, self.false_alerts)

    @property
    def events_per_s(self) -> float | None:
        return self.events / self.seconds if self.seconds > 0 else None

    def false_per_100_actor_days(self, score: ScenarioScore) -> float | None:
        return _rate(score.false_alerts, self.actor_days)

    def _score_dict(self, s: ScenarioScore) -> dict[str, Any]:
        return {
            "labels": s.labels,
            "caught": s.caught,
            "recall": _round(s.recall, 4),
            "named": s.named,
            "named_share": _round(s.named_share, 4),
            "false_alerts": s.false_alerts,
            "false_per_100_actor_days": _round(self.false_per_100_actor_days(s), 3),
            "median_ttd_s": _round(s.median_ttd_s, 1),
            # Kept so that reports of several runs can be pooled (medians do not add up).
            "ttd_s": [round(t, 1) for t in s.ttd_s],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "events_per_s": _round(self.events_per_s, 0),
            "actor_days": self.actor_days,
            "alerts": self.alerts,
            "overall": self._score_dict(self.total),
            "scenarios": {
                name: self._score_dict(self.scenarios[name])
                for name in _order(self)
                if name in self.scenarios
            },
        }

    @classmethod
    def from_dict(cls, doc: Any) -> Report:
        """A report as `to_dict` wrote it (e.g. `detect eval --json` of another run). Raises
        BadInput naming the missing or mistyped field."""
        try:
            return cls(
                scenarios={
                    str(name): ScenarioScore(
                        int(s["labels"]),
                        int(s["caught"]),
                        int(s["named"]),
                        tuple(sorted(float(t) for t in s["ttd_s"])),
                        int(s["false_alerts"]),
                    )
                    for name, s in doc["scenarios"].items()
                },
                false_alerts=int(doc["overall"]["false_alerts"]),
                actor_days=int(doc["actor_days"]),
                alerts=int(doc["alerts"]),
                events=int(doc["events"]),
                seconds=float(doc["seconds"]),
                runs=int(doc.get("runs", 1)),
            )
        except KeyError as exc:
            raise BadInput("not an evaluation report", field=str(exc.args[0])) from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise BadInput(f"not an evaluation report: {exc}") from None

    def table(self) -> str:
        """The report as a plain-text table, one row per scenario and one for all."""
        header: tuple[str, ...] = ("scenario", "labels", "caught", "recall", "named")
        header += ("false", "false/100ad", "median TTD")
        rows = [self._row(name, self.scenarios.get(name, ScenarioScore())) for name in _order(self)]
        rows.append(self._row("all", self.total))
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
            return "  ".join([first, *rest])

        out = [line(header), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in rows[:-1]]
        out += ["  ".join("-" * w for w in widths), line(rows[-1])]
        rate = self.events_per_s
        runs = f" over {self.runs} runs" if self.runs > 1 else ""
        out.append(
            f"{self.events:,} events{runs} in {self.seconds:.1f} s"
            + (f" ({rate:,.0f} events/s)" if rate is not None else "")
            + f"; {self.actor_days:,} actor-days; {self.alerts:,} alerts;"
            + f" {self.false_alerts:,} false (distinct actor-hours)"
        )
        return "\n".join(out)

    def _row(self, name: str, s: ScenarioScore) -> tuple[str, ...]:
        fa = self.false_per_100_actor_days(s)
        return (
            name,
            str(s.labels),
            str(s.caught),
            _pct(s.recall),
            _pct(s.named_share),
            str(s.false_alerts),
            "-" if fa is None else f"{fa:.2f}",
            _duration(s.median_ttd_s),
        )


def _order(report: Report) -> list[str]:
    """The known scenarios in contract order, then any other name an alert used."""
    return [*SCENARIOS, *sorted(n for n in report.scenarios if n not in SCENARIOS)]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 2 * _DAY_S:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // _DAY_S}d {s % _DAY_S // 3600:02d}h"


@dataclass
class _Tally:
    labels: int = 0
    caught: int = 0
    named: int = 0
    ttd_s: list[float] = field(default_factory=list)
    false_hours: set[tuple[str, int]] = field(default_factory=set)

    def freeze(self) -> ScenarioScore:
        return ScenarioScore(
            self.labels, self.caught, self.named, tuple(sorted(self.ttd_s)), len(self.false_hours)
        )


def score(
    alerts: Iterable[Alert],
    labels: Iterable[Label],
    actor_days: int,
    events: int = 0,
    seconds: float = 0.0,
) -> Report:
    """Alerts scored against labels, by the rules in the module docstring. `events` and
    `seconds` are the caller's measure of the run, reported as they are."""
    all_labels = list(labels)
    by_actor: dict[str, list[tuple[int, Label]]] = {}
    for i, label in enumerate(all_labels):
        by_actor.setdefault(label.actor, []).append((i, label))
    first_end: dict[int, float] = {}  # index in all_labels -> earliest end of a catching alert
    named: set[int] = set()
    tallies: dict[str, _Tally] = {}
    false_hours: set[tuple[str, int]] = set()
    n_alerts = 0
    for alert in alerts:
        n_alerts += 1
        caught_any = False
        for i, label in by_actor.get(alert.actor, ()):
            if not label.caught_by(alert):
                continue
            caught_any = True
            if i not in first_end or alert.end < first_end[i]:
                first_end[i] = alert.end
            if alert.scenario == label.scenario:
                named.add(i)
        if not caught_any:
            hour = (alert.actor, int(alert.end // _HOUR_S))
            false_hours.add(hour)
            tallies.setdefault(alert.scenario, _Tally()).false_hours.add(hour)
    for i, label in enumerate(all_labels):
        t = tallies.setdefault(label.scenario, _Tally())
        t.labels += 1
        if i in first_end:
            t.caught += 1
            t.ttd_s.append(max(0.0, first_end[i] - label.start))
            if i in named:
                t.named += 1
    return Report(
        scenarios={name: t.freeze() for name, t in tallies.items()},
        false_alerts=len(false_hours),
        actor_days=actor_days,
        alerts=n_alerts,
        events=events,
        seconds=seconds,
    )


def evaluate(
    events: Iterable[Event],
    ctx: Context,
    labels: Sequence[Label],
    detectors: Sequence[Detector] | None = None,
) -> Report:
    """Run the auditor over `events` and score its alerts against `labels`. The events are
    consumed once, as a stream (only the alerts are kept); the wall time of consuming them,
    parsing included when `events` reads a file lazily, is the run's time. Raises what reading
    `events` raises (BadInput for a strict read)."""
    auditor = Auditor(ctx, detectors)
    days = ActorDays()
    alerts: list[Alert] = []
    start = time.perf_counter()
    for e in days.counted(events):
        raised = auditor.feed(e)
        if raised:
            alerts.extend(raised)
    alerts.extend(auditor.finish())
    seconds = time.perf_counter() - start
    return score(alerts, labels, len(days), auditor.events, seconds)


def pool(reports: Sequence[Report]) -> Report:
    """Several runs as one (e.g. unseen seeds): counts and actor-days add, times to detect
    are pooled before taking medians. Raises BadInput when given none (nothing is no score)."""
    if not reports:
        raise BadInput("no reports to pool")
    names = {n for r in reports for n in r.scenarios}
    return Report(
        scenarios={
            n: sum((r.scenarios.get(n, ScenarioScore()) for r in reports), ScenarioScore())
            for n in names
        },
        false_alerts=sum(r.false_alerts for r in reports),
        actor_days=sum(r.actor_days for r in reports),
        alerts=sum(r.alerts for r in reports),
        events=sum(r.events for r in reports),
        seconds=sum(r.seconds for r in reports),
        runs=sum(r.runs for r in reports),
    )
