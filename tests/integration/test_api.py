"""The REST API against a real server: uvicorn over TLS on a free port, SQLite (and one smoke
run on PostgreSQL), httpx verifying the instance's own certificate.

Principals sign in with real passwords and TOTP codes. Under the default policy their data
access needs a ticket, a shift, a badge and training, so here it is denied, which these tests
check as problems (the policy's own rules are tested elsewhere). Where a test needs the
services to act, the instance gets a policy that permits everything (`permit_all`), so the
face is still tested end to end: HTTP, auth, Cedar, the services, the ledger.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, get_args

import httpx
import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from strongroom.access import context as access_context
from strongroom.access import grants as access_grants
from strongroom.access import identity, local_operator
from strongroom.api import listeners
from strongroom.api.limits import RateSettings
from strongroom.api.problems import PROBLEM_BASE, PROBLEM_JSON
from strongroom.api.routes.context import BadgeIn, TicketIn
from strongroom.api.routes.grants import Action, GrantRequest
from strongroom.audit.log import verify as verify_ledger
from strongroom.crypto.tls import ensure_server_certificate, new_server_certificate
from strongroom.errors import KeyUnavailable
from strongroom.instance import init_instance, open_instance
from strongroom.store.engine import transaction
from strongroom.vault import records as vault_records
from strongroom.vault import tenants
from tests.conftest import demo_spec
from tests.integration.api_server import (
    TENANT,
    ApiHome,
    ApiServer,
    enrol,
    permit_everything,
    running_server,
    sign_in,
)

pytest_plugins = ["tests.integration.api_server"]

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "request_id"}


def assert_problem(r: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = r.json()
    assert set(body) >= PROBLEM_MEMBERS, body
    assert body["type"] == PROBLEM_BASE + kind
    assert body["status"] == status
    assert body["instance"] == r.request.url.raw_path.split(b"?")[0].decode()
    assert body["request_id"] == r.headers["x-request-id"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def _agent(api_home: ApiHome, server: ApiServer, name: str = "alice") -> str:
    return sign_in(server, enrol(api_home.home, name, "agent"))


# TLS and health -------------------------------------------------------------------------------


def test_health_answers_over_tls_with_the_instance_certificate(api_server: ApiServer) -> None:
    with api_server.client() as c:
        r = c.get("/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    assert "server" not in r.headers
    with (
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
        httpx.Client(base_url=api_server.base_url) as untrusting,
    ):
        untrusting.get("/v1/health")

    cert = x509.load_pem_x509_certificate(api_server.cert.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(a) for a in sans.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=364) < lifetime < timedelta(days=367)
    key = api_server.cert.with_name("server.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("version", "ciphers", "served"),
    [
        (ssl.TLSVersion.TLSv1_3, None, True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-GCM-SHA256", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-CHACHA20-POLY1305", True),
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES256-SHA384", False),  # CBC
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA", False),  # CBC, SHA-1
        (ssl.TLSVersion.TLSv1_1, "DEFAULT:@SECLEVEL=0", False),
    ],
)
def test_tls_is_1_3_or_1_2_with_forward_secret_aead_suites_only(
    api_server: ApiServer, version: ssl.TLSVersion, ciphers: str | None, served: bool
) -> None:
    ctx = ssl.create_default_context(cafile=str(api_server.cert))
    ctx.minimum_version = ctx.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    host, port = api_server.base_url.removeprefix("https://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        if not served:
            # The server ends the handshake (an alert, or it closes): the client offered it.
            with pytest.raises(ssl.SSLError, match=r"ALERT|UNEXPECTED_EOF"):
                ctx.wrap_socket(raw, server_hostname=host)
            return
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            assert tls.version() == version.name.replace("_", ".")
            if ciphers is not None:
                assert tls.cipher()[0] == ciphers


def test_server_certificate_is_kept_renewed_when_expired_and_refused_when_open(
    tmp_path: Path,
) -> None:
    cert, key = ensure_server_certificate(tmp_path)
    first = cert.read_bytes()
    assert ensure_server_certificate(tmp_path) == (cert, key)
    assert cert.read_bytes() == first
    assert stat.S_IMODE(cert.parent.stat().st_mode) == 0o700
    old, old_key = new_server_certificate(datetime.now(UTC) - timedelta(days=400))
    cert.write_bytes(old)
    key.write_bytes(old_key)
    ensure_server_certificate(tmp_path)
    assert cert.read_bytes() not in (old, first)
    renewed = x509.load_pem_x509_certificate(cert.read_bytes())
    assert renewed.not_valid_after_utc > datetime.now(UTC)
    key.chmod(0o644)
    with pytest.raises(KeyUnavailable, match="chmod 600"):
        ensure_server_certificate(tmp_path)


def test_the_schemas_enumerations_are_the_services_own() -> None:
    """The API's models spell out choices the services own; they must not drift apart."""
    ticket_kinds = TicketIn.model_fields["kind"].annotation
    assert set(get_args(ticket_kinds)) == set(access_context.TICKET_KINDS)
    assert set(get_args(BadgeIn.model_fields["direction"].annotation)) == set(
        access_context.DIRECTIONS
    )
    assert set(get_args(Action)) == set(access_grants.GRANTABLE_ACTIONS)
    assert set(get_args(GrantRequest.model_fields["kind"].annotation)) == set(
        access_grants.GRANT_KINDS
    )


# Authentication -------------------------------------------------------------------------------


def test_missing_or_bad_token_is_a_401_problem_with_a_bearer_challenge(
    api_server: ApiServer,
) -> None:
    path = f"/v1/tenants/{TENANT}/records/c-000001"
    with api_server.client() as c:
        missing = c.get(path)
        bad = c.get(path, headers={"Authorization": "Bearer srs_not-a-token"})
        forged = c.get(path, headers={"Authorization": f"Bearer srs_{'0' * 24}.{'A' * 43}"})
        basic = c.get(path, headers={"Authorization": "Basic YWdlbnQ6cGFzc3dvcmQ="})
        empty = c.get(path, headers={"Authorization": "Bearer"})
    for r in (missing, bad, forged, basic, empty):
        assert_problem(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_every_operation_but_sign_in_and_health_documents_the_bearer_scheme(
    api_server: ApiServer,
) -> None:
    """The routes read the token themselves (`caller`); the document still says so."""
    with api_server.client() as c:
        doc = c.get("/v1/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A session token from POST /v1/sessions, or an API key.",
    }
    open_ = sorted(
        f"{method.upper()} {path}"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if op.get("security") != [{"bearer": []}]
    )
    assert open_ == ["GET /v1/health", "POST /v1/sessions"]


def test_sign_in_with_a_wrong_password_is_a_401_that_says_nothing_more(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    who = enrol(api_home.home, "bob", "agent")
    with api_server.client() as c:
        wrong = c.post(
            "/v1/sessions",
            json={"username": "bob", "password": "not it", "totp": who.totp.now()},
        )
        nobody = c.post(
            "/v1/sessions", json={"username": "nobody", "password": "x", "totp": "123456"}
        )
    assert (
        assert_problem(wrong, 401, "unauthenticated")["detail"]
        == (assert_problem(nobody, 401, "unauthenticated")["detail"])
    )


def test_a_password_set_at_enrolment_is_replaced_at_the_first_sign_in(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    inst = open_instance(api_home.home)
    try:  # enrolled as `principal add` does, not past its first sign-in
        e = identity.add_principal(inst, local_operator(), "dana", "agent", TENANT, "lis-1")
    finally:
        inst.close()
    assert e.password is not None and e.totp_uri is not None
    totp = pyotp.parse_uri(e.totp_uri)
    assert isinstance(totp, pyotp.TOTP)
    login = {"username": "dana", "password": e.password, "totp": totp.now()}
    mine, common = "my own one, at last 2026", "Password12345"
    with api_server.client() as c:
        told = c.post("/v1/sessions", json=login)
        short = c.post("/v1/sessions", json={**login, "new_password": "short"})
        same = c.post("/v1/sessions", json={**login, "new_password": e.password})
        weak = c.post("/v1/sessions", json={**login, "new_password": common})
        # Being told spent the code: the change comes with the next one.
        replayed = c.post("/v1/sessions", json={**login, "new_password": mine})
        nxt = {**login, "totp": totp.at(time.time() + 30), "new_password": mine}
        changed = c.post("/v1/sessions", json=nxt)
    problem = assert_problem(told, 403, "password-change-required")
    assert "new_password" in problem["detail"] and problem["condition"] == "password-change"
    assert_problem(replayed, 401, "unauthenticated")
    assert assert_problem(short, 422, "invalid-request")["field"] == "new_password"
    assert assert_problem(same, 400, "bad-input")["field"] == "new_password"
    refused = assert_problem(weak, 400, "bad-input")
    assert refused["field"] == "new_password" and "commonly used" in refused["detail"]
    assert common not in refused["detail"]
    assert changed.status_code == 201, changed.text
    with api_server.client(changed.json()["token"]) as c:
        assert c.get(f"/v1/tenants/{TENANT}/records/c-000001").status_code == 403  # no ticket
    logged = "\n".join(api_server.log_lines)
    for secret in (e.password, mine, common):
        assert secret not in logged


def test_second_factor_and_logout(api_home: ApiHome, api_server: ApiServer) -> None:
    who = enrol(api_home.home, "carol", "agent")
    token = sign_in(api_server, who)
    with api_server.client(token) as c:
        replayed = c.post("/v1/sessions/mfa", json={"totp": who.totp.now()})
        # The code of the next step is accepted (one step of clock drift either side).
        fresh = c.post("/v1/sessions/mfa", json={"totp": who.totp.at(time.time() + 30)})
        out = c.delete("/v1/sessions")
        after = c.get(f"/v1/tenants/{TENANT}/records/c-000001")
    assert_problem(replayed, 401, "unauthenticated")
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["id"] == "carol" and fresh.json()["mfa_at"]
    assert out.status_code == 204
    assert_problem(after, 401, "unauthenticated")


# The policy's refusals ------------------------------------------------------------------------


def test_default_policy_refusals_are_403_problems_naming_the_condition(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    subject = api_home.rows[0]["id"]
    with api_server.client(_agent(api_home, api_server)) as c:
        got = c.get(f"/v1/tenants/{TENANT}/records/{subject}")
    denied = assert_problem(got, 403, "denied")
    assert isinstance(denied["condition"], str) and denied["condition"]
    assert isinstance(denied["policies"], list) and denied["policies"]
    auditor = sign_in(api_server, enrol(api_home.home, "dora", "client_auditor", site=None))
    with api_server.client(auditor) as c:
        reveal = c.post(
            f"/v1/tenants/{TENANT}/records/{subject}/reveal",
            json={"field": "email", "purpose": "curious", "ticket": "T-1"},
        )
    body = assert_problem(reveal, 403, "denied")
    assert body["condition"] == "role"
    assert api_home.rows[0]["email"] not in reveal.text


def test_client_auditor_reads_its_own_tenants_ledger_and_no_other(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    inst = open_instance(api_home.home)
    try:
        tenants.create(inst, local_operator(), demo_spec("zeta-retail"))
    finally:
        inst.close()
    auditor = sign_in(api_server, enrol(api_home.home, "audra", "client_auditor", site=None))
    with api_server.client(auditor) as c:
        own = c.get(f"/v1/tenants/{TENANT}/audit", params={"action": "record.put"})
        other = c.get("/v1/tenants/zeta-retail/audit")
        later = c.get(f"/v1/tenants/{TENANT}/audit", params={"action": "audit.search"})
    assert own.status_code == 200, own.text
    [put] = own.json()["entries"]
    assert put["tenant"] == TENANT and put["outcome"]["decision"] == "allowed"
    assert sorted(put["resource"]["subjects"]) == sorted(r["id"] for r in api_home.rows)
    assert api_home.rows[0]["email"] not in own.text
    assert assert_problem(other, 403, "denied")["condition"] == "tenant"
    # Reading the ledger is itself recorded, with its filters.
    [search] = later.json()["entries"]  # a search does not see its own entry
    assert search["principal"] == "audra"
    assert search["details"] == {"filters": {"action": "record.put"}}


def test_service_account_stores_records_with_an_api_key_and_cannot_read_them(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    inst = open_instance(api_home.home)
    try:
        identity.add_principal(inst, local_operator(), "crm", "service", TENANT)
        key = identity.issue_api_key(inst, local_operator(), "crm")
    finally:
        inst.close()
    with api_server.client(key) as c:
        put = c.post(f"/v1/tenants/{TENANT}/records", json=[{"id": "k-1", "email": "k@x.org"}])
        get = c.get(f"/v1/tenants/{TENANT}/records/k-1")
    assert put.status_code == 200, put.text
    assert put.json() == {"tenant": TENANT, "created": 1, "updated": 0}
    assert assert_problem(get, 403, "denied")["condition"] == "role"


def test_workforce_integrations_feed_badges_shifts_and_training_with_an_api_key(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    """Under the default policy: a service account without a tenant (the door system, the
    rota, the training platform) posts the staff's context, and nothing of a tenant's; a
    tenant-bound one (the CRM) may not post staff context."""
    inst = open_instance(api_home.home)
    try:
        identity.add_principal(inst, local_operator(), "doors", "service", None)
        doors = identity.issue_api_key(inst, local_operator(), "doors")
        identity.add_principal(inst, local_operator(), "crm", "service", TENANT)
        crm = identity.issue_api_key(inst, local_operator(), "crm")
    finally:
        inst.close()
    now = datetime.now(UTC)
    badge = [{"ts": now.isoformat(), "actor": "a-1", "site": "lis-1", "zone": "floor",
              "direction": "in"}]  # fmt: skip
    shift = [{"actor": "a-1", "site": "lis-1", "start": now.isoformat(),
              "end": (now + timedelta(hours=8)).isoformat()}]  # fmt: skip
    course = [{"actor": "a-1", "course": "data-protection", "completed": now.isoformat(),
               "expires": (now + timedelta(days=365)).isoformat()}]  # fmt: skip
    with api_server.client(doors) as c:
        sent = (("/v1/badges", badge), ("/v1/shifts", shift), ("/v1/training", course))
        fed = [c.post(path, json=body) for path, body in sent]
        put = c.post(f"/v1/tenants/{TENANT}/records", json=[{"id": "k-1", "email": "k@x.org"}])
    with api_server.client(crm) as c:
        crm_badge = c.post("/v1/badges", json=badge)
    assert [r.status_code for r in fed] == [200, 200, 200], [r.text for r in fed]
    assert assert_problem(put, 403, "denied")["condition"] == "tenant"
    assert assert_problem(crm_badge, 403, "denied")["condition"] == "tenant"


# Problems of each kind ------------------------------------------------------------------------


def test_request_id_is_echoed_when_sane_and_replaced_when_not(api_server: ApiServer) -> None:
    with api_server.client() as c:
        kept = c.get("/v1/health", headers={"X-Request-Id": "crm-42.retry_1"})
        problem = c.get("/v1/grants", headers={"X-Request-Id": "crm-43"})
        odd = c.get("/v1/health", headers={"X-Request-Id": "no spaces; please"})
        long = c.get("/v1/health", headers={"X-Request-Id": "x" * 65})
    assert kept.headers["x-request-id"] == "crm-42.retry_1"
    assert assert_problem(problem, 401, "unauthenticated")["request_id"] == "crm-43"
    for r in (odd, long):
        assert len(r.headers["x-request-id"]) == 32
        assert r.headers["x-request-id"] != "no spaces; please"


def test_body_that_does_not_match_the_schema_is_a_422_naming_the_field(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    with api_server.client() as c:
        empty = c.post("/v1/sessions", json={"password": "x"})
        not_json = c.post(
            "/v1/sessions", content=b"{nope", headers={"Content-Type": "application/json"}
        )
    body = assert_problem(empty, 422, "invalid-request")
    assert body["field"] == "username" and body["location"] == "body"
    assert body["errors"][0]["field"] == "username"
    assert_problem(not_json, 422, "invalid-request")
    with api_server.client(_agent(api_home, api_server)) as c:
        batch = c.post(f"/v1/tenants/{TENANT}/records", json=[{"id": "ok-1"}, {"id": 3}])
        limit = c.get(f"/v1/tenants/{TENANT}/audit", params={"limit": 0})
    assert assert_problem(batch, 422, "invalid-request")["field"] == "1.id"
    limit_problem = assert_problem(limit, 422, "invalid-request")
    assert (limit_problem["field"], limit_problem["location"]) == ("limit", "query")


def test_bad_input_is_a_400_naming_line_and_field(api_home: ApiHome, api_server: ApiServer) -> None:
    now = datetime.now(UTC)
    with api_server.client(_agent(api_home, api_server)) as c:
        dup = c.post(f"/v1/tenants/{TENANT}/records", json=[{"id": "a-1"}, {"id": "a-1"}])
        nul = c.post(
            f"/v1/tenants/{TENANT}/records",
            json=[
                {"id": "a-1"},
                {"id": "a-2", "card_number": "4111\u00001111\u00001111\u00001111"},
            ],
        )
        shifts = c.post(
            "/v1/shifts",
            json=[
                {
                    "actor": "alice",
                    "site": "lis-1",
                    "start": now.isoformat(),
                    "end": (now + timedelta(hours=8)).isoformat(),
                },
                {
                    "actor": "alice",
                    "site": "lis-1",
                    "start": now.isoformat(),
                    "end": (now - timedelta(hours=1)).isoformat(),
                },
            ],
        )
        two = c.get(f"/v1/tenants/{TENANT}/records", params={"email": "a@b.org", "phone": "1"})
        header = c.get(
            f"/v1/tenants/{TENANT}/records/a-1", headers={"X-Strongroom-Device": "d" * 200}
        )
    body = assert_problem(dup, 400, "bad-input")
    assert (body["line"], body["field"]) == (2, "id")
    body = assert_problem(nul, 400, "bad-input")
    assert (body["line"], body["field"]) == (2, "card_number") and "U+0000" in body["detail"]
    assert "4111" not in nul.text
    body = assert_problem(shifts, 400, "bad-input")
    assert (body["line"], body["field"]) == (2, "end")
    assert assert_problem(two, 400, "bad-input")["field"] == "query"
    assert assert_problem(header, 400, "bad-input")["field"] == "X-Strongroom-Device"


def test_unknown_grant_and_unknown_route_are_404_problems(
    api_home: ApiHome, api_server: ApiServer
) -> None:
    with api_server.client(_agent(api_home, api_server)) as c:
        grant = c.post("/v1/grants/g-0123456789ab/approve")
        route = c.get("/v1/no-such-thing")
        method = c.put("/v1/health")
    assert_problem(grant, 404, "not-found")
    assert_problem(route, 404, "not-found")
    assert_problem(method, 405, "method-not-allowed")
    assert "GET" in method.headers["allow"]


def test_erased_subject_is_a_404_of_its_own_type(
    permit_all: None, api_home: ApiHome, api_server: ApiServer
) -> None:
    subject = api_home.rows[1]["id"]
    with api_server.client(_agent(api_home, api_server)) as c:
        erased = c.delete(f"/v1/tenants/{TENANT}/records/{subject}")
        after = c.get(f"/v1/tenants/{TENANT}/records/{subject}")
        never = c.get(f"/v1/tenants/{TENANT}/records/nobody-here")
    assert erased.status_code == 200, erased.text
    assert erased.json()["id"] == subject and erased.json()["tokens_shredded"] == 1
    assert_problem(after, 404, "erased")
    assert_problem(never, 404, "not-found")


def test_approving_a_grant_twice_is_a_409(
    permit_all: None, api_home: ApiHome, api_server: ApiServer
) -> None:
    enrol(api_home.home, "erin", "agent")
    asker = sign_in(api_server, enrol(api_home.home, "sup-a", "supervisor", tenant=None))
    approver = sign_in(api_server, enrol(api_home.home, "sup-b", "supervisor", tenant=None))
    grant = {
        "kind": "break_glass",
        "grantee": "erin",
        "tenant": TENANT,
        "actions": ["record.reveal"],
        "fields": ["email"],
        "reason": "customer locked out, ticket T-9",
        "hours": 1,
    }
    with api_server.client(asker) as c:
        asked = c.post("/v1/grants", json=grant)
        too_long = c.post("/v1/grants", json={**grant, "hours": 10})
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "pending"
    assert assert_problem(too_long, 400, "bad-input")["field"] == "hours"
    gid = asked.json()["id"]
    with api_server.client(approver) as c:
        first = c.post(f"/v1/grants/{gid}/approve")
        second = c.post(f"/v1/grants/{gid}/approve")
        listed = c.get("/v1/grants", params={"tenant": TENANT})
    assert first.status_code == 200 and first.json()["status"] == "active"
    assert_problem(second, 409, "conflict")
    assert [g["id"] for g in listed.json()["grants"]] == [gid]


def test_rate_limit_per_principal_is_a_429_with_retry_after(api_home: ApiHome) -> None:
    rates = RateSettings(rate=0.2, burst=3, login_rate=100, login_burst=100)
    with (
        running_server(api_home.home, rates) as server,
        server.client(_agent(api_home, server)) as c,
    ):
        seen = [c.get("/v1/grants").status_code for _ in range(4)]
        limited = c.get("/v1/grants")
    assert seen[:3] == [403, 403, 403] and seen[3] == 429
    body = assert_problem(limited, 429, "rate-limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert body["retry_after"] == int(limited.headers["retry-after"])


def test_sign_in_is_limited_per_client_address(api_home: ApiHome) -> None:
    rates = RateSettings(rate=100, burst=100, login_rate=0.1, login_burst=2)
    with running_server(api_home.home, rates) as server, server.client() as c:
        tries = [
            c.post("/v1/sessions", json={"username": f"guess{n}", "password": "x"})
            for n in range(3)
        ]
    assert [r.status_code for r in tries] == [401, 401, 429]
    assert_problem(tries[2], 429, "rate-limited")
    assert int(tries[2].headers["retry-after"]) >= 1


def test_a_body_over_the_limit_is_a_413_problem(api_home: ApiHome) -> None:
    with running_server(api_home.home, max_body=2048) as server, server.client() as c:
        big = c.post("/v1/sessions", json={"username": "x" * 4096, "password": "y"})
        chunked = c.post(
            "/v1/sessions",
            content=iter([b'{"username": "', b"x" * 4096, b'", "password": "y"}']),
            headers={"Content-Type": "application/json"},
        )
    assert_problem(big, 413, "too-large")
    assert_problem(chunked, 413, "too-large")


def test_unexpected_error_is_a_500_that_leaks_nothing(
    monkeypatch: pytest.MonkeyPatch, api_home: ApiHome, api_server: ApiServer
) -> None:
    token = _agent(api_home, api_server)

    def explodes(*args: object, **kwargs: object) -> NoReturn:
        card = "4111" + "1111" * 3
        raise RuntimeError(f"boom {card}")  # a bug whose message quotes a value

    monkeypatch.setattr(vault_records, "get", explodes)
    with api_server.client(token) as c:
        r = c.get(f"/v1/tenants/{TENANT}/records/{api_home.rows[0]['id']}")
    body = assert_problem(r, 500, "internal")
    assert "4111" not in r.text and "boom" not in r.text
    assert body["request_id"] in body["detail"]
    logged = "\n".join(api_server.log_lines)
    assert "RuntimeError" in logged and body["request_id"] in logged
    assert "4111" not in logged and "boom" not in logged


def test_a_store_that_refuses_the_ledger_is_a_503(api_home: ApiHome, api_server: ApiServer) -> None:
    token = _agent(api_home, api_server)
    import sqlite3

    with sqlite3.connect(api_home.home / "strongroom.db") as db:
        db.execute("ALTER TABLE audit_entries RENAME TO audit_entries_gone")
    with api_server.client(token) as c:
        r = c.get(f"/v1/tenants/{TENANT}/records/{api_home.rows[0]['id']}")
    assert_problem(r, 503, "store-unavailable")
    assert "audit_entries" not in r.text and "no such table" not in r.text


# The services through the face ----------------------------------------------------------------


def test_records_tokens_context_and_audit_through_the_api(
    permit_all: None, api_home: ApiHome, api_server: ApiServer
) -> None:
    row = dict(api_home.rows[2])
    new = {**api_home.rows[3], "id": "n-0001", "email": "new.one@example.org"}
    now = datetime.now(UTC)
    ctx = {"X-Strongroom-Device": "ws-17", "X-Strongroom-Site": "lis-1"}
    with api_server.client(_agent(api_home, api_server), **ctx) as c:
        put = c.post(f"/v1/tenants/{TENANT}/records", json=[new, {**row, "phone": None}])
        masked = c.get(f"/v1/tenants/{TENANT}/records/n-0001")
        ticket = c.post(
            f"/v1/tenants/{TENANT}/tickets",
            json={
                "ticket": "T-77",
                "subject": "n-0001",
                "assignee": "alice",
                "opened": now.isoformat(),
                "kind": "payment",
            },
        )
        revealed = c.post(
            f"/v1/tenants/{TENANT}/records/n-0001/reveal",
            json={"field": "email", "purpose": "confirm identity", "ticket": "T-77"},
        )
        found = c.get(f"/v1/tenants/{TENANT}/records", params={"email": " NEW.ONE@example.org"})
        token = c.post(
            f"/v1/tenants/{TENANT}/tokens",
            json={"value": new["card_number"], "class": "CREDIT_CARD"},
        )
        card = c.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": token.json()["token"], "purpose": "refund"},
        )
        badges = c.post(
            "/v1/badges",
            json=[
                {
                    "ts": now.isoformat(),
                    "actor": "alice",
                    "site": "lis-1",
                    "zone": "floor",
                    "direction": "in",
                }
            ],
        )
        shifts = c.post(
            "/v1/shifts",
            json=[
                {
                    "actor": "alice",
                    "site": "lis-1",
                    "start": now.isoformat(),
                    "end": (now + timedelta(hours=8)).isoformat(),
                }
            ],
        )
        training = c.post(
            "/v1/training",
            json=[
                {
                    "actor": "alice",
                    "course": "data-protection",
                    "completed": now.isoformat(),
                    "expires": (now + timedelta(days=300)).isoformat(),
                }
            ],
        )
        audit = c.get(f"/v1/tenants/{TENANT}/audit", params={"action": "record.reveal"})
        page = c.get(f"/v1/tenants/{TENANT}/audit", params={"limit": 2})
    assert put.json() == {"tenant": TENANT, "created": 1, "updated": 1}
    rec = masked.json()
    assert rec["id"] == "n-0001" and rec["fields"]["email"] != new["email"]
    assert new["email"] not in masked.text and new["card_number"] not in masked.text
    assert ticket.json() == {"kind": "tickets", "stored": 1}
    assert revealed.json()["value"] == new["email"]
    assert [r["id"] for r in found.json()["records"]] == ["n-0001"]
    assert token.json()["token"] == rec["tokens"]["card_number"]
    assert card.json()["value"] == new["card_number"]
    assert [r.json()["stored"] for r in (badges, shifts, training)] == [1, 1, 1]
    [entry] = audit.json()["entries"]
    assert entry["purpose"] == "confirm identity"
    assert entry["principal"] == "alice"
    assert entry["context"] == {
        "ip": "127.0.0.1",
        "device": "ws-17",
        "site": "lis-1",
        "ticket": "T-77",
    }
    assert new["email"] not in audit.text
    assert len(page.json()["entries"]) == 2 and page.json()["more"] is True


def test_access_log_has_no_query_string_and_no_token(
    permit_all: None, api_home: ApiHome, api_server: ApiServer
) -> None:
    email = api_home.rows[0]["email"]
    token = _agent(api_home, api_server)
    with api_server.client(token, **{"X-Request-Id": "find-1"}) as c:
        found = c.get(f"/v1/tenants/{TENANT}/records", params={"email": email})
    assert found.status_code == 200 and len(found.json()["records"]) == 1
    lines = api_server.log_lines
    [line] = [entry for entry in lines if "request_id=find-1" in entry]
    assert f'"GET /v1/tenants/{TENANT}/records" 200' in line and "principal=alice" in line
    text = "\n".join(lines)
    assert email not in text and email.split("@")[0] not in text
    assert "?" not in text and "%40" not in text
    assert token not in text and token.split(".")[1] not in text


# PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_smoke_on_postgresql(pg_api_home: ApiHome) -> None:
    permit_everything(pg_api_home.home)
    with running_server(pg_api_home.home) as server:
        token = _agent(pg_api_home, server)
        subject = pg_api_home.rows[0]["id"]
        with server.client(token) as c:
            health = c.get("/v1/health")
            got = c.get(f"/v1/tenants/{TENANT}/records/{subject}")
            missing = c.get(f"/v1/tenants/{TENANT}/records/nobody")
    assert health.status_code == 200
    assert got.status_code == 200 and got.json()["id"] == subject
    assert_problem(missing, 404, "not-found")


# strongroom serve -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve_process(api_home: ApiHome) -> Iterator[Any]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], int]:
        port = _free_port()
        env = {**os.environ, "STRONGROOM_HOME": str(api_home.home)}
        env.pop("STRONGROOM_DATABASE_URL", None)
        env.pop("STRONGROOM_KEYSTORE_URL", None)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import typer; from strongroom.cli.serve import serve; typer.run(serve)",
                "--port",
                str(port),
                *args,
            ],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        return proc, port

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=15)


def _wait_for(url: str, verify: Any) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, verify=verify, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_uses_the_instance_certificate_made_on_first_start(
    api_home: ApiHome, serve_process: Any
) -> None:
    import ssl

    cert = api_home.home / "tls" / "server.crt"
    assert not cert.exists()
    proc, port = serve_process()
    deadline = time.monotonic() + 30
    while not cert.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    r = _wait_for(
        f"https://localhost:{port}/v1/health", ssl.create_default_context(cafile=str(cert))
    )
    assert r.status_code == 200
    proc.terminate()
    _, err = proc.communicate(timeout=15)
    assert "INSECURE" not in err and "PLAIN HTTP" not in err
    assert "strongroom.api.access" in err and '"GET /v1/health" 200' in err


def test_insecure_http_warns_loudly_on_every_start(serve_process: Any) -> None:
    for _ in range(2):
        proc, port = serve_process("--insecure-http")
        plain = _wait_for(f"http://127.0.0.1:{port}/v1/health", False)
        assert plain.status_code == 200
        assert "strict-transport-security" not in plain.headers  # HSTS means nothing here
        assert plain.headers["x-content-type-options"] == "nosniff"
        proc.terminate()
        _, err = proc.communicate(timeout=15)
        assert "WARNING" in err and "PLAIN HTTP" in err and "UNENCRYPTED" in err


def test_serve_refuses_half_a_certificate(api_home: ApiHome, serve_process: Any) -> None:
    proc, _ = serve_process("--tls-cert", str(api_home.home / "x.crt"))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "--tls-cert and --tls-key go together" in err


def test_serve_refuses_a_file_that_is_not_a_certificate_and_key(
    api_home: ApiHome, serve_process: Any, tmp_path: Path
) -> None:
    """uvicorn failed on it after start-up with an ssl.SSLError traceback, exit 1."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    proc, _ = serve_process("--tls-cert", str(junk), "--tls-key", str(junk))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert "not a PEM certificate" in err and str(junk) in err and "Traceback" not in err


def test_a_burst_of_parallel_requests_queues_instead_of_failing(
    permit_all: None, api_home: ApiHome, api_server: ApiServer
) -> None:
    """More callers than the stores' pools have connections: requests wait for a worker
    thread rather than time out on a connection."""
    token = _agent(api_home, api_server)

    def work(n: int) -> list[int]:
        statuses = []
        with api_server.client(token) as c:
            for i in range(12):
                subject = api_home.rows[(n + i) % len(api_home.rows)]["id"]
                if i % 3 == 0:
                    r = c.post(
                        f"/v1/tenants/{TENANT}/records/{subject}/reveal",
                        json={"field": "email", "purpose": "burst check"},
                    )
                elif i % 3 == 1:
                    r = c.post(
                        f"/v1/tenants/{TENANT}/records",
                        json=[{"id": f"b-{n}-{i}", "email": f"b{n}.{i}@example.org"}],
                    )
                else:
                    r = c.get(f"/v1/tenants/{TENANT}/records/{subject}")
                statuses.append(r.status_code)
        return statuses

    with ThreadPoolExecutor(24) as pool:
        statuses = [s for batch in pool.map(work, range(24)) for s in batch]
    assert statuses == [200] * len(statuses)


def _two_workers(
    api_home: ApiHome, serve_process: Any
) -> tuple[subprocess.Popen[str], int, ssl.SSLContext, str]:
    """`serve --workers 2` answering on its health route: (process, port, TLS context that
    trusts its certificate, base URL)."""
    proc, port = serve_process("--workers", "2")
    cert = api_home.home / "tls" / "server.crt"
    deadline = time.monotonic() + 30
    while not cert.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    verify = ssl.create_default_context(cafile=str(cert))
    base = f"https://localhost:{port}"
    assert _wait_for(f"{base}/v1/health", verify).status_code == 200
    return proc, port, verify, base


def _sockets_on(port: int) -> dict[str, set[int]]:
    """The inodes of the TCP sockets on local `port`, by state: LISTEN ("0A") and
    ESTABLISHED ("01"), from /proc/net/tcp."""
    found: dict[str, set[int]] = {"0A": set(), "01": set()}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if int(cols[1].split(":")[1], 16) == port and cols[3] in found:
            found[cols[3]].add(int(cols[9]))
    return found


def _inodes_of(pid: int) -> set[int]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            out.add(int(target[8:-1]))
    return out


def _children(pid: int) -> list[int]:
    kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(k) for k in kids]


@pytest.mark.skipif(not listeners.supported(), reason="a socket per worker on Linux only")
def test_each_worker_listens_on_its_own_socket_and_keep_alive_connections_spread(
    api_home: ApiHome, serve_process: Any
) -> None:
    """On one shared socket, 8 keep-alive connections all went to one of two workers (the
    API benchmark). Each worker now listens on a socket of its own (SO_REUSEPORT), the
    supervisor on none, and the kernel spreads connections over them."""
    proc, port, verify, base = _two_workers(api_home, serve_process)
    deadline = time.monotonic() + 30
    while len(_sockets_on(port)["0A"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the second worker may still be starting
    listening = _sockets_on(port)["0A"]
    owners = {pid: _inodes_of(pid) & listening for pid in _children(proc.pid)}
    serving = {pid: own for pid, own in owners.items() if own}
    assert len(listening) == 2 and len(serving) == 2, owners
    assert all(len(own) == 1 for own in serving.values())  # one each, not the same one
    assert not _inodes_of(proc.pid) & listening  # the supervisor only holds the address
    clients = [httpx.Client(base_url=base, verify=verify, timeout=30) for _ in range(32)]
    try:
        for c in clients:  # each opens one keep-alive connection and keeps it
            assert c.get("/v1/health").status_code == 200
        connected = _sockets_on(port)["01"]
        per_worker = {pid: len(_inodes_of(pid) & connected) for pid in serving}
    finally:
        for c in clients:
            c.close()
    # All 32 on one of two sockets has odds of 2 in 2^32.
    assert sum(per_worker.values()) == 32 and min(per_worker.values()) > 0, per_worker


@pytest.mark.skipif(not listeners.supported(), reason="a socket per worker on Linux only")
def test_workers_refuse_a_port_something_listens_on(api_home: ApiHome) -> None:
    """With SO_REUSEPORT alone, `serve --workers 2` would share the port with a worker of an
    earlier server still running there (a listener with SO_REUSEPORT, as here)."""
    stale = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stale.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    stale.bind(("127.0.0.1", 0))
    stale.listen()
    port = stale.getsockname()[1]
    env = {**os.environ, "STRONGROOM_HOME": str(api_home.home)}
    env.pop("STRONGROOM_DATABASE_URL", None)
    env.pop("STRONGROOM_KEYSTORE_URL", None)
    try:
        done = _serve_to_the_end(env, port, "2")
    finally:
        stale.close()
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"cannot listen on 127.0.0.1:{port}: it is in use" in done.stderr
    assert "--port" in done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_fails_when_the_app_cannot_start(tmp_path: Path, workers: str) -> None:
    """uvicorn logs a start-up failure and returns (exit 0 under its supervisor, 3 alone);
    `serve` says so and exits 1 like every failed command."""
    home = tmp_path / "home"
    init_instance(home).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
    env["STRONGROOM_HOME"] = str(home)
    env["STRONGROOM_DATABASE_URL"] = "postgresql://127.0.0.1:1/nowhere"  # nothing listens
    done = _serve_to_the_end(env, _free_port(), workers)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "the server did not start: see the log above" in done.stderr


def _serve_to_the_end(
    env: dict[str, str], port: int, workers: str
) -> subprocess.CompletedProcess[str]:
    """`strongroom serve` run until it exits by itself (a test of its failing to start)."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from strongroom.cli.main import main; main()",
            "serve",
            "--port",
            str(port),
            "--workers",
            workers,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_two_workers_serve_one_instance_and_chain_one_ledger(
    permit_all: None, api_home: ApiHome, serve_process: Any
) -> None:
    """`--workers 2`: two processes on one port, both deciding and recording; the ledger they
    write together verifies, with an entry for every request."""
    proc, _, verify, base = _two_workers(api_home, serve_process)
    who = enrol(api_home.home, "alice", "agent")
    with httpx.Client(base_url=base, verify=verify, timeout=30) as c:
        r = c.post(
            "/v1/sessions",
            json={"username": who.name, "password": who.password, "totp": who.totp.now()},
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
    ids = [row["id"] for row in api_home.rows[:40]]

    def one(subject: str) -> int:
        # A connection per request, so the kernel spreads them over both workers.
        with httpx.Client(base_url=base, verify=verify, timeout=30) as c:
            got = c.get(
                f"/v1/tenants/{TENANT}/records/{subject}",
                headers={"Authorization": f"Bearer {token}"},
            )
        return got.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, ids))
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert statuses == [200] * len(ids)
    assert err.count("Started server process") == 2, err[-2000:]
    inst = open_instance(api_home.home)
    try:
        report = verify_ledger(inst)
        with transaction(inst.data, read_only=True) as tx:
            gets = tx.column("SELECT seq FROM audit_entries WHERE body LIKE '%\"record.get\"%'")
    finally:
        inst.close()
    assert report.intact, report.problems
    assert len(gets) == len(ids)
