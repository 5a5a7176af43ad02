"""Context ingest and the facts gathered from it, on SQLite and PostgreSQL (behind the wall)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from strongroom.access import Principal, PrincipalId, rota
from strongroom.access.context import Kind, ingest
from strongroom.access.evidence import gather
from strongroom.access.facts import Facts
from strongroom.access.grants import request_grant
from strongroom.access.identity import add_principal
from strongroom.audit.search import Filters, entries
from strongroom.errors import BadInput, Denied, StoreUnavailable
from strongroom.instance import Instance
from strongroom.store.engine import stamp, transaction
from strongroom.vault import tenants
from tests.conftest import Setup, demo_spec

pytestmark = pytest.mark.parametrize("setup", ["sqlite-keyfile", "postgres-keyfile"], indirect=True)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
AGENT = Principal(PrincipalId("agent-17"), "agent", "acme-bank", "ldn-1")
TABLES: dict[Kind, str] = {
    "tickets": "tickets",
    "shifts": "shifts",
    "badges": "badge_events",
    "training": "training",
}


def _t(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat()


@pytest.fixture
def inst(setup: Setup) -> Iterator[Instance]:
    tenants.create(setup.instance, setup.operator, demo_spec("acme-bank"))
    tenants.create(setup.instance, setup.operator, demo_spec("zeta-retail"))
    add_principal(setup.instance, setup.operator, "agent-17", "agent", "acme-bank", "ldn-1")
    yield setup.instance


def _store(setup: Setup, kind: Kind, *docs: dict[str, Any], tenant: str | None = None) -> None:
    ingest(setup.instance, setup.operator, kind, list(docs), tenant=tenant)


def _ticket(ticket: str, subject: str = "c-1", assignee: str = "agent-17", **more: Any) -> Any:
    return {
        "ticket": ticket,
        "tenant": "acme-bank",
        "subject": subject,
        "assignee": assignee,
        "opened": _t(-2),
        "kind": "payment",
        **more,
    }


def _count(inst: Instance, kind: Kind, tenant: str = "acme-bank") -> int:
    with transaction(inst.data, read_only=True, tenant=tenant) as tx:
        row = tx.one(f"SELECT count(*) FROM {TABLES[kind]}")
    assert row is not None
    return int(row[0])


def _facts(
    inst: Instance,
    principal: Principal = AGENT,
    subject: str | None = "c-1",
    ticket: str | None = None,
    at: datetime = NOW,
    tenant: str | None = "acme-bank",
) -> Facts:
    with transaction(inst.data, read_only=True, tenant=tenant) as tx:
        return gather(tx, principal, tenant, subject, ticket, ("CREDIT_CARD",), at)


# --- ingest ---


def test_each_kind_is_stored_with_one_ledger_entry(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1"), _ticket("T-2", "c-2"), tenant="acme-bank")
    _store(setup, "shifts", {"actor": "agent-17", "site": "ldn-1", "start": _t(-1), "end": _t(7)})
    _store(
        setup,
        "badges",
        {"ts": _t(-1), "actor": "agent-17", "site": "ldn-1", "zone": "lobby", "direction": "in"},
        {"ts": _t(-0.9), "actor": "agent-17", "site": "ldn-1", "zone": "floor", "direction": "in"},
    )
    _store(
        setup,
        "training",
        {"actor": "agent-17", "course": "data-protection", "completed": _t(-99), "expires": _t(9)},
    )
    assert [_count(inst, k) for k in TABLES] == [2, 1, 2, 1]
    logged = [
        (e["action"], e["tenant"], e["outcome"]["decision"], e["details"])
        for _, e in entries(inst, Filters())
        if e["action"] in ("ticket.register", "context.ingest")
    ]
    assert logged == [
        ("ticket.register", "acme-bank", "allowed", {"kind": "tickets", "count": 2}),
        ("context.ingest", None, "allowed", {"kind": "shifts", "count": 1, "revised": 0}),
        ("context.ingest", None, "allowed", {"kind": "badges", "count": 2}),
        ("context.ingest", None, "allowed", {"kind": "training", "count": 1}),
    ]


def test_times_are_stored_in_utc_text(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1", opened="2026-11-24T13:00:00+01:00"))
    with transaction(inst.data, read_only=True, tenant="acme-bank") as tx:
        assert tx.one("SELECT opened_at, closed_at FROM tickets") == (
            "2026-11-24T12:00:00.000000Z",
            None,
        )


def test_registering_a_ticket_again_closes_it(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1"))
    assert _facts(inst).ticket is not None
    _store(setup, "tickets", _ticket("T-1", closed=_t(-1)))
    assert _count(inst, "tickets") == 1
    assert _facts(inst).ticket is None
    named = _facts(inst, ticket="T-1").ticket
    assert named is not None and not named.open


def test_resending_context_replaces_it(setup: Setup, inst: Instance) -> None:
    shift = {"actor": "agent-17", "site": "ldn-1", "start": _t(-1), "end": _t(7)}
    _store(setup, "shifts", shift)
    _store(setup, "shifts", {**shift, "site": "mnl-2"})
    assert _count(inst, "shifts") == 1
    assert _facts(inst).shift_site == "mnl-2"


BAD: list[tuple[Kind, list[Any], str | None, int, str | None]] = [
    # kind, documents, tenant=, line named, field named
    ("tickets", [_ticket("T-1"), {k: v for k, v in _ticket("T-2").items() if k != "subject"}],
     None, 2, "subject"),
    ("tickets", [_ticket("T-1"), _ticket("T-2", opened="2026-11-24 noon")], None, 2, "opened"),
    ("tickets", [_ticket("T-1"), _ticket("T-2", kind="refund")], None, 2, "kind"),
    ("tickets", [_ticket("T-1"), _ticket("T-2", closed=_t(-3))], None, 2, "closed"),
    ("tickets", [_ticket("T-1"), {**_ticket("T-2"), "tenant": "zeta-retail"}], "acme-bank", 2,
     "tenant"),
    ("tickets", [_ticket("T-1"), {**_ticket("T-2"), "tenant": "zeta-retail"}], None, 2, "tenant"),
    ("tickets", [_ticket("T-1"), ["not", "an", "object"]], None, 2, None),
    ("tickets", [{**_ticket("T-1"), "tenant": "no-bank"}], None, 1, "tenant"),
    ("tickets", [{**_ticket("T-1"), "tenant": "no-bank"}], "no-bank", 1, "tenant"),
    ("shifts", [{"actor": "a", "site": "s", "start": _t(0), "end": _t(-1)}], None, 1, "end"),
    ("shifts", [{"actor": "a", "site": "s", "start": _t(0), "end": _t(17)}], None, 1, "end"),
    ("shifts", [{"actor": "a", "site": "s", "start": _t(0)}], None, 1, "end"),
    ("badges", [{"ts": _t(0), "actor": "a", "site": "s", "zone": "floor", "direction": "up"}],
     None, 1, "direction"),
    ("badges", [{"ts": "2026-11-24T12:00:00", "actor": "a", "site": "s", "zone": "floor",
                 "direction": "in"}], None, 1, "ts"),
    ("training", [{"actor": "a", "course": "c", "completed": _t(0), "expires": _t(0)}], None, 1,
     "expires"),
    ("training", [{"actor": "a", "course": "c", "completed": "last year", "expires": _t(0)}],
     None, 1, "completed"),
    # One key twice in a batch: the upsert kept the later line and counted both.
    ("tickets", [_ticket("T-1"), _ticket("T-2"), _ticket("T-1", closed=_t(-1))], None, 3,
     "ticket"),
    ("shifts", [{"actor": "a", "site": "s", "start": _t(0), "end": _t(8)},
                {"actor": "a", "site": "t", "start": _t(0), "end": _t(6)}], None, 2, "start"),
    ("badges", [{"ts": _t(0), "actor": "a", "site": "s", "zone": "floor", "direction": "in"},
                {"ts": _t(0), "actor": "a", "site": "s", "zone": "floor", "direction": "out"}],
     None, 2, "ts"),
    # Two shifts of one person overlapping in one batch: where does she work from 10 to 14?
    ("shifts", [{"actor": "a", "site": "s", "start": _t(6), "end": _t(14)},
                {"actor": "b", "site": "s", "start": _t(0), "end": _t(8)},
                {"actor": "a", "site": "t", "start": _t(0), "end": _t(10)}], None, 3, "start"),
    ("shifts", [{"actor": "a", "site": "s", "start": _t(0), "end": _t(8)},
                {"actor": "a", "site": "t", "start": _t(7.5), "end": _t(9)}], None, 2, "start"),
    ("training", [{"actor": "a", "course": "c", "completed": _t(-9), "expires": _t(9)},
                  {"actor": "b", "course": "c", "completed": _t(-9), "expires": _t(9)},
                  {"actor": "a", "course": "c", "completed": _t(-1), "expires": _t(1)}], None, 3,
     "course"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "docs", "tenant", "line", "field"), BAD)
def test_a_bad_document_names_line_and_field_and_stores_nothing(
    setup: Setup,
    inst: Instance,
    kind: Kind,
    docs: list[Any],
    tenant: str | None,
    line: int,
    field: str | None,
) -> None:
    with pytest.raises(BadInput) as err:
        ingest(inst, setup.operator, kind, docs, tenant=tenant, file="batch.jsonl")
    assert (err.value.location.file, err.value.location.line) == ("batch.jsonl", line)
    assert err.value.location.field == field
    assert _count(inst, kind) == 0


@pytest.mark.parametrize(
    "value", ["pat.jones@example.org", "4111 1111 1111 1111", "Pat Jones +44 7700 900123"]
)
def test_a_refused_value_is_not_quoted_back(setup: Setup, inst: Instance, value: str) -> None:
    """A CRM that puts a customer's e-mail, card or phone where an id belongs must not have it
    printed, logged or returned in the problem."""
    docs = [_ticket("T-1", subject=value)]
    if " " in value:  # a name with no blank is a principal's name as far as anyone can tell
        docs.append(_ticket("T-1", assignee=value))
    for doc in docs:
        with pytest.raises(BadInput) as err:
            ingest(inst, setup.operator, "tickets", [doc], file="t.jsonl")
        assert value not in str(err.value) and value.split(maxsplit=1)[0] not in str(err.value)
        assert err.value.location.field in ("subject", "assignee")


def test_lines_given_by_the_reader_are_the_ones_named(setup: Setup, inst: Instance) -> None:
    with pytest.raises(BadInput) as err:
        ingest(
            inst,
            setup.operator,
            "tickets",
            [_ticket("T-1"), _ticket("T-2", kind="refund")],
            file="t.csv",
            lines=[2, 5],
        )
    assert (err.value.location.line, err.value.location.field) == (5, "kind")


def test_an_empty_batch_is_bad_input(setup: Setup, inst: Instance) -> None:
    with pytest.raises(BadInput):
        ingest(inst, setup.operator, "shifts", [])


def test_a_principal_the_policy_refuses_stores_nothing(setup: Setup, inst: Instance) -> None:
    with pytest.raises(Denied):
        ingest(inst, AGENT, "tickets", [_ticket("T-1")])
    assert _count(inst, "tickets") == 0
    denied = [e for _, e in entries(inst, Filters(action="ticket.register"))]
    assert [e["outcome"]["decision"] for e in denied] == ["denied"]


# --- gather ---


def _shift(start: float, end: float, site: str = "ldn-1") -> dict[str, str]:
    return {"actor": "agent-17", "site": site, "start": _t(start), "end": _t(end)}


def _badge(at: float, direction: str, site: str = "ldn-1", zone: str = "floor") -> Any:
    return {"ts": _t(at), "actor": "agent-17", "site": site, "zone": zone, "direction": direction}


def test_nothing_known_gives_empty_facts(inst: Instance) -> None:
    facts = _facts(inst)
    assert facts == Facts(now=NOW, field_classes=("CREDIT_CARD",))


def test_back_to_back_shifts_and_a_revised_rota_are_taken(setup: Setup, inst: Instance) -> None:
    _store(setup, "shifts", _shift(-8, 0, "mnl-2"), _shift(0, 8))  # one ends as the next starts
    assert _count(inst, "shifts") == 2
    assert _facts(inst).shift_site == "ldn-1"
    # A later batch sends 0:30-7:00 at another site: those hours of the stored 0-8 shift are
    # the new one's; what it said outside them (0-0:30, 7-8) is kept, as is the shift before.
    _store(setup, "shifts", _shift(0.5, 7, "mnl-2"))
    assert _count(inst, "shifts") == 4
    assert _facts(inst).shift_site == "ldn-1"
    assert _facts(inst, at=NOW + timedelta(hours=1)).shift_site == "mnl-2"
    assert _facts(inst, at=NOW + timedelta(hours=7.5)).shift_site == "ldn-1"
    assert _facts(inst, at=NOW - timedelta(hours=4)).shift_site == "mnl-2"
    # One shift over all of them, then re-sent shorter (same start): it replaces the four, and
    # then nothing keeps the person on shift after its new end.
    _store(setup, "shifts", _shift(-8, 8, "mnl-2"))
    assert _count(inst, "shifts") == 1
    _store(setup, "shifts", _shift(-8, 3, "mnl-2"))
    assert _count(inst, "shifts") == 1
    assert _facts(inst, at=NOW + timedelta(hours=5)).shift_site is None


def _stored_shifts(inst: Instance) -> list[tuple[str, str, str]]:
    with transaction(inst.data, read_only=True) as tx:
        rows = tx.all("SELECT start_at, end_at, site FROM shifts ORDER BY start_at")
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_the_ledger_says_which_stored_shifts_a_batch_revised(setup: Setup, inst: Instance) -> None:
    _store(setup, "shifts", _shift(-8, 0, "mnl-2"), _shift(0, 8))
    before = _stored_shifts(inst)
    # Moved: 2-4 at another site cuts the 0-8 shift in two; the -8-0 shift is not touched.
    _store(setup, "shifts", _shift(2, 4, "mnl-2"))
    *_, entry = (e for _, e in entries(inst, Filters(action="context.ingest")))
    (start, end, site) = before[1]
    pieces = [(start, stamp(NOW + timedelta(hours=2))), (stamp(NOW + timedelta(hours=4)), end)]
    assert entry["details"] == {
        "kind": "shifts",
        "count": 1,
        "revised": 1,
        "revisions": [
            {
                "actor": "agent-17",
                "site": site,
                "start": start,
                "end": end,
                "kept": [{"start": a, "end": b} for a, b in pieces],
            }
        ],
    }
    assert [(a, b) for a, b, s in _stored_shifts(inst) if s == "ldn-1"] == pieces
    # Re-sent unchanged: nothing revised.
    _store(setup, "shifts", _shift(2, 4, "mnl-2"))
    *_, entry = (e for _, e in entries(inst, Filters(action="context.ingest")))
    assert entry["details"]["revised"] == 0 and "revisions" not in entry["details"]


def test_a_shift_re_sent_shorter_is_replaced_whole_even_beside_a_cut(
    setup: Setup, inst: Instance
) -> None:
    """One batch re-sends the 0-8 shift as 0-3 and adds 5-6: the stored 0-8 is replaced whole,
    so nothing of it is left after 6 (before, the 5-6 cut it first and 6-8 survived)."""
    _store(setup, "shifts", _shift(0, 8))
    _store(setup, "shifts", _shift(0, 3), _shift(5, 6, "mnl-2"))
    assert [(a, b) for a, b, _ in _stored_shifts(inst)] == [
        (stamp(NOW), stamp(NOW + timedelta(hours=3))),
        (stamp(NOW + timedelta(hours=5)), stamp(NOW + timedelta(hours=6))),
    ]
    assert _facts(inst, at=NOW + timedelta(hours=7)).shift_site is None
    *_, entry = (e for _, e in entries(inst, Filters(action="context.ingest")))
    assert [r["kept"] for r in entry["details"]["revisions"]] == [[]]


def test_a_batch_of_several_actors_stores_what_its_entry_says(setup: Setup, inst: Instance) -> None:
    other = {"actor": "agent-18", "site": "mnl-2"}
    _store(setup, "shifts", _shift(0, 10), {**other, "start": _t(0), "end": _t(10)})
    _store(
        setup,
        "shifts",
        _shift(2, 4, "mnl-2"),
        _shift(6, 7, "mnl-2"),
        {**other, "start": _t(8), "end": _t(12)},
        {**other, "start": _t(-2), "end": _t(1)},
    )
    *_, entry = (e for _, e in entries(inst, Filters(action="context.ingest")))
    kept = {
        (r["actor"], k["start"], k["end"], r["site"])
        for r in entry["details"]["revisions"]
        for k in r["kept"]
    }
    assert entry["details"]["revised"] == 2
    with transaction(inst.data, read_only=True) as tx:
        stored = {
            (str(a), str(b), str(c), str(d))
            for a, b, c, d in tx.all("SELECT actor, start_at, end_at, site FROM shifts")
        }
    batch = {
        ("agent-17", stamp(NOW + timedelta(hours=a)), stamp(NOW + timedelta(hours=b)), "mnl-2")
        for a, b in ((2, 4), (6, 7))
    } | {
        ("agent-18", stamp(NOW + timedelta(hours=a)), stamp(NOW + timedelta(hours=b)), "mnl-2")
        for a, b in ((8, 12), (-2, 1))
    }
    assert stored == kept | batch
    assert len(kept) == 4  # agent-17: 0-2, 4-6, 7-10; agent-18: 1-8


def test_a_failed_batch_s_entry_lists_no_revisions(
    setup: Setup, inst: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(setup, "shifts", _shift(0, 8))
    before = _stored_shifts(inst)

    def broken(tx: object, revisions: object) -> None:
        raise StoreUnavailable("the disk is full")

    monkeypatch.setattr(rota, "apply", broken)
    with pytest.raises(StoreUnavailable):
        _store(setup, "shifts", _shift(2, 4, "mnl-2"))
    *_, entry = (e for _, e in entries(inst, Filters(action="context.ingest")))
    assert entry["outcome"]["decision"] == "failed"
    assert entry["details"] == {"kind": "shifts", "count": 1}  # nothing of the plan happened
    assert _stored_shifts(inst) == before


def test_on_shift_only_between_start_and_end(setup: Setup, inst: Instance) -> None:
    _store(setup, "shifts", _shift(-20, -12, "mnl-2"), _shift(-1, 7), _shift(10, 18, "mnl-2"))
    assert _facts(inst).shift_site == "ldn-1"
    assert _facts(inst, at=NOW + timedelta(hours=7)).shift_site is None  # end is exclusive
    assert _facts(inst, at=NOW + timedelta(hours=8)).shift_site is None
    assert _facts(inst, at=NOW + timedelta(hours=10)).shift_site == "mnl-2"
    assert _facts(inst, at=NOW - timedelta(hours=13)).shift_site == "mnl-2"
    other = Principal(PrincipalId("agent-18"), "agent")
    assert _facts(inst, other).shift_site is None


def test_badged_in_until_badged_out(setup: Setup, inst: Instance) -> None:
    _store(setup, "badges", _badge(-3, "in"), _badge(-1, "out"), _badge(-0.5, "in", zone="lobby"))
    assert _facts(inst, at=NOW - timedelta(hours=2)).badged_in_site == "ldn-1"
    assert _facts(inst).badged_in_site is None  # out, and the lobby is not the floor
    _store(setup, "badges", _badge(-0.25, "in"))
    assert _facts(inst).badged_in_site == "ldn-1"


def test_a_badge_in_at_another_site_is_reported_as_that_site(setup: Setup, inst: Instance) -> None:
    _store(setup, "shifts", _shift(-1, 7))
    _store(setup, "badges", _badge(-1, "in"), _badge(-0.5, "in", site="mnl-2"))
    facts = _facts(inst)
    assert (facts.shift_site, facts.badged_in_site) == ("ldn-1", "mnl-2")


def test_a_badge_in_older_than_sixteen_hours_counts_for_nothing(
    setup: Setup, inst: Instance
) -> None:
    _store(setup, "badges", _badge(-16.5, "in"))
    assert _facts(inst).badged_in_site is None
    assert _facts(inst, at=NOW - timedelta(hours=1)).badged_in_site == "ldn-1"


def test_out_wins_over_in_at_the_same_time(setup: Setup, inst: Instance) -> None:
    _store(setup, "badges", _badge(-1, "in", site="a-1"), _badge(-1, "out", site="b-1"))
    assert _facts(inst).badged_in_site is None


def test_training_current_only_while_not_expired(setup: Setup, inst: Instance) -> None:
    _store(
        setup,
        "training",
        {"actor": "agent-17", "course": "data-protection", "completed": _t(-900), "expires": _t(1)},
        {"actor": "agent-18", "course": "fire-safety", "completed": _t(-9), "expires": _t(900)},
    )
    assert _facts(inst).training_current
    assert not _facts(inst, at=NOW + timedelta(hours=1)).training_current  # expired
    assert not _facts(inst, at=NOW - timedelta(hours=901)).training_current  # not yet done
    other = Principal(PrincipalId("agent-18"), "agent")
    assert not _facts(inst, other).training_current  # another course is not the one required


def test_the_principals_own_open_ticket_is_preferred(setup: Setup, inst: Instance) -> None:
    _store(
        setup,
        "tickets",
        _ticket("T-1", assignee="agent-99", opened=_t(-1)),
        _ticket("T-2", closed=_t(-0.5)),
        _ticket("T-3"),
        _ticket("T-4", subject="c-2"),
    )
    ticket = _facts(inst).ticket
    assert ticket is not None
    assert (ticket.id, ticket.assignee, ticket.open, ticket.kind) == (
        "T-3",
        "agent-17",
        True,
        "payment",
    )


def test_someone_elses_open_ticket_is_reported_as_theirs(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1", assignee="agent-99"), _ticket("T-2", closed=_t(-1)))
    ticket = _facts(inst).ticket
    assert ticket is not None
    assert (ticket.id, ticket.assignee, ticket.open) == ("T-1", "agent-99", True)


def test_a_closed_ticket_is_no_reason_unless_named(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1", closed=_t(-1)))
    assert _facts(inst).ticket is None
    named = _facts(inst, ticket="T-1").ticket
    assert named is not None and (named.id, named.open) == ("T-1", False)
    before = _facts(inst, ticket="T-1", at=NOW - timedelta(hours=1.5)).ticket
    assert before is not None and before.open


def test_a_named_ticket_is_reported_whatever_its_subject(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1", subject="c-2", assignee="agent-99"), _ticket("T-2"))
    ticket = _facts(inst, ticket="T-1").ticket
    assert ticket is not None
    assert (ticket.id, ticket.subject, ticket.assignee) == ("T-1", "c-2", "agent-99")
    assert _facts(inst, ticket="T-404").ticket is None  # named and absent: no fallback


def test_a_ticket_of_another_tenant_is_never_found(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", {**_ticket("T-1"), "tenant": "zeta-retail"})
    assert _facts(inst).ticket is None
    assert _facts(inst, ticket="T-1").ticket is None
    assert _facts(inst, tenant="zeta-retail").ticket is not None


def test_no_tenant_or_no_subject_means_no_ticket(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1"))
    assert _facts(inst, subject=None).ticket is None
    assert _facts(inst, tenant=None).ticket is None


def test_mfa_age_and_field_classes_come_from_the_request(inst: Instance) -> None:
    fresh = Principal(PrincipalId("agent-17"), "agent", mfa_at=NOW - timedelta(minutes=5))
    facts = _facts(inst, fresh)
    assert facts.mfa_age_s == 300.0
    assert facts.field_classes == ("CREDIT_CARD",)
    assert _facts(inst).mfa_age_s is None


def test_everything_at_once(setup: Setup, inst: Instance) -> None:
    _store(setup, "tickets", _ticket("T-1"))
    _store(setup, "shifts", _shift(-1, 7))
    _store(setup, "badges", _badge(-1.1, "in"))
    _store(
        setup,
        "training",
        {"actor": "agent-17", "course": "data-protection", "completed": _t(-99), "expires": _t(9)},
    )
    facts = _facts(inst)
    assert facts.ticket is not None and facts.ticket.id == "T-1"
    assert (facts.shift_site, facts.badged_in_site, facts.training_current) == (
        "ldn-1",
        "ldn-1",
        True,
    )
    assert json.dumps(facts.field_classes) == '["CREDIT_CARD"]'


def test_grants_held_on_the_tenant_are_among_the_facts(setup: Setup, inst: Instance) -> None:
    assert _facts(inst).grants == ()
    g = request_grant(
        inst,
        setup.operator,
        "break_glass",
        "agent-17",
        "acme-bank",
        ["record.reveal"],
        ["card_number"],
        "chargeback dispute on T-1",
        2,
    )
    (fact,) = _facts(inst, at=datetime.now(UTC)).grants
    assert (fact.id, fact.kind, fact.fields, fact.approved, fact.active) == (
        g.id,
        "break_glass",
        ("card_number",),
        False,
        True,
    )
    assert _facts(inst, at=datetime.now(UTC), tenant="zeta-retail").grants == ()
    assert _facts(inst, at=datetime.now(UTC), tenant=None).grants == ()
    # Ended an hour ago: held, inactive (a denial says it expired); a day later, gone.
    (ended,) = _facts(inst, at=datetime.now(UTC) + timedelta(hours=3)).grants
    assert (ended.id, ended.active) == (g.id, False)
    assert _facts(inst, at=datetime.now(UTC) + timedelta(hours=27)).grants == ()
