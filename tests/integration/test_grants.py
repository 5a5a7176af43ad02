"""Break-glass and vendor grants: limits, the second person, states, and the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strongroom.access import Principal, PrincipalId
from strongroom.access.cedar import default_policy_text, install_policy
from strongroom.access.grants import (
    GrantInfo,
    approve_grant,
    held,
    list_grants,
    request_grant,
    revoke_grant,
)
from strongroom.access.identity import add_principal, disable_principal
from strongroom.access.principal import OPERATOR
from strongroom.audit.search import Filters, entries
from strongroom.errors import BadInput, Conflict, Denied, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import transaction
from strongroom.vault import tenants
from tests.conftest import Setup, demo_spec

pytestmark = pytest.mark.parametrize("setup", ["sqlite-keyfile", "postgres-keyfile"], indirect=True)

# The operator policy lets operators act; the second-person rule is the grants' own.
SUPERVISOR = Principal(PrincipalId("operator:supervisor"), OPERATOR)
SECOND = Principal(PrincipalId("operator:second"), OPERATOR)
GRANTEE = "agent-17"
VENDOR = "mailhouse-1"
ROAMING = "sup-roam"


@pytest.fixture
def inst(setup: Setup) -> Iterator[Instance]:
    tenants.create(setup.instance, setup.operator, demo_spec("acme-bank"))
    tenants.create(setup.instance, setup.operator, demo_spec("zeta-retail"))
    for name, role, site in ((GRANTEE, "agent", "lon-1"), ("agent-18", "agent", "lon-1")):
        add_principal(setup.instance, setup.operator, name, role, "acme-bank", site)
    add_principal(setup.instance, setup.operator, VENDOR, "vendor", "acme-bank")
    # A supervisor of no tenant: break-glass on any tenant is of use to them.
    add_principal(setup.instance, setup.operator, ROAMING, "supervisor")
    yield setup.instance


def _request(inst: Instance, **change: Any) -> GrantInfo:
    args: dict[str, Any] = {
        "kind": "break_glass",
        "grantee": GRANTEE,
        "tenant": "acme-bank",
        "actions": ["record.get", "record.reveal"],
        "fields": ["card_number"],
        "reason": "chargeback dispute on T-1001",
        "hours": 2,
    }
    args.update(change)
    return request_grant(inst, SUPERVISOR, **args)


def _held(inst: Instance, at: datetime | None = None, tenant: str = "acme-bank") -> Any:
    with transaction(inst.data, read_only=True) as tx:
        return held(tx, GRANTEE, tenant, at or datetime.now(UTC))


def _status(inst: Instance, grant_id: str) -> str:
    return next(g.status for g in list_grants(inst, SUPERVISOR) if g.id == grant_id)


def test_a_request_is_pending_and_held_but_not_approved(inst: Instance) -> None:
    g = _request(inst)
    assert g.id.startswith("g-") and len(g.id) == 14
    assert (g.status, g.requested_by, g.approved_by) == ("pending", SUPERVISOR.id, None)
    assert (g.actions, g.fields) == (("record.get", "record.reveal"), ("card_number",))
    start, end = datetime.fromisoformat(g.starts_at), datetime.fromisoformat(g.ends_at)
    assert end - start == timedelta(hours=2)
    assert abs(datetime.now(UTC) - start) < timedelta(minutes=1)
    (fact,) = _held(inst)
    assert (fact.id, fact.kind, fact.approved, fact.active) == (g.id, "break_glass", False, True)
    assert fact.actions == ("record.get", "record.reveal") and fact.fields == ("card_number",)


def test_the_requester_cannot_approve_their_own_request(inst: Instance) -> None:
    g = _request(inst)
    with pytest.raises(Denied) as err:
        approve_grant(inst, SUPERVISOR, g.id)
    assert err.value.condition == "second-person"
    grantee = Principal(PrincipalId(GRANTEE), OPERATOR)
    with pytest.raises(Denied) as err:
        approve_grant(inst, grantee, g.id)
    assert err.value.condition == "second-person"
    assert _status(inst, g.id) == "pending"
    assert not _held(inst)[0].approved


def test_a_second_person_approves_and_the_grant_is_active(inst: Instance) -> None:
    g = _request(inst)
    approved = approve_grant(inst, SECOND, g.id)
    assert (approved.status, approved.approved_by) == ("active", SECOND.id)
    (fact,) = _held(inst)
    assert fact.approved and fact.active
    with pytest.raises(Conflict):
        approve_grant(inst, SECOND, g.id)


def test_a_grant_ends_when_its_hours_are_over(inst: Instance) -> None:
    g = _request(inst, hours=1)
    approve_grant(inst, SECOND, g.id)
    assert _held(inst, datetime.now(UTC) + timedelta(minutes=59))
    # Ended, it is still held for a day, inactive, so that a denial can say it expired.
    (ended,) = _held(inst, datetime.now(UTC) + timedelta(hours=1, seconds=1))
    assert ended.approved and not ended.active
    assert _held(inst, datetime.now(UTC) + timedelta(hours=25, seconds=1)) == ()
    with transaction(inst.data) as tx:
        tx.run(
            "UPDATE grants SET starts_at = ?, ends_at = ? WHERE id = ?",
            ("2026-01-01T00:00:00.000000Z", "2026-01-01T01:00:00.000000Z", g.id),
        )
    assert _status(inst, g.id) == "expired"
    assert _held(inst) == ()


def test_an_expired_pending_grant_cannot_be_approved(inst: Instance) -> None:
    g = _request(inst)
    with transaction(inst.data) as tx:
        tx.run("UPDATE grants SET ends_at = ? WHERE id = ?", ("2026-01-01T01:00:00.000000Z", g.id))
    with pytest.raises(Conflict) as err:
        approve_grant(inst, SECOND, g.id)
    assert "expired" in err.value.message


def test_a_revoked_grant_is_no_longer_held(inst: Instance) -> None:
    g = _request(inst)
    approve_grant(inst, SECOND, g.id)
    revoked = revoke_grant(inst, SUPERVISOR, g.id)
    assert revoked.status == "revoked"
    assert _held(inst) == ()
    with pytest.raises(Conflict):
        revoke_grant(inst, SUPERVISOR, g.id)
    pending = _request(inst)
    revoke_grant(inst, SUPERVISOR, pending.id)
    with pytest.raises(Conflict) as err:
        approve_grant(inst, SECOND, pending.id)
    assert "revoked" in err.value.message


def test_held_is_per_grantee_and_tenant(inst: Instance) -> None:
    _request(inst, grantee=ROAMING, tenant="zeta-retail", actions=["record.get"], fields=[])
    _request(inst, grantee="agent-18")
    assert _held(inst) == ()
    with transaction(inst.data, read_only=True) as tx:
        assert held(tx, ROAMING, "acme-bank", datetime.now(UTC)) == ()
        assert len(held(tx, ROAMING, "zeta-retail", datetime.now(UTC))) == 1


def test_a_vendor_grant_lasts_up_to_seventy_two_hours(inst: Instance) -> None:
    g = _request(inst, kind="vendor", grantee=VENDOR, hours=72, actions=["record.get"], fields=[])
    assert g.kind == "vendor" and g.fields == ()
    with pytest.raises(BadInput) as err:
        _request(inst, kind="vendor", grantee=VENDOR, hours=72.5)
    assert err.value.location.field == "hours"


@pytest.mark.parametrize(("kind", "grantee"), [("vendor", GRANTEE), ("break_glass", VENDOR)])
def test_a_grant_its_grantee_could_never_use_is_refused_naming_the_grantee(
    inst: Instance, kind: str, grantee: str
) -> None:
    with pytest.raises(BadInput) as err:
        _request(inst, kind=kind, grantee=grantee, hours=1)
    assert err.value.location.field == "grantee"
    role = "agent" if grantee == GRANTEE else "vendor"
    assert f"'{grantee}' ({role}) could not use this {kind} grant" in err.value.message
    assert list_grants(inst, SUPERVISOR) == []
    logged = [e for _, e in entries(inst, Filters(action="grant.request"))]
    assert [e["outcome"]["decision"] for e in logged] == ["failed"]
    assert f"role={role}" in logged[0]["resource"]["fields"]


def test_a_grant_on_another_tenant_than_its_grantee_s_is_refused(inst: Instance) -> None:
    with pytest.raises(BadInput) as err:
        _request(inst, tenant="zeta-retail")
    assert err.value.location.field == "grantee"
    assert "another tenant (forbid-other-tenant)" in err.value.message
    assert list_grants(inst, SUPERVISOR) == []


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        # A reveal or a search under a grant touches only the fields it names.
        ({"fields": []}, "fields", "record.reveal under a grant touches only"),
        ({"actions": ["record.find"], "fields": ["card_number"]}, "fields", "record.find"),
        # Break-glass reads records; it does not open the token vault.
        (
            {"actions": ["record.get", "token.detokenize"], "fields": ["CREDIT_CARD"]},
            "actions",
            "could not take token.detokenize under this grant",
        ),
        # A vendor's token action touches the card class, which the grant must name.
        (
            {"kind": "vendor", "grantee": VENDOR, "actions": ["token.detokenize"], "fields": []},
            "fields",
            "token action CREDIT_CARD",
        ),
        ({"fields": ["CREDIT_CARD"]}, "fields", "no field CREDIT_CARD"),
        # A search shows its matches as a get of each: a grant to search must let one get.
        (
            {"actions": ["record.find"], "fields": ["email"]},
            "actions",
            "(its matches are shown as record.get)",
        ),
    ],
)
def test_a_grant_naming_what_its_grantee_could_not_use_is_refused(
    inst: Instance, change: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(BadInput) as err:
        _request(inst, **change)
    assert (err.value.location.field, says in err.value.message) == (field, True), err.value
    assert list_grants(inst, SUPERVISOR) == []


def test_a_vendor_grant_for_token_actions_names_the_card_class(inst: Instance) -> None:
    g = _request(
        inst,
        kind="vendor",
        grantee=VENDOR,
        actions=["token.tokenize", "token.detokenize", "record.find", "record.get"],
        fields=["CREDIT_CARD", "email"],
    )
    assert g.fields == ("CREDIT_CARD", "email")


def test_a_grant_for_no_one_or_a_disabled_principal_is_refused_and_recorded(
    inst: Instance,
) -> None:
    with pytest.raises(BadInput) as missing:
        _request(inst, grantee="agent-99")
    assert "agent-99" in missing.value.message and missing.value.location.field == "grantee"
    disable_principal(inst, SUPERVISOR, "agent-18")
    with pytest.raises(BadInput) as disabled:
        _request(inst, grantee="agent-18")
    assert disabled.value.location.field == "grantee"
    assert list_grants(inst, SUPERVISOR) == []
    logged = [e for _, e in entries(inst, Filters(action="grant.request"))]
    assert [e["outcome"]["decision"] for e in logged] == ["failed", "failed"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": 4.01}, "hours"),
        ({"hours": 0}, "hours"),
        ({"hours": -1}, "hours"),
        ({"hours": float("nan")}, "hours"),
        ({"hours": float("inf")}, "hours"),
        ({"reason": "because  "}, "reason"),
        ({"kind": "forever"}, "kind"),
        ({"actions": []}, "actions"),
        ({"actions": ["record.get", "keys.rotate"]}, "actions"),
        ({"fields": ["card_number", "pin"]}, "fields"),
        ({"grantee": "agent 17"}, "grantee"),
        ({"grantee": ""}, "grantee"),
    ],
)
def test_a_bad_request_names_the_field_and_stores_nothing(
    inst: Instance, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(BadInput) as err:
        _request(inst, **change)
    assert err.value.location.field == field
    assert list_grants(inst, SUPERVISOR) == []


def test_a_break_glass_of_exactly_four_hours_is_accepted(inst: Instance) -> None:
    assert _request(inst, hours=4).status == "pending"


def test_unknown_tenant_and_unknown_grant_are_not_found(inst: Instance) -> None:
    with pytest.raises(NotFound):
        _request(inst, tenant="no-bank")
    for act in (approve_grant, revoke_grant):
        with pytest.raises(NotFound):
            act(inst, SECOND, "g-000000000000")


def test_list_filters_by_tenant_and_shows_each_status(inst: Instance) -> None:
    pending = _request(inst)
    active = _request(inst)
    approve_grant(inst, SECOND, active.id)
    revoked = _request(inst)
    revoke_grant(inst, SUPERVISOR, revoked.id)
    other = _request(inst, grantee=ROAMING, tenant="zeta-retail")
    listed = {g.id: g.status for g in list_grants(inst, SUPERVISOR, "acme-bank")}
    assert listed == {pending.id: "pending", active.id: "active", revoked.id: "revoked"}
    assert [g.id for g in list_grants(inst, SUPERVISOR, "zeta-retail")] == [other.id]
    assert len(list_grants(inst, SUPERVISOR)) == 4
    assert list_grants(inst, SUPERVISOR, "zeta-retail")[0].to_dict()["actions"] == [
        "record.get",
        "record.reveal",
    ]


def test_every_grant_action_is_in_the_ledger_as_break_glass(inst: Instance) -> None:
    g = _request(inst)
    with pytest.raises(Denied):
        approve_grant(inst, SUPERVISOR, g.id)
    approve_grant(inst, SECOND, g.id)
    revoke_grant(inst, SUPERVISOR, g.id)
    logged = [
        (
            e["action"],
            e["principal"],
            e["tenant"],
            e["resource"]["subjects"],
            e["outcome"]["decision"],
            e["details"],
        )
        for _, e in entries(inst, Filters())
        if e["action"].startswith("grant.") and e["action"] != "grant.list"
    ]
    d = {"grant": g.id, "kind": "break_glass"}
    assert logged == [
        ("grant.request", SUPERVISOR.id, "acme-bank", [GRANTEE], "allowed", d),
        ("grant.approve", SUPERVISOR.id, "acme-bank", [GRANTEE], "failed", d),
        ("grant.approve", SECOND.id, "acme-bank", [GRANTEE], "allowed", d),
        ("grant.revoke", SUPERVISOR.id, "acme-bank", [GRANTEE], "allowed", d),
    ]
    request = next(e for _, e in entries(inst, Filters(action="grant.request")))
    assert request["purpose"] == "chargeback dispute on T-1001"
    # The policy's grant resource: kind and requester ride in the fields (cedar.grant_resource).
    assert request["resource"]["fields"] == [
        "kind=break_glass",
        f"requester={SUPERVISOR.id}",
        "role=agent",
    ]
    refused = next(e for _, e in entries(inst, Filters(action="grant.approve")))
    assert "denied" in refused["outcome"]["reason"]


def test_a_principal_the_policy_refuses_cannot_request(inst: Instance) -> None:
    agent = Principal(PrincipalId("agent-5"), "agent", "acme-bank")
    with pytest.raises(Denied):
        request_grant(inst, agent, "break_glass", "agent-5", "acme-bank", ["record.get"], [],
                      "I would like to look around", 1)  # fmt: skip
    assert list_grants(inst, SUPERVISOR) == []


@pytest.mark.parametrize(
    "reason", ["chargeback for 4111 1111 1111 1111", "customer pat.jones@example.org disputes"]
)
def test_a_reason_holding_customer_data_is_refused_and_not_recorded(
    inst: Instance, reason: str
) -> None:
    """A grant's reason is kept in the ledger for good: no erasure could take a card out."""
    before = _ledger_bodies(inst)
    with pytest.raises(BadInput) as err:
        _request(inst, reason=reason)
    assert err.value.location.field == "reason"
    assert reason.split()[-2] not in str(err.value)
    assert _ledger_bodies(inst) == before


def _ledger_bodies(inst: Instance) -> list[str]:
    with transaction(inst.data, read_only=True) as tx:
        return [str(b) for (b,) in tx.all("SELECT body FROM audit_entries ORDER BY seq")]


def test_who_can_use_each_kind_of_grant_is_the_policy_s_to_say(
    inst: Instance, tmp_path: Path
) -> None:
    """An edited policy moves who may hold a grant: no list in the code overrides it."""
    text = default_policy_text()
    edited = text.replace(
        '["agent", "supervisor", "security_officer"].contains(principal.role) &&\n'
        "  context has grant &&\n"
        '  context.grant.kind == "break_glass"',
        '["supervisor", "security_officer"].contains(principal.role) &&\n'
        "  context has grant &&\n"
        '  context.grant.kind == "break_glass"',
    ).replace(
        'principal.role == "vendor" &&\n  context has grant &&\n  context.grant.kind == "vendor"',
        '["vendor", "supervisor"].contains(principal.role) &&\n'
        "  context has grant &&\n"
        '  context.grant.kind == "vendor"',
    )
    assert edited.count('["vendor", "supervisor"].contains(principal.role)') == 1
    assert '["supervisor", "security_officer"].contains(principal.role) &&\n  context has' in edited
    vendor = {"kind": "vendor", "actions": ["record.get"], "fields": []}
    with pytest.raises(BadInput) as err:
        _request(inst, grantee=ROAMING, **vendor)
    assert err.value.location.field == "grantee"
    assert _request(inst).grantee == GRANTEE  # break-glass for an agent, under the default

    policy = tmp_path / "edited.cedar"
    policy.write_text(edited)
    install_policy(inst, SUPERVISOR, policy)
    assert _request(inst, grantee=ROAMING, **vendor).grantee == ROAMING
    with pytest.raises(BadInput) as err:
        _request(inst)
    assert err.value.location.field == "grantee"
    assert "'agent-17' (agent) could not use this break_glass grant" in err.value.message


def test_break_glass_for_officers_and_supervisors_covers_search_and_reveal(
    inst: Instance,
) -> None:
    add_principal(inst, SUPERVISOR, "so-1", "security_officer")
    wide = {"actions": ["record.get", "record.find", "record.reveal"], "fields": ["email", "iban"]}
    for grantee in ("so-1", ROAMING, GRANTEE):
        assert _request(inst, grantee=grantee, **wide).grantee == grantee


def test_a_condition_on_the_grantee_s_state_at_use_does_not_refuse_the_grant(
    inst: Instance, tmp_path: Path
) -> None:
    """A policy that also wants a ticket under break-glass: the grant is asked for before any
    ticket exists; the ticket is checked when it is used."""
    policy = tmp_path / "ticketed.cedar"
    policy.write_text(
        default_policy_text() + '\n@id("break-glass-needs-a-ticket")\n@condition("ticket")\n'
        "forbid (principal, action, resource)\n"
        'when { context has grant && context.grant.kind == "break_glass" && '
        "!(context has ticket) };\n"
    )
    install_policy(inst, SUPERVISOR, policy)
    assert _request(inst).grantee == GRANTEE
