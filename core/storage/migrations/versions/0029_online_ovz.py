"""Search filters: a program held online, and one suitable for children with disabilities
(ОВЗ); the import's optional columns `online` and `ovz`.

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases: SQLite's batch mode would copy the table and
    # lose the text search's triggers on it (migration 0002)
    for name in ("online", "ovz"):
        op.add_column(
            "programs", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    for name in ("ovz", "online"):
        op.drop_column("programs", name)
