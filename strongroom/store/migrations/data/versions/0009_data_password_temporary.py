"""principals.password_temporary: a password set at enrolment or reset, to be changed at the
first sign-in (PCI DSS 4.0 requirement 8.3.5); principals.password_history: the hashes of the
passwords before the current one, so a change cannot go back to any of the last four (8.3.7)

Revision ID: 0009_data
Revises: 0008_data

Principals that exist already keep the password they sign in with (false), with no history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_data"
down_revision: str | None = "0008_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "password_temporary", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("password_history", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.drop_column("password_history")
        batch_op.drop_column("password_temporary")
