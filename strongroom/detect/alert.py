"""An alert: what a supervisor reads, and the evidence behind it.

Scenario names are a contract shared with the simulator's labels and the evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strongroom.detect.events import iso

# The insider threats the auditor names (and the simulator injects).
SCENARIOS: tuple[str, ...] = (
    "bulk_lookup",  # hundreds of customers in a short time, without tickets
    "card_harvest",  # card-number reveals through real-looking tickets, far above peers
    "slow_drip",  # a few ticketless look-ups a day, for weeks
    "off_hours",  # data used outside the shift or without a badge-in (e.g. at night, from home)
    "cross_tenant_probe",  # attempts on another client's data, denied
    "pre_departure_export",  # a bulk export by someone whose role never exports
    "shared_credentials",  # one login active at two sites at once
    "password_guess",  # a burst of failed logins, then a success from a new device or network
    "vendor_sweep",  # a vendor reading a client's records wholesale
)
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")


def severity(score: float) -> str:
    """Severity from a score in [0, 1]."""
    if score >= 0.9:
        return "critical"
    if score >= 0.75:
        return "high"
    if score >= 0.5:
        return "medium"
    return "low"


@dataclass(frozen=True, slots=True)
class Alert:
    actor: str
    start: float
    end: float  # the time of the event that raised it: end - a label's start = time to detect
    scenario: str
    score: float
    explanation: str
    evidence: tuple[str, ...]  # event refs, e.g. "events.jsonl:1234", the first few
    tenant: str | None = None

    @property
    def severity(self) -> str:
        return severity(self.score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "start": iso(self.start),
            "end": iso(self.end),
            "scenario": self.scenario,
            "score": round(self.score, 3),
            "severity": self.severity,
            "explanation": self.explanation,
            "evidence": list(self.evidence),
            "tenant": self.tenant,
        }
