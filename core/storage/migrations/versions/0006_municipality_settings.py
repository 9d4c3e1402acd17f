"""A municipality's budget limits per register, its pro-rating rule, its МОЦ's contacts;
a certificate's confirmation by the МОЦ.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality_years") as batch:
        batch.alter_column("budget_programs_limit", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("limit_significant", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("limit_preprofessional", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("limit_other", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "prorate_current_month", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rejection_reason", sa.String(length=500), nullable=True))
    # certificates issued before confirmation existed count as confirmed when issued
    op.execute("UPDATE certificates SET confirmed_at = issued_at")
    with op.batch_alter_table("municipalities") as batch:
        for column, length in (
            ("office_address", 300),
            ("office_hours", 200),
            ("office_phone", 40),
        ):
            batch.add_column(
                sa.Column(column, sa.String(length=length), nullable=False, server_default="")
            )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        for column in ("rejection_reason", "confirmed_by", "confirmed_at"):
            batch.drop_column(column)
    with op.batch_alter_table("municipalities") as batch:
        for column in ("office_phone", "office_hours", "office_address"):
            batch.drop_column(column)
    with op.batch_alter_table("municipality_years") as batch:
        for column in ("prorate_current_month", "limit_other", "limit_preprofessional"):
            batch.drop_column(column)
        batch.drop_column("limit_significant")
        batch.alter_column("budget_programs_limit", existing_type=sa.Integer(), nullable=False)
