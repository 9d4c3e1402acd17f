"""Link codes: hashes instead of codes, and a log of refused tries to limit them.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # live codes last 15 minutes: the old ones (kept in clear) are simply dropped
    op.execute("DELETE FROM link_codes")
    with op.batch_alter_table("link_codes") as batch:
        batch.alter_column("code", existing_type=sa.String(length=12), type_=sa.String(length=64))
    op.create_table(
        "link_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["parents.id"],
            name=op.f("fk_link_failures_parent_id_parents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_failures")),
    )
    op.create_index("ix_link_failures_parent_at", "link_failures", ["parent_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_link_failures_parent_at", table_name="link_failures")
    op.drop_table("link_failures")
    with op.batch_alter_table("link_codes") as batch:
        batch.alter_column("code", existing_type=sa.String(length=64), type_=sa.String(length=12))
