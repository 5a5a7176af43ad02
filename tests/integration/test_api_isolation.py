"""Nothing of one tenant is ever visible from another, whoever asks and however.

Three tenants whose customers carry values of their own (names, emails and phones marked per
tenant; cards and IBANs drawn apart), and around them principals of every tenant-bound kind:
agents on the floor with tickets (at their own site, or at another site than their shift's),
supervisors holding approved break-glass on their own tenant and on another, vendors holding
approved grants on their own tenant and on another, client auditors, the CRMs' service
accounts. Tickets the other tenants' CRMs registered for them, and grants on other tenants,
must open nothing: the tenant wall comes first. (A grant on another tenant than its
grantee's is refused when requested; those here are stored as an instance upgraded from
before that check would hold them.)

Hypothesis draws a principal (role, tenant, site), a tenant for the path and a request (get,
reveal, find, audit, detokenize) of that tenant's customers or tokens, and checks that the
response carries no value (card, email, IBAN, name, phone) and no subject id of a tenant
other than the principal's own, except what the request itself sent (a 403 names its path).
Tenantless principals (the security officer, tenantless supervisors) are left out: their
reach is the grants they hold and, for the officer, every tenant's ledger, by design.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from strongroom.access.cedar import CONDITIONS
from strongroom.api.problems import PROBLEM_BASE, PROBLEM_JSON
from strongroom.instance import open_instance
from strongroom.store.engine import stamp, transaction
from tests.integration.api_server import TENANT
from tests.integration.test_api_policy import (
    BACKENDS,
    OTHER,
    SITE,
    World,
    api_world,
    ok,
    on_floor,
    ticket,
)

THIRD = "york-mutual"
TENANTS = (TENANT, OTHER, THIRD)
AWAY = "por-2"  # a site where nobody here has a shift
ROLES = ("agent", "supervisor", "client_auditor", "vendor", "service")
SITES = (SITE, AWAY)
FIELDS = ("card_number", "email", "iban", "full_name")
SECRET = ("card_number", "email", "iban", "full_name", "phone")
SHOWN = 4  # customers per tenant the requests name (the agents' tickets are on the first two)
PURPOSES = ("refund", "looking around")
KINDS = ("get", "reveal", "find", "audit", "detokenize")


def _name(role: str, tenant: str, site: str) -> str:
    if role == "service":
        return tenant  # World.client takes a tenant for its CRM's API key
    return f"{role}-{tenant}-{site}" if role in ("agent", "supervisor") else f"{role}-{tenant}"


def _grant(world: World, asker: str, approver: str, body: dict[str, Any], own: str) -> None:
    """An approved grant for a grantee of tenant `own`. One on another tenant is refused now
    (its grantee could never use it); one approved before that check, on an instance upgraded
    since, is stored as it was, so that the tenant wall is what refuses its use."""
    with world.client(asker) as c:
        asked = c.post("/v1/grants", json={"hours": 4, **body})
    if body["tenant"] != own:
        problem = asked.json()
        assert (asked.status_code, problem["field"]) == (400, "grantee"), asked.text
        assert "forbid-other-tenant" in problem["detail"]
        _store_approved(world, asker, approver, {"hours": 4, **body})
        return
    assert asked.status_code == 201, asked.text
    with world.client(approver) as c:
        ok(c.post(f"/v1/grants/{asked.json()['id']}/approve"))


def _store_approved(world: World, asker: str, approver: str, body: dict[str, Any]) -> None:
    start = datetime.now(UTC)
    inst = open_instance(world.home)
    try:
        with transaction(inst.data, tenant=body["tenant"]) as tx:
            tx.run(
                "INSERT INTO grants (id, kind, grantee, tenant_id, actions, fields, reason, "
                "requested_by, approved_by, approved_at, starts_at, ends_at, revoked_at, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (
                    "g-" + secrets.token_hex(6),
                    body["kind"],
                    body["grantee"],
                    body["tenant"],
                    json.dumps(body["actions"]),
                    json.dumps(body["fields"]),
                    body["reason"],
                    asker,
                    approver,
                    stamp(start),
                    stamp(start),
                    stamp(start + timedelta(hours=body["hours"])),
                    stamp(start),
                ),
            )
    finally:
        inst.close()


def _populate(world: World) -> None:
    world.add(
        *[
            (_name(role, t, site), role, t, site if role in ("agent", "supervisor") else None)
            for t in TENANTS
            for role in ROLES
            if role != "service"
            for site in (SITES if role in ("agent", "supervisor") else (SITE,))
        ]
    )
    for i, t in enumerate(TENANTS):
        elsewhere = TENANTS[(i + 1) % len(TENANTS)]
        first, second = world.row(0, t)["id"], world.row(1, t)["id"]
        for site in SITES:
            agent = _name("agent", t, site)
            on_floor(world, agent, SITE)  # the shift is at lis-1 whatever the agent's site
            ticket(world, f"T-{agent}-pay", first, agent, "payment", tenant=t)
            ticket(world, f"T-{agent}-contact", second, agent, "contact", tenant=t)
            # The other tenant's CRM registers a ticket for her on its customer: no way in.
            ticket(world, f"T-{agent}-x", world.row(0, elsewhere)["id"], agent, tenant=elsewhere)
            sup = _name("supervisor", t, site)
            for on in (t, elsewhere):
                _grant(
                    world,
                    "sup-a",
                    "sup-b",
                    {
                        "kind": "break_glass",
                        "grantee": sup,
                        "tenant": on,
                        "actions": ["record.get", "record.reveal", "record.find"],
                        "fields": list(FIELDS),
                        "reason": "isolation test: break-glass on " + on,
                    },
                    t,
                )
        for on in (t, elsewhere):
            _grant(
                world,
                "officer",
                "sup-a",
                {
                    "kind": "vendor",
                    "grantee": _name("vendor", t, SITE),
                    "tenant": on,
                    "actions": ["record.get", "record.reveal", "record.find"],
                    "fields": ["email", "card_number"],
                    "reason": "isolation test: vendor on " + on,
                    "hours": 24,
                },
                t,
            )


@dataclass
class Isolated:
    world: World
    tokens: dict[str, list[str]]  # tenant -> its customers' card tokens, in row order

    def needles(self, own: str) -> list[str]:
        """Every value, subject id and card token of the tenants other than `own`, and the
        domain their emails show masked (so a masked record of theirs is caught too)."""
        out = []
        for t in TENANTS:
            if t == own:
                continue
            out += [*self.tokens[t], f"@{t[0]}***.example"]
            for row in self.world.rows[t]:
                out += [row["id"], *(row[f] for f in SECRET), row["phone"].replace(" ", "")]
        return out


@pytest.fixture(scope="module", params=BACKENDS)
def isolated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Isolated]:
    pg = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    base = tmp_path_factory.mktemp("isolation")
    with api_world(request.param, base, pg, tenant_ids=TENANTS, rows=8) as world:
        _populate(world)
        tokens = {}
        for t in TENANTS:
            with world.client(t) as crm:
                tokens[t] = [
                    ok(crm.post(f"/v1/tenants/{t}/tokens", json={"value": r["card_number"]}))[
                        "token"
                    ]
                    for r in world.rows[t]
                ]
        yield Isolated(world, tokens)


@dataclass(frozen=True)
class Ask:
    role: str
    tenant: str
    site: str
    path_tenant: str
    kind: str
    n: int  # which customer (or token) of the path's tenant
    field: str
    other: str  # the tenant whose customer's email a find looks for, or whose token is sent
    purpose: str


asks = st.builds(
    Ask,
    role=st.sampled_from(ROLES),
    tenant=st.sampled_from(TENANTS),
    site=st.sampled_from(SITES),
    path_tenant=st.sampled_from(TENANTS),
    kind=st.sampled_from(KINDS),
    n=st.integers(0, SHOWN - 1),
    field=st.sampled_from(FIELDS),
    other=st.sampled_from(TENANTS),
    purpose=st.sampled_from(PURPOSES),
)


def _send(iso: Isolated, c: httpx.Client, a: Ask) -> httpx.Response:
    t = a.path_tenant
    subject = iso.world.row(a.n, t)["id"]
    if a.kind == "get":
        return c.get(f"/v1/tenants/{t}/records/{subject}")
    if a.kind == "reveal":
        return c.post(
            f"/v1/tenants/{t}/records/{subject}/reveal",
            json={"field": a.field, "purpose": "customer on the line asks"},
        )
    if a.kind == "find":
        return c.get(
            f"/v1/tenants/{t}/records", params={"email": iso.world.row(a.n, a.other)["email"]}
        )
    if a.kind == "audit":
        return c.get(f"/v1/tenants/{t}/audit", params={"limit": "1000"})
    return c.post(
        f"/v1/tenants/{t}/tokens/detokenize",
        json={"token": iso.tokens[a.other][a.n], "purpose": a.purpose},
    )


def _sent(r: httpx.Response) -> str:
    """What the caller sent: a response may echo it without leaking anything."""
    return str(r.request.url) + r.request.content.decode()


def _assert_problem_if_refused(r: httpx.Response) -> None:
    if r.status_code != 403:
        return
    assert r.headers["content-type"] == PROBLEM_JSON
    body = r.json()
    assert body["type"] == PROBLEM_BASE + "denied" and body["status"] == 403, body
    assert body["condition"] in CONDITIONS, body
    assert body["policies"] and body["instance"] == r.request.url.path, body


def test_no_response_carries_another_tenants_values_or_subjects(isolated: Isolated) -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(a=asks)
    # Allowed on one's own tenant, so the property is never vacuous: ...
    @example(Ask("agent", OTHER, SITE, OTHER, "reveal", 0, "card_number", OTHER, "refund"))
    @example(Ask("client_auditor", THIRD, SITE, THIRD, "audit", 0, "email", THIRD, "refund"))
    @example(Ask("service", TENANT, SITE, TENANT, "detokenize", 1, "email", TENANT, "refund"))
    @example(Ask("supervisor", TENANT, AWAY, TENANT, "find", 2, "email", TENANT, "refund"))
    @example(Ask("vendor", THIRD, SITE, THIRD, "reveal", 3, "email", THIRD, "refund"))
    # ... and the ways across that the context seems to open: a ticket the other tenant's CRM
    # registered, a grant on the other tenant, the other tenant's token.
    @example(Ask("agent", TENANT, SITE, OTHER, "reveal", 0, "card_number", OTHER, "refund"))
    @example(Ask("supervisor", OTHER, SITE, THIRD, "reveal", 1, "iban", THIRD, "refund"))
    @example(Ask("vendor", THIRD, SITE, TENANT, "get", 0, "email", TENANT, "refund"))
    @example(Ask("service", OTHER, SITE, THIRD, "detokenize", 0, "email", THIRD, "refund"))
    @example(Ask("service", OTHER, SITE, OTHER, "detokenize", 0, "email", THIRD, "refund"))
    def check(a: Ask) -> None:
        who = _name(a.role, a.tenant, a.site)
        with isolated.world.client(who) as c:
            r = _send(isolated, c, a)
        assert r.status_code in (200, 403, 404), (a, r.status_code, r.text)
        seen[str(r.status_code)] += 1
        _assert_problem_if_refused(r)
        sent = _sent(r)
        leaked = [n for n in isolated.needles(a.tenant) if n in r.text and n not in sent]
        assert leaked == [], (a, leaked)
        if r.status_code == 200 and a.path_tenant == a.tenant:
            own = isolated.world.rows[a.tenant]
            if any(row[f] in r.text or row["id"] in r.text for row in own for f in SECRET):
                seen["own data"] += 1

    check()
    assert seen["200"] and seen["403"] and seen["own data"], seen


def test_every_refusal_is_a_problem_document(isolated: Isolated) -> None:
    """Raw: each kind of request across the wall is a 403 problem, whatever the role."""
    refused = 0
    for role in ROLES:
        who = _name(role, TENANT, SITE)
        with isolated.world.client(who) as c:
            for kind in KINDS:
                r = _send(
                    isolated, c, Ask(role, TENANT, SITE, OTHER, kind, 0, "email", OTHER, "refund")
                )
                assert r.status_code == 403, (role, kind, r.text)
                _assert_problem_if_refused(r)
                assert r.json()["condition"] == "tenant", (role, kind, r.json())
                refused += 1
    assert refused == len(ROLES) * len(KINDS)
