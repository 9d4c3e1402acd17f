"""The contract (договор-оферта) offered when a provider accepts (contracts); the
municipality's offer_days and contract template, the provider's contract template.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(8), nullable=True),
        sa.Column("concluded_at", sa.DateTime(), nullable=True),
        sa.Column("concluded_by", sa.Integer(), nullable=True),
        sa.Column("account", sa.String(80), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_contracts_application_id", "contracts", ["application_id"])
    op.create_index("ix_contracts_status_deadline", "contracts", ["status", "deadline"])
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(sa.Column("offer_days", sa.Integer(), nullable=False, server_default="5"))
        batch.add_column(sa.Column("contract_template", sa.Text(), nullable=True))
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("contract_template", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("contract_template")
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("contract_template")
        batch.drop_column("offer_days")
    op.drop_index("ix_contracts_status_deadline", "contracts")
    op.drop_index("ix_contracts_application_id", "contracts")
    op.drop_table("contracts")
