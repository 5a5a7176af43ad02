"""The live auditor over the instance's own ledger, through the real server (SQLite and
PostgreSQL): a bulk look-up done over the API raises an alert, the alert is itself a ledger
entry, security officers and supervisors list and acknowledge it, agents may not, and the
cursor keeps a second look from raising it again.

The world is test_api_policy's (tenants stored by their CRMs, an officer, supervisors, a
client auditor, agents on shift, badged in and trained). The default detectors learn what is
normal from history: an instance that has served for days has it in its ledger, a test's has
not, so `backfill` writes four days of thirty agents' ordinary work (customers of their own
tickets, now and then a callback without one) into the ledger through the audit layer, back
dated, before anything is judged. The serve watcher is off (STRONGROOM_DETECT_INTERVAL=0) so
the tests decide when the ledger is judged, except in the last test, which is about it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strongroom.audit import Entry, RequestContext, append
from strongroom.detect import live
from strongroom.detect.alerts import StoredAlert
from strongroom.instance import Instance, open_instance
from strongroom.store.engine import transaction
from tests.conftest import PgServer
from tests.integration.api_server import TENANT
from tests.integration.test_api import assert_problem
from tests.integration.test_api_policy import (
    SITE,
    World,
    api_world,
    denied,
    get,
    ok,
    ticket,
)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
CUSTOMERS = 200  # what the insider pulls, out of CUSTOMERS + 20 stored
HISTORY_AGENTS = 30
HISTORY_DAYS = 4


def backfill(inst: Instance, agents: int = HISTORY_AGENTS, days: int = HISTORY_DAYS) -> int:
    """Days of ordinary work by agents of the tenant's floor, as the ledger records it: each
    working hour two customers of the agent's own tickets and, every fourth hour, a callback
    without one. Returns the number of entries written."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    entries = []
    for day in range(days):
        for hour in range(9, 17):
            for a in range(agents):
                who = f"hist-{a:02d}"
                at = start + timedelta(days=day, hours=hour, minutes=a)
                where = dict(ip=f"10.0.1.{a + 10}", device=f"ws-{a:02d}", site=SITE)
                for n in range(2):
                    subject = f"h-{a:02d}-{day}-{hour}-{n}"
                    entries.append(
                        Entry(
                            at + timedelta(minutes=5 * n),
                            who,
                            "agent",
                            TENANT,
                            "record.get",
                            "allowed",
                            "agent-ticket",
                            (subject,),
                            policies=("agent-ticket",),
                            context=RequestContext(**where, ticket=f"T-{subject}"),
                        )
                    )
                if (hour + a) % 4 == 0:
                    entries.append(
                        Entry(
                            at + timedelta(minutes=20),
                            who,
                            "agent",
                            TENANT,
                            "record.get",
                            "allowed",
                            "break-glass",
                            (f"cb-{a:02d}-{day}-{hour}",),
                            context=RequestContext(**where),
                        )
                    )
    with transaction(inst.data) as tx:
        append(tx, entries)
    return len(entries)


def customer_values(world: World) -> list[str]:
    return [
        row[name]
        for row in world.rows[TENANT]
        for name in ("full_name", "email", "phone", "card_number", "iban")
    ]


@dataclass
class Raised:
    """What the first look at the ledger after the bulk look-up raised."""

    world: World
    inst: Instance
    insider: str
    honest: str
    alerts: list[StoredAlert]

    @property
    def bulk(self) -> StoredAlert:
        [found] = [
            a for a in self.alerts if a.actor == self.insider and a.scenario == "bulk_lookup"
        ]
        return found


@pytest.fixture(scope="module", params=BACKENDS)
def raised(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Raised]:
    pg: PgServer | None = (
        request.getfixturevalue("pg_server") if request.param == "postgres" else None
    )
    env = pytest.MonkeyPatch()
    env.setenv("STRONGROOM_DETECT_INTERVAL", "0")
    try:
        with api_world(
            request.param, tmp_path_factory.mktemp("live"), pg, rows=CUSTOMERS + 20
        ) as world:
            inst = open_instance(world.home)
            try:
                backfill(inst)
                # An honest agent works ten customers of her own tickets, naming none of them
                # in the request: the policy finds her ticket, and so must the auditor.
                honest = world.agent("hana")
                with world.client(honest) as c:
                    for n in range(10):
                        subject = world.row(CUSTOMERS + n)["id"]
                        ticket(world, f"T-hana-{n}", subject, honest, "general")
                        ok(get(c, subject))
                # The insider, on shift, badged in and trained, pulls customer after customer
                # without a ticket; the policy refuses each, and each refusal is in the ledger.
                insider = world.agent("mallory")
                with world.client(insider) as c:
                    for n in range(CUSTOMERS):
                        denied(get(c, world.row(n)["id"]), "ticket")
                alerts = live.watch_once(inst)
                yield Raised(world, inst, insider, honest, alerts)
            finally:
                inst.close()
    finally:
        env.undo()


def _entry(inst: Instance, index: int) -> dict[str, object]:
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one("SELECT body FROM audit_entries WHERE seq = ?", (index,))
    assert row is not None
    body: dict[str, object] = json.loads(row[0])
    return body


# The alert ----------------------------------------------------------------------------------


def test_a_bulk_look_up_through_the_api_raises_a_bulk_lookup_alert(raised: Raised) -> None:
    a = raised.bulk
    assert a.tenant == TENANT and a.status == "open"
    assert a.severity in ("medium", "high", "critical")
    assert "customers looked up with no ticket" in a.explanation
    # The evidence is the insider's refused look-ups, in the ledger.
    assert a.evidence
    for ref in a.evidence:
        entry = _entry(raised.inst, int(ref.removeprefix("ledger:")))
        assert entry["principal"] == raised.insider and entry["action"] == "record.get"
        assert entry["outcome"]["decision"] == "denied"  # type: ignore[index]


def test_customers_of_her_own_tickets_raise_nothing_about_an_honest_agent(raised: Raised) -> None:
    assert [a for a in raised.alerts if a.actor == raised.honest] == []
    assert not [a for a in raised.alerts if a.actor.startswith("hist-")]


def test_every_alert_is_a_ledger_entry_without_customer_values(raised: Raised) -> None:
    values = customer_values(raised.world)
    for a in raised.alerts:
        entry = _entry(raised.inst, a.index)
        assert entry["action"] == "alert.raise"
        assert entry["principal"] == "strongroom:detect"
        assert entry["tenant"] == a.tenant
        assert entry["details"] == {
            "alert": a.id,
            "actor": a.actor,
            "scenario": a.scenario,
            "severity": a.severity,
            "evidence": list(a.evidence),
        }
        text = json.dumps(entry) + json.dumps(a.to_dict())
        assert not [v for v in values if v in text]


def test_a_second_look_raises_nothing_new(raised: Raised) -> None:
    assert live.watch_once(raised.inst) == []
    again = live.Watcher(raised.inst)  # a fresh process: rebuilds, then finds nothing new
    assert again.once() == []
    with transaction(raised.inst.data, read_only=True) as tx:
        size = tx.one("SELECT count(*) FROM audit_entries")
    assert size is not None and again.cursor() <= int(size[0])


# Reading and acknowledging over the API ------------------------------------------------------


def test_security_officers_and_supervisors_list_the_alert(raised: Raised) -> None:
    w = raised.world
    for who in ("officer", "sup-a"):
        with w.client(who) as c:
            page = ok(c.get("/v1/alerts", params={"scenario": "bulk_lookup"}))
            mine = ok(c.get("/v1/alerts", params={"actor": raised.insider, "status": "open"}))
            one = ok(c.get(f"/v1/alerts/{raised.bulk.id}"))
        assert raised.bulk.id in [a["id"] for a in page["alerts"]]
        assert raised.bulk.id in [a["id"] for a in mine["alerts"]]
        assert one == {**raised.bulk.to_dict(), "status": one["status"]}


def test_alerts_page_newest_first(raised: Raised) -> None:
    with raised.world.client("officer") as c:
        everything = ok(c.get("/v1/alerts"))["alerts"]
        first = ok(c.get("/v1/alerts", params={"limit": 1}))
    indexes = [a["index"] for a in everything]
    assert indexes == sorted(indexes, reverse=True)
    assert first["alerts"][0]["id"] == everything[0]["id"]
    assert first["more"] is (len(everything) > 1)


def test_a_client_auditor_reads_its_tenants_alerts_but_never_acknowledges(raised: Raised) -> None:
    w, alert = raised.world, raised.bulk
    with w.client("auditor") as c:
        listed = ok(c.get("/v1/alerts"))
        shown = ok(c.get(f"/v1/alerts/{alert.id}"))
        acked = c.post(f"/v1/alerts/{alert.id}/ack", json={"note": "not mine to close"})
    assert alert.id in [a["id"] for a in listed["alerts"]]
    assert {a["tenant"] for a in listed["alerts"]} == {TENANT}
    assert shown["id"] == alert.id and shown["status"] == "open"
    assert assert_problem(acked, 403, "denied")["condition"] == "role"


@pytest.mark.parametrize("who", ["mallory", "hana"])
def test_agents_are_refused_with_a_403_problem(raised: Raised, who: str) -> None:
    w = raised.world
    with w.client(who) as c:
        listed = c.get("/v1/alerts")
        shown = c.get(f"/v1/alerts/{raised.bulk.id}")
        acked = c.post(f"/v1/alerts/{raised.bulk.id}/ack", json={"note": "nothing to see"})
    for r in (listed, shown, acked):
        body = assert_problem(r, 403, "denied")
        assert raised.bulk.explanation not in r.text
        assert body["condition"] in ("role", "second-person")


def test_bad_filters_are_problems_naming_the_field(raised: Raised) -> None:
    with raised.world.client("officer") as c:
        r = c.get("/v1/alerts", params={"scenario": "bank_robbery"})
        body = assert_problem(r, 422, "invalid-request")
        assert body["field"] == "scenario"
        assert_problem(c.get("/v1/alerts", params={"colour": "red"}), 400, "bad-input")
        assert_problem(c.get("/v1/alerts/a-000000000000"), 404, "not-found")


def test_a_supervisor_acknowledges_once_and_the_ledger_records_it(raised: Raised) -> None:
    w, alert = raised.world, raised.bulk
    with w.client("sup-b") as c:
        done = ok(c.post(f"/v1/alerts/{alert.id}/ack", json={"note": "spoke to mallory"}))
        again = c.post(f"/v1/alerts/{alert.id}/ack", json={"note": "twice"})
        empty = c.post(f"/v1/alerts/{alert.id}/ack", json={"note": ""})
    assert done["status"] == "acknowledged" and done["acked_by"] == "sup-b"
    assert done["ack_note"] == "spoke to mallory"
    assert_problem(again, 409, "conflict")
    assert_problem(empty, 422, "invalid-request")
    with w.client("officer") as c:
        assert ok(c.get(f"/v1/alerts/{alert.id}"))["status"] == "acknowledged"
        still_open = ok(c.get("/v1/alerts", params={"status": "open"}))["alerts"]
    assert alert.id not in [a["id"] for a in still_open]
    with transaction(raised.inst.data, read_only=True) as tx:
        rows = tx.all("SELECT body FROM audit_entries ORDER BY seq DESC LIMIT 50")
    acks = [
        e
        for e in (json.loads(r[0]) for r in rows)
        if e["action"] == "alert.ack" and e["principal"] == "sup-b"
    ]
    decisions = sorted(e["outcome"]["decision"] for e in acks)
    assert decisions == ["allowed", "failed"]  # the second attempt failed on the conflict
    for e in acks:
        assert e["details"] == {"alert": alert.id, "scenario": "bulk_lookup"}
        assert e["resource"]["subjects"] == [raised.insider]
        assert "spoke to mallory" not in json.dumps(e)  # the note stays with the alert


# Inside serve --------------------------------------------------------------------------------


def test_serve_watches_the_ledger_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRONGROOM_DETECT_INTERVAL", "0.2")
    with api_world("sqlite", tmp_path, rows=60) as world:
        inst = open_instance(world.home)
        try:
            backfill(inst)
        finally:
            inst.close()
        insider = world.agent("mallory")
        with world.client(insider) as c:
            for n in range(40):
                denied(get(c, world.row(n)["id"]), "ticket")
        found: list[dict[str, object]] = []
        deadline = time.monotonic() + 30
        with world.client("officer") as c:
            while not found and time.monotonic() < deadline:
                page = ok(c.get("/v1/alerts", params={"actor": insider}))
                found = [a for a in page["alerts"] if a["scenario"] == "bulk_lookup"]
                time.sleep(0.2)
        assert found, "the serve watcher raised no bulk_lookup alert within 30 s"
        assert not [line for line in world.server.log_lines if "live auditor" in line]
