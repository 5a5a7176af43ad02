"""Fixtures for real parts: SQLite files, a PostgreSQL server, a SoftHSM2 token.

PostgreSQL and SoftHSM2 tests skip when the part is absent, and fail instead when
STRONGROOM_REQUIRE_POSTGRES=1 or STRONGROOM_REQUIRE_HSM=1 (as CI sets them).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from strongroom.access import Principal, local_operator
from strongroom.config import HsmSettings
from strongroom.instance import Instance, init_instance
from strongroom.sim.customers import SPEC_YAML
from strongroom.store.wall import APP_ROLE
from strongroom.vault import tenants
from strongroom.vault.spec import TenantSpec, parse_spec

# The API server fixtures (a real uvicorn on a random port), registered as a plugin so their
# asserts are rewritten.
pytest_plugins = ["tests.integration.api_server"]

PG_ADMIN = os.environ.get(
    "STRONGROOM_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
SOFTHSM_MODULES = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
]
HSM_PIN = "246810"


def _missing(what: str, flag: str, why: str) -> None:
    if os.environ.get(flag) == "1":
        pytest.fail(f"{what} is required ({flag}=1) but unavailable: {why}")
    pytest.skip(f"{what} unavailable: {why}")


@dataclass
class PgServer:
    admin: str

    def create(self) -> str:
        name = f"sr_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        _missing("PostgreSQL", "STRONGROOM_REQUIRE_POSTGRES", str(exc).strip())
    _app_role_once()
    return PgServer(PG_ADMIN)


def _app_role_once() -> None:
    """The cluster-wide application role, made before any test migrates a database: under
    `pytest -n 2` two first migrations on a fresh cluster would otherwise both create it and
    grant it, and catalogue updates of one role at once can fail. A lock file orders the
    processes of one run."""
    lock = Path(tempfile.gettempdir()) / "strongroom-tests-pg-role.lock"
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
            if exists.fetchone() is None:
                conn.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT")
            conn.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")


@pytest.fixture
def pg_databases(pg_server: PgServer) -> Iterator[tuple[str, str]]:
    """A fresh data database and key database, dropped afterwards."""
    data, keys = pg_server.create(), pg_server.create()
    try:
        yield data, keys
    finally:
        pg_server.drop(data)
        pg_server.drop(keys)


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> HsmSettings:
    """One SoftHSM2 token for the session. The library reads its configuration and token list
    once per process, so tests share the token and each uses a root key of its own label."""
    util = shutil.which("softhsm2-util")
    module = next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)
    if util is None or module is None:
        _missing("SoftHSM2", "STRONGROOM_REQUIRE_HSM", "softhsm2-util or libsofthsm2.so not found")
    assert util is not None and module is not None
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    os.environ["STRONGROOM_TEST_HSM_PIN"] = HSM_PIN
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            "strongroom-test",
            "--pin",
            HSM_PIN,
            "--so-pin",
            "135790",
        ],
        check=True,
        capture_output=True,
    )
    return HsmSettings(module=module, token="strongroom-test", pin_env="STRONGROOM_TEST_HSM_PIN")


@pytest.fixture
def softhsm(softhsm_token: HsmSettings) -> HsmSettings:
    """The session's token, with a root-key label no other test uses."""
    return HsmSettings(
        softhsm_token.module,
        softhsm_token.token,
        softhsm_token.pin_env,
        key_label=f"root-{uuid.uuid4().hex[:10]}",
    )


@dataclass
class Setup:
    """One way to run an instance: which store and which root-key provider."""

    name: str
    home: Path
    instance: Instance
    operator: Principal
    pg: tuple[str, str] | None = None


BACKENDS = ["sqlite-keyfile", "postgres-keyfile", "sqlite-hsm"]


@pytest.fixture(params=BACKENDS)
def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    """An initialised instance on each backend the vault suite must pass on."""
    home = tmp_path / "home"
    monkeypatch.setenv("STRONGROOM_HOME", str(home))
    monkeypatch.delenv("STRONGROOM_DATABASE_URL", raising=False)
    monkeypatch.delenv("STRONGROOM_KEYSTORE_URL", raising=False)
    pg = None
    hsm = None
    if request.param.startswith("postgres"):
        pg = request.getfixturevalue("pg_databases")
        server = request.getfixturevalue("pg_server")
        monkeypatch.setenv("STRONGROOM_DATABASE_URL", server.url(pg[0]))
        monkeypatch.setenv("STRONGROOM_KEYSTORE_URL", server.url(pg[1]))
    if request.param.endswith("hsm"):
        hsm = request.getfixturevalue("softhsm")
    inst = init_instance(home, hsm=hsm)
    try:
        yield Setup(request.param, home, inst, local_operator(), pg)
    finally:
        inst.close()


def demo_spec(tenant: str = "acme-bank") -> TenantSpec:
    return parse_spec(SPEC_YAML.format(tenant=tenant, name=tenant.title()), "spec.yaml")


@pytest.fixture
def acme(setup: Setup) -> TenantSpec:
    spec = demo_spec()
    tenants.create(setup.instance, setup.operator, spec)
    return spec


def as_after_first_sign_in(inst: Instance, name: str) -> None:
    """The principal's enrolment password made permanent, as the first sign-in's change makes
    it (`identity.login(..., new_password=...)`, tested on its own): for tests about what
    comes after, which sign in many times within one TOTP step."""
    from strongroom.store.engine import transaction

    with transaction(inst.data) as tx:
        tx.run("UPDATE principals SET password_temporary = ? WHERE id = ?", (False, name))
