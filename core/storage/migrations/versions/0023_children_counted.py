"""How many children aged 5–17 live in a municipality, and the year that count is for
(import-municipalities): the denominator of the coverage the reports show against the
25 % and 50 % targets (003 §4.1, 004 п.17).

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(sa.Column("children_5_17", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("children_5_17_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("children_5_17_year")
        batch.drop_column("children_5_17")
