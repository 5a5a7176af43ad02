"""The BPO the simulator invents: its clients (tenants), sites, and the people who work there.

What this module guarantees:

- The world is a pure function of (agents, seed): same arguments, same world, field for field.
- Every agent and supervisor works for one tenant at one site, from one workstation whose name
  and address are the site's (`ws-mnl-1-0042`, `10.10.0.52`); no two share a seat.
- Sites are in at least three cities (shared-credential attacks need another city).
- Vendors work for one tenant from outside (site "remote" or "unknown"), each from its own
  external address and device, in its own time zone.
- Every agent has a supervisor of the same tenant and site (teams of at most `TEAM_SIZE`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from zoneinfo import ZoneInfo

AGENT, SUPERVISOR, VENDOR = "agent", "supervisor", "vendor"
TEAM_SIZE = 12
AGENTS_PER_VENDOR = 40
KINDS: tuple[str, ...] = ("payment", "address", "contact", "identity", "general")
SHIFT_HOURS: dict[str, tuple[int, ...]] = {  # local start hours by shift
    "day": (6, 7, 8, 9),
    "evening": (14, 15, 16),
    "night": (21, 22, 23),
}


@dataclass(frozen=True, slots=True)
class Tenant:
    """A client of the BPO and its customer population (subject ids `<prefix>-000123`)."""

    id: str
    business: str
    prefix: str
    population: int
    kind_cum: tuple[float, ...]  # cumulative weights over KINDS: what its customers call about

    def subject(self, n: int) -> str:
        return f"{self.prefix}-{n:06d}"

    def kind(self, u: float) -> str:
        """The ticket kind at quantile `u` in [0, 1)."""
        for kind, edge in zip(KINDS, self.kind_cum, strict=True):
            if u < edge:
                return kind
        return KINDS[-1]


@dataclass(frozen=True, slots=True)
class Site:
    """A contact-centre floor: its city and zone, its network (`10.x.*.*`), its shift mix."""

    id: str
    city: str
    tz: ZoneInfo
    net: str
    shift_mix: tuple[float, float, float]  # day, evening, night

    def ip(self, seat: int) -> str:
        return f"{self.net}.{seat // 240}.{seat % 240 + 10}"

    def device(self, seat: int) -> str:
        return f"ws-{self.id}-{seat:04d}"


@dataclass(slots=True)
class Actor:
    """One person with an account: where they sit, when they work, whom they answer to."""

    id: str
    role: str
    tenant: Tenant
    site: str  # a Site id, or "remote"/"unknown" for vendors
    ip: str
    device: str
    tz: ZoneInfo
    shift: str = ""  # day, evening or night; "" for vendors (no roster)
    start_hour: int = 0  # local time the shift begins
    off_base: int = 0  # the weekday (0 = Monday) the first week's two days off begin
    supervisor: str | None = None
    team: list[str] = field(default_factory=list)  # a supervisor's agents


_TENANTS = (  # id, business, subject prefix, weights over KINDS
    ("northbank", "bank", "no", (0.30, 0.12, 0.12, 0.16, 0.30)),
    ("shopmart", "retailer", "sm", (0.22, 0.25, 0.13, 0.03, 0.37)),
    ("tellwave", "telco", "tw", (0.18, 0.12, 0.25, 0.08, 0.37)),
    ("carecross", "insurer", "cc", (0.15, 0.12, 0.15, 0.20, 0.38)),
    ("swiftpost", "courier", "sp", (0.08, 0.35, 0.20, 0.02, 0.35)),
)
_SITES = (  # id, city, zone, network, weight, shift mix; the first three are three cities
    ("mnl-1", "Manila", "Asia/Manila", "10.10", 0.30, (0.30, 0.30, 0.40)),
    ("krakow-1", "Krakow", "Europe/Warsaw", "10.20", 0.20, (0.60, 0.40, 0.00)),
    ("bogota-1", "Bogota", "America/Bogota", "10.30", 0.20, (0.50, 0.40, 0.10)),
    ("cebu-1", "Cebu", "Asia/Manila", "10.12", 0.15, (0.30, 0.30, 0.40)),
    ("mnl-2", "Manila", "Asia/Manila", "10.11", 0.15, (0.30, 0.30, 0.40)),
)
_VENDOR_ZONES = ("Europe/London", "Asia/Kolkata", "America/Chicago")


@dataclass(frozen=True, slots=True)
class World:
    tenants: tuple[Tenant, ...]
    sites: dict[str, Site]
    agents: tuple[Actor, ...]
    supervisors: tuple[Actor, ...]
    vendors: tuple[Actor, ...]

    @property
    def staff(self) -> tuple[Actor, ...]:
        """Everyone on a roster: agents, then supervisors."""
        return self.agents + self.supervisors

    @property
    def actors(self) -> tuple[Actor, ...]:
        return self.agents + self.supervisors + self.vendors

    def other_city(self, site: str, rng: random.Random) -> Site:
        """A site in another city than `site`."""
        city = self.sites[site].city
        return rng.choice([s for s in self.sites.values() if s.city != city])


def _pick(rng: random.Random, cum: list[float]) -> int:
    u = rng.random() * cum[-1]
    return next((i for i, edge in enumerate(cum) if u < edge), len(cum) - 1)


def build_world(agents: int, seed: int) -> World:
    """The tenants, sites, agents, supervisors and vendors of a BPO with `agents` agents."""
    rng = random.Random(f"strongroom-sim:{seed}:world")
    n_tenants = 3 + (agents >= 100) + (agents >= 600)
    n_sites = 3 + (agents >= 100) + (agents >= 600)
    sites = {
        sid: Site(sid, city, ZoneInfo(zone), net, mix)
        for sid, city, zone, net, _, mix in _SITES[:n_sites]
    }
    site_cum = list(accumulate(w for *_, w, _ in _SITES[:n_sites]))
    # Assign agents first: a tenant's population scales with the agents who serve it, so that
    # a random look-up rarely hits a customer anyone handled.
    placed = [(rng.randrange(n_tenants), _SITES[_pick(rng, site_cum)][0]) for _ in range(agents)]
    tenants = []
    for i, (tid, business, prefix, weights) in enumerate(_TENANTS[:n_tenants]):
        served = sum(1 for t, _ in placed if t == i)
        population = max(20_000, min(100_000, served * 250))
        tenants.append(Tenant(tid, business, prefix, population, tuple(accumulate(weights))))

    seats: dict[str, int] = dict.fromkeys(sites, 1)

    def seat_at(site: Site) -> tuple[str, str]:
        n = seats[site.id]
        seats[site.id] = n + 1
        return site.ip(n), site.device(n)

    staff: list[Actor] = []
    for n, (t, sid) in enumerate(placed, 1):
        site = sites[sid]
        shift = ("day", "evening", "night")[_pick(rng, list(accumulate(site.shift_mix)))]
        ip, device = seat_at(site)
        staff.append(
            Actor(
                f"emp-{n:04d}",
                AGENT,
                tenants[t],
                sid,
                ip,
                device,
                site.tz,
                shift,
                rng.choice(SHIFT_HOURS[shift]),
                rng.randrange(7),
            )
        )
    supervisors = _supervise(staff, sites, seat_at, rng)
    vendors = []
    for n in range(1, max(2, round(agents / AGENTS_PER_VENDOR)) + 1):
        vendors.append(
            Actor(
                f"ven-{n:03d}",
                VENDOR,
                rng.choice(tenants),
                rng.choice(("remote", "unknown")),
                f"203.0.{113 + (n - 1) // 240}.{(n - 1) % 240 + 10}",
                f"ven-{n:03d}-laptop",
                ZoneInfo(rng.choice(_VENDOR_ZONES)),
            )
        )
    return World(tuple(tenants), sites, tuple(staff), tuple(supervisors), tuple(vendors))


def _supervise(
    agents: list[Actor],
    sites: dict[str, Site],
    seat_at: Callable[[Site], tuple[str, str]],
    rng: random.Random,
) -> list[Actor]:
    """Teams of at most TEAM_SIZE agents of one tenant and site, grouped by shift so that a
    supervisor works the hours of most of the team; one supervisor each."""
    groups: dict[tuple[str, str], list[Actor]] = {}
    for a in agents:
        groups.setdefault((a.tenant.id, a.site), []).append(a)
    order = {"day": 0, "evening": 1, "night": 2}
    supervisors: list[Actor] = []
    n = len(agents)
    for (_, sid), members in groups.items():
        members.sort(key=lambda a: (order[a.shift], a.start_hour, a.id))
        size = -(-len(members) // TEAM_SIZE)
        chunk = -(-len(members) // size)
        for i in range(0, len(members), chunk):
            team = members[i : i + chunk]
            lead = team[len(team) // 2]
            n += 1
            ip, device = seat_at(sites[sid])
            boss = Actor(
                f"emp-{n:04d}",
                SUPERVISOR,
                lead.tenant,
                sid,
                ip,
                device,
                lead.tz,
                lead.shift,
                lead.start_hour,
                rng.randrange(7),
                team=[a.id for a in team],
            )
            for a in team:
                a.supervisor = boss.id
            supervisors.append(boss)
    return supervisors
