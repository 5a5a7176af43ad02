"""The invented BPO: its people, seats, teams and rosters."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from strongroom.sim.roster import Roster, works_on
from strongroom.sim.session import DAY_S, START, T0
from strongroom.sim.world import TEAM_SIZE, build_world


def test_the_same_seed_builds_the_same_world() -> None:
    a, b = build_world(50, 9), build_world(50, 9)
    assert [(x.id, x.tenant.id, x.site, x.device, x.shift) for x in a.actors] == [
        (x.id, x.tenant.id, x.site, x.device, x.shift) for x in b.actors
    ]
    assert [x.site for x in build_world(50, 10).agents] != [x.site for x in a.agents]


def test_no_two_people_share_a_seat_and_seats_belong_to_their_site() -> None:
    world = build_world(300, 1)
    assert (
        len({a.device for a in world.staff}) == len({a.ip for a in world.staff}) == len(world.staff)
    )
    for a in world.staff:
        site = world.sites[a.site]
        assert a.device.startswith(f"ws-{a.site}-") and a.ip.startswith(site.net + ".")


def test_every_agent_has_a_supervisor_of_the_same_client_and_site() -> None:
    world = build_world(300, 2)
    bosses = {s.id: s for s in world.supervisors}
    for a in world.agents:
        boss = bosses[a.supervisor or ""]
        assert (boss.tenant, boss.site) == (a.tenant, a.site) and a.id in boss.team
    assert max(len(s.team) for s in world.supervisors) <= TEAM_SIZE
    assert 300 / TEAM_SIZE <= len(world.supervisors) <= 300 / TEAM_SIZE * 1.5


def test_vendors_work_from_outside_and_there_are_at_least_two() -> None:
    assert len(build_world(10, 1).vendors) == 2
    world = build_world(2000, 1)
    assert len(world.vendors) == 50
    for v in world.vendors:
        assert v.site in ("remote", "unknown") and not v.ip.startswith("10.")


def test_sites_span_three_cities_and_tenants_have_large_populations() -> None:
    world = build_world(5, 1)
    assert len({s.city for s in world.sites.values()}) >= 3
    assert 3 <= len(world.tenants) <= 5
    assert all(20_000 <= t.population <= 100_000 for t in world.tenants)
    assert len(build_world(2000, 1).tenants) == 5


def test_everyone_works_five_days_in_seven_and_days_off_rotate() -> None:
    world = build_world(40, 3)
    for a in world.staff:
        for week in range(4):
            first = START.date() + timedelta(days=7 * week)
            assert sum(works_on(a, first + timedelta(days=d)) for d in range(7)) == 5
    a = world.agents[0]
    off = [
        [d for d in range(7) if not works_on(a, START.date() + timedelta(days=7 * w + d))]
        for w in range(2)
    ]
    assert off[0] != off[1]


def test_shifts_start_at_the_local_hour_across_a_clock_change() -> None:
    world = build_world(200, 4)
    roster = Roster(world, 28, 4)  # Poland leaves summer time on 2026-10-25
    krakow = [a for a in world.staff if a.site == "krakow-1"]
    assert krakow
    offsets = set()
    for a in krakow:
        for s in roster.of(a.id):
            local = datetime.fromtimestamp(s.start, UTC).astimezone(a.tz)
            assert local.hour == a.start_hour
            offsets.add(local.utcoffset())
            assert s.start < s.break_at < s.break_end < s.end
            assert T0 <= s.start < T0 + 28 * DAY_S and s.day == (s.start - T0) // DAY_S
    assert len(offsets) == 2


def test_a_departure_drops_later_shifts_and_an_extra_shift_lands_on_its_day() -> None:
    world = build_world(20, 5)
    roster = Roster(world, 14, 5)
    a = world.agents[0]
    roster.depart(a.id, 6)
    assert max(s.day for s in roster.of(a.id)) <= 6
    extra = roster.add(a, 12)
    assert extra.day == 12 and roster.of(a.id)[-1] is extra
    by_day = roster.by_day()
    assert sum(map(len, by_day)) == sum(len(roster.of(x.id)) for x in world.staff)
    assert Counter(s.day for s in roster.of(a.id))[12] == 1
