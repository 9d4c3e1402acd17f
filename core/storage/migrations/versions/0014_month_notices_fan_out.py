"""Month close: the debit notices fanned out after the close, a chunk at a time.

``notices_after`` is the last certificate id whose family has its notice written; NULL
once every family of the month has one. Months closed before this revision wrote their
notices in the close itself, so they are marked done.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("month_closes") as batch:
        batch.add_column(sa.Column("notices_after", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("month_closes") as batch:
        batch.drop_column("notices_after")
