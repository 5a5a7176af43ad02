"""alerts of the live auditor, and its cursor into the ledger

Revision ID: 0008_data
Revises: 0007_data

Alerts are not behind the tenant wall (`store/wall.py`): like the ledger they derive from, they
are the BPO's record about its own staff, which a security officer reads across every tenant in
one query, and an alert may belong to no tenant (a guessed password, one login at two sites).
The policy decides who reads them. On PostgreSQL the application role may read and add alerts
and change only their acknowledgement, never delete one; it may read and move the cursor, never
add or remove it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from strongroom.store.wall import APP_ROLE

revision: str = "0008_data"
down_revision: str | None = "0007_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("scenario", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("start_at", sa.String(length=32), nullable=False),
        sa.Column("end_at", sa.String(length=32), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("acked_by", sa.String(length=128), nullable=True),
        sa.Column("acked_at", sa.String(length=32), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.create_index("ix_alerts_ledger_index", ["ledger_index"], unique=True)
        batch.create_index("ix_alerts_status", ["status", "ledger_index"], unique=False)
        batch.create_index("ix_alerts_actor", ["actor", "ledger_index"], unique=False)
        batch.create_index("ix_alerts_tenant", ["tenant_id", "ledger_index"], unique=False)
    cursor = op.create_table(
        "detect_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # The auditor starts at the ledger's first entry: an instance upgraded with history has
    # that history judged once.
    op.bulk_insert(
        cursor, [{"name": "ledger", "next_index": 0, "updated_at": "1970-01-01T00:00:00.000000Z"}]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON alerts, detect_cursor FROM {APP_ROLE}")
        op.execute(f"GRANT SELECT, INSERT ON alerts TO {APP_ROLE}")
        op.execute(f"GRANT UPDATE (status, acked_by, acked_at, ack_note) ON alerts TO {APP_ROLE}")
        op.execute(f"GRANT SELECT, UPDATE ON detect_cursor TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("detect_cursor")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_tenant")
        batch.drop_index("ix_alerts_actor")
        batch.drop_index("ix_alerts_status")
        batch.drop_index("ix_alerts_ledger_index")
    op.drop_table("alerts")
