"""The summer campaign: when next year's applications open; the order of acceptances.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality_years") as batch:
        batch.add_column(sa.Column("applications_open_on", sa.Date(), nullable=True))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("accepted_at")
    with op.batch_alter_table("municipality_years") as batch:
        batch.drop_column("applications_open_on")
