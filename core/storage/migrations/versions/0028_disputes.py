"""A family says a stranger registered their child: a dispute the МОЦ resolves in the
chat after seeing the documents (disputes).

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("parents.id"), nullable=False),
        sa.Column(
            "child_id",
            sa.Integer(),
            sa.ForeignKey("children.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_parent_id", sa.Integer(), nullable=False),
        sa.Column("surname", sa.String(60), nullable=True),
        sa.Column("name", sa.String(60), nullable=True),
        sa.Column("patronymic", sa.String(60), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("snils", sa.String(11), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("refusal", sa.String(500), nullable=True),
    )
    op.create_index("ix_disputes_parent_id", "disputes", ["parent_id"])
    op.create_index("ix_disputes_child_id", "disputes", ["child_id"])
    op.create_index("ix_disputes_status", "disputes", ["status"])


def downgrade() -> None:
    op.drop_index("ix_disputes_status", "disputes")
    op.drop_index("ix_disputes_child_id", "disputes")
    op.drop_index("ix_disputes_parent_id", "disputes")
    op.drop_table("disputes")
