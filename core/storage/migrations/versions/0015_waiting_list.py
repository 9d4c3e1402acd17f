"""The waiting list of a full group: applications waiting in order of arrival, a freed
seat held for the first of them.

groups.waiting counts the waiting applications (the seat claim reads it in the same row
it locks); applications.hold_until is when an offered seat passes to the next, after the
municipality's seat_hold_hours (24 unless its settings say otherwise). One open
application of a child per program now includes waiting and offered ones.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('submitted', 'accepted', 'enrolled', 'waiting', 'offered')"
ACTIVE = "status IN ('submitted', 'accepted', 'enrolled')"


def _unique_open(batch, where: str) -> None:
    batch.drop_index("uq_applications_active")
    batch.create_index(
        "uq_applications_active",
        ["child_id", "program_id"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(
            sa.Column("seat_hold_hours", sa.Integer(), nullable=False, server_default="24")
        )
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("waiting", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint("waiting", "waiting >= 0")
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("hold_until", sa.DateTime(), nullable=True))
        _unique_open(batch, OPEN)


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        _unique_open(batch, ACTIVE)
        batch.drop_column("hold_until")
    with op.batch_alter_table("groups") as batch:
        batch.drop_constraint("ck_groups_waiting", type_="check")
        batch.drop_column("waiting")
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("seat_hold_hours")
