"""The default policy on DLP: a tenant's service accounts and agents scan and neutralise the
texts they send, for their own tenant only; tokenizing a card also needs token.tokenize,
which services have and agents do not; nobody else uses DLP (the operator aside)."""

from __future__ import annotations

import pytest

from strongroom.access.policy import Resource
from strongroom.access.principal import Principal
from tests.unit.access.test_cedar_policy import (
    AGENT,
    AUDITOR,
    BARE,
    OFFICER,
    OPERATOR,
    OTHER,
    SERVICE,
    SUPERVISOR,
    TENANT,
    VENDOR,
    decide,
    denied,
)

DLP = ("dlp.scan", "dlp.redact")
OWN = Resource(TENANT)
CARD_CLASS = Resource(TENANT, (), ("CREDIT_CARD",))


@pytest.mark.parametrize("action", DLP)
@pytest.mark.parametrize("who", [SERVICE, AGENT], ids=["service", "agent"])
def test_services_and_agents_use_dlp_for_their_own_tenant(who: Principal, action: str) -> None:
    d = decide(who, action, OWN, None, BARE)
    assert d.allowed and d.policies == ("dlp-free-text",), d


@pytest.mark.parametrize("action", DLP)
def test_an_agent_needs_no_ticket_shift_or_badge_to_scan_what_she_sends(action: str) -> None:
    # BARE facts: no ticket, no shift, no badge, no training, no second factor.
    assert decide(AGENT, action, OWN, None, BARE).allowed


@pytest.mark.parametrize("action", DLP)
@pytest.mark.parametrize("who", [SERVICE, AGENT], ids=["service", "agent"])
def test_nobody_uses_dlp_on_another_tenant(who: Principal, action: str) -> None:
    denied(decide(who, action, Resource(OTHER), None, BARE), "tenant")


@pytest.mark.parametrize("action", DLP)
@pytest.mark.parametrize(
    "who",
    [OFFICER, SUPERVISOR, AUDITOR, VENDOR],
    ids=["officer", "supervisor", "auditor", "vendor"],
)
def test_officers_supervisors_auditors_and_vendors_do_not_use_dlp(
    who: Principal, action: str
) -> None:
    denied(decide(who, action, OWN, None, BARE), "role")


def test_tokenizing_a_card_found_in_text_is_for_services_not_agents() -> None:
    assert decide(SERVICE, "token.tokenize", CARD_CLASS, None, BARE).allowed
    denied(decide(AGENT, "token.tokenize", CARD_CLASS, None, BARE), "role")


@pytest.mark.parametrize("action", DLP)
def test_the_operator_uses_dlp(action: str) -> None:
    assert decide(OPERATOR, action, OWN, None, None).allowed
