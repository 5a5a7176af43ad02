"""tenant wall: row-level security on tenant tables, the application role

Revision ID: 0006_data
Revises: 0005_data
"""

from collections.abc import Sequence

from alembic import op

from strongroom.store import wall

revision: str = "0006_data"
down_revision: str | None = "0005_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has one user: the policy and per-tenant keys are its walls
    wall.install(op, wall.DATA_TABLES, append_only=wall.LEDGER_TABLES)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    wall.remove(op, wall.DATA_TABLES)
