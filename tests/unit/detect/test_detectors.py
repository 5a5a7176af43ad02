"""The shipped detectors on hand-built streams: each raises its alert in the case it is for,
stays quiet in the honest look-alike, and explains with figures and the baseline."""

from __future__ import annotations

import random
from collections.abc import Iterator

from strongroom.detect.alert import Alert
from strongroom.detect.auditor import Auditor
from strongroom.detect.context import Assignment, FileContext, Ticket
from strongroom.detect.events import Event

T0 = 1_790_000_000.0 - (1_790_000_000.0 % 86_400)  # a midnight UTC
HOUR = 3600.0
DAY = 86_400.0
AGENTS = [f"emp-{i:03d}" for i in range(40)]


def ev(
    ts: float,
    actor: str,
    action: str = "record.view",
    *,
    role: str = "agent",
    tenant: str = "northbank",
    subject: str | None = None,
    ticket: str | None = None,
    site: str = "mnl-1",
    device: str | None = None,
    ip: str = "10.10.0.5",
    outcome: str = "allowed",
    fields: tuple[str, ...] = (),
    count: int = 1,
) -> Event:
    return Event(
        ts,
        actor,
        role,
        tenant,
        action,
        count,
        ip,
        device or f"ws-{actor}",
        site,
        outcome,
        subject,
        ticket,
        fields,
        f"t:{actor}:{ts:.0f}:{action}",
    )


def world(days: int = 6) -> FileContext:
    """40 agents of northbank at mnl-1, 08:00-16:00 UTC shifts, badged in on the floor."""
    ctx = FileContext()
    for a in AGENTS:
        ctx.add_assignment(Assignment(a, "agent", "northbank", "mnl-1"))
        for d in range(days + 1):
            day = T0 + d * DAY
            ctx.add_shift(a, "mnl-1", day + 8 * HOUR, day + 16 * HOUR)
            ctx.add_badge(a, day + 7.9 * HOUR, "mnl-1", "floor", True)
            ctx.add_badge(a, day + 16.1 * HOUR, "mnl-1", "floor", False)
    ctx.add_assignment(Assignment("ven-1", "vendor", "northbank", "remote"))
    ctx.add_assignment(Assignment("ven-2", "vendor", "northbank", "remote"))
    return ctx.seal()


def honest(days: int, rng: random.Random) -> Iterator[Event]:
    """Each agent: a login, ~30 ticketed contacts a shift, a reveal now and then, a callback
    or two without a ticket; two vendors reading a few records a day."""
    out: list[Event] = []
    n = 0
    for d in range(days):
        day = T0 + d * DAY
        for a in AGENTS:
            out.append(ev(day + 8 * HOUR, a, "login"))
            seen: list[str] = []
            for _ in range(rng.randint(25, 35)):
                n += 1
                ts = day + 8 * HOUR + rng.uniform(60, 7.9 * HOUR)
                subj, tk = f"no-{n:07d}", f"T-{n}"
                seen.append(subj)
                out.append(ev(ts, a, subject=subj, ticket=tk))
                if rng.random() < 0.15:
                    out.append(
                        ev(
                            ts + 30,
                            a,
                            "record.reveal",
                            subject=subj,
                            ticket=tk,
                            fields=("card_number",),
                        )
                    )
            for subj in rng.sample(seen, rng.randint(0, 2)):
                out.append(ev(day + 15.95 * HOUR, a, subject=subj))
        for v in ("ven-1", "ven-2"):
            for _ in range(rng.randint(5, 15)):
                n += 1
                out.append(
                    ev(
                        day + rng.uniform(9, 17) * HOUR,
                        v,
                        role="vendor",
                        subject=f"no-{n:07d}",
                        site="remote",
                        ip="203.0.113.9",
                    )
                )
    out.sort(key=lambda e: e.ts)
    yield from out


def run(events: list[Event], ctx: FileContext) -> list[Alert]:
    auditor = Auditor(ctx)
    alerts = [a for e in events for a in auditor.feed(e)]
    return alerts + auditor.finish()


def test_honest_traffic_raises_nothing() -> None:
    ctx = world()
    assert run(list(honest(6, random.Random(1))), ctx) == []


def test_bulk_lookup_is_explained_with_counts_and_the_baseline() -> None:
    ctx = world()
    events = list(honest(5, random.Random(2)))
    day = T0 + 5 * DAY
    events += [ev(day + 10 * HOUR + i * 9, "emp-007", subject=f"no-9{i:06d}") for i in range(150)]
    alerts = [a for a in run(events, ctx) if a.actor == "emp-007"]
    assert [a.scenario for a in alerts][:1] == ["bulk_lookup"]
    text = alerts[0].explanation
    assert "customers looked up with no ticket" in text
    assert "own median 0 per hour" in text
    assert "peers' (agent/northbank/mnl-1) 99th percentile" in text
    assert alerts[0].evidence and alerts[0].evidence[0].startswith("t:emp-007:")


def test_a_vendor_reading_wholesale_is_a_vendor_sweep() -> None:
    ctx = world()
    events = list(honest(5, random.Random(3)))
    day = T0 + 5 * DAY
    events += [
        ev(
            day + 11 * HOUR + i * 20,
            "ven-1",
            role="vendor",
            subject=f"no-8{i:06d}",
            site="remote",
            ip="203.0.113.9",
        )
        for i in range(120)
    ]
    scenarios = {a.scenario for a in run(sorted(events, key=lambda e: e.ts), ctx)}
    assert scenarios == {"vendor_sweep"}


def test_card_reveals_far_above_peers_are_card_harvest() -> None:
    ctx = world()
    events = list(honest(5, random.Random(4)))
    day = T0 + 5 * DAY
    for i in range(30):
        s, t = f"no-7{i:06d}", f"T-7{i}"
        ctx.add_ticket(Ticket(t, "northbank", s, "emp-011", day, None, "payment"))
        events.append(ev(day + 9 * HOUR + i * 300, "emp-011", subject=s, ticket=t))
        events.append(
            ev(
                day + 9 * HOUR + i * 300 + 20,
                "emp-011",
                "record.reveal",
                subject=s,
                ticket=t,
                fields=("card_number",),
            )
        )
    alerts = run(sorted(events, key=lambda e: e.ts), ctx)
    assert {a.scenario for a in alerts} == {"card_harvest"}
    assert "card numbers revealed within 8 hours" in alerts[0].explanation


def test_an_export_by_a_role_that_never_exports_is_flagged_and_explained() -> None:
    ctx = world(days=9)
    events = list(honest(8, random.Random(5)))
    events.append(ev(T0 + 8 * DAY + 12 * HOUR, "emp-020", "record.export", count=800))
    alerts = run(sorted(events, key=lambda e: e.ts), ctx)
    assert [a.scenario for a in alerts] == ["pre_departure_export"]
    assert "800 records exported" in alerts[0].explanation
    assert "no other agent has exported in 3" in alerts[0].explanation


def test_an_export_before_the_role_is_known_raises_nothing() -> None:
    ctx = world()
    events = list(honest(2, random.Random(6)))
    events.append(ev(T0 + 2 * DAY + 12 * HOUR, "emp-020", "record.export", count=30))
    assert run(sorted(events, key=lambda e: e.ts), ctx) == []


def test_data_used_at_night_from_home_is_off_hours() -> None:
    ctx = world()
    night = T0 + 2 * DAY + 22 * HOUR
    events = [
        ev(
            night + i * 120,
            "emp-003",
            subject=f"no-{i}",
            site="remote",
            device="laptop-x",
            ip="198.51.100.7",
        )
        for i in range(5)
    ]
    alerts = run(events, ctx)
    assert [a.scenario for a in alerts] == ["off_hours"]
    assert "outside any rostered shift" in alerts[0].explanation


def test_work_at_the_edge_of_a_shift_is_not_off_hours() -> None:
    ctx = world()
    end = T0 + DAY + 16 * HOUR
    events = [ev(end + i * 300, "emp-003", subject=f"no-{i}", ticket=f"T-{i}") for i in range(5)]
    assert run(events, ctx) == []


def test_in_shift_but_badged_out_is_off_hours() -> None:
    ctx = FileContext()
    ctx.add_assignment(Assignment("emp-1", "agent", "northbank", "mnl-1"))
    ctx.add_shift("emp-1", "mnl-1", T0 + 8 * HOUR, T0 + 16 * HOUR)
    ctx.seal()
    events = [ev(T0 + 9 * HOUR + i * 60, "emp-1", subject=f"s{i}", ticket="T") for i in range(3)]
    alerts = run(events, ctx)
    assert [a.scenario for a in alerts] == ["off_hours"]
    assert "not badged in on its floor" in alerts[0].explanation


def test_one_login_at_two_sites_is_shared_credentials() -> None:
    ctx = world()
    t = T0 + DAY + 9 * HOUR
    events = [
        ev(t, "emp-004", "login"),
        ev(t + 60, "emp-004", subject="a", ticket="T1"),
        ev(t + 600, "emp-004", "login", site="krk-1", ip="10.30.0.9", device="ws-krk-1-0001"),
        ev(t + 660, "emp-004", subject="b", site="krk-1", ip="10.30.0.9", device="ws-krk-1-0001"),
    ]
    alerts = [a for a in run(events, ctx) if a.scenario == "shared_credentials"]
    assert len(alerts) == 1
    assert "krk-1" in alerts[0].explanation and "mnl-1" in alerts[0].explanation


def test_a_failed_login_burst_then_a_new_device_is_password_guess() -> None:
    ctx = world()
    t = T0 + DAY + 8 * HOUR
    events = [ev(t - DAY, "emp-005", "login")]
    events += [
        ev(t + i * 20, "emp-005", "login.failed", site="unknown", ip="192.0.2.66", device="x")
        for i in range(12)
    ]
    events.append(ev(t + 300, "emp-005", "login", site="unknown", ip="192.0.2.66", device="x"))
    alerts = run(events, ctx)
    assert [a.scenario for a in alerts] == ["password_guess"]
    assert "12 failed sign-ins" in alerts[0].explanation
    assert "1 known device(s)" in alerts[0].explanation


def test_typos_then_a_login_at_the_own_desk_are_not_password_guess() -> None:
    ctx = world()
    t = T0 + DAY + 8 * HOUR
    events = [ev(t - DAY, "emp-005", "login")]
    events += [ev(t + i * 5, "emp-005", "login.failed") for i in range(2)]
    events.append(ev(t + 20, "emp-005", "login"))
    assert run(events, ctx) == []


def test_refused_attempts_on_another_client_are_a_probe_but_one_is_a_slip() -> None:
    ctx = world()
    t = T0 + DAY + 10 * HOUR
    one = [ev(t, "emp-006", tenant="shopmart", subject="sm-1", ticket="T", outcome="denied")]
    assert run(one, ctx) == []
    three = [
        ev(
            t + i * 60,
            "emp-006",
            tenant="shopmart",
            subject=f"sm-{i}",
            ticket="T",
            outcome="denied",
        )
        for i in range(3)
    ]
    alerts = run(three, ctx)
    assert [a.scenario for a in alerts] == ["cross_tenant_probe"]
    assert "2 refused attempts on shopmart" in alerts[0].explanation
