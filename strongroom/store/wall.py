"""The tenant wall in PostgreSQL: row-level security under the policy, as a second wall.

Every tenant-owned table (customer records, their blind indexes, erasures, tickets; in the
key store the keysets, subject keys and token vault) carries a row-level security policy that
shows and accepts only rows whose `tenant_id` equals the transaction's `strongroom.tenant`
setting. Strongroom's transactions run as `APP_ROLE`, a role that is neither a superuser nor
the tables' owner and has no BYPASSRLS, so a query that forgets its tenant, or names another,
sees nothing, whatever the code above it does. The role may only read and append the ledger.

Migrations (run as the owner) call `install`; `store.engine.transaction` switches each
transaction to the role and sets the tenant with `set_config(..., true)`, which ends with
the transaction, so a pooled connection never carries a tenant into the next one.
"""

from __future__ import annotations

from typing import Any

APP_ROLE = "strongroom_app"
TENANT_SETTING = "strongroom.tenant"
DATA_TABLES = ("records", "blind_index", "erasures", "tickets")
KEY_TABLES = ("tenant_keysets", "subject_keys", "token_vault", "token_refs")
LEDGER_TABLES = ("audit_entries", "audit_nodes", "checkpoints")
VERSION_TABLES = ("alembic_version_data", "alembic_version_keys")


def install(op: Any, tenant_tables: tuple[str, ...], append_only: tuple[str, ...] = ()) -> None:
    """Create the role (once per cluster), grant it the tables, and wall the tenant tables."""
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                -- Another database's migration may create it at the same moment.
                BEGIN
                    CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END;
            END IF;
        END $$
        """
    )
    op.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    for table in VERSION_TABLES:
        op.execute(
            f"DO $$ BEGIN IF to_regclass('{table}') IS NOT NULL THEN "
            f"REVOKE ALL ON {table} FROM {APP_ROLE}; END IF; END $$"
        )
    for table in append_only:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
    for table in tenant_tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_wall ON {table} "
            f"USING (tenant_id = current_setting('{TENANT_SETTING}', true)) "
            f"WITH CHECK (tenant_id = current_setting('{TENANT_SETTING}', true))"
        )


def remove(op: Any, tenant_tables: tuple[str, ...]) -> None:
    for table in tenant_tables:
        op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
