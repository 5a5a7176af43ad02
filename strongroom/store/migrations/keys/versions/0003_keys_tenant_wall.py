"""tenant wall: row-level security on keysets, subject keys and the token vault

Revision ID: 0003_keys
Revises: 0002_keys
"""

from collections.abc import Sequence

from alembic import op

from strongroom.store import wall

revision: str = "0003_keys"
down_revision: str | None = "0002_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    wall.install(op, wall.KEY_TABLES)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    wall.remove(op, wall.KEY_TABLES)
