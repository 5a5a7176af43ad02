"""ledger entries keep only their signed body; filters use expression indexes

Revision ID: 0004_data
Revises: 0003_data
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_data"
down_revision: str | None = "0003_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIES = ("ts", "principal", "tenant_id", "action", "outcome")
# Investigations filter by principal, client auditors and slices by tenant; action and time
# filters scan (each index costs about a tenth of the append rate).
PATHS = {"tenant": "tenant", "principal": "principal"}


def _expr(dialect: str, key: str) -> str:
    if dialect == "sqlite":
        return f"json_extract(body, '$.{key}')"
    return f"((body::jsonb)->>'{key}')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_index("ix_audit_principal_seq")
        batch.drop_index("ix_audit_tenant_seq")
        for column in COPIES:
            batch.drop_column(column)
    for name, key in PATHS.items():
        op.execute(
            f"CREATE INDEX ix_audit_json_{name} ON audit_entries ({_expr(dialect, key)}, seq)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in PATHS:
        op.execute(f"DROP INDEX IF EXISTS ix_audit_json_{name}")
    with op.batch_alter_table("audit_entries") as batch:
        for column in COPIES:
            batch.add_column(sa.Column(column, sa.String(64), nullable=True))
    for column, key in (("ts", "ts"), ("principal", "principal"), ("tenant_id", "tenant"),
                        ("action", "action")):
        op.execute(f"UPDATE audit_entries SET {column} = {_expr(dialect, key)}")
