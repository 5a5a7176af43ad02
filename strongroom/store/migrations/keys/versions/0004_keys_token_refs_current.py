"""token references say whether the subject holds the token now or held it before

Revision ID: 0004_keys
Revises: 0003_keys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_keys"
down_revision: str | None = "0003_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing references count as current: before this revision a reference was never let go,
    # so an old one may be a card replaced since; erasure then errs towards keeping the card
    # for the other holder until that holder is put again or erased.
    with op.batch_alter_table("token_refs") as batch:
        batch.add_column(
            sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("token_refs") as batch:
        batch.drop_column("current")
