"""An application may lose its family: after a withdrawal of consent nothing ties the
de-personalised ledger to the family's messenger accounts.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.alter_column("parent_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.alter_column("parent_id", existing_type=sa.Integer(), nullable=False)
