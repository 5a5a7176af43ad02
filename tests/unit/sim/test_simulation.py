"""A run as the auditor reads it: readable, ordered, reproducible, with honest noise."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from strongroom.detect.alert import SCENARIOS
from strongroom.detect.context import load_context
from strongroom.detect.evaluate import read_labels
from strongroom.detect.events import Skipped, read_events
from strongroom.errors import BadInput
from strongroom.sim.attacks import injections_per_scenario
from strongroom.sim.session import DAY_S, T0
from strongroom.sim.simulation import simulate
from strongroom.sim.writer import FILES
from tests.unit.sim.conftest import AGENTS, DAYS, Run


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / f"{name}.jsonl").read_bytes() for name in FILES}


def test_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    simulate(tmp_path / "a", 20, 5, 3)
    simulate(tmp_path / "b", 20, 5, 3)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_different_seeds_write_different_runs(tmp_path: Path) -> None:
    simulate(tmp_path / "a", 20, 5, 3)
    simulate(tmp_path / "b", 20, 5, 4)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert a["events"] != b["events"] and a["labels"] != b["labels"]


def test_events_parse_in_time_order_with_nothing_skipped(run: Run) -> None:
    assert run.skipped.count == 0
    assert len(run.events) == run.summary.events > 10_000
    assert all(a.ts <= b.ts for a, b in zip(run.events, run.events[1:], strict=False))


def test_context_loads_strictly_and_knows_every_actor(run: Run) -> None:
    assert run.context.skipped.count == 0
    assert {e.actor for e in run.events} <= set(run.context.actors)
    assert len(run.context.actors) == run.summary.actors
    roles = Counter(a.role for a in map(run.context.assignment, run.context.actors) if a)
    assert roles == {"agent": AGENTS, "supervisor": run.summary.supervisors, "vendor": 2}


def test_every_scenario_is_labelled_as_often_as_the_rule_says(run: Run) -> None:
    want = injections_per_scenario(AGENTS, DAYS)
    assert Counter(lb.scenario for lb in run.labels) == dict.fromkeys(SCENARIOS, want)
    assert run.summary.scenarios == dict.fromkeys(SCENARIOS, want)


@pytest.mark.parametrize(
    ("agents", "days", "per"), [(90, 14, 3), (2000, 30, 150), (1, 1, 2), (60, 12, 2)]
)
def test_injections_per_scenario(agents: int, days: int, per: int) -> None:
    assert injections_per_scenario(agents, days) == per


def test_each_label_starts_and_ends_on_an_event_of_its_actor(run: Run) -> None:
    for lb in run.labels:
        times = {e.ts for e in run.of(lb.actor, lb.start, lb.end)}
        assert lb.start in times and lb.end in times, lb


def test_no_attack_falls_on_day_zero(run: Run) -> None:
    assert min(lb.start for lb in run.labels) >= T0 + DAY_S


def test_ticketless_callbacks_reach_customers_of_the_agents_earlier_tickets(run: Run) -> None:
    tickets = [run.context.ticket(e.ticket) for e in run.events if e.ticket]
    earlier: dict[tuple[str, str], float] = {}
    for t in tickets:
        if t is not None:
            key = (t.assignee, t.subject)
            earlier[key] = min(earlier.get(key, t.opened), t.opened)
    callbacks = [
        e
        for e in run.events
        if e.role == "agent"
        and e.action == "record.view"
        and e.ticket is None
        and e.outcome == "allowed"
        and earlier.get((e.actor, e.subject or ""), e.ts) < e.ts - 3600
        and not run.labelled(e)
    ]
    assert len(callbacks) > 100


def test_login_typos_are_followed_by_a_login_from_the_same_device(run: Run) -> None:
    typos = [e for e in run.events if e.action == "login.failed" and not run.labelled(e)]
    assert typos
    logins = defaultdict(list)
    for e in run.events:
        if e.action == "login":
            logins[(e.actor, e.device)].append(e.ts)
    for e in typos:
        assert any(0 < t - e.ts <= 120 for t in logins[(e.actor, e.device)]), e


def test_only_supervisors_export_honestly_and_only_small_batches(run: Run) -> None:
    exports = [e for e in run.events if e.action == "record.export" and not run.labelled(e)]
    assert exports
    assert {e.role for e in exports} == {"supervisor"}
    assert all(10 <= e.count <= 60 for e in exports)


def test_supervisors_review_their_teams_closed_tickets(run: Run) -> None:
    reviews = [e for e in run.events if e.role == "supervisor" and e.action == "record.view"]
    assert reviews
    for e in reviews:
        t = run.context.ticket(e.ticket or "")
        assert t is not None and t.closed is not None and t.closed <= e.ts
        assert t.subject == e.subject and t.assignee != e.actor


def test_vendors_read_a_little_on_weekdays_in_office_hours(run: Run) -> None:
    reads: Counter[tuple[str, int]] = Counter()
    for e in run.events:
        if e.role == "vendor" and e.action == "record.view" and not run.labelled(e):
            reads[(e.actor, int(e.ts - T0) // DAY_S)] += 1
    assert reads
    assert all(5 <= n <= 20 for n in reads.values())


def test_staff_work_badged_in_to_their_floor_outside_attacks(run: Run) -> None:
    for e in run.events:
        if e.role == "vendor" or run.labelled(e):
            continue
        a = run.context.assignment(e.actor)
        assert a is not None and e.site == a.site
        assert run.context.badged_in(e.actor, e.ts) == (a.site, "floor"), e


def test_honest_work_stays_near_the_shift(run: Run) -> None:
    for e in run.events:
        if e.role == "vendor" or run.labelled(e):
            continue
        # Up to 15 minutes early (typos before that login included), 30 of overtime.
        early = run.context.shift_site(e.actor, e.ts + 17 * 60)
        late = run.context.shift_site(e.actor, e.ts - 30 * 60)
        assert early or late or run.context.shift_site(e.actor, e.ts), e


def test_bad_arguments_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        simulate(tmp_path / "a", 0, 5, 1)
    with pytest.raises(BadInput):
        simulate(tmp_path / "b", 5, 0, 1)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x").write_text("x")
    with pytest.raises(BadInput):
        simulate(tmp_path / "c", 5, 5, 1)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(("agents", "days", "seed"), [(1, 1, 2), (3, 2, 1), (4, 1, 7), (2, 9, 5)])
def test_a_tiny_run_still_injects_every_scenario_and_reads_cleanly(
    tmp_path: Path, agents: int, days: int, seed: int
) -> None:
    seen: list[tuple[int, int]] = []
    summary = simulate(tmp_path / "t", agents, days, seed, lambda d, n: seen.append((d, n)))
    assert summary.scenarios == dict.fromkeys(SCENARIOS, 2)
    assert seen == [(d, days) for d in range(1, days + 1)]
    skipped = Skipped()
    events = list(read_events(tmp_path / "t" / "events.jsonl", skipped, strict=True))
    assert len(events) == summary.events and skipped.count == 0
    assert load_context(tmp_path / "t", strict=True).skipped.count == 0
    times = defaultdict(set)
    for e in events:
        times[e.actor].add(e.ts)
    for lb in read_labels(tmp_path / "t" / "labels.jsonl"):
        assert lb.start in times[lb.actor] and lb.end in times[lb.actor]
