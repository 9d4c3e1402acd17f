"""identities.commands: the fingerprint of the command menu last set for the account in
its messenger (a staff account's lists its roles' commands; core/staff/command_lists.py),
NULL for the messenger's default; indexed only where set, for the worker's rounds.

Revision ID: 0033
Revises: 0032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("commands", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_identities_commands",
        "identities",
        ["platform"],
        postgresql_where=sa.text("commands IS NOT NULL"),
        sqlite_where=sa.text("commands IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_identities_commands", table_name="identities")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("commands")
