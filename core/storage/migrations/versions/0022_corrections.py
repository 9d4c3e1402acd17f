"""A confirmed child's data are corrected only through a confirmer (corrections); failed
tries to link a certificate by number counted per number (link_number_failures); a
register entry with no СНИЛС is linked on a request a confirmer approves
(register_entries.requested_by/requested_at).

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "child_id",
            sa.Integer(),
            sa.ForeignKey("children.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("surname", sa.String(60), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("patronymic", sa.String(60), nullable=True),
        sa.Column("snils", sa.String(11), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("refusal", sa.String(500), nullable=True),
    )
    op.create_index("ix_corrections_child_id", "corrections", ["child_id"])
    op.create_index("ix_corrections_status", "corrections", ["status"])
    op.create_table(
        "link_number_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_link_number_failures_number_at", "link_number_failures", ["number", "at"])
    with op.batch_alter_table("register_entries") as batch:
        batch.add_column(sa.Column("requested_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("requested_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_register_entries_requested_by_parents",
            "parents",
            ["requested_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("register_entries") as batch:
        batch.drop_constraint("fk_register_entries_requested_by_parents", type_="foreignkey")
        batch.drop_column("requested_at")
        batch.drop_column("requested_by")
    op.drop_index("ix_link_number_failures_number_at", "link_number_failures")
    op.drop_table("link_number_failures")
    op.drop_index("ix_corrections_status", "corrections")
    op.drop_index("ix_corrections_child_id", "corrections")
    op.drop_table("corrections")
