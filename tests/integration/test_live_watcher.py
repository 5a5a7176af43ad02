"""The live auditor's plumbing on real stores (SQLite, PostgreSQL), with a detector of the
test's own that flags what it is told to: batches, the cursor, two watchers, a failure in the
middle, the cold start; and the store context answering as the file context does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strongroom.access import context as access_context
from strongroom.access import identity, local_operator
from strongroom.audit import Entry, RequestContext, append
from strongroom.detect.alert import Alert
from strongroom.detect.context import Assignment, Context, FileContext, Ticket
from strongroom.detect.events import Event
from strongroom.detect.live import Watcher
from strongroom.detect.store_context import StoreContext
from strongroom.instance import Instance, init_instance
from strongroom.store.engine import transaction
from strongroom.vault import tenants
from tests.conftest import PgServer, demo_spec

TENANT = "acme-bank"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def inst(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Instance]:
    monkeypatch.delenv("STRONGROOM_DATABASE_URL", raising=False)
    monkeypatch.delenv("STRONGROOM_KEYSTORE_URL", raising=False)
    if request.param == "postgres":
        server: PgServer = request.getfixturevalue("pg_server")
        data, keys = request.getfixturevalue("pg_databases")
        monkeypatch.setenv("STRONGROOM_DATABASE_URL", server.url(data))
        monkeypatch.setenv("STRONGROOM_KEYSTORE_URL", server.url(keys))
    instance = init_instance(tmp_path / "home")
    tenants.create(instance, local_operator(), demo_spec(TENANT))
    try:
        yield instance
    finally:
        instance.close()


class Flag:
    """Raises one alert for each view of a subject whose id starts with `flag`; counts what
    it saw; fails once on the subject `boom` when told to."""

    def __init__(self, fail_on_boom: bool = False) -> None:
        self.seen: list[str] = []
        self.fail_on_boom = fail_on_boom

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        self.seen.append(e.ref)
        if e.subject == "boom" and self.fail_on_boom:
            self.fail_on_boom = False
            raise RuntimeError("detector bug")
        if e.subject is None or not e.subject.startswith("flag"):
            return []
        # A distinct actor per flag, so the auditor's one-alert-per-incident rule stays out.
        return [Alert(e.subject, e.ts, e.ts, "bulk_lookup", 0.8, "flagged", (e.ref,), e.tenant)]

    def finish(self, ctx: Context) -> list[Alert]:
        return []


def views(
    inst: Instance, *subjects: str, start: datetime = T0, every: timedelta = timedelta(minutes=1)
) -> None:
    """Agent views of `subjects`, `every` apart, written to the ledger."""
    entries = [
        Entry(
            start + n * every,
            "agent-1",
            "agent",
            TENANT,
            "record.get",
            "allowed",
            "ok",
            (s,),
            context=RequestContext(ip="10.0.0.1", device="ws-1", site="lis-1"),
        )
        for n, s in enumerate(subjects)
    ]
    with transaction(inst.data) as tx:
        append(tx, entries)


def ledger(inst: Instance) -> list[dict[str, Any]]:
    with transaction(inst.data, read_only=True) as tx:
        return [json.loads(b) for (b,) in tx.all("SELECT body FROM audit_entries ORDER BY seq")]


def ref_of(inst: Instance, subject: str) -> str:
    [index] = [
        i for i, e in enumerate(ledger(inst)) if e.get("resource", {}).get("subjects") == [subject]
    ]
    return f"ledger:{index}"


def size(inst: Instance) -> int:
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one("SELECT count(*) FROM audit_entries")
    assert row is not None
    return int(row[0])


def test_alerts_across_batches_are_stored_each_with_its_entry_and_the_cursor_moves(
    inst: Instance,
) -> None:
    views(inst, "c-1", "flag-1", "c-2", "c-3", "flag-2", "c-4", "flag-3")
    w = Watcher(inst, lambda: [Flag()], batch=3)
    raised = w.once()
    assert [a.actor for a in raised] == ["flag-1", "flag-2", "flag-3"]
    entries = ledger(inst)
    for a in raised:
        assert entries[a.index]["action"] == "alert.raise"
        assert entries[a.index]["details"]["alert"] == a.id
    assert w.cursor() >= raised[-1].index - len(raised) + 1
    assert w.once() == []  # the alert entries are read, and raise nothing
    assert w.cursor() == size(inst)


def test_a_second_watcher_raises_nothing_judged_and_replays_for_its_baseline(
    inst: Instance,
) -> None:
    views(inst, "flag-1", "c-1")
    first = Watcher(inst, lambda: [Flag()])
    assert len(first.once()) == 1
    made: list[Flag] = []

    def fresh() -> list[Flag]:
        made.append(Flag())
        return made[-1:]

    second = Watcher(inst, fresh)  # as in a new process
    assert second.once() == []  # the flag was judged already
    assert ref_of(inst, "flag-1") in made[0].seen  # but replayed, for the baseline
    views(inst, "flag-2", start=T0 + timedelta(hours=1))
    assert [a.actor for a in second.once()] == ["flag-2"]
    assert first.once() == []  # the first catches up on what the second judged, silently
    assert len(made) == 1  # the second kept its auditor between rounds


def test_a_watcher_that_loses_the_race_stores_nothing(inst: Instance) -> None:
    views(inst, "flag-1", "c-1")
    slow, fast = Watcher(inst, lambda: [Flag()]), Watcher(inst, lambda: [Flag()])
    judge = slow._judge

    def judged_while_another_commits(*args: Any) -> list[Alert]:
        out = judge(*args)
        if not raced:
            raced.extend(fast.once())  # commits first
        return out

    raced: list[Any] = []

    slow._judge = judged_while_another_commits  # type: ignore[method-assign]
    assert slow.once() == []
    assert len(raced) == 1
    flags = [e for e in ledger(inst) if e["action"] == "alert.raise"]
    assert len(flags) == 1


def test_a_failed_batch_stores_nothing_and_the_next_round_judges_it_again(
    inst: Instance,
) -> None:
    views(inst, "flag-1", "boom", "flag-2")
    made: list[Flag] = []

    def fresh() -> list[Flag]:  # the first auditor's detector fails, the rebuilt one's not
        made.append(Flag(fail_on_boom=not made))
        return made[-1:]

    w = Watcher(inst, fresh)
    cursor = w.cursor()
    with pytest.raises(RuntimeError):
        w.once()
    assert w.cursor() == cursor
    assert not [e for e in ledger(inst) if e["action"] == "alert.raise"]
    assert [a.actor for a in w.once()] == ["flag-1", "flag-2"]
    assert len(made) == 2  # rebuilt after the failure


def test_a_cold_start_replays_at_most_max_replay_entries(inst: Instance) -> None:
    views(inst, *(f"c-{n}" for n in range(10)))
    Watcher(inst, lambda: [Flag()]).once()
    cursor = Watcher(inst).cursor()
    made: list[Flag] = []

    def fresh() -> list[Flag]:
        made.append(Flag())
        return made[-1:]

    views(inst, "flag-new", start=T0 + timedelta(hours=2))
    w = Watcher(inst, fresh, max_replay=4)
    assert [a.actor for a in w.once()] == ["flag-new"]
    replayed = [int(r.removeprefix("ledger:")) for r in made[0].seen]
    assert min(replayed) >= cursor - 4


def test_a_cold_start_replays_the_warmup_window_of_ledger_time(inst: Instance) -> None:
    start = datetime.now(UTC) + timedelta(hours=1)  # after the set-up's own entries
    views(inst, *(f"c-{n}" for n in range(10)), start=start, every=timedelta(hours=1))
    Watcher(inst, lambda: [Flag()]).once()
    cursor = Watcher(inst).cursor()
    made: list[Flag] = []

    def fresh() -> list[Flag]:
        made.append(Flag())
        return made[-1:]

    w = Watcher(inst, fresh, warmup=timedelta(hours=3, minutes=30))
    assert w.once() == []
    replayed = [r for r in made[0].seen if int(r.removeprefix("ledger:")) < cursor]
    assert replayed == [ref_of(inst, f"c-{n}") for n in (6, 7, 8, 9)]


# The store context answers as the file context does ---------------------------------------------


def _iso(h: float) -> str:
    return (T0 + timedelta(hours=h)).isoformat()


def test_the_store_context_answers_as_the_file_context_for_the_same_facts(
    inst: Instance,
) -> None:
    who = local_operator()
    identity.add_principal(inst, who, "agent-1", "agent", TENANT, "lis-1")
    identity.add_principal(inst, who, "sup-1", "supervisor", None, None)
    shifts = [
        {"actor": "agent-1", "site": "lis-1", "start": _iso(0), "end": _iso(8)},
        {"actor": "agent-1", "site": "opo-2", "start": _iso(24), "end": _iso(32)},
    ]
    badges = [
        {"ts": _iso(-0.1), "actor": "agent-1", "site": "lis-1", "zone": "floor", "direction": "in"},
        {"ts": _iso(4), "actor": "agent-1", "site": "lis-1", "zone": "floor", "direction": "out"},
        {"ts": _iso(4.5), "actor": "agent-1", "site": "lis-1", "zone": "floor", "direction": "in"},
        {"ts": _iso(8.1), "actor": "agent-1", "site": "lis-1", "zone": "floor", "direction": "out"},
    ]
    tickets = [
        {"ticket": "T-1", "tenant": TENANT, "subject": "c-1", "assignee": "agent-1",
         "opened": _iso(1), "closed": _iso(2), "kind": "payment"},
        {"ticket": "T-2", "tenant": TENANT, "subject": "c-2", "assignee": "agent-1",
         "opened": _iso(1), "kind": "contact"},
    ]  # fmt: skip
    access_context.ingest(inst, who, "shifts", shifts)
    access_context.ingest(inst, who, "badges", badges)
    access_context.ingest(inst, who, "tickets", tickets, tenant=TENANT)

    files = FileContext()
    files.add_assignment(Assignment("agent-1", "agent", TENANT, "lis-1"))
    for s in shifts:
        files.add_shift(s["actor"], s["site"], _ts(s["start"]), _ts(s["end"]))
    for b in badges:
        files.add_badge(b["actor"], _ts(b["ts"]), b["site"], b["zone"], b["direction"] == "in")
    for t in tickets:
        closed = _ts(t["closed"]) if "closed" in t else None
        files.add_ticket(
            Ticket(
                t["ticket"], TENANT, t["subject"], "agent-1", _ts(t["opened"]), closed, t["kind"]
            )
        )
    files.seal()

    store = StoreContext(inst)
    at = [-1.0, -0.05, 0.0, 1.5, 4.2, 4.6, 7.99, 8.0, 8.2, 12.0, 25.0, 33.0]
    batch = [_event("agent-1", T0.timestamp() + h * 3600) for h in at]
    for prepared in (False, True):  # asked directly, then from what a batch loaded
        if prepared:
            store.prepare(batch)
        store.focus(TENANT)
        for h in at:
            ts = T0.timestamp() + h * 3600
            assert store.shift_site("agent-1", ts) == files.shift_site("agent-1", ts), h
            assert store.badged_in("agent-1", ts) == files.badged_in("agent-1", ts), h
        assert store.has_shifts("agent-1") and not store.has_shifts("nobody")
        assert store.assignment("agent-1") == files.assignment("agent-1")
        assert store.assignment("sup-1") is None  # works for no one client
        assert store.assignment("nobody") is None
        for t in ("T-1", "T-2", "T-9"):
            assert store.ticket(t) == files.ticket(t)
    store.focus("other-bank")
    assert store.ticket("T-1") is None  # ticket ids are per tenant


def test_complete_names_the_own_open_ticket_and_the_home_site(inst: Instance) -> None:
    who = local_operator()
    identity.add_principal(inst, who, "agent-1", "agent", TENANT, "lis-1")
    tickets = [
        {"ticket": "T-1", "tenant": TENANT, "subject": "c-1", "assignee": "agent-1",
         "opened": _iso(1), "closed": _iso(2), "kind": "payment"},
        {"ticket": "T-3", "tenant": TENANT, "subject": "c-3", "assignee": "agent-9",
         "opened": _iso(1), "kind": "payment"},
    ]  # fmt: skip
    access_context.ingest(inst, who, "tickets", tickets, tenant=TENANT)
    store = StoreContext(inst)
    during, after = T0.timestamp() + 1.5 * 3600, T0.timestamp() + 3 * 3600
    events = [
        _event("agent-1", during, "c-1"),
        _event("agent-1", after, "c-1"),
        _event("agent-1", during, "c-3"),
    ]
    store.prepare(events)
    done = [store.complete(e) for e in events]
    assert [e.ticket for e in done] == ["T-1", None, None]  # open, closed, someone else's
    assert {e.site for e in done} == {"lis-1"}


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _event(actor: str, ts: float, subject: str | None = None) -> Event:
    return Event(
        ts,
        actor,
        "agent",
        TENANT,
        "record.view",
        1,
        "10.0.0.1",
        "ws-1",
        "unknown",
        "allowed",
        subject,
    )


# On PostgreSQL the application role keeps alerts as the ledger keeps entries --------------------


@pytest.mark.postgres
def test_the_app_role_adds_and_acknowledges_alerts_but_never_rewrites_or_deletes_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_server: PgServer,
    pg_databases: tuple[str, str],
) -> None:
    import psycopg

    from strongroom.store.wall import APP_ROLE

    monkeypatch.setenv("STRONGROOM_DATABASE_URL", pg_server.url(pg_databases[0]))
    monkeypatch.setenv("STRONGROOM_KEYSTORE_URL", pg_server.url(pg_databases[1]))
    instance = init_instance(tmp_path / "home")
    try:
        tenants.create(instance, local_operator(), demo_spec(TENANT))
        views(instance, "flag-1")
        [alert] = Watcher(instance, lambda: [Flag()]).once()
    finally:
        instance.close()
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={pg_databases[0]}") as conn:
        conn.autocommit = True
        conn.execute(f"SET ROLE {APP_ROLE}")
        conn.execute("UPDATE alerts SET status = 'acknowledged', ack_note = 'ok' WHERE id = %s",
                     (alert.id,))  # fmt: skip
        for sql in (
            "UPDATE alerts SET actor = 'someone-else'",
            "UPDATE alerts SET explanation = ''",
            "DELETE FROM alerts",
            "TRUNCATE alerts",
            "DELETE FROM detect_cursor",
            "INSERT INTO detect_cursor (name, next_index, updated_at) VALUES ('x', 0, 'x')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        row = conn.execute("SELECT actor, status FROM alerts").fetchone()
    assert row == ("flag-1", "acknowledged")


_STARTED = """
import asyncio, sys
from strongroom.api.app import create_app
app = create_app()
async def main() -> None:
    async with app.router.lifespan_context(app):
        print("strongroom.detect.detectors.standard" in sys.modules, "numpy" in sys.modules)
asyncio.run(main())
"""


@pytest.mark.parametrize(("interval", "loaded"), [("5", "True True"), ("0", "False False")])
def test_the_app_loads_the_detectors_before_it_serves_when_it_watches(
    tmp_path: Path, interval: str, loaded: str
) -> None:
    """Loaded by the first round instead, their import (scipy, numpy) would hold the GIL while
    requests wait, and race another thread importing numpy (it once failed a test so)."""
    init_instance(tmp_path / "home").close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    env |= {"STRONGROOM_HOME": str(tmp_path / "home"), "STRONGROOM_DETECT_INTERVAL": interval}
    out = subprocess.run(
        [sys.executable, "-c", _STARTED], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == loaded
