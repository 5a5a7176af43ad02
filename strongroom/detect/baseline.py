"""Learned baselines: what a count per window usually is, for an actor and for their peers.

A feature (customers looked up without a ticket per hour, card reveals per shift, ...) is
counted in windows. Each closed window of an actor is one sample for that actor and for
their peer group (role, tenant, site). A new count is judged against the expected count: the
actor's own mean, shrunk toward the peers' mean while the actor has few samples, and the
peers' over-dispersion (variance / mean, at least 1). The count is unusual when a Poisson
variable with that mean, scaled by the dispersion, reaches it with probability below `ALPHA`
(`scipy.special.pdtrc`). One significance level serves every feature: no threshold is set per
scenario. The explanation quotes the figures compared: the actor's own median and the peers'
99th percentile per window.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from scipy.special import pdtrc

# The chance of a count at least this high under the baseline below which it is an anomaly.
ALPHA = 1e-7
# Own samples weigh like this many peer samples' worth of prior, when blending the means.
PRIOR = 10.0
# Peers (or the actor) need this many samples before a count is judged at all.
MIN_PEER_SAMPLES = 5


@dataclass
class Tally:
    """Samples of one count: moments and a histogram (for medians and percentiles)."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0
    hist: Counter[int] = field(default_factory=Counter)

    def add(self, x: int) -> None:
        self.n += 1
        self.total += x
        self.squares += x * x
        self.hist[x] += 1

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def dispersion(self) -> float:
        """Variance over mean, at least 1 (a Poisson count has 1)."""
        if self.n < 2 or self.total == 0:
            return 1.0
        mean = self.mean
        var = max(0.0, self.squares / self.n - mean * mean)
        return max(1.0, var / mean)

    def quantile(self, q: float) -> int:
        if not self.n:
            return 0
        rank = q * (self.n - 1)
        seen = 0
        for value in sorted(self.hist):
            seen += self.hist[value]
            if seen > rank:
                return value
        return max(self.hist, default=0)


@dataclass(frozen=True, slots=True)
class Judgement:
    count: int
    expected: float
    p: float
    own_median: int
    own_samples: int
    peer_p99: int
    peer_samples: int
    group: tuple[str, ...]

    def compared(self, unit: str) -> str:
        own = (
            f"own median {self.own_median} {unit}"
            if self.own_samples
            else "no history of their own"
        )
        peers = "/".join(self.group)
        return (
            f"{own}; peers' ({peers}) 99th percentile {self.peer_p99} {unit} "
            f"over {self.peer_samples} samples; expected {self.expected:.2g}"
        )


class Baseline:
    """One feature's samples, per actor and per peer group (finest first, the role last)."""

    def __init__(self) -> None:
        self.actors: dict[str, Tally] = {}  # own history, learned once out of the window
        self.recent: dict[str, Tally] = {}  # own samples as they close (peers see these)
        self.groups: dict[tuple[str, ...], Tally] = {}
        self.members: dict[tuple[str, ...], set[str]] = {}
        self._spread: dict[tuple[str, ...], tuple[int, float]] = {}  # group -> (n, phi)

    def add_peers(self, actor: str, groups: tuple[tuple[str, ...], ...], count: int) -> None:
        mine = self.recent.get(actor)
        if mine is None:
            mine = self.recent[actor] = Tally()
        mine.add(count)
        for g in groups:
            peers = self.groups.get(g)
            if peers is None:
                peers = self.groups[g] = Tally()
                self.members[g] = set()
            peers.add(count)
            self.members[g].add(actor)

    def add_own(self, actor: str, count: int) -> None:
        own = self.actors.get(actor)
        if own is None:
            own = self.actors[actor] = Tally()
        own.add(count)

    def _peers(self, actor: str, group: tuple[str, ...]) -> Tally:
        """The group without the actor's own samples: one is not one's own peer."""
        t = self.groups.get(group)
        if t is None:
            return Tally()
        mine = self.recent.get(actor)
        if mine is None or actor not in self.members[group]:
            return t
        return Tally(t.n - mine.n, t.total - mine.total, t.squares - mine.squares)

    def spread(self, group: tuple[str, ...]) -> float:
        """The group's over-dispersion: the median of its members' own (each actor's
        variance over mean across windows). A median, so that the few actors whose counts
        jump because they are the incident do not make every count look ordinary. A group
        of fewer than three such members (two vendors) takes everyone's median instead."""
        t = self.groups.get(group)
        n = t.n if t is not None else 0
        cached = self._spread.get(group)
        if cached is not None and n < cached[0] * 1.1 + 10:
            return cached[1]
        members = self.members.get(group, set())
        each = self._dispersions(members)
        if len(each) < 3:
            each = self._dispersions(self.recent.keys())
        phi = each[len(each) // 2] if each else 1.0
        self._spread[group] = (n, phi)
        return phi

    def _dispersions(self, actors: Iterable[str]) -> list[float]:
        return sorted(
            m.dispersion for a in actors if (m := self.recent.get(a)) is not None and m.n >= 5
        )

    def expected(self, actor: str, groups: tuple[tuple[str, ...], ...]) -> tuple[float, float, int]:
        """(expected count, dispersion, samples behind it) for the actor's next window.

        The mean is shrunk level by level: the role's mean, the finer peer group's toward
        it, the actor's own toward that, each by `PRIOR` windows' worth; peers never include
        the actor. The dispersion is the role's (`spread`), widened while samples are few
        (the predictive spread of a rate estimated from few windows)."""
        own = self.actors.get(actor) or Tally()
        levels = [self._peers(actor, g) for g in groups]
        mean = levels[-1].mean if levels else 0.0
        for t in reversed(levels[:-1]):
            mean = (t.total + PRIOR * mean) / (t.n + PRIOR)
        mean = (own.total + PRIOR * mean) / (own.n + PRIOR)
        samples = max([t.n for t in levels] + [own.n])
        phi = self.spread(groups[-1]) * (1.0 + PRIOR / max(samples, 1))
        return mean, phi, samples

    def judge(
        self, actor: str, groups: tuple[tuple[str, ...], ...], count: int, windows: float = 1.0
    ) -> Judgement | None:
        """A Judgement when `count` (over `windows` windows' worth of time) is unusual for the
        actor, or None; None too while neither the peers nor the actor have
        `MIN_PEER_SAMPLES` samples (a cold start judges nothing)."""
        mean, phi, samples = self.expected(actor, groups)
        if samples < MIN_PEER_SAMPLES:
            return None
        mean *= windows
        # A cheap bound first: most counts are nowhere near the tail.
        if count <= mean + 3.0 * (phi * max(mean, 0.1)) ** 0.5:
            return None
        # P(X >= count) for X ~ Poisson(mean / phi) on the scaled count: pdtrc(k, m) is
        # P(X > k), taken at the largest whole k below the scaled count.
        k = math.ceil(count / phi) - 1
        p = float(pdtrc(k, max(mean, 0.01) / phi)) if k >= 0 else 1.0
        if not p < ALPHA:
            return None
        own = self.actors.get(actor) or Tally()
        quoted = next(
            (g for g in groups if (self.groups.get(g) or Tally()).n >= MIN_PEER_SAMPLES),
            groups[-1],
        )
        peers = self._peers(actor, quoted)
        whole, mine = self.groups.get(quoted), self.recent.get(actor)
        if whole is not None:
            peers.hist = whole.hist - mine.hist if mine is not None else whole.hist
        return Judgement(
            count, mean, p, own.quantile(0.5), own.n, peers.quantile(0.99), peers.n, quoted
        )


def score(p: float) -> float:
    """A score in [0.5, 1) from the tail probability: rarer is higher."""
    return min(0.99, 0.5 + 0.5 * min(1.0, -math.log10(max(p, 1e-300)) / 20.0))
