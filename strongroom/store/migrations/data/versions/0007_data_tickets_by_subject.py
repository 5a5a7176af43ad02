"""tickets by subject: the policy's "whose ticket is this customer on" without a scan

Revision ID: 0007_data
Revises: 0006_data
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_data"
down_revision: str | None = "0006_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.create_index("ix_tickets_tenant_subject", ["tenant_id", "subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_tenant_subject")
