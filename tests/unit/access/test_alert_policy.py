"""The default policy on the live auditor's alerts: security officers and supervisors read and
acknowledge them, nobody acknowledges an alert about themselves, a client auditor reads (only)
its own tenant's, and nobody else reads them."""

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


def test_a_client_auditor_reads_its_own_tenants_alerts_only_and_never_acknowledges() -> None:
    assert decide(AUDITOR, "alert.read", Resource(TENANT), None, BARE).allowed
    denied(decide(AUDITOR, "alert.read", Resource(OTHER), None, BARE), "tenant")
    denied(decide(AUDITOR, "alert.read", ALL_TENANTS, None, BARE), "tenant")
    denied(decide(AUDITOR, "alert.ack", ABOUT_AGENT, None, BARE), "role")


@pytest.mark.parametrize("action", ["alert.read", "alert.ack"])
@pytest.mark.parametrize("who", [AGENT, VENDOR, SERVICE], ids=["agent", "vendor", "service"])
def test_agents_vendors_and_services_neither_read_nor_acknowledge(
    who: Principal, action: str
) -> None:
    own = Resource(TENANT, ("someone-else",))
    denied(decide(who, action, own, None, BARE), "role")
