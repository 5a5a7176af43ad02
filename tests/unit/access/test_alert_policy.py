"""The default policy on the live auditor's alerts: security officers and supervisors read and
acknowledge them, nobody acknowledges an alert about themselves, and nobody else reads them."""

from __future__ import annotations

import pytest

from strongroom.access.policy import Resource
from strongroom.access.principal import Principal
from tests.unit.access.test_cedar_policy import (
    AGENT,
    AUDITOR,
    BARE,
    OFFICER,
    OTHER,
    SERVICE,
    SUPERVISOR,
    TENANT,
    VENDOR,
    decide,
    denied,
)

# An alert about agent-1 on acme-bank: the alert's actor is the resource's subject.
ABOUT_AGENT = Resource(TENANT, ("agent-1",))
ALL_TENANTS = Resource(None)


@pytest.mark.parametrize("who", [OFFICER, SUPERVISOR], ids=["officer", "supervisor"])
@pytest.mark.parametrize("resource", [ALL_TENANTS, Resource(TENANT), Resource(OTHER)])
def test_officers_and_supervisors_read_alerts_of_any_tenant(
    who: Principal, resource: Resource
) -> None:
    d = decide(who, "alert.read", resource, None, BARE)
    assert d.allowed, d


@pytest.mark.parametrize("who", [OFFICER, SUPERVISOR], ids=["officer", "supervisor"])
def test_officers_and_supervisors_acknowledge_an_alert_about_someone_else(who: Principal) -> None:
    d = decide(who, "alert.ack", ABOUT_AGENT, None, BARE)
    assert d.allowed, d


@pytest.mark.parametrize("who", [OFFICER, SUPERVISOR], ids=["officer", "supervisor"])
def test_nobody_acknowledges_an_alert_about_themselves(who: Principal) -> None:
    about_them = Resource(TENANT, (who.id,))
    denied(decide(who, "alert.ack", about_them, None, BARE), "second-person")
    assert decide(who, "alert.read", about_them, None, BARE).allowed


@pytest.mark.parametrize("action", ["alert.read", "alert.ack"])
@pytest.mark.parametrize(
    "who", [AGENT, VENDOR, SERVICE, AUDITOR], ids=["agent", "vendor", "service", "auditor"]
)
def test_agents_vendors_services_and_client_auditors_neither_read_nor_acknowledge(
    who: Principal, action: str
) -> None:
    own = Resource(TENANT, ("someone-else",))
    denied(decide(who, action, own, None, BARE), "role")
