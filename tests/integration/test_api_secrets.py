"""No secret and no customer value in what the server logs or keeps in clear.

A server runs with the `strongroom` and uvicorn loggers at DEBUG and a handler on the root
logger taking everything they emit. Through it: logins (right, with a wrong password, with a
wrong code, with the password typed as the name, with a body that fails validation), a second
factor, reveals of a card, an IBAN, an email and a phone, finds by email and by phone (the
value in the query string), a record stored, a card tokenized and detokenized with the CRM's
API key, a logout and the dead token used again. Then none of the passwords, session tokens,
API keys, TOTP secrets, TOTP codes, card numbers, emails, IBANs or phone numbers may appear in
the log lines, nor in the raw bytes of any file under the instance's home (SQLite's WAL
included, while the server runs and after it stops), nor, on PostgreSQL, in a pg_dump of
either database.
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.api_server import TENANT
from tests.integration.test_api_policy import (
    BACKENDS,
    ROWS,
    SITE,
    World,
    api_world,
    find,
    ok,
    on_floor,
    reveal,
    tenant_rows,
    ticket,
)

SERVER_LOGGERS = ("strongroom", "strongroom.api", "uvicorn", "uvicorn.error", "uvicorn.access")
CLIENT_LOGGERS = ("httpx", "httpcore", "hpack")  # the tests' own client, in the same process
WRONG_PASSWORD = "Canary-Wr0ng-Passw0rd-7Q"
PURPOSE = "customer confirms the details on the call"


class _Everything(logging.Handler):
    """Every record that reaches the root logger, formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] not in CLIENT_LOGGERS:
            self.lines.append(self.format(record))  # the traceback too, when there is one


def _loud() -> None:
    for name in SERVER_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)


@pytest.fixture
def everything() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in SERVER_LOGGERS}
    root.addHandler(handler)
    _loud()
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class Secrets:
    """What must appear nowhere: text (and its bytes), TOTP codes (six digits, matched only
    where they stand alone, not inside a longer number or a timestamp's fraction), and raw
    bytes."""

    text: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    raw: set[bytes] = field(default_factory=set)

    def bearer(self, token: str) -> None:
        self.text |= {token, token.split(".", 1)[1]}  # the id before the dot is public

    def _code(self, code: str) -> re.Pattern[bytes]:
        return re.compile(rb"(?<![0-9A-Za-z.:-])" + code.encode() + rb"(?![0-9A-Za-z])")

    def found_in(self, blob: bytes) -> list[str]:
        hits = [t for t in sorted(self.text) if t.encode() in blob]
        hits += [f"code {c}" for c in sorted(self.codes) if self._code(c).search(blob)]
        hits += [f"bytes {r.hex()}" for r in sorted(self.raw) if r in blob]
        return hits


def _customer_values(rows: list[dict[str, str]]) -> set[str]:
    out: set[str] = set()
    for r in rows:
        phone = r["phone"].replace(" ", "")
        out |= {r["card_number"], r["card_number"][:-4], r["email"], r["iban"], r["phone"], phone}
    return out


def _exercise(world: World) -> Secrets:
    """Everything that handles a secret or a value, through the API; returns what was used."""
    s = Secrets()
    [sam] = world.add(("sam", "agent", TENANT, SITE), login=False)
    on_floor(world, sam.name)
    pay, contact = world.row(0), world.row(1)
    # The CRM registers tickets and stores a customer with its API key.
    t_pay = ticket(world, "T-sam-pay", pay["id"], sam.name, "payment")
    t_contact = ticket(world, "T-sam-contact", contact["id"], sam.name, "contact")
    new = tenant_rows(TENANT, ROWS + 1)[-1]
    with world.client(TENANT) as crm:
        put = crm.post(f"/v1/tenants/{TENANT}/records", json=[new])
        token = ok(crm.post(f"/v1/tenants/{TENANT}/tokens", json={"value": pay["card_number"]}))
        card = crm.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": token["token"], "purpose": "refund"},
        )
        nosy = crm.post(
            f"/v1/tenants/{TENANT}/tokens/detokenize",
            json={"token": token["token"], "purpose": "marketing"},
        )
    assert ok(put)["created"] == 1
    assert ok(card)["value"] == pay["card_number"]
    assert nosy.status_code == 403

    code = sam.totp.now()
    wrong_code = sam.totp.at(datetime.now(UTC) - timedelta(hours=1))
    login = {"username": sam.name, "password": sam.password}
    with world.client() as c:
        refused = [
            c.post("/v1/sessions", json={**login, "password": WRONG_PASSWORD, "totp": code}),
            c.post("/v1/sessions", json={**login, "totp": wrong_code}),
            c.post("/v1/sessions", json={**login, "username": sam.password, "totp": code}),
            c.post("/v1/sessions", json={**login, "username": [sam.name], "totp": code}),
        ]
        signed = c.post("/v1/sessions", json={**login, "totp": code})
    assert [r.status_code for r in refused] == [401, 401, 401, 422]
    session = signed.json()["token"]
    assert signed.status_code == 201, signed.text
    mfa_code = sam.totp.at(time.time() + 30)  # the next step: the login's code is spent
    with world.server.client(session) as c:
        assert ok(c.post("/v1/sessions/mfa", json={"totp": mfa_code}))["id"] == sam.name
        shown = {
            "card_number": reveal(c, pay["id"], "card_number", PURPOSE, t_pay),
            "iban": reveal(c, pay["id"], "iban", PURPOSE, t_pay),
            "email": reveal(c, contact["id"], "email", PURPOSE, t_contact),
            "phone": reveal(c, contact["id"], "phone", PURPOSE, t_contact),
        }
        by_email = find(c, contact["email"])
        by_phone = c.get(f"/v1/tenants/{TENANT}/records", params={"phone": contact["phone"]})
        out = c.delete("/v1/sessions")
        dead = c.get(f"/v1/tenants/{TENANT}/records/{pay['id']}")
    expected = {
        "card_number": pay["card_number"],
        "iban": pay["iban"],
        "email": contact["email"],
        "phone": contact["phone"].replace(" ", ""),
    }
    assert {name: ok(r)["value"] for name, r in shown.items()} == expected
    assert [r["id"] for r in ok(by_email)["records"]] == [contact["id"]]
    assert [r["id"] for r in ok(by_phone)["records"]] == [contact["id"]]
    assert out.status_code == 204 and dead.status_code == 401

    for who in world.people.values():
        s.text |= {who.password, who.totp.secret}
        s.raw.add(base64.b32decode(who.totp.secret))
    s.text.add(WRONG_PASSWORD)
    for bearer in [*world.tokens.values(), *world.keys.values(), session]:
        s.bearer(bearer)
    s.codes |= {code, wrong_code, mfa_code}
    for rows in world.rows.values():
        s.text |= _customer_values(rows)
    s.text |= _customer_values([new])
    return s


def _check_files(home: Path, secrets: Secrets) -> list[Path]:
    files = [p for p in home.rglob("*") if p.is_file()]
    for path in files:
        assert secrets.found_in(path.read_bytes()) == [], f"in clear in {path}"
    return files


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_secret_or_customer_value_in_logs_files_or_dumps(
    backend: str,
    everything: _Everything,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    pg = request.getfixturevalue("pg_server") if backend == "postgres" else None
    if pg is not None and shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to check the PostgreSQL stores")
    with api_world(backend, tmp_path, pg) as world:
        _loud()  # the server's start set its loggers to INFO
        secrets = _exercise(world)
        home = world.home
        files = _check_files(home, secrets)
        if world.databases is None:
            assert any(p.name.endswith("-wal") for p in files), "SQLite should be in WAL mode"
        else:
            for db in world.databases:
                dump = subprocess.run(
                    ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", db],
                    check=True,
                    capture_output=True,
                ).stdout
                assert len(dump) > 10_000
                assert secrets.found_in(dump) == [], f"in clear in pg_dump of {db}"
    _check_files(home, secrets)  # the WAL checkpointed into the database files

    lines = everything.lines
    logged = "\n".join(lines).encode()
    assert secrets.found_in(logged) == []
    # The capture saw the server at work: its access lines (paths without query strings) and
    # uvicorn's own.
    assert any(f'"GET /v1/tenants/{TENANT}/records" 200' in line for line in lines)
    assert any(line.split()[2].startswith("uvicorn") for line in lines)
    assert "?" not in logged.decode()
