"""The messenger a parent chose for notices (parents.notices_to, a platform key), for a
family reachable on several; none chosen: the family's first account.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parents") as batch:
        batch.add_column(sa.Column("notices_to", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("parents") as batch:
        batch.drop_column("notices_to")
