"""Each injected scenario, checked in the events it left: its shape and its magnitude."""

from __future__ import annotations

from datetime import UTC, datetime

from strongroom.detect.evaluate import Label
from strongroom.detect.events import Event
from strongroom.sim.world import build_world
from tests.unit.sim.conftest import AGENTS, DAYS, SEED, Run

MIN = 60


def _labels(run: Run, scenario: str) -> list[Label]:
    found = [lb for lb in run.labels if lb.scenario == scenario]
    assert found
    return found


def _ticketless_subjects(events: list[Event]) -> set[str]:
    return {e.subject for e in events if e.subject and e.ticket is None}


def test_bulk_lookup_reads_80_to_400_customers_without_tickets_within_an_hour(run: Run) -> None:
    for lb in _labels(run, "bulk_lookup"):
        assert lb.end - lb.start <= 60 * MIN
        # Honest callbacks of the same agent may fall in the window too (0-3 a shift).
        assert 80 <= len(_ticketless_subjects(run.of(lb.actor, lb.start, lb.end))) <= 404


def test_card_harvest_reveals_cards_through_the_attackers_own_payment_tickets(run: Run) -> None:
    for lb in _labels(run, "card_harvest"):
        reveals = [
            e
            for e in run.of(lb.actor, lb.start, lb.end)
            if e.action == "record.reveal" and "card_number" in e.fields
        ]
        assert len(reveals) >= 15
        for e in reveals:
            t = run.context.ticket(e.ticket or "")
            assert t is not None and t.kind == "payment" and t.assignee == lb.actor
            assert t.open_at(e.ts) and t.subject == e.subject


def test_slow_drip_views_a_few_unrelated_customers_a_day_for_days(run: Run) -> None:
    for lb in _labels(run, "slow_drip"):
        events = run.of(lb.actor, lb.start, lb.end)
        days = {int(e.ts // 86_400) for e in events}
        # Ten working days at least, unless the run is too short: then all it has after day 0.
        assert len(days) >= min(10, DAYS * 5 // 7 - 2)
        # 2-6 a day, and 0-3 honest callbacks a day among them.
        assert 2 * len(days) <= len(_ticketless_subjects(events)) <= 9 * len(days) + 9


def test_off_hours_is_a_night_session_from_home_without_a_badge(run: Run) -> None:
    for lb in _labels(run, "off_hours"):
        events = run.of(lb.actor, lb.start, lb.end)
        assert events[0].action == "login"
        assert {e.site for e in events} == {"remote"}
        assert 5 <= len({e.subject for e in events if e.subject}) <= 30
        for e in events:
            assert run.context.shift_site(e.actor, e.ts) is None
            assert run.context.badged_in(e.actor, e.ts) is None
        assert not events[0].ip.startswith("10.")


def test_cross_tenant_probe_is_3_to_15_denied_attempts_at_another_client(run: Run) -> None:
    for lb in _labels(run, "cross_tenant_probe"):
        assert lb.end - lb.start <= 60 * MIN
        own = run.context.assignment(lb.actor)
        denied = [e for e in run.of(lb.actor, lb.start, lb.end) if e.outcome == "denied"]
        assert own is not None and 3 <= len(denied) <= 15
        assert len({e.tenant for e in denied}) == 1 and denied[0].tenant != own.tenant


def test_pre_departure_export_is_a_bulk_export_in_the_agents_last_days(run: Run) -> None:
    for lb in _labels(run, "pre_departure_export"):
        exports = [e for e in run.of(lb.actor, lb.start, lb.end) if e.action == "record.export"]
        assert 1 <= len(exports) <= 3
        assert all(200 <= e.count <= 5000 and e.role == "agent" for e in exports)
        last = max(e.ts for e in run.events if e.actor == lb.actor)
        assert last - lb.end <= 3 * 86_400


def test_shared_credentials_work_in_another_city_while_the_owner_works_at_home(
    run: Run,
) -> None:
    world = build_world(AGENTS, SEED)
    for lb in _labels(run, "shared_credentials"):
        own = run.context.assignment(lb.actor)
        assert own is not None
        away = [e for e in run.of(lb.actor, lb.start, lb.end) if e.site != own.site]
        home = [
            e
            for e in run.of(lb.actor, lb.start - 30 * MIN, lb.end + 30 * MIN)
            if e.site == own.site
        ]
        assert 3 <= len(away) <= 20 and home
        assert away[0].action == "login"
        assert len({e.site for e in away}) == 1
        assert world.sites[away[0].site].city != world.sites[own.site].city
        assert {_net(e) for e in away}.isdisjoint({_net(e) for e in home})
        assert {e.device for e in away}.isdisjoint({e.device for e in home})


def _net(e: Event) -> str:
    return e.ip.rsplit(".", 2)[0]


def test_password_guess_is_a_burst_of_failures_then_success_from_outside(run: Run) -> None:
    for lb in _labels(run, "password_guess"):
        events = run.of(lb.actor, lb.start, lb.end)
        failed = [e for e in events if e.action == "login.failed"]
        assert 10 <= len(failed) <= 40
        assert failed[-1].ts - failed[0].ts <= 10 * MIN
        outside = {(e.ip, e.device) for e in failed}
        assert len(outside) == 1 and not failed[0].ip.startswith("10.")
        assert failed[0].site in ("unknown", "remote")
        success = [e for e in events if e.action == "login" and (e.ip, e.device) in outside]
        assert len(success) == 1 and success[0].ts > failed[-1].ts


def test_vendor_sweep_reads_hundreds_of_one_clients_customers_in_hours(run: Run) -> None:
    for lb in _labels(run, "vendor_sweep"):
        events = run.of(lb.actor, lb.start, lb.end)
        assert lb.end - lb.start <= 4 * 3600 + 60
        assert {e.role for e in events} == {"vendor"}
        assert len({e.tenant for e in events}) == 1
        assert len({e.subject for e in events if e.subject}) >= 100
        assert any(e.action == "record.export" for e in events)
        assert datetime.fromtimestamp(lb.start, UTC).weekday() < 5


def test_attackers_are_distinct_while_agents_last(run: Run) -> None:
    agents = [lb.actor for lb in run.labels if lb.scenario != "vendor_sweep"]
    assert len(set(agents)) == len(agents)
