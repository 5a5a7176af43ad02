"""The tenant wall on PostgreSQL: row-level security under the policy, tested with raw SQL as
the application role (the policy is not involved: this is the second wall)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from strongroom.access import local_operator
from strongroom.instance import Instance, init_instance
from strongroom.sim.customers import customers
from strongroom.store.engine import transaction
from strongroom.store.wall import APP_ROLE, DATA_TABLES, KEY_TABLES
from strongroom.vault import records, tenants
from strongroom.vault.intake import from_dicts
from tests.conftest import PgServer, demo_spec

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_tenants(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_server: PgServer,
    pg_databases: tuple[str, str],
) -> Iterator[tuple[Instance, tuple[str, str]]]:
    monkeypatch.setenv("STRONGROOM_DATABASE_URL", pg_server.url(pg_databases[0]))
    monkeypatch.setenv("STRONGROOM_KEYSTORE_URL", pg_server.url(pg_databases[1]))
    inst = init_instance(tmp_path / "home")
    who = local_operator()
    for n, tenant in enumerate(("acme-bank", "other-bank")):
        tenants.create(inst, who, demo_spec(tenant))
        records.put(inst, who, tenant, from_dicts(list(customers(20, seed=40 + n))))
    try:
        yield inst, pg_databases
    finally:
        inst.close()


def _as_app(dbname: str, tenant: str | None) -> psycopg.Connection:  # type: ignore[type-arg]
    conn = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={dbname}", autocommit=True)
    conn.execute(f"SET ROLE {APP_ROLE}")
    if tenant is not None:
        conn.execute("SELECT set_config('strongroom.tenant', %s, false)", (tenant,))
    return conn


def _count(conn: psycopg.Connection, table: str, tenant: str | None = None) -> int:  # type: ignore[type-arg]
    sql = f"SELECT count(*) FROM {table}" + (" WHERE tenant_id = %s" if tenant else "")
    row = conn.execute(sql, (tenant,) if tenant else ()).fetchone()
    assert row is not None
    return int(row[0])


def test_app_role_with_another_tenant_set_sees_none_of_acme(two_tenants) -> None:  # type: ignore[no-untyped-def]
    _, (data_db, keys_db) = two_tenants
    for db, tables in ((data_db, DATA_TABLES), (keys_db, KEY_TABLES)):
        with _as_app(db, "other-bank") as conn:
            for table in tables:
                assert _count(conn, table, "acme-bank") == 0, table
        with _as_app(db, "acme-bank") as conn:
            # The wall lets the tenant's own rows through (tickets are empty here).
            for table in tables:
                if table not in ("tickets", "erasures"):
                    assert _count(conn, table, "acme-bank") > 0, table
                    assert _count(conn, table, "other-bank") == 0, table


def test_app_role_with_no_tenant_set_sees_nothing(two_tenants) -> None:  # type: ignore[no-untyped-def]
    _, (data_db, keys_db) = two_tenants
    for db, tables in ((data_db, DATA_TABLES), (keys_db, KEY_TABLES)):
        with _as_app(db, None) as conn:
            for table in tables:
                assert _count(conn, table) == 0, table


def test_app_role_cannot_write_into_another_tenant(two_tenants) -> None:  # type: ignore[no-untyped-def]
    _, (data_db, _) = two_tenants
    with _as_app(data_db, "other-bank") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO erasures (tenant_id, subject_id, erased_at) VALUES (%s, %s, %s)",
                ("acme-bank", "c-x", "2026-11-25T00:00:00.000000Z"),
            )
        assert conn.execute("UPDATE records SET tokens = '{}' WHERE tenant_id = 'acme-bank'")
        assert conn.execute("SELECT count(*) FROM records WHERE tokens = '{}'").fetchone() == (0,)


def test_app_role_may_only_read_and_append_the_ledger(two_tenants) -> None:  # type: ignore[no-untyped-def]
    _, (data_db, _) = two_tenants
    with _as_app(data_db, "acme-bank") as conn:
        assert _count(conn, "audit_entries") > 0
        for sql in (
            "UPDATE audit_entries SET body = body WHERE seq = 0",
            "DELETE FROM audit_entries WHERE seq = 0",
            "TRUNCATE audit_entries",
            "DELETE FROM checkpoints",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)


def test_app_role_cannot_bypass_the_wall(two_tenants) -> None:  # type: ignore[no-untyped-def]
    _, (data_db, _) = two_tenants
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={data_db}") as conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
        assert row == (False, False)
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = ANY(%s)",
            (list(DATA_TABLES),),
        ).fetchall()
        assert (APP_ROLE,) not in owners


def test_strongroom_transactions_run_as_the_app_role(two_tenants) -> None:  # type: ignore[no-untyped-def]
    inst, _ = two_tenants
    with transaction(inst.data, read_only=True, tenant="other-bank") as tx:
        assert tx.one("SELECT current_user") == (APP_ROLE,)
        assert tx.one("SELECT count(*) FROM records WHERE tenant_id = 'acme-bank'") == (0,)
    with transaction(inst.data, read_only=True) as tx:
        assert tx.one("SELECT count(*) FROM records") == (0,)
