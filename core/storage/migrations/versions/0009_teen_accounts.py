"""A child of 14 or more with a chat account of their own in the family.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("identities", "link_codes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_child_id_children",
                "children",
                ["child_id"],
                ["id"],
                ondelete="CASCADE",
            )


def downgrade() -> None:
    for table in ("link_codes", "identities"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_child_id_children", type_="foreignkey")
            batch.drop_column("child_id")
