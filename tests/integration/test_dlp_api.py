"""POST /v1/tenants/{t}/dlp/scan and /redact against a real server (SQLite, default policy):
findings per text in order, each operator, hash per tenant, tokens that detokenize, who may
call them (the tenant's service accounts and agents; tokenizing a card also needs
token.tokenize, which agents lack), problems for bad input, and no text in any log line or
ledger entry."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from strongroom.access import identity, local_operator
from strongroom.api.app import create_app
from strongroom.api.routes.dlp import MAX_TEXT, MAX_TOTAL
from strongroom.dlp.finding import ENTITIES
from strongroom.instance import init_instance, open_instance
from strongroom.sim.customers import card
from strongroom.store.tables import audit_entries
from strongroom.vault import tenants
from tests.conftest import demo_spec
from tests.integration.api_server import (
    TENANT,
    ApiServer,
    Enrolled,
    enrol,
    running_server,
    sign_in,
)
from tests.integration.test_api import assert_problem

pytest_plugins = ["tests.integration.api_server"]

OTHER = "zeta-retail"
CARD = card(random.Random(7))
EMAIL = "pat.smith@example.org"
WITH_CARD = f"Refund to card {CARD} agreed, confirm to {EMAIL}."
PLAIN = "Called about a late delivery."


@dataclass
class Dlp:
    home: Path
    server: ApiServer
    keys: dict[str, str]  # tenant -> its CRM's API key
    people: dict[str, str]  # name -> session token

    def client(self, who: str) -> httpx.Client:
        return self.server.client(self.people.get(who) or self.keys[who])

    def scan(self, who: str, texts: list[str], tenant: str = TENANT, **more: Any) -> httpx.Response:
        with self.client(who) as c:
            return c.post(f"/v1/tenants/{tenant}/dlp/scan", json={"texts": texts, **more})

    def redact(
        self, who: str, texts: list[str], operator: str, tenant: str = TENANT, **more: Any
    ) -> httpx.Response:
        body = {"texts": texts, "operator": operator, **more}
        with self.client(who) as c:
            return c.post(f"/v1/tenants/{tenant}/dlp/redact", json=body)

    def entries(self) -> list[dict[str, Any]]:
        inst = open_instance(self.home)
        try:
            with inst.data.begin() as conn:
                rows = conn.execute(select(audit_entries.c.body).order_by(audit_entries.c.seq))
                return [json.loads(b) for b in rows.scalars()]
        finally:
            inst.close()


@pytest.fixture(scope="module")
def dlp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dlp]:
    env = pytest.MonkeyPatch()
    env.delenv("STRONGROOM_DATABASE_URL", raising=False)
    env.delenv("STRONGROOM_KEYSTORE_URL", raising=False)
    home = tmp_path_factory.mktemp("dlp") / "home"
    inst = init_instance(home)
    keys: dict[str, str] = {}
    try:
        for t in (TENANT, OTHER):
            tenants.create(inst, local_operator(), demo_spec(t))
            identity.add_principal(inst, local_operator(), f"crm-{t}", "service", t)
            keys[t] = identity.issue_api_key(inst, local_operator(), f"crm-{t}")
    finally:
        inst.close()
    enrolled: dict[str, Enrolled] = {
        "ana": enrol(home, "ana", "agent"),
        "officer": enrol(home, "officer", "security_officer", None, None),
        "auditor": enrol(home, "auditor", "client_auditor", TENANT, None),
    }
    try:
        with running_server(home) as server:
            people = {name: sign_in(server, who) for name, who in enrolled.items()}
            yield Dlp(home, server, keys, people)
    finally:
        env.undo()


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# --- scan --------------------------------------------------------------------------------------


def test_scan_gives_each_texts_findings_in_order_and_no_value(dlp: Dlp) -> None:
    texts = [WITH_CARD, PLAIN, ""]
    body = ok(dlp.scan(TENANT, texts))
    assert len(body["results"]) == 3
    first = body["results"][0]
    spans = {(f["entity_type"], WITH_CARD[f["start"] : f["end"]]) for f in first}
    assert {("CREDIT_CARD", CARD), ("EMAIL_ADDRESS", EMAIL)} <= spans
    assert all(set(f) == {"entity_type", "start", "end", "score", "recogniser"} for f in first)
    assert body["results"][2] == []
    raw = json.dumps(body)
    assert CARD not in raw and EMAIL not in raw

    [entry] = [e for e in dlp.entries() if e["action"] == "dlp.scan"][-1:]
    assert entry["principal"] == f"crm-{TENANT}" and entry["outcome"]["decision"] == "allowed"
    assert entry["details"]["texts"] == 3
    assert entry["details"]["found"]["CREDIT_CARD"] == 1
    assert CARD not in json.dumps(entry) and EMAIL not in json.dumps(entry)


def test_scan_of_chosen_entity_types_finds_only_those(dlp: Dlp) -> None:
    body = ok(dlp.scan(TENANT, [WITH_CARD], entities=["EMAIL_ADDRESS"]))
    assert [f["entity_type"] for f in body["results"][0]] == ["EMAIL_ADDRESS"]


# --- redact ------------------------------------------------------------------------------------


def test_redact_and_mask_neutralise_every_finding(dlp: Dlp) -> None:
    redacted = ok(dlp.redact(TENANT, [WITH_CARD, PLAIN], "redact"))["texts"]
    masked = ok(dlp.redact(TENANT, [WITH_CARD], "mask"))["texts"]
    assert redacted == [
        "Refund to card <CREDIT_CARD> agreed, confirm to <EMAIL_ADDRESS>.",
        PLAIN,
    ]
    assert masked == [
        "Refund to card " + "*" * 12 + CARD[-4:] + " agreed, confirm to p***@e***.org."
    ]


def test_hash_is_the_same_within_a_tenant_and_differs_across_tenants(dlp: Dlp) -> None:
    text = f"mail {EMAIL}"
    ours = ok(dlp.redact(TENANT, [text, text.replace(EMAIL, EMAIL.upper())], "hash"))["texts"]
    again = ok(dlp.redact(TENANT, [text], "hash"))["texts"]
    theirs = ok(dlp.redact(OTHER, [text], "hash", tenant=OTHER))["texts"]
    assert re.fullmatch(r"mail <EMAIL_ADDRESS#[0-9a-f]{16}>", ours[0])
    assert ours[0] == ours[1] == again[0]
    assert theirs[0] != ours[0]


def test_tokenize_swaps_the_card_for_a_token_that_detokenizes_to_it(dlp: Dlp) -> None:
    [text] = ok(dlp.redact(TENANT, [WITH_CARD], "tokenize"))["texts"]
    [token] = re.findall(r"\d{12,19}", text)
    assert text == f"Refund to card {token} agreed, confirm to <EMAIL_ADDRESS>."
    assert token != CARD and token[-4:] == CARD[-4:]
    with dlp.client(TENANT) as c:
        back = c.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize", json={"token": token, "purpose": "refund"}
        )
    assert ok(back)["value"] == CARD
    # The same card, tokenized again, keeps its token.
    assert ok(dlp.redact(TENANT, [WITH_CARD], "tokenize"))["texts"] == [text]
    recorded = [e for e in dlp.entries() if e["principal"] == f"crm-{TENANT}"]
    actions = [e["action"] for e in recorded]
    assert "dlp.redact" in actions and "token.tokenize" in actions
    assert CARD not in json.dumps(recorded)


# --- who may call -------------------------------------------------------------------------------


def test_an_agent_scans_masks_and_hashes_but_tokenizes_no_card(dlp: Dlp) -> None:
    assert ok(dlp.scan("ana", [WITH_CARD]))["results"][0]
    assert CARD not in ok(dlp.redact("ana", [WITH_CARD], "mask"))["texts"][0]
    assert ok(dlp.redact("ana", [PLAIN], "hash"))["texts"] == [PLAIN]
    refused = dlp.redact("ana", [WITH_CARD], "tokenize")
    body = assert_problem(refused, 403, "denied")
    assert body["condition"] == "role" and CARD not in refused.text
    # Nothing to tokenize, nothing to refuse.
    assert ok(dlp.redact("ana", [PLAIN], "tokenize"))["texts"] == [PLAIN]


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_officers_and_auditors_may_not(dlp: Dlp, who: str) -> None:
    for r in (dlp.scan(who, [WITH_CARD]), dlp.redact(who, [WITH_CARD], "redact")):
        body = assert_problem(r, 403, "denied")
        assert body["condition"] == "role" and CARD not in r.text


def test_no_tenant_scans_for_another(dlp: Dlp) -> None:
    for r in (
        dlp.scan(TENANT, [WITH_CARD], tenant=OTHER),
        dlp.redact(TENANT, [WITH_CARD], "hash", tenant=OTHER),
        dlp.scan("ana", [WITH_CARD], tenant=OTHER),
    ):
        assert assert_problem(r, 403, "denied")["condition"] == "tenant"


def test_without_a_token_it_is_a_401(dlp: Dlp) -> None:
    with dlp.server.client() as c:
        r = c.post(f"/v1/tenants/{TENANT}/dlp/scan", json={"texts": [WITH_CARD]})
    assert_problem(r, 401, "unauthenticated")


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("scan", {"texts": []}),
        ("scan", {"texts": [1]}),
        ("scan", {"texts": "one text"}),
        ("scan", {"texts": ["x"], "entities": ["CREDIT_CARDS"]}),
        ("scan", {"texts": ["x"], "extra": True}),
        ("scan", {"texts": ["x" * (MAX_TEXT + 1)]}),
        ("redact", {"texts": ["x"], "operator": "shred"}),
        ("redact", {"texts": ["x"]}),
    ],
)
def test_a_body_that_breaks_the_schema_is_a_422_problem(
    dlp: Dlp, path: str, body: dict[str, Any]
) -> None:
    with dlp.client(TENANT) as c:
        r = c.post(f"/v1/tenants/{TENANT}/dlp/{path}", json=body)
    assert assert_problem(r, 422, "invalid-request")["errors"]


def _enums(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        found = [node["enum"]] if isinstance(node.get("enum"), list) else []
        return found + [e for v in node.values() for e in _enums(v)]
    if isinstance(node, list):
        return [e for v in node for e in _enums(v)]
    return []


def test_the_schema_names_exactly_the_scanners_entity_types() -> None:
    served = [e for e in _enums(create_app().openapi()) if "CREDIT_CARD" in e]
    assert served and all(tuple(e) == ENTITIES for e in served)


def test_too_many_characters_in_all_is_a_400_naming_texts(dlp: Dlp) -> None:
    texts = ["a" * MAX_TEXT] * (MAX_TOTAL // MAX_TEXT + 1)
    r = dlp.scan(TENANT, texts)
    assert assert_problem(r, 400, "bad-input")["field"] == "texts"


def test_no_text_reaches_the_server_log(dlp: Dlp) -> None:
    ok(dlp.redact(TENANT, [WITH_CARD], "mask"))
    logged = "\n".join(dlp.server.log_lines)
    assert "/dlp/redact" in logged
    assert CARD not in logged and EMAIL not in logged
