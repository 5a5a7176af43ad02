"""A real API server for tests: uvicorn on 127.0.0.1 and a free port, over TLS with the
instance's own certificate, in a background thread; httpx clients that verify that certificate.

Use it as a plugin (`pytest_plugins = ["tests.integration.api_server"]`) for the fixtures:

- `api_home`: an instance on SQLite with tenant `acme-bank` and five records (`ApiHome`);
- `api_server`: a server on `api_home` (`ApiServer`);
- `pg_api_home`: the same instance on PostgreSQL (skips when the server is absent);
- `permit_all`: `api_home` with a policy that permits everything installed (`PERMIT_ALL`);

or call `running_server(home, rates=...)` for a server with other settings, and `enrol` /
`sign_in` for principals that log in with real TOTP codes.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
import pytest
import uvicorn

from strongroom.access import identity, local_operator
from strongroom.access.cedar import install_policy
from strongroom.api.app import MAX_BODY, create_app, server_config
from strongroom.api.limits import RateSettings
from strongroom.crypto.tls import ensure_server_certificate
from strongroom.instance import init_instance, open_instance
from strongroom.sim.customers import customers
from strongroom.vault import records, tenants
from strongroom.vault.intake import from_dicts
from tests.conftest import PgServer, as_after_first_sign_in, demo_spec

TENANT = "acme-bank"
STARTUP_TIMEOUT_S = 30.0
# Generous limits, so tests that do not test the limits never meet them.
TEST_RATES = RateSettings(rate=1000.0, burst=1000.0, login_rate=100.0, login_burst=100.0)


# A policy set that permits every action (Cedar still decides, and the ledger records it).
PERMIT_ALL = '@id("test-permit-all")\npermit (principal, action, resource);\n'


@dataclass
class ApiHome:
    home: Path
    rows: list[dict[str, str]]


@dataclass(frozen=True)
class Enrolled:
    name: str
    password: str = field(repr=False)
    totp: pyotp.TOTP = field(repr=False)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class ApiServer:
    home: Path
    base_url: str
    cert: Path
    log: _Lines

    @property
    def log_lines(self) -> list[str]:
        """What the server logged on `strongroom.api*` and `uvicorn*` since it started."""
        return list(self.log.lines)

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.cert))
        ctx.verify_flags |= getattr(ssl, "VERIFY_X509_STRICT", 0)
        return ctx

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        """A client verifying the instance's certificate (the caller closes it)."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(
            base_url=self.base_url, verify=self.ssl_context(), headers=headers, timeout=30
        )


def new_home(base: Path, rows: int = 5) -> ApiHome:
    """An initialised instance with tenant acme-bank and `rows` records, put by the operator
    (the stores follow STRONGROOM_DATABASE_URL / STRONGROOM_KEYSTORE_URL when set)."""
    home = base / "home"
    inst = init_instance(home)
    try:
        tenants.create(inst, local_operator(), demo_spec(TENANT))
        data = list(customers(rows, seed=11))
        records.put(inst, local_operator(), TENANT, from_dicts(data))
    finally:
        inst.close()
    return ApiHome(home, data)


def permit_everything(home: Path) -> None:
    """Install PERMIT_ALL as the instance's policy, as `strongroom policy install` would: for
    tests of the face that need the services to act, whatever the default policy asks."""
    source = home.parent / "permit-all.cedar"
    source.write_text(PERMIT_ALL)
    inst = open_instance(home)
    try:
        install_policy(inst, local_operator(), source)
    finally:
        inst.close()


def enrol(
    home: Path, name: str, role: str, tenant: str | None = TENANT, site: str | None = "lis-1"
) -> Enrolled:
    """A principal added by the local operator, its TOTP from the provisioning URI, past the
    first sign-in's password change (`as_after_first_sign_in`)."""
    inst = open_instance(home)
    try:
        e = identity.add_principal(inst, local_operator(), name, role, tenant, site)
        as_after_first_sign_in(inst, name)
    finally:
        inst.close()
    if e.password is None or e.totp_uri is None:
        raise AssertionError(f"{role} has no password or TOTP: use an API key")
    totp = pyotp.parse_uri(e.totp_uri)
    if not isinstance(totp, pyotp.TOTP):
        raise AssertionError("the provisioning URI is not a TOTP one")
    return Enrolled(name, e.password, totp)


def sign_in(server: ApiServer, who: Enrolled) -> str:
    """A bearer token from POST /v1/sessions with the current code."""
    with server.client() as c:
        r = c.post(
            "/v1/sessions",
            json={"username": who.name, "password": who.password, "totp": who.totp.now()},
        )
    if r.status_code != 201:
        raise AssertionError(f"sign-in failed: {r.status_code} {r.text}")
    return str(r.json()["token"])


@contextmanager
def running_server(
    home: Path, rates: RateSettings = TEST_RATES, max_body: int = MAX_BODY
) -> Iterator[ApiServer]:
    """Serve the instance at `home` until the block ends."""
    cert, key = ensure_server_certificate(home)
    app = create_app(home, rates, max_body=max_body)
    config = server_config(app, host="127.0.0.1", port=0, tls=(cert, key), log_config=None)
    server = uvicorn.Server(config)
    lines = _Lines()
    # uvicorn.access is silent unless it has a handler: this one wakes it, so the tests also
    # see what uvicorn's own access log would write.
    loggers = [logging.getLogger(n) for n in ("strongroom.api", "uvicorn", "uvicorn.access")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(lines)
        lg.setLevel(logging.INFO)
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start:\n" + "\n".join(lines.lines))
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield ApiServer(home, f"https://127.0.0.1:{port}", cert, lines)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(lines)
            lg.setLevel(level)


@pytest.fixture
def api_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ApiHome:
    monkeypatch.delenv("STRONGROOM_DATABASE_URL", raising=False)
    monkeypatch.delenv("STRONGROOM_KEYSTORE_URL", raising=False)
    return new_home(tmp_path)


@pytest.fixture
def permit_all(api_home: ApiHome) -> None:
    permit_everything(api_home.home)


@pytest.fixture
def api_server(api_home: ApiHome) -> Iterator[ApiServer]:
    with running_server(api_home.home) as server:
        yield server


@pytest.fixture
def pg_api_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_server: PgServer,
    pg_databases: tuple[str, str],
) -> ApiHome:
    monkeypatch.setenv("STRONGROOM_DATABASE_URL", pg_server.url(pg_databases[0]))
    monkeypatch.setenv("STRONGROOM_KEYSTORE_URL", pg_server.url(pg_databases[1]))
    return new_home(tmp_path)
