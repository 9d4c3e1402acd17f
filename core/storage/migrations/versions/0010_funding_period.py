"""A municipality's funding period (school or calendar year) and calendar-year opens.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(
            sa.Column(
                "funding_period", sa.String(length=10), nullable=False, server_default="school"
            )
        )
    op.create_table(
        "funding_opens",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_funding_opens")),
    )


def downgrade() -> None:
    op.drop_table("funding_opens")
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("funding_period")
