"""The number a notice was sent with where the messenger drops a repeated number (VK's
random_id, unique per sending community for ever): taken from a counter in `sequences`
when the notice's batch is first sent, and kept on the row so a retry of the batch sends
the same number again (outbox.send_id; NULL: not sent that way yet).

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("send_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("send_id")
