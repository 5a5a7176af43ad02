"""Every alert says why in figures, and names what it was compared with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from strongroom.detect.alert import SCENARIOS, Alert
from strongroom.detect.auditor import audit
from strongroom.detect.context import load_context
from strongroom.detect.events import Skipped, read_events
from strongroom.sim.simulation import simulate

# What each scenario's explanation compares with: the learned baseline (own and peers'), or
# the fact a rule rests on (roster and badges, known devices, the actor's tenant, the role).
BASELINE_WORDS: dict[str, tuple[str, ...]] = {
    "bulk_lookup": ("own", "peers' (", "99th percentile", "expected"),
    "vendor_sweep": ("own", "peers' (", "99th percentile", "expected"),
    "slow_drip": ("own", "peers' (", "99th percentile", "expected"),
    "card_harvest": ("own", "peers' (", "99th percentile", "expected"),
    "off_hours": ("roster and badge records are the baseline",),
    "shared_credentials": ("while active at",),
    "password_guess": ("known device(s)", "known network(s)"),
    "cross_tenant_probe": ("the actor works for",),
    "pre_departure_export": ("baseline",),
}


@pytest.fixture(scope="module")
def alerts(tmp_path_factory: pytest.TempPathFactory) -> list[Alert]:
    out: Path = tmp_path_factory.mktemp("sim") / "run"
    simulate(out, agents=40, days=12, seed=11)
    ctx = load_context(out, strict=True)
    return list(audit(read_events(out / "events.jsonl", Skipped(), strict=True), ctx))


def test_the_run_raises_alerts_of_every_scenario(alerts: list[Alert]) -> None:
    assert {a.scenario for a in alerts} == set(SCENARIOS)


def test_every_explanation_gives_figures_and_its_baseline(alerts: list[Alert]) -> None:
    for a in alerts:
        assert re.search(r"\d", a.explanation), a
        for words in BASELINE_WORDS[a.scenario]:
            assert words in a.explanation, (a.scenario, a.explanation)
        assert a.evidence, a
        assert 0.5 <= a.score < 1.0


def test_learned_explanations_quote_the_count_that_was_judged(alerts: list[Alert]) -> None:
    learned = [a for a in alerts if "peers' (" in a.explanation]
    assert learned
    for a in learned:
        m = re.match(r"(\d+) ", a.explanation)
        assert m is not None and int(m.group(1)) > 0, a.explanation
        assert "chance under the baseline" in a.explanation
