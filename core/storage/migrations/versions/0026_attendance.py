"""Attendance (табель): the class days a child missed, marked by the provider's staff;
a municipality's debit rule (class_days or attendance).

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "day"),
    )
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(
            sa.Column(
                "debit_rule", sa.String(length=12), nullable=False, server_default="class_days"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("debit_rule")
    op.drop_table("absences")
