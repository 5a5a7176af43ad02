"""The learned baseline: moments, shrinkage toward peers, the median member's dispersion,
and the tail test."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import poisson

from strongroom.detect.baseline import ALPHA, MIN_PEER_SAMPLES, Baseline, Tally

GROUPS = (("agent", "northbank", "mnl-1"), ("agent",))


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=200))
def test_tally_quantiles_are_samples_and_ordered(xs: list[int]) -> None:
    t = Tally()
    for x in xs:
        t.add(x)
    assert t.quantile(0.0) == min(xs) and t.quantile(1.0) == max(xs)
    assert t.quantile(0.5) <= t.quantile(0.99)
    assert t.quantile(0.5) == sorted(xs)[(len(xs) - 1) // 2]
    assert t.dispersion >= 1.0


def _learned(counts: dict[str, list[int]]) -> Baseline:
    b = Baseline()
    for actor, xs in counts.items():
        for x in xs:
            b.add_peers(actor, GROUPS, x)
            b.add_own(actor, x)
    return b


def test_nothing_is_judged_before_anyone_has_history() -> None:
    b = _learned({"a": [0] * (MIN_PEER_SAMPLES - 1)})
    assert b.judge("new", GROUPS, 10_000) is None


def test_a_count_far_above_quiet_peers_is_judged_unusual() -> None:
    b = _learned({f"p{i}": [0, 1, 0, 0, 2, 0, 1, 0] for i in range(20)})
    j = b.judge("p0", GROUPS, 60)
    assert j is not None and j.p < ALPHA and j.count == 60
    assert j.peer_p99 == 2 and j.own_median == 0
    assert b.judge("p0", GROUPS, 4) is None


def test_the_tail_is_scipys_poisson_tail_on_the_expected_count() -> None:
    b = _learned({f"p{i}": [1] * 10 for i in range(10)})  # every window exactly 1: phi 1
    mean, phi, _ = b.expected("p0", GROUPS)
    assert abs(mean - 1.0) < 1e-9
    j = b.judge("p0", GROUPS, 12)
    assert j is not None
    # The count is scaled by the dispersion (here only the small-sample widening).
    assert phi > 1.0
    assert abs(j.p - poisson.sf(math.ceil(12 / phi) - 1, mean / phi)) < 1e-15


def test_one_actors_incident_does_not_make_every_count_ordinary() -> None:
    quiet = {f"p{i}": [0, 1, 0, 1, 0, 0] for i in range(10)}
    quiet["attacker"] = [0, 0, 300, 0, 250, 0]
    b = _learned(quiet)
    # The median member's dispersion stays small: a burst of 40 is still unusual for p1.
    assert b.spread(GROUPS[-1]) < 2.0
    assert b.judge("p1", GROUPS, 40) is not None


def test_peers_never_include_the_actor_judged() -> None:
    b = _learned({"a": [50] * 10, "b": [0] * 10, "c": [0] * 10})
    mean_a, _, _ = b.expected("a", GROUPS)
    mean_b, _, _ = b.expected("b", GROUPS)
    # a's own history says 50; b's peers (a and c) say 25: each is shrunk toward others.
    assert mean_a > mean_b
