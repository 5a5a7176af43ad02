"""Ledger entries as the live auditor's events: data uses and sign-ins mapped, all else left
out, and nothing invented that the entry did not say."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from strongroom.audit.entry import Entry, Outcome, RequestContext
from strongroom.detect.events import ACTIONS as EVENT_ACTIONS
from strongroom.detect.ledger_events import (
    ACTIONS,
    NO_TENANT,
    UNKNOWN,
    event_from_entry,
    index_of,
    ledger_events,
    ref,
)

AT = datetime(2026, 11, 25, 10, 0, 0, 250000, tzinfo=UTC)
DESK = RequestContext(ip="10.1.2.3", device="ws-17", site="lis-1", ticket="T-1001")


def body(
    action: str,
    outcome: Outcome = "allowed",
    subjects: tuple[str, ...] = ("c-100",),
    fields: tuple[str, ...] = (),
    context: RequestContext = DESK,
    tenant: str | None = "acme-bank",
    principal: str = "agent-1",
    role: str = "agent",
) -> dict[str, Any]:
    """An entry as the ledger stores it (the canonical body, decoded)."""
    return Entry(
        ts=AT,
        principal=principal,
        role=role,
        tenant=tenant,
        action=action,
        outcome=outcome,
        reason="policy",
        subjects=subjects,
        fields=fields,
        context=context,
    ).to_dict()


def test_a_view_carries_who_where_which_customer_and_ticket() -> None:
    e = event_from_entry(88, body("record.get"))
    assert e is not None
    assert (e.ts, e.actor, e.role, e.tenant) == (AT.timestamp(), "agent-1", "agent", "acme-bank")
    assert (e.action, e.outcome, e.count, e.subject, e.ticket) == (
        "record.view",
        "allowed",
        1,
        "c-100",
        "T-1001",
    )
    assert (e.ip, e.device, e.site) == ("10.1.2.3", "ws-17", "lis-1")
    assert e.ref == "ledger:88"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("record.get", "record.view"),
        ("record.find", "record.search"),
        ("record.reveal", "record.reveal"),
        ("token.detokenize", "record.reveal"),
        ("record.put", "record.update"),
        ("record.export", "record.export"),
        ("login", "login"),
        ("login.failed", "login.failed"),
        ("mfa.failed", "login.failed"),
    ],
)
def test_data_uses_and_sign_ins_map_to_event_actions(action: str, expected: str) -> None:
    e = event_from_entry(1, body(action))
    assert e is not None and e.action == expected


def test_every_mapped_action_is_one_the_detectors_know() -> None:
    assert set(ACTIONS.values()) <= EVENT_ACTIONS


@pytest.mark.parametrize(
    "action",
    [
        "login.locked",  # written with the failure that caused it, which is the event
        "mfa.verify",
        "session.end",
        "record.erase",
        "tenant.create",
        "tenant.show",
        "keys.rotate",
        "ticket.register",
        "context.ingest",
        "grant.request",
        "grant.approve",
        "principal.add",
        "policy.install",
        "audit.search",
        "alert.raise",
        "alert.read",
        "alert.ack",
        "token.tokenize",
    ],
)
def test_entries_that_are_neither_data_use_nor_sign_in_are_left_out(action: str) -> None:
    assert event_from_entry(5, body(action)) is None


@pytest.mark.parametrize(
    ("decision", "outcome"), [("allowed", "allowed"), ("denied", "denied"), ("failed", "allowed")]
)
def test_only_a_refusal_by_the_policy_is_denied(decision: Outcome, outcome: str) -> None:
    e = event_from_entry(3, body("record.get", decision))
    assert e is not None and e.outcome == outcome


def test_count_is_the_number_of_subjects_and_a_subject_only_when_there_is_one() -> None:
    many = event_from_entry(2, body("record.put", subjects=tuple(f"c-{n}" for n in range(5))))
    assert many is not None and (many.count, many.subject) == (5, None)
    disclosed = event_from_entry(3, body("record.get", subjects=("c-1", "c-2", "c-3")))
    assert disclosed is not None and (disclosed.count, disclosed.subject) == (3, None)
    search = event_from_entry(4, body("record.find", subjects=(), fields=("email",)))
    assert search is not None and (search.count, search.subject, search.fields) == (
        1,
        None,
        ("email",),
    )


def test_a_reveal_names_its_field_never_a_value() -> None:
    e = event_from_entry(9, body("record.reveal", fields=("card_number",)))
    assert e is not None and e.fields == ("card_number",)


def test_what_the_request_did_not_say_is_unknown_not_guessed() -> None:
    e = event_from_entry(4, body("record.get", context=RequestContext()))
    assert e is not None
    assert (e.ip, e.device, e.site, e.ticket) == (UNKNOWN, UNKNOWN, UNKNOWN, None)


def test_a_sign_in_of_a_principal_of_no_tenant_has_no_tenant() -> None:
    e = event_from_entry(
        6,
        body(
            "login.failed",
            "denied",
            subjects=(),
            tenant=None,
            principal="nobody-known",
            role="unknown",
        ),
    )
    assert e is not None
    assert (e.tenant, e.actor, e.role, e.outcome, e.count) == (
        NO_TENANT,
        "nobody-known",
        "unknown",
        "denied",
        1,
    )


def test_stored_bodies_are_read_in_order_and_the_rest_skipped() -> None:
    rows = [
        (0, Entry(AT, "operator:root", "operator", "acme-bank", "tenant.create", "allowed", "ok")),
        (1, Entry(AT, "agent-1", "agent", "acme-bank", "record.get", "denied", "ticket", ("c-1",))),
        (2, Entry(AT, "agent-1", "agent", "acme-bank", "record.get", "allowed", "ok", ("c-2",))),
    ]
    events = list(ledger_events((i, e.canonical().decode()) for i, e in rows))
    assert [(e.ref, e.subject, e.outcome) for e in events] == [
        ("ledger:1", "c-1", "denied"),
        ("ledger:2", "c-2", "allowed"),
    ]


def test_an_entry_without_a_time_is_refused() -> None:
    broken = body("record.get")
    del broken["ts"]
    with pytest.raises(ValueError, match="ledger entry 7"):
        event_from_entry(7, broken)


@pytest.mark.parametrize("index", [0, 1, 88, 10**12])
def test_a_ref_names_its_ledger_index(index: int) -> None:
    assert index_of(ref(index)) == index


@pytest.mark.parametrize("other", ["events.jsonl:12", "ledger:", "ledger:x", "ledger:-1"])
def test_a_ref_of_another_source_names_no_index(other: str) -> None:
    assert index_of(other) is None
