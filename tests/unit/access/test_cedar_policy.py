"""The Cedar policy set: every rule allowed in its case and denied, naming the unmet condition,
in each wrong one; loading fails closed with the file and line; tenants never cross."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.access.cedar import (
    CONDITIONS,
    DEFAULT_SOURCE,
    POLICY_FILE,
    CedarPolicy,
    default_policy_text,
    grant_resource,
    load_policy,
    parse_policy,
    principal_resource,
)
from strongroom.access.facts import Facts, GrantFact, TicketFact
from strongroom.access.policy import Decision, Policy, Resource
from strongroom.access.principal import Principal, PrincipalId
from strongroom.audit.entry import RequestContext
from strongroom.errors import BadInput

POLICY = parse_policy(default_policy_text(), DEFAULT_SOURCE)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TENANT, OTHER = "acme-bank", "zeta-retail"
SUBJECT = "c-100"
SITE = "leeds"

AGENT = Principal(PrincipalId("agent-1"), "agent", TENANT, SITE)
SUPERVISOR = Principal(PrincipalId("sup-1"), "supervisor", None, SITE)
OFFICER = Principal(PrincipalId("so-1"), "security_officer")
AUDITOR = Principal(PrincipalId("aud-1"), "client_auditor", TENANT)
VENDOR = Principal(PrincipalId("ven-1"), "vendor")
SERVICE = Principal(PrincipalId("crm-1"), "service", TENANT)
OPERATOR = Principal(PrincipalId("operator:me"), "operator")

CARD = Resource.subject(TENANT, SUBJECT, ("card_number",))
VIEW = Resource.subject(TENANT, SUBJECT)
SEARCH = Resource(TENANT, (), ("email",))


def ticket(**change: Any) -> TicketFact:
    return dataclasses.replace(
        TicketFact("T-1", TENANT, SUBJECT, AGENT.id, "payment", True), **change
    )


def grant(**change: Any) -> GrantFact:
    base = GrantFact(
        "g-1", "break_glass", TENANT, ("record.get", "record.reveal"), ("card_number",), True, True
    )
    return dataclasses.replace(base, **change)


def facts(**change: Any) -> Facts:
    """Everything an agent needs to reveal the card of the subject of her payment ticket."""
    base = Facts(
        now=NOW,
        ticket=ticket(),
        shift_site=SITE,
        badged_in_site=SITE,
        training_current=True,
        mfa_age_s=60.0,
        field_classes=("CREDIT_CARD",),
    )
    return dataclasses.replace(base, **change)


BARE = Facts(now=NOW)
FRESH = Facts(now=NOW, mfa_age_s=60.0)  # a second factor a minute ago


def decide(
    principal: Principal,
    action: str,
    resource: Resource,
    purpose: str | None = "refund on T-1",
    the_facts: Facts | None = None,
    policy: CedarPolicy = POLICY,
) -> Decision:
    return policy.decide(principal, action, resource, purpose, RequestContext(), the_facts)


def denied(d: Decision, condition: str) -> None:
    assert not d.allowed, d
    assert d.condition == condition, d
    assert d.policies and d.reason


def test_cedar_policy_is_a_policy() -> None:
    policy: Policy = POLICY
    assert policy.decide(OPERATOR, "tenant.list", Resource(None), None, RequestContext()).allowed


# --- agents -----------------------------------------------------------------------------------


def test_agent_reveals_the_card_of_her_payment_ticket() -> None:
    d = decide(AGENT, "record.reveal", CARD, the_facts=facts())
    assert d.allowed and d.policies == ("agent-ticket",) and d.condition is None


@pytest.mark.parametrize(
    ("action", "resource", "purpose"),
    [
        ("record.get", VIEW, None),
        ("record.find", SEARCH, None),
        ("record.reveal", CARD, "refund on T-1"),
    ],
)
def test_agent_views_finds_and_reveals_on_shift_badged_in_trained(
    action: str, resource: Resource, purpose: str | None
) -> None:
    assert decide(AGENT, action, resource, purpose, facts()).allowed


def test_agent_finds_without_a_ticket_but_cannot_view_what_she_found() -> None:
    assert decide(AGENT, "record.find", SEARCH, None, facts(ticket=None)).allowed
    found = Resource(TENANT, (SUBJECT, "c-200"))
    denied(decide(AGENT, "record.get", found, None, facts()), "ticket")
    denied(decide(AGENT, "record.get", VIEW, None, facts(ticket=None)), "ticket")


KIND_TABLE = [
    ("payment", "CREDIT_CARD"),
    ("payment", "IBAN_CODE"),
    ("address", "LOCATION"),
    ("contact", "EMAIL_ADDRESS"),
    ("contact", "PHONE_NUMBER"),
    ("identity", "PERSON"),
    ("identity", "US_SSN"),
    ("identity", "UK_NINO"),
    ("identity", "DATE_TIME"),
]


@pytest.mark.parametrize(("kind", "cls"), KIND_TABLE)
def test_agent_reveals_a_field_the_ticket_kind_allows(kind: str, cls: str) -> None:
    d = decide(
        AGENT,
        "record.reveal",
        CARD,
        the_facts=facts(ticket=ticket(kind=kind), field_classes=(cls,)),
    )
    assert d.allowed, d


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("payment", "EMAIL_ADDRESS"),
        ("address", "CREDIT_CARD"),
        ("contact", "US_SSN"),
        ("identity", "IBAN_CODE"),
        ("general", "PERSON"),
        ("general", "CREDIT_CARD"),
        ("refund-of-the-future", "CREDIT_CARD"),
    ],
)
def test_reveal_denied_when_the_ticket_kind_does_not_allow_the_field(kind: str, cls: str) -> None:
    f = facts(ticket=ticket(kind=kind), field_classes=(cls,))
    denied(decide(AGENT, "record.reveal", CARD, the_facts=f), "ticket-kind")


def test_reveal_denied_when_the_field_class_is_unknown() -> None:
    denied(decide(AGENT, "record.reveal", CARD, the_facts=facts(field_classes=())), "ticket-kind")


AGENT_DENIALS = [
    ("no ticket", {"ticket": None}, "ticket"),
    ("ticket for another subject", {"ticket": ticket(subject="c-999")}, "ticket"),
    ("ticket of another tenant", {"ticket": ticket(tenant=OTHER)}, "ticket"),
    ("someone else's ticket", {"ticket": ticket(assignee="agent-2")}, "ticket-assignee"),
    ("closed ticket", {"ticket": ticket(open=False)}, "ticket-closed"),
    ("off shift", {"shift_site": None}, "shift"),
    ("shift at another site", {"shift_site": "cardiff"}, "shift"),
    ("not badged in", {"badged_in_site": None}, "badge"),
    ("badged in at another site", {"badged_in_site": "cardiff"}, "badge"),
    ("training expired", {"training_current": False}, "training"),
    ("never verified a second factor", {"mfa_age_s": None}, "mfa"),
    ("stale second factor", {"mfa_age_s": 900.5}, "mfa"),
    ("second factor of a NaN age", {"mfa_age_s": float("nan")}, "mfa"),
]


@pytest.mark.parametrize(
    ("change", "condition"),
    [(c, cond) for _, c, cond in AGENT_DENIALS],
    ids=[name for name, _, _ in AGENT_DENIALS],
)
def test_agent_reveal_denied_naming_the_unmet_condition(
    change: dict[str, Any], condition: str
) -> None:
    denied(decide(AGENT, "record.reveal", CARD, the_facts=facts(**change)), condition)


def test_second_factor_of_exactly_fifteen_minutes_is_fresh() -> None:
    assert decide(AGENT, "record.reveal", CARD, the_facts=facts(mfa_age_s=900.0)).allowed


@pytest.mark.parametrize(
    ("change", "condition"),
    [({"shift_site": None}, "shift"), ({"badged_in_site": None}, "badge"),
     ({"training_current": False}, "training")],
)  # fmt: skip
def test_agent_view_and_find_need_shift_badge_and_training(
    change: dict[str, Any], condition: str
) -> None:
    denied(decide(AGENT, "record.get", VIEW, None, facts(**change)), condition)
    denied(decide(AGENT, "record.find", SEARCH, None, facts(**change)), condition)


def test_agent_view_needs_no_purpose_or_second_factor() -> None:
    assert decide(AGENT, "record.get", VIEW, None, facts(mfa_age_s=None)).allowed


@pytest.mark.parametrize("purpose", [None, "", "  ", "ab", " a "])
def test_reveal_denied_without_a_purpose_of_three_characters(purpose: str | None) -> None:
    denied(decide(AGENT, "record.reveal", CARD, purpose, facts()), "purpose")


def test_agent_denied_on_another_tenant_whatever_else_holds() -> None:
    other = Resource.subject(OTHER, SUBJECT, ("card_number",))
    f = facts(ticket=ticket(tenant=OTHER))
    denied(decide(AGENT, "record.reveal", other, the_facts=f), "tenant")
    denied(decide(AGENT, "record.get", Resource(None), the_facts=f), "tenant")


def test_agent_without_a_tenant_is_denied() -> None:
    nowhere = dataclasses.replace(AGENT, tenant=None)
    denied(decide(nowhere, "record.get", VIEW, None, facts()), "tenant")


@pytest.mark.parametrize(
    "action", ["record.put", "record.erase", "audit.read", "policy.install", "token.detokenize"]
)
def test_agent_denied_what_her_role_does_not_do(action: str) -> None:
    denied(decide(AGENT, action, VIEW, "refund", facts()), "role")


def test_the_first_unmet_condition_in_order_is_reported() -> None:
    f = facts(shift_site=None, badged_in_site=None, mfa_age_s=None)
    d = decide(AGENT, "record.reveal", CARD, None, f)
    denied(d, "shift")
    assert d.policies[0] == "forbid-off-shift"
    assert {"forbid-not-badged-in", "forbid-reveal-without-purpose"} <= set(d.policies)


# --- break-glass ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", [SUPERVISOR, OFFICER, AGENT], ids=["supervisor", "officer", "agent"]
)
def test_break_glass_reads_without_ticket_shift_or_badge(who: Principal) -> None:
    f = Facts(now=NOW, mfa_age_s=30.0, grants=(grant(),), field_classes=("CREDIT_CARD",))
    d = decide(who, "record.reveal", CARD, "customer collapsed on call", f)
    assert d.allowed and d.policies == ("break-glass",) and "g-1" in d.reason
    assert decide(who, "record.get", VIEW, None, f).allowed


BREAK_GLASS_DENIALS = [
    ("unapproved", {"grants": (grant(approved=False),)}, "grant-unapproved"),
    ("expired", {"grants": (grant(active=False),)}, "grant-expired"),
    ("another field", {"grants": (grant(fields=("email",)),)}, "grant-scope"),
    ("another action", {"grants": (grant(actions=("record.get",)),)}, "grant-scope"),
    ("another tenant", {"grants": (grant(tenant=OTHER),)}, "grant"),
    ("a vendor grant", {"grants": (grant(kind="vendor"),)}, "grant"),
    ("no grant", {"grants": ()}, "grant"),
    ("stale second factor", {"mfa_age_s": 1200.0}, "mfa"),
]


@pytest.mark.parametrize(
    ("change", "condition"),
    [(c, cond) for _, c, cond in BREAK_GLASS_DENIALS],
    ids=[name for name, _, _ in BREAK_GLASS_DENIALS],
)
def test_break_glass_reveal_denied_naming_the_unmet_condition(
    change: dict[str, Any], condition: str
) -> None:
    f = dataclasses.replace(Facts(now=NOW, mfa_age_s=30.0, grants=(grant(),)), **change)
    denied(decide(SUPERVISOR, "record.reveal", CARD, "customer collapsed", f), condition)


def test_break_glass_reveal_still_needs_a_purpose() -> None:
    f = Facts(now=NOW, mfa_age_s=30.0, grants=(grant(),))
    denied(decide(SUPERVISOR, "record.reveal", CARD, None, f), "purpose")


def test_agent_without_ticket_hears_her_break_glass_is_unapproved() -> None:
    f = facts(ticket=None, grants=(grant(approved=False),))
    denied(decide(AGENT, "record.reveal", CARD, the_facts=f), "grant-unapproved")


def test_an_expired_grant_never_spoils_a_valid_ticket() -> None:
    assert decide(
        AGENT, "record.reveal", CARD, the_facts=facts(grants=(grant(active=False),))
    ).allowed


def test_agent_on_her_ticket_hears_about_the_ticket_path_not_an_old_grant() -> None:
    f = facts(shift_site=None, grants=(grant(active=False),))
    denied(decide(AGENT, "record.reveal", CARD, the_facts=f), "shift")


def test_one_good_grant_among_bad_ones_is_enough() -> None:
    grants = (grant(id="g-a", active=False), grant(id="g-b", approved=False), grant(id="g-c"))
    f = Facts(now=NOW, mfa_age_s=10.0, grants=grants)
    d = decide(SUPERVISOR, "record.reveal", CARD, "customer collapsed", f)
    assert d.allowed and "g-c" in d.reason


def test_security_officer_never_reads_data_without_break_glass() -> None:
    denied(decide(OFFICER, "record.get", VIEW, None, BARE), "grant")
    denied(decide(OFFICER, "record.reveal", CARD, "look", BARE), "grant")


# --- vendors ----------------------------------------------------------------------------------


def vendor_grant(**change: Any) -> GrantFact:
    base = {"kind": "vendor", "actions": ("record.get", "record.find"), "fields": ("email",)}
    return grant(**{**base, **change})


def test_vendor_acts_within_an_approved_active_grant() -> None:
    f = Facts(now=NOW, grants=(vendor_grant(),))
    assert decide(VENDOR, "record.get", VIEW, None, f).allowed
    assert decide(VENDOR, "record.find", SEARCH, None, f).allowed


VENDOR_DENIALS = [
    ("no grant", (), "record.get", VIEW, "grant"),
    ("unapproved", (vendor_grant(approved=False),), "record.get", VIEW, "grant-unapproved"),
    ("expired", (vendor_grant(active=False),), "record.get", VIEW, "grant-expired"),
    ("field outside", (vendor_grant(),), "record.find", Resource(TENANT, (), ("phone",)),
     "grant-scope"),
    ("action outside", (vendor_grant(),), "record.reveal",
     Resource.subject(TENANT, SUBJECT, ("email",)), "grant-scope"),
    ("another tenant", (vendor_grant(tenant=OTHER),), "record.get", VIEW, "grant"),
    ("break-glass kind", (grant(),), "record.get", VIEW, "grant"),
    ("not a data action", (vendor_grant(actions=("policy.install",)),), "policy.install",
     Resource(None), "role"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("grants", "action", "resource", "condition"),
    [v[1:] for v in VENDOR_DENIALS],
    ids=[v[0] for v in VENDOR_DENIALS],
)
def test_vendor_denied_outside_an_approved_active_grant(
    grants: tuple[GrantFact, ...], action: str, resource: Resource, condition: str
) -> None:
    f = Facts(now=NOW, mfa_age_s=10.0, grants=grants)
    denied(decide(VENDOR, action, resource, "ticket VX-9", f), condition)


def test_vendor_grant_of_two_picks_the_one_that_fits() -> None:
    f = Facts(now=NOW, grants=(vendor_grant(id="g-x", active=False), vendor_grant(id="g-y")))
    assert decide(VENDOR, "record.get", VIEW, None, f).allowed


# --- supervisors and grants -------------------------------------------------------------------


def test_supervisor_requests_break_glass_but_not_vendor_access() -> None:
    assert decide(
        SUPERVISOR, "grant.request", grant_resource(TENANT, "agent-1", "break_glass"), "x"
    ).allowed
    denied(decide(SUPERVISOR, "grant.request", grant_resource(TENANT, "ven-1", "vendor")), "role")
    denied(decide(SUPERVISOR, "grant.request", Resource(TENANT, ("agent-1",))), "role")


@pytest.mark.parametrize("kind", ["break_glass", "vendor"])
@pytest.mark.parametrize("approver", [SUPERVISOR, OFFICER], ids=["supervisor", "officer"])
def test_a_second_person_approves_any_kind(approver: Principal, kind: str) -> None:
    resource = grant_resource(TENANT, "agent-1", kind, requester="sup-2")
    assert decide(approver, "grant.approve", resource, None, FRESH).allowed


@pytest.mark.parametrize("mfa_age_s", [None, 901.0, 86_400.0])
@pytest.mark.parametrize("approver", [SUPERVISOR, OFFICER], ids=["supervisor", "officer"])
def test_approving_a_grant_or_erasing_needs_a_fresh_second_factor(
    approver: Principal, mfa_age_s: float | None
) -> None:
    stale = Facts(now=NOW, mfa_age_s=mfa_age_s)
    resource = grant_resource(TENANT, "agent-1", "break_glass", requester="sup-2")
    d = decide(approver, "grant.approve", resource, None, stale)
    denied(d, "mfa")
    assert "forbid-approval-or-erasure-without-fresh-mfa" in d.policies
    denied(decide(OFFICER, "record.erase", VIEW, None, stale), "mfa")
    assert decide(OFFICER, "record.erase", VIEW, None, FRESH).allowed
    assert decide(OPERATOR, "record.erase", VIEW, None, stale).allowed  # the root-key holder


@pytest.mark.parametrize(
    "resource",
    [
        grant_resource(TENANT, "agent-1", "break_glass", requester="sup-1"),
        grant_resource(TENANT, "sup-1", "break_glass", requester="sup-2"),
        grant_resource(TENANT, "agent-1", "break_glass"),
        Resource(TENANT, ("agent-1",)),
    ],
    ids=["own request", "own grant", "requester unknown", "no descriptor"],
)
def test_approval_denied_unless_by_a_second_person(resource: Resource) -> None:
    denied(decide(SUPERVISOR, "grant.approve", resource), "second-person")


def test_even_the_operator_needs_a_second_person() -> None:
    resource = grant_resource(TENANT, "agent-1", "vendor", requester=OPERATOR.id)
    denied(decide(OPERATOR, "grant.approve", resource), "second-person")


# --- security officers, client auditors, services, the operator -------------------------------


@pytest.mark.parametrize(
    "action",
    ["record.erase", "principal.add", "principal.disable", "apikey.issue", "policy.install",
     "audit.read", "audit.search", "alert.read", "alert.ack", "context.ingest", "grant.revoke",
     "apikey.revoke"],
)  # fmt: skip
def test_security_officer_administers_any_tenant(action: str) -> None:
    assert decide(OFFICER, action, VIEW, None, FRESH).allowed
    assert decide(OFFICER, action, Resource(OTHER), None, FRESH).allowed


@pytest.mark.parametrize("action", ["principal.add", "principal.reset", "apikey.issue"])
def test_minting_credentials_needs_the_officers_own_fresh_second_factor(action: str) -> None:
    what = principal_resource(OTHER, "agent-9", "agent")
    denied(decide(OFFICER, action, what), "mfa")
    stale = Facts(now=NOW, mfa_age_s=901.0)  # a second factor 15 minutes and a second ago
    denied(decide(OFFICER, action, what, None, stale), "mfa")
    assert decide(OFFICER, action, what, None, FRESH).allowed
    # Revoking and disabling take a way in away: no second factor asked.
    assert decide(OFFICER, "apikey.revoke", Resource(OTHER)).allowed
    assert decide(OFFICER, "principal.disable", Resource(OTHER)).allowed


@pytest.mark.parametrize(
    ("role", "by_officer"),
    [("agent", True), ("client_auditor", True), ("vendor", True),
     ("supervisor", False), ("security_officer", False)],
)  # fmt: skip
def test_an_officer_resets_no_one_who_approves_grants(role: str, by_officer: bool) -> None:
    """A reset hands over the target's sign-in: an approver's would make a second person."""
    target = principal_resource(None, "someone", role)
    d = decide(OFFICER, "principal.reset", target, None, FRESH)
    if by_officer:
        assert d.allowed, d
    else:
        denied(d, "role")
        assert "forbid-reset-of-an-approver" in d.policies
    assert decide(OPERATOR, "principal.reset", target).allowed
    # A reset that does not say whose sign-in it hands over is refused.
    for vague in (Resource(None), Resource(None, ("someone",), ("role=agent", "role=vendor"))):
        denied(decide(OFFICER, "principal.reset", vague, None, FRESH), "role")


def test_security_officer_requests_vendor_access_but_not_break_glass() -> None:
    assert decide(OFFICER, "grant.request", grant_resource(TENANT, "ven-1", "vendor"), "x").allowed
    denied(decide(OFFICER, "grant.request", grant_resource(TENANT, "a-1", "break_glass")), "role")


def test_client_auditor_reads_the_audit_of_her_own_tenant_only() -> None:
    assert decide(AUDITOR, "audit.read", Resource(TENANT)).allowed
    denied(decide(AUDITOR, "audit.read", Resource(OTHER)), "tenant")
    denied(decide(AUDITOR, "audit.read", Resource(None)), "tenant")
    denied(decide(AUDITOR, "record.reveal", CARD, "audit", facts()), "role")
    assert decide(AUDITOR, "alert.read", Resource(TENANT)).allowed
    denied(decide(AUDITOR, "alert.read", Resource(OTHER)), "tenant")
    denied(decide(AUDITOR, "alert.read", Resource(None)), "tenant")
    denied(decide(AUDITOR, "alert.ack", Resource(TENANT, ("agent-1",))), "role")
    nowhere = dataclasses.replace(AUDITOR, tenant=None)
    denied(decide(nowhere, "audit.read", Resource(None)), "tenant")


@pytest.mark.parametrize(
    "action", ["record.put", "ticket.register", "context.ingest", "token.tokenize"]
)
def test_service_integrates_with_its_own_tenant(action: str) -> None:
    assert decide(SERVICE, action, Resource(TENANT), None, BARE).allowed
    denied(decide(SERVICE, action, Resource(OTHER), None, BARE), "tenant")


def test_a_service_without_a_tenant_feeds_the_workforce_context_and_nothing_else() -> None:
    """The door system, the rota and the training platform: badges, shifts and training name
    no tenant; a tenant-bound service account may not send them (they are not its client's)."""
    workforce = dataclasses.replace(SERVICE, tenant=None)
    assert decide(workforce, "context.ingest", Resource(None), None, BARE).allowed
    denied(decide(workforce, "context.ingest", Resource(TENANT), None, BARE), "tenant")
    for action in ("record.put", "ticket.register", "token.tokenize", "dlp.scan"):
        denied(decide(workforce, action, Resource(TENANT), None, BARE), "tenant")
        denied(decide(workforce, action, Resource(None), None, BARE), "tenant")
    denied(decide(workforce, "record.get", VIEW, None, BARE), "tenant")
    denied(decide(SERVICE, "context.ingest", Resource(None), None, BARE), "tenant")
    for role in ("agent", "client_auditor"):
        nobody = Principal(PrincipalId("x-1"), role, None, "lis-1")
        denied(decide(nobody, "context.ingest", Resource(None), None, BARE), "tenant")


@pytest.mark.parametrize("purpose", ["payment-capture", "refund", "chargeback", "fraud-review"])
def test_service_detokenizes_for_an_integration_purpose(purpose: str) -> None:
    token = Resource(TENANT, (), ("CREDIT_CARD",))
    assert decide(SERVICE, "token.detokenize", token, purpose, BARE).allowed


@pytest.mark.parametrize("purpose", [None, "", "curiosity", "refund please", "REFUND"])
def test_service_detokenize_denied_without_an_integration_purpose(purpose: str | None) -> None:
    token = Resource(TENANT, (), ("CREDIT_CARD",))
    denied(decide(SERVICE, "token.detokenize", token, purpose, BARE), "purpose")


def test_service_never_reads_records() -> None:
    denied(decide(SERVICE, "record.get", VIEW, None, BARE), "role")


@pytest.mark.parametrize(
    "action",
    ["tenant.create", "tenant.list", "keys.rotate", "record.put", "record.get", "record.erase",
     "token.detokenize", "policy.install"],
)  # fmt: skip
def test_operator_may_do_everything(action: str) -> None:
    assert decide(OPERATOR, action, VIEW, None, None).allowed


def test_operator_reveal_still_needs_a_purpose() -> None:
    assert decide(OPERATOR, "record.reveal", CARD, "refund", None).allowed
    denied(decide(OPERATOR, "record.reveal", CARD, "", None), "purpose")


def test_unknown_action_is_denied_even_to_the_operator() -> None:
    d = decide(OPERATOR, "record.teleport", VIEW)
    denied(d, "role")
    assert d.policies == ("default-deny",)


# --- tenant isolation, whatever the facts ----------------------------------------------------

ACTIONS = sorted({"record.get", "record.reveal", "record.find", "record.put", "record.erase",
                  "token.tokenize", "token.detokenize", "grant.request", "grant.approve",
                  "audit.read", "audit.search", "context.ingest", "ticket.register",
                  "alert.read", "policy.install", "principal.add"})  # fmt: skip
TENANTS = st.sampled_from([TENANT, OTHER, "omega", ""])
NAMES = st.sampled_from(["agent-1", "sup-1", "ven-1", "x"])


@st.composite
def any_facts(draw: st.DrawFn) -> Facts:
    tickets = st.builds(
        TicketFact, NAMES, TENANTS, st.sampled_from([SUBJECT, "c-2"]), NAMES,
        st.sampled_from(["payment", "general", "identity"]), st.booleans(),
    )  # fmt: skip
    grants = st.builds(
        GrantFact, NAMES, st.sampled_from(["break_glass", "vendor"]), TENANTS,
        st.lists(st.sampled_from(ACTIONS), max_size=4).map(tuple),
        st.lists(st.sampled_from(["card_number", "email"]), max_size=2).map(tuple),
        st.booleans(), st.booleans(),
    )  # fmt: skip
    sites = st.none() | st.sampled_from([SITE, "cardiff"])
    return Facts(
        now=NOW,
        ticket=draw(st.none() | tickets),
        shift_site=draw(sites),
        badged_in_site=draw(sites),
        training_current=draw(st.booleans()),
        mfa_age_s=draw(st.none() | st.floats(-10, 10_000)),
        field_classes=draw(
            st.lists(st.sampled_from(["CREDIT_CARD", "EMAIL_ADDRESS"]), max_size=2).map(tuple)
        ),
        grants=tuple(draw(st.lists(grants, max_size=3))),
    )


@settings(max_examples=400, deadline=None)
@given(
    role=st.sampled_from(
        ["agent", "supervisor", "security_officer", "client_auditor", "vendor", "service"]
    ),
    own=TENANTS.filter(bool),
    target=st.none() | TENANTS,
    action=st.sampled_from(ACTIONS),
    the_facts=any_facts(),
    purpose=st.sampled_from([None, "refund", "payment-capture", "customer collapsed"]),
    fields=st.lists(st.sampled_from(["card_number", "email"]), max_size=2).map(tuple),
)  # fmt: skip
def test_no_principal_with_a_tenant_acts_on_another_tenant(
    role: str,
    own: str,
    target: str | None,
    action: str,
    the_facts: Facts,
    purpose: str | None,
    fields: tuple[str, ...],
) -> None:
    if target == own:
        target = None if own == OTHER else OTHER
    who = Principal(PrincipalId("agent-1"), role, own, SITE)
    d = decide(who, action, Resource(target, (SUBJECT,), fields), purpose, the_facts)
    assert not d.allowed
    assert d.condition == "tenant"


# --- loading: fails closed, naming the file and line ------------------------------------------

GOOD = """@id("all")
permit (principal, action, resource) when { principal.role == "operator" };
"""
ANY = "(principal, action, resource)"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "permits nothing"),
        ("// nothing here\n", None, "permits nothing"),
        (f'{GOOD}\n@id("x")\n@condition("tenant")\nforbid {ANY} when {{;\n', 4, "not a Cedar"),
        (f'{GOOD}\n@id("x")\npermit (principal, action == Action::"fly", resource);\n', 4, "`x`"),
        (f'{GOOD}\n@id("x")\npermit {ANY} when {{ principal.height > 2 }};\n', 4, "schema"),
        (f"{GOOD}\npermit {ANY};\n", 4, "@id"),
        (f'{GOOD}\n@id("x")\nforbid {ANY};\n', 4, "@condition"),
        (f'{GOOD}\n@id("x")\n@condition("mood")\nforbid {ANY};\n', 4, "@condition"),
        (f'{GOOD}\n@id("x")\n@condition("role")\npermit {ANY};\n', 4, "only forbids"),
        (f'{GOOD}\n@id("all")\npermit {ANY};\n', 4, "two policies"),
        (f'@id("x")\n@condition("role")\nforbid {ANY};\n', None, "permits nothing"),
        (
            f'{GOOD}@id("t")\npermit (principal == ?principal, action, resource);\n',
            None,
            "templates",
        ),
    ],
)
def test_a_bad_policy_set_is_refused_naming_the_line(
    text: str, line: int | None, words: str
) -> None:
    with pytest.raises(BadInput) as err:
        CedarPolicy(text, "my.cedar")
    assert err.value.location.file == "my.cedar"
    assert err.value.location.line == line
    assert words in err.value.message


def test_line_numbers_skip_comments_and_strings_with_semicolons() -> None:
    text = (
        '// a comment; with a semicolon\n@id("a;b")\n'
        'permit (principal, action, resource) when { principal.role == ";" };\n'
        '/* not a comment */ @id("z") permit (principal, action, resource);\n'
    )
    with pytest.raises(BadInput) as err:
        CedarPolicy(text, "f.cedar")
    assert err.value.location.line == 4


def test_an_erroring_policy_denies_instead_of_being_skipped() -> None:
    text = GOOD + (
        '\n@id("overflow")\n@condition("purpose")\nforbid (principal, action, resource)\n'
        "when { context.purpose_length + 9223372036854775807 < 0 };\n"
    )
    policy = CedarPolicy(text, "f.cedar")
    assert decide(OPERATOR, "tenant.list", Resource(None), "", None, policy).allowed
    d = decide(OPERATOR, "tenant.list", Resource(None), "refund", None, policy)
    denied(d, "policy-error")


def test_every_forbid_of_the_default_set_names_a_known_condition() -> None:
    forbids = [r for r in POLICY.rules if r.effect == "forbid"]
    assert forbids and all(r.condition in CONDITIONS for r in forbids)
    assert len({r.id for r in POLICY.rules}) == len(POLICY.rules)
    assert all(r.line is not None for r in POLICY.rules)


def test_load_policy_prefers_the_installed_file_and_notices_a_change(tmp_path: Path) -> None:
    assert load_policy(tmp_path).source == DEFAULT_SOURCE
    installed = tmp_path / POLICY_FILE
    installed.write_text(GOOD)
    first = load_policy(tmp_path)
    assert first.source == str(installed) and len(first.rules) == 1
    assert load_policy(tmp_path) is first
    installed.write_text(GOOD + '@id("more")\npermit (principal, action, resource);\n')
    assert len(load_policy(tmp_path).rules) == 2


def test_load_policy_fails_closed_on_a_bad_installed_file(tmp_path: Path) -> None:
    (tmp_path / POLICY_FILE).write_text("permit (principal, action, resource) when {")
    with pytest.raises(BadInput) as err:
        load_policy(tmp_path)
    assert err.value.location.file == str(tmp_path / POLICY_FILE)
    assert err.value.location.line == 1


def test_a_grant_descriptor_said_twice_is_refused_not_guessed() -> None:
    twice = Resource(TENANT, ("agent-1",), ("kind=break_glass", "kind=vendor"))
    denied(decide(SUPERVISOR, "grant.request", twice), "role")
    approve = Resource(TENANT, ("agent-1",), ("kind=vendor", "requester=a", "requester=b"))
    denied(decide(OFFICER, "grant.approve", approve), "second-person")


def test_a_descriptor_means_nothing_outside_grant_actions() -> None:
    sneaky = Resource.subject(TENANT, SUBJECT, ("kind=break_glass", "requester=x"))
    denied(decide(SUPERVISOR, "record.get", sneaky, None, BARE), "grant")
