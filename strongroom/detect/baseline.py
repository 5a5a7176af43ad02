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
from dataclasses import dataclass, field

from scipy.special import pdtrc

# The chance of a count at least this high under the baseline below which it is an anomaly.
ALPHA = 1e-7
# Own samples weigh like this many peer samples' worth of prior, when blending the means.
PRIOR = 10.0
# A peer group needs this many samples before its baseline is believed.
MIN_PEER_SAMPLES = 30


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
        return max(self.hist)


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
            f"over {self.peer_samples} samples; expected {self.expected:.1f}"
        )


class Baseline:
    """One feature's samples, per actor and per peer group."""

    def __init__(self) -> None:
        self.actors: dict[str, Tally] = {}
        self.groups: dict[tuple[str, ...], Tally] = {}

    def add(self, actor: str, group: tuple[str, ...], count: int) -> None:
        own = self.actors.get(actor)
        if own is None:
            own = self.actors[actor] = Tally()
        own.add(count)
        peers = self.groups.get(group)
        if peers is None:
            peers = self.groups[group] = Tally()
        peers.add(count)

    def ready(self, group: tuple[str, ...]) -> bool:
        peers = self.groups.get(group)
        return peers is not None and peers.n >= MIN_PEER_SAMPLES

    def expected(self, actor: str, group: tuple[str, ...]) -> tuple[float, float]:
        """(expected count, dispersion) for the actor's next window."""
        peers = self.groups.get(group) or Tally()
        own = self.actors.get(actor) or Tally()
        mean = (own.total + PRIOR * peers.mean) / (own.n + PRIOR)
        return mean, peers.dispersion

    def judge(
        self, actor: str, groups: tuple[tuple[str, ...], ...], count: int, windows: float = 1.0
    ) -> Judgement | None:
        """A Judgement when `count` (over `windows` windows' worth of time) is unusual for the
        actor, against the first of `groups` (finest first) that has enough samples."""
        group = next((g for g in groups if self.ready(g)), None)
        if group is None:
            return None
        mean, phi = self.expected(actor, group)
        mean *= windows
        # A cheap bound first: most counts are nowhere near the tail.
        if count <= mean + 3.0 * (phi * max(mean, 0.1)) ** 0.5:
            return None
        # P(X >= count) for X ~ Poisson(mean / phi) on the scaled count.
        scaled = count / phi
        p = float(pdtrc(scaled - 1.0, max(mean, 0.01) / phi))
        if p >= ALPHA:
            return None
        own = self.actors.get(actor) or Tally()
        peers = self.groups[group]
        return Judgement(
            count, mean, p, own.quantile(0.5), own.n, peers.quantile(0.99), peers.n, group
        )


def score(p: float) -> float:
    """A score in [0.5, 1) from the tail probability: rarer is higher."""
    return min(0.99, 0.5 + 0.5 * min(1.0, -math.log10(max(p, 1e-300)) / 20.0))
