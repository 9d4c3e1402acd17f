"""A month close leaves the certificates' rows alone: certificates.settled_month (the last
closed month the stored total and reserved include; later close entries are added on
read and folded in by the next writer or the worker) and month_closes.folded_after (the
worker's cursor over the certificates, as notices_after is for the notices).

Every close so far moved the certificates' rows itself, so each row is settled up to the
last closed month.

Revision ID: 0032
Revises: 0031
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(
            sa.Column("settled_month", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("month_closes") as batch:
        batch.add_column(sa.Column("folded_after", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE certificates SET settled_month = "
        "(SELECT COALESCE(MAX(month), 0) FROM month_closes)"
    )


def downgrade() -> None:
    # the pending close entries folded in first, so the stored figures are whole again
    op.execute(
        "UPDATE certificates SET "
        "total = total + COALESCE((SELECT SUM(e.total_delta) FROM ledger_entries e "
        "WHERE e.certificate_id = certificates.id AND e.batch LIKE 'close:%' "
        "AND e.month > certificates.settled_month), 0), "
        "reserved = reserved + COALESCE((SELECT SUM(e.reserved_delta) FROM ledger_entries e "
        "WHERE e.certificate_id = certificates.id AND e.batch LIKE 'close:%' "
        "AND e.month > certificates.settled_month), 0)"
    )
    with op.batch_alter_table("month_closes") as batch:
        batch.drop_column("folded_after")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("settled_month")
