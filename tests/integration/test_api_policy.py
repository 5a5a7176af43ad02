"""The default policy through the real server: every rule allowed in its right case, and
refused in each wrong one with a 403 problem whose `condition` names what was not met.

The context is set up as the BPO's systems would send it: principals added by the operator
(`identity.add_principal`), records stored and tickets registered by each tenant's CRM service
account with its API key, shifts, badge events and training records sent by the security
officer (the policy lets the officer feed the BPO-wide context; a tenant's service account may
not), logins with real TOTP codes from the provisioning URI. One server per backend (SQLite,
PostgreSQL) serves the whole module; every test uses principals and subjects of its own, so
no test depends on another's order or leftovers.

The world built here (`api_world`) is shared with test_api_isolation and test_api_secrets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from strongroom.access import identity, local_operator, sessions
from strongroom.instance import init_instance, open_instance
from strongroom.sim.customers import customers
from strongroom.vault import tenants
from tests.conftest import PgServer, as_after_first_sign_in, demo_spec
from tests.integration.api_server import TENANT, ApiServer, Enrolled, running_server, sign_in
from tests.integration.test_api import assert_problem

OTHER = "zeta-retail"
SITE = "lis-1"
PURPOSE = "customer disputes a charge on the call"
COURSE = "data-protection"
ROWS = 24
# Each tenant's customers carry a marker of their own in name, email and phone, so a value
# seen in a response says which tenant it came from.
MARKERS = {TENANT: ("Acmeley", 1), OTHER: ("Zetaworth", 2), "york-mutual": ("Yorkwell", 3)}

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# The world: a server, its tenants' customers, the people and systems around it ---------------


def tenant_rows(tenant: str, count: int = ROWS) -> list[dict[str, str]]:
    """Synthetic customers whose every identifying value is this tenant's alone."""
    marker, digit = MARKERS[tenant]
    out = []
    for n, row in enumerate(customers(count, seed=100 + digit, prefix=tenant[0]), start=1):
        first, last = row["full_name"].split()
        out.append(
            {
                **row,
                "full_name": f"{first} {last} {marker}",
                "email": f"{first.lower()}.{last.lower()}{n}@{tenant}.example",
                "phone": f"+44 7700 9{digit}{n:04d}",
            }
        )
    return out


@dataclass
class World:
    """One running server and what the BPO's systems told it."""

    backend: str
    home: Path
    server: ApiServer
    rows: dict[str, list[dict[str, str]]]
    keys: dict[str, str]  # tenant -> the CRM service account's API key
    people: dict[str, Enrolled] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # principal -> session token
    databases: tuple[str, str] | None = None  # PostgreSQL: the data and key databases

    def client(self, who: str | None = None, **headers: str) -> httpx.Client:
        """A client acting as `who` (a principal with a session, or a tenant's CRM)."""
        token = None if who is None else self.tokens.get(who) or self.keys[who]
        return self.server.client(token, **headers)

    def row(self, n: int, tenant: str = TENANT) -> dict[str, str]:
        return self.rows[tenant][n]

    def add(
        self,
        *people: tuple[str, str, str | None, str | None],
        login: bool = True,
    ) -> list[Enrolled]:
        """Enrol (name, role, tenant, site) principals as the operator does, past the first
        sign-in's password change (`as_after_first_sign_in`); sign each in with a current
        code unless `login` is False."""
        inst = open_instance(self.home)
        try:
            added = [
                identity.add_principal(inst, local_operator(), n, r, t, s) for n, r, t, s in people
            ]
            for n, *_ in people:
                as_after_first_sign_in(inst, n)
        finally:
            inst.close()
        out = []
        for e in added:
            assert e.password is not None and e.totp_uri is not None
            totp = pyotp.parse_uri(e.totp_uri)
            assert isinstance(totp, pyotp.TOTP)
            who = Enrolled(e.principal.id, e.password, totp)
            self.people[who.name] = who
            if login:
                self.tokens[who.name] = sign_in(self.server, who)
            out.append(who)
        return out

    def agent(self, name: str, tenant: str = TENANT, site: str = SITE, **floor: bool) -> str:
        """An agent signed in, on shift, badged in and trained unless `floor` says otherwise."""
        self.add((name, "agent", tenant, site))
        on_floor(self, name, site, **floor)
        return name


def _services(home: Path, tenant_ids: Sequence[str]) -> dict[str, str]:
    inst = open_instance(home)
    try:
        keys = {}
        for t in tenant_ids:
            identity.add_principal(inst, local_operator(), f"crm-{t}", "service", t)
            keys[t] = identity.issue_api_key(inst, local_operator(), f"crm-{t}")
        return keys
    finally:
        inst.close()


@contextmanager
def api_world(
    backend: str,
    base: Path,
    pg: PgServer | None = None,
    tenant_ids: Sequence[str] = (TENANT, OTHER),
    rows: int = ROWS,
) -> Iterator[World]:
    """An instance with `tenant_ids` (their customers stored by their CRMs over the API), a
    security officer, two supervisors and a client auditor of the first tenant, all signed
    in, served until the block ends."""
    env = pytest.MonkeyPatch()
    databases: tuple[str, str] | None = None
    try:
        if backend == "postgres":
            assert pg is not None
            databases = (pg.create(), pg.create())
            env.setenv("STRONGROOM_DATABASE_URL", pg.url(databases[0]))
            env.setenv("STRONGROOM_KEYSTORE_URL", pg.url(databases[1]))
        else:
            env.delenv("STRONGROOM_DATABASE_URL", raising=False)
            env.delenv("STRONGROOM_KEYSTORE_URL", raising=False)
        home = base / "home"
        inst = init_instance(home)
        try:
            for t in tenant_ids:
                tenants.create(inst, local_operator(), demo_spec(t))
        finally:
            inst.close()
        keys = _services(home, tenant_ids)
        with running_server(home) as server:
            world = World(
                backend,
                home,
                server,
                {t: tenant_rows(t, rows) for t in tenant_ids},
                keys,
                databases=databases,
            )
            for t in tenant_ids:
                with world.client(t) as c:
                    put = c.post(f"/v1/tenants/{t}/records", json=world.rows[t])
                assert put.status_code == 200, put.text
            world.add(
                ("officer", "security_officer", None, None),
                ("sup-a", "supervisor", None, None),
                ("sup-b", "supervisor", None, None),
                ("auditor", "client_auditor", tenant_ids[0], None),
            )
            yield world
    finally:
        env.undo()
        if databases is not None and pg is not None:
            for db in databases:
                pg.drop(db)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    pg = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    with api_world(request.param, tmp_path_factory.mktemp("policy"), pg) as w:
        yield w


# What the BPO's systems send -------------------------------------------------------------------


def _at(when: datetime) -> str:
    return when.isoformat()


def feed(world: World, kind: str, docs: list[dict[str, Any]]) -> None:
    """Shifts, badges or training from workforce management, the doors and the LMS, sent by
    the security officer."""
    with world.client("officer") as c:
        r = c.post(f"/v1/{kind}", json=docs)
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": kind, "stored": len(docs)}


def shift(world: World, who: str, site: str = SITE, start: float = -1, end: float = 7) -> None:
    """A shift from `start` to `end` hours from now."""
    now = datetime.now(UTC)
    feed(
        world,
        "shifts",
        [
            {
                "actor": who,
                "site": site,
                "start": _at(now + timedelta(hours=start)),
                "end": _at(now + timedelta(hours=end)),
            }
        ],
    )


def badge(
    world: World, who: str, direction: str = "in", ago_s: float = 1, site: str = SITE
) -> None:
    ts = datetime.now(UTC) - timedelta(seconds=ago_s)
    feed(
        world,
        "badges",
        [{"ts": _at(ts), "actor": who, "site": site, "zone": "floor", "direction": direction}],
    )


def training(world: World, who: str, expires_days: float = 300) -> None:
    now = datetime.now(UTC)
    feed(
        world,
        "training",
        [
            {
                "actor": who,
                "course": COURSE,
                "completed": _at(now - timedelta(days=400)),
                "expires": _at(now + timedelta(days=expires_days)),
            }
        ],
    )


def on_floor(
    world: World,
    who: str,
    site: str = SITE,
    *,
    shift_: bool = True,
    badge_: bool = True,
    training_: bool = True,
) -> None:
    if shift_:
        shift(world, who, site)
    if badge_:
        badge(world, who, site=site, ago_s=60)
    if training_:
        training(world, who)


def ticket(
    world: World,
    ticket_id: str,
    subject: str,
    assignee: str,
    kind: str = "payment",
    *,
    tenant: str = TENANT,
    closed: bool = False,
) -> str:
    """A ticket registered (or updated) by the tenant's CRM with its API key."""
    now = datetime.now(UTC)
    doc: dict[str, Any] = {
        "ticket": ticket_id,
        "subject": subject,
        "assignee": assignee,
        "opened": _at(now - timedelta(minutes=10)),
        "kind": kind,
    }
    if closed:
        doc["closed"] = _at(now - timedelta(minutes=1))
    with world.client(tenant) as c:
        r = c.post(f"/v1/tenants/{tenant}/tickets", json=doc)
    assert r.status_code == 200, r.text
    return ticket_id


# Requests and what to expect of them -----------------------------------------------------------


def get(c: httpx.Client, subject: str, tenant: str = TENANT) -> httpx.Response:
    return c.get(f"/v1/tenants/{tenant}/records/{subject}")


def reveal(
    c: httpx.Client,
    subject: str,
    field_: str = "card_number",
    purpose: str = PURPOSE,
    ticket_id: str | None = None,
    tenant: str = TENANT,
) -> httpx.Response:
    body = {"field": field_, "purpose": purpose}
    if ticket_id is not None:
        body["ticket"] = ticket_id
    return c.post(f"/v1/tenants/{tenant}/records/{subject}/reveal", json=body)


def find(c: httpx.Client, email: str, tenant: str = TENANT) -> httpx.Response:
    return c.get(f"/v1/tenants/{tenant}/records", params={"email": email})


def denied(r: httpx.Response, condition: str, *leaks: str) -> dict[str, Any]:
    """A 403 problem naming `condition`, carrying none of `leaks`."""
    body = assert_problem(r, 403, "denied")
    assert body["condition"] == condition, body
    assert body["policies"] and all(isinstance(p, str) for p in body["policies"]), body
    for value in leaks:
        assert value not in r.text
    return body


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()
    return body


def ledger(world: World, since: datetime, **params: str) -> list[dict[str, Any]]:
    """The first tenant's ledger since `since`, as its client auditor reads it."""
    with world.client("auditor") as c:
        r = c.get(
            f"/v1/tenants/{TENANT}/audit",
            params={"since": since.isoformat(), "limit": "1000", **params},
        )
    page = ok(r)
    assert page["more"] is False
    entries: list[dict[str, Any]] = page["entries"]
    return entries


def about(entries: list[dict[str, Any]], subject: str) -> list[dict[str, Any]]:
    return [e for e in entries if subject in e["resource"]["subjects"]]


# Agents: the customer of the ticket in hand ----------------------------------------------------


def test_agent_on_her_ticket_sees_the_card_masked_and_reveals_it_with_one_ledger_entry(
    world: World,
) -> None:
    who = world.agent("ana")
    row = world.row(0)
    subject, card = row["id"], row["card_number"]
    t = ticket(world, "T-ana-pay", subject, who, "payment")
    with world.client(who) as c:
        masked = ok(get(c, subject))
        before = datetime.now(UTC)
        revealed = ok(reveal(c, subject, "card_number", ticket_id=t))
    after = ledger(world, before)

    shown = masked["fields"]["card_number"]
    assert shown == "*" * (len(card) - 4) + card[-4:]
    assert masked["id"] == subject and masked["tokens"]["card_number"] != card
    for name in ("card_number", "email", "iban", "phone", "full_name"):
        assert row[name] not in str(masked)
    assert card[:-4] not in str(masked)
    assert revealed == {"tenant": TENANT, "id": subject, "field": "card_number", "value": card}
    [entry] = about(after, subject)  # the reveal wrote exactly one entry about the customer
    assert entry["action"] == "record.reveal" and entry["principal"] == who
    assert entry["outcome"]["decision"] == "allowed"
    assert entry["outcome"]["policies"] == ["agent-ticket"]
    assert entry["resource"] == {"subjects": [subject], "fields": ["card_number"]}
    assert entry["purpose"] == PURPOSE
    assert entry["context"]["ticket"] == t
    assert card not in str(after)


def test_agent_finds_the_customer_of_her_ticket_and_no_other(world: World) -> None:
    who = world.agent("fay")
    mine, other = world.row(1), world.row(2)
    t = ticket(world, "T-fay", mine["id"], who, "contact")
    with world.client(who, **{"X-Strongroom-Ticket": t}) as c:
        found = ok(find(c, mine["email"].upper()))
        refused = find(c, other["email"])
    assert [r["id"] for r in found["records"]] == [mine["id"]]
    assert mine["email"] not in str(found)
    denied(refused, "ticket", other["id"], other["email"], other["card_number"])


# One condition missing at a time: refused naming it, then allowed once the system sends it.


@dataclass(frozen=True)
class Missing:
    condition: str
    arrange: Callable[[World, str, str], str | None]  # -> the ticket the agent names
    supply: Callable[[World, str, str], str]  # -> the ticket the agent names then


def _no_ticket(w: World, who: str, subject: str) -> str | None:
    on_floor(w, who)
    return None


def _give_ticket(w: World, who: str, subject: str) -> str:
    return ticket(w, f"T-{who}", subject, who)


def _someone_elses(w: World, who: str, subject: str) -> str:
    on_floor(w, who)
    return ticket(w, f"T-{who}", subject, "bob")


def _closed(w: World, who: str, subject: str) -> str:
    on_floor(w, who)
    return ticket(w, f"T-{who}", subject, who, closed=True)


def _off_shift(w: World, who: str, subject: str) -> str:
    on_floor(w, who, shift_=False)
    shift(w, who, start=-9, end=-1)  # it ended an hour ago
    return ticket(w, f"T-{who}", subject, who)


def _start_shift(w: World, who: str, subject: str) -> str:
    shift(w, who, start=-0.1, end=7)
    return f"T-{who}"


def _badged_out(w: World, who: str, subject: str) -> str:
    on_floor(w, who, badge_=False)
    badge(w, who, "in", ago_s=7200)
    badge(w, who, "out", ago_s=3600)
    return ticket(w, f"T-{who}", subject, who)


def _badge_in(w: World, who: str, subject: str) -> str:
    badge(w, who, "in", ago_s=1)
    return f"T-{who}"


def _training_lapsed(w: World, who: str, subject: str) -> str:
    on_floor(w, who, training_=False)
    training(w, who, expires_days=-1)
    return ticket(w, f"T-{who}", subject, who)


def _retrained(w: World, who: str, subject: str) -> str:
    training(w, who, expires_days=365)
    return f"T-{who}"


MISSING = [
    Missing("ticket", _no_ticket, _give_ticket),
    Missing("ticket-assignee", _someone_elses, _give_ticket),  # the CRM reassigns it
    Missing("ticket-closed", _closed, _give_ticket),  # the CRM reopens it
    Missing("shift", _off_shift, _start_shift),
    Missing("badge", _badged_out, _badge_in),
    Missing("training", _training_lapsed, _retrained),
]


@pytest.mark.parametrize("case", MISSING, ids=[m.condition for m in MISSING])
def test_agent_refused_naming_the_missing_condition_then_allowed_once_it_is_met(
    world: World, case: Missing
) -> None:
    n = 3 + MISSING.index(case)
    row = world.row(n)
    subject = row["id"]
    who = world.agent(f"agent-{case.condition}", shift_=False, badge_=False, training_=False)
    named = case.arrange(world, who, subject)
    header = {"X-Strongroom-Ticket": named} if named else {}
    with world.client(who, **header) as c:
        refused = [get(c, subject), reveal(c, subject, ticket_id=named), find(c, row["email"])]
    for r in refused:
        denied(r, case.condition, row["email"], row["card_number"], row["iban"])

    named = case.supply(world, who, subject)
    with world.client(who, **{"X-Strongroom-Ticket": named}) as c:
        got, shown, found = (
            get(c, subject),
            reveal(c, subject, ticket_id=named),
            find(c, row["email"]),
        )
    assert ok(got)["id"] == subject
    assert ok(shown)["value"] == row["card_number"]
    assert [r["id"] for r in ok(found)["records"]] == [subject]


def test_agent_who_names_someone_elses_ticket_is_refused_naming_the_assignee(
    world: World,
) -> None:
    row = world.row(9)
    who = world.agent("gina")
    theirs = ticket(world, "T-for-bob", row["id"], "bob")
    with world.client(who) as c:
        named = reveal(c, row["id"], ticket_id=theirs)
        unnamed = get(c, row["id"])
    denied(named, "ticket-assignee", row["card_number"])
    denied(unnamed, "ticket-assignee")


def test_reveal_of_a_field_the_ticket_kind_does_not_allow_is_refused(world: World) -> None:
    row = world.row(10)
    who = world.agent("kim")
    t = ticket(world, "T-kim", row["id"], who, "contact")
    with world.client(who) as c:
        email, phone = (
            reveal(c, row["id"], "email", ticket_id=t),
            reveal(c, row["id"], "phone", ticket_id=t),
        )
        card = reveal(c, row["id"], "card_number", ticket_id=t)
        iban = reveal(c, row["id"], "iban", ticket_id=t)
        name = reveal(c, row["id"], "full_name", ticket_id=t)
    assert ok(email)["value"] == row["email"]
    assert ok(phone)["value"] == row["phone"].replace(" ", "")
    for r, value in ((card, row["card_number"]), (iban, row["iban"]), (name, row["full_name"])):
        body = denied(r, "ticket-kind", value)
        assert body["policies"][0] == "forbid-field-outside-ticket-kind"


def test_reveal_without_a_stated_purpose_is_refused(world: World) -> None:
    row = world.row(11)
    who = world.agent("pia")
    t = ticket(world, "T-pia", row["id"], who)
    with world.client(who) as c:
        vague = reveal(c, row["id"], purpose="  ok ", ticket_id=t)
        stated = reveal(c, row["id"], purpose="refund to the card", ticket_id=t)
    denied(vague, "purpose", row["card_number"])
    assert ok(stated)["value"] == row["card_number"]


def signed_in_20_minutes_ago(world: World, who: Enrolled, monkeypatch: pytest.MonkeyPatch) -> None:
    """`who` signed in (with the code of the time) 20 minutes ago and has proved no factor
    since: its session's second factor is stale."""
    then = datetime.now(UTC) - timedelta(minutes=20)
    monkeypatch.setattr(sessions, "clock", lambda: then)
    with world.client() as c:
        login = c.post(
            "/v1/sessions",
            json={"username": who.name, "password": who.password, "totp": who.totp.at(then)},
        )
    monkeypatch.undo()
    assert login.status_code == 201, login.text
    world.tokens[who.name] = login.json()["token"]


def test_reveal_denied_when_mfa_is_stale_then_allowed_after_a_fresh_code(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = world.row(12)
    [mia] = world.add(("mia", "agent", TENANT, SITE), login=False)
    on_floor(world, mia.name)
    t = ticket(world, "T-mia", row["id"], mia.name)
    signed_in_20_minutes_ago(world, mia, monkeypatch)
    with world.client(mia.name) as c:
        masked = get(c, row["id"])  # a masked view asks no second factor
        stale = reveal(c, row["id"], ticket_id=t)
        fresh = c.post("/v1/sessions/mfa", json={"totp": mia.totp.now()})
        again = reveal(c, row["id"], ticket_id=t)
    assert ok(masked)["id"] == row["id"]
    body = denied(stale, "mfa", row["card_number"])
    assert body["policies"] == ["forbid-reveal-without-fresh-mfa"]
    assert ok(fresh)["id"] == mia.name
    assert ok(again)["value"] == row["card_number"]


def test_another_tenants_customer_is_refused_naming_the_tenant(world: World) -> None:
    mine, theirs = world.row(13), world.row(0, OTHER)
    who = world.agent("tia")
    t = ticket(world, "T-tia", mine["id"], who)
    # Even a ticket the other tenant's CRM registered for her does not open its customers.
    ticket(world, "T-tia-z", theirs["id"], who, tenant=OTHER)
    with world.client(who) as c:
        own = get(c, mine["id"])
        refused = [
            get(c, theirs["id"], OTHER),
            reveal(c, theirs["id"], ticket_id="T-tia-z", tenant=OTHER),
            find(c, theirs["email"], OTHER),
            c.get(f"/v1/tenants/{OTHER}/audit"),
            reveal(c, mine["id"], ticket_id=t, tenant=OTHER),
        ]
    assert ok(own)["id"] == mine["id"]
    for r in refused:
        denied(r, "tenant", theirs["email"], theirs["card_number"], theirs["full_name"])


# Grants: break-glass and vendor ----------------------------------------------------------------


def _grant(world: World, asker: str, **body: Any) -> httpx.Response:
    with world.client(asker) as c:
        return c.post("/v1/grants", json={"tenant": TENANT, "hours": 1, **body})


def _approve(world: World, approver: str, gid: str) -> httpx.Response:
    with world.client(approver) as c:
        return c.post(f"/v1/grants/{gid}/approve")


BREAK_GLASS = {
    "kind": "break_glass",
    "actions": ["record.get", "record.reveal"],
    "fields": ["card_number"],
    "reason": "card used in a fraud in progress, customer on the line",
}


def test_supervisors_and_officers_read_no_customer_without_a_grant(world: World) -> None:
    row = world.row(14)
    with world.client("sup-a") as sup, world.client("officer") as officer:
        refused = [
            get(sup, row["id"]),
            reveal(sup, row["id"]),
            get(officer, row["id"]),
            find(officer, row["email"]),
        ]
    for r in refused:
        denied(r, "grant", row["email"], row["card_number"])


def test_break_glass_requested_approved_by_a_second_supervisor_used_without_a_ticket(
    world: World,
) -> None:
    row = world.row(15)
    subject = row["id"]
    start = datetime.now(UTC)
    # Not on shift, not badged in, not trained, no ticket: break-glass needs none of them.
    [gus] = world.add(("gus", "agent", TENANT, SITE))
    asked = _grant(world, "sup-a", grantee=gus.name, **BREAK_GLASS)
    assert asked.status_code == 201, asked.text
    gid = asked.json()["id"]
    assert asked.json()["status"] == "pending" and asked.json()["requested_by"] == "sup-a"
    with world.client(gus.name) as c:
        pending = [get(c, subject), reveal(c, subject)]
    for r in pending:
        denied(r, "grant-unapproved", row["card_number"])
    denied(_approve(world, "sup-a", gid), "second-person")
    denied(_approve(world, gus.name, gid), "second-person")
    approved = _approve(world, "sup-b", gid)
    assert ok(approved)["status"] == "active" and approved.json()["approved_by"] == "sup-b"
    with world.client(gus.name) as c:
        masked = get(c, subject)
        card = reveal(c, subject)
        email = reveal(c, subject, "email")
        no_purpose = reveal(c, subject, purpose="x")
    assert ok(masked)["fields"]["card_number"].endswith(row["card_number"][-4:])
    assert ok(card)["value"] == row["card_number"]
    denied(email, "grant-scope", row["email"])
    denied(no_purpose, "purpose", row["card_number"])

    entries = ledger(world, start)
    [used] = [
        e
        for e in about(entries, subject)
        if e["outcome"]["decision"] == "allowed" and e["action"] == "record.reveal"
    ]
    assert used["principal"] == gus.name
    assert used["outcome"]["policies"] == ["break-glass"]
    assert f"under grant {gid}" in used["outcome"]["reason"]
    assert "ticket" not in used["context"]
    grant_entries = [e for e in entries if (e.get("details") or {}).get("grant") == gid]
    assert [(e["action"], e["principal"], e["outcome"]["decision"]) for e in grant_entries] == [
        ("grant.request", "sup-a", "allowed"),
        ("grant.approve", "sup-a", "denied"),
        ("grant.approve", gus.name, "denied"),
        ("grant.approve", "sup-b", "allowed"),
    ]
    assert all(e["details"]["kind"] == "break_glass" for e in grant_entries)


def test_approving_break_glass_needs_the_approvers_fresh_second_factor(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    [gwen] = world.add(("gwen", "agent", TENANT, SITE))
    [sid] = world.add(("sid", "supervisor", None, SITE), login=False)
    signed_in_20_minutes_ago(world, sid, monkeypatch)
    asked = _grant(world, "sup-a", grantee=gwen.name, **BREAK_GLASS)
    assert asked.status_code == 201, asked.text
    gid = asked.json()["id"]
    stale = _approve(world, sid.name, gid)
    with world.client(sid.name) as c:
        fresh = c.post("/v1/sessions/mfa", json={"totp": sid.totp.now()})
    again = _approve(world, sid.name, gid)
    body = denied(stale, "mfa")
    assert body["policies"] == ["forbid-approval-or-erasure-without-fresh-mfa"]
    assert ok(fresh)["id"] == sid.name
    assert ok(again)["status"] == "active" and again.json()["approved_by"] == sid.name


def test_break_glass_refused_naming_the_expired_grant_once_it_ends(world: World) -> None:
    row = world.row(16)
    [gil] = world.add(("gil", "agent", TENANT, SITE))
    # Two seconds and a little: time to approve and use it, then it ends.
    asked = _grant(world, "sup-b", grantee=gil.name, **{**BREAK_GLASS, "hours": 0.0006})
    assert asked.status_code == 201, asked.text
    ok(_approve(world, "sup-a", asked.json()["id"]))
    with world.client(gil.name) as c:
        during = get(c, row["id"])
        ends = datetime.fromisoformat(asked.json()["ends_at"])
        time.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.05)
        after = [get(c, row["id"]), reveal(c, row["id"])]
    assert ok(during)["id"] == row["id"]
    for r in after:
        denied(r, "grant-expired", row["card_number"])


def test_vendor_grant_used_within_its_fields_and_refused_outside_them(world: World) -> None:
    row, theirs = world.row(17), world.row(1, OTHER)
    subject = row["id"]
    [vera] = world.add(("vera", "vendor", None, None))
    vendor = {
        "kind": "vendor",
        "grantee": vera.name,
        "actions": ["record.get", "record.reveal"],
        "fields": ["email"],
        "reason": "mailing-house migration of contact emails",
        "hours": 24,
    }
    denied(_grant(world, "sup-a", **vendor), "role")  # a supervisor asks for break-glass only
    denied(_grant(world, "officer", **{**BREAK_GLASS, "grantee": "sup-a"}), "role")
    asked = _grant(world, "officer", **vendor)
    assert asked.status_code == 201, asked.text
    with world.client(vera.name) as c:
        before = reveal(c, subject, "email")
    denied(before, "grant-unapproved", row["email"])
    ok(_approve(world, "sup-a", asked.json()["id"]))
    with world.client(vera.name) as c:
        masked = get(c, subject)
        email = reveal(c, subject, "email")
        card = reveal(c, subject, "card_number")
        token = c.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": ok(masked)["tokens"]["card_number"], "purpose": "refund"},
        )
        elsewhere = get(c, theirs["id"], OTHER)
    assert ok(email)["value"] == row["email"]
    denied(card, "grant-scope", row["card_number"])
    denied(token, "grant-scope", row["card_number"])
    denied(elsewhere, "grant", theirs["email"])


def test_vendor_grant_opens_the_token_vault_when_it_names_the_card_class(world: World) -> None:
    row = world.row(19)
    world.add(("vic", "vendor", None, None))
    body = {
        "kind": "vendor",
        "grantee": "vic",
        "actions": ["token.detokenize"],
        "reason": "card processor migration of stored tokens",
        "hours": 24,
    }
    without = _grant(world, "officer", **body, fields=["card_number"])
    assert (without.status_code, without.json()["field"]) == (400, "fields"), without.text
    assert "CREDIT_CARD" in without.json()["detail"]
    asked = _grant(world, "officer", **body, fields=["CREDIT_CARD"])
    assert asked.status_code == 201, asked.text
    ok(_approve(world, "sup-a", asked.json()["id"]))
    with world.client(TENANT) as crm:
        token = ok(crm.post(f"/v1/tenants/{TENANT}/tokens", json={"value": row["card_number"]}))
    with world.client("vic") as c:
        shown = c.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": token["token"], "purpose": "processor migration"},
        )
        record = get(c, row["id"])
    assert ok(shown)["value"] == row["card_number"]
    denied(record, "grant-scope", row["card_number"])


# Service accounts, the officer's context feed, the client auditor -----------------------------


def test_service_account_detokenizes_only_for_an_integration_purpose(world: World) -> None:
    row, theirs = world.row(18), world.row(2, OTHER)
    with world.client(TENANT) as crm:
        token = ok(crm.post(f"/v1/tenants/{TENANT}/tokens", json={"value": row["card_number"]}))
        refund = crm.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": token["token"], "purpose": "refund"},
        )
        curious = crm.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": token["token"], "purpose": "marketing analysis"},
        )
        other = crm.post(f"/v1/tenants/{OTHER}/tokens", json={"value": theirs["card_number"]})
        reads = [get(crm, row["id"]), reveal(crm, row["id"])]
    assert ok(refund)["value"] == row["card_number"]
    denied(curious, "purpose", row["card_number"])
    denied(other, "tenant")
    for r in reads:
        denied(r, "role", row["card_number"], row["email"])


def test_only_the_crm_registers_tickets_and_only_the_officer_feeds_the_floor(
    world: World,
) -> None:
    row = world.row(19)
    [ned] = world.add(("ned", "agent", TENANT, SITE))
    now = _at(datetime.now(UTC))
    own_ticket = {
        "ticket": "T-ned",
        "subject": row["id"],
        "assignee": ned.name,
        "opened": now,
        "kind": "payment",
    }
    a_shift = [
        {
            "actor": ned.name,
            "site": SITE,
            "start": now,
            "end": _at(datetime.now(UTC) + timedelta(hours=8)),
        }
    ]
    with world.client(ned.name) as c:
        own = c.post(f"/v1/tenants/{TENANT}/tickets", json=own_ticket)
        shifts = c.post("/v1/shifts", json=a_shift)
    with world.client(TENANT) as crm:
        crm_shifts = crm.post("/v1/shifts", json=a_shift)
        registered = crm.post(f"/v1/tenants/{TENANT}/tickets", json=own_ticket)
        elsewhere = crm.post(f"/v1/tenants/{OTHER}/tickets", json=own_ticket)
    with world.client("sup-a") as c:
        badges = c.post(
            "/v1/badges",
            json=[{"ts": now, "actor": ned.name, "site": SITE, "zone": "floor", "direction": "in"}],
        )
    denied(own, "role")
    denied(badges, "role")
    # The floor is the BPO's, not one tenant's: nobody bound to a tenant speaks for it.
    denied(shifts, "tenant")
    denied(crm_shifts, "tenant")
    denied(elsewhere, "tenant")
    assert ok(registered) == {"kind": "tickets", "stored": 1}
    with world.client("officer") as c:
        assert ok(c.post("/v1/shifts", json=a_shift)) == {"kind": "shifts", "stored": 1}


def test_client_auditor_reads_its_own_tenants_ledger_and_no_other(world: World) -> None:
    row = world.row(20)
    with world.client("auditor") as c:
        own = c.get(f"/v1/tenants/{TENANT}/audit", params={"action": "record.put"})
        other = c.get(f"/v1/tenants/{OTHER}/audit")
        record = get(c, row["id"])
    [put] = ok(own)["entries"]
    assert put["principal"] == f"crm-{TENANT}" and put["tenant"] == TENANT
    assert sorted(put["resource"]["subjects"]) == sorted(r["id"] for r in world.rows[TENANT])
    assert not any(r["id"] in own.text for r in world.rows[OTHER])
    assert row["email"] not in own.text
    denied(other, "tenant", *(r["id"] for r in world.rows[OTHER]))
    denied(record, "role", row["email"])
