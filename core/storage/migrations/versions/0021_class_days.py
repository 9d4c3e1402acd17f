"""A group's class days (groups.class_days, a weekday mask, Monday = bit 0), read from its
schedule text: a month's debit is pro-rated by the group's class days within the studies,
not by calendar days. A schedule that names no weekday: every day (127). And the phone
given with an application is kept only while the application is open: the phones of
applications that already ended are erased.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.rules.schedule import effective, parse_class_days

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDED = ("cancelled", "rejected", "finished", "expired")


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("class_days", sa.Integer(), nullable=False, server_default="127")
        )
    bind = op.get_bind()
    groups = sa.table(
        "groups", sa.column("id", sa.Integer), sa.column("schedule", sa.String),
        sa.column("class_days", sa.Integer),
    )  # fmt: skip
    masks: dict[int, list[int]] = {}
    for group_id, schedule in bind.execute(sa.select(groups.c.id, groups.c.schedule)):
        masks.setdefault(effective(parse_class_days(schedule or "")), []).append(group_id)
    for mask, ids in masks.items():
        if mask != 127:
            bind.execute(groups.update().where(groups.c.id.in_(ids)).values(class_days=mask))
    applications = sa.table(
        "applications", sa.column("status", sa.String), sa.column("contact_phone", sa.String)
    )
    bind.execute(
        applications.update()
        .where(applications.c.status.in_(ENDED), applications.c.contact_phone.is_not(None))
        .values(contact_phone=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("class_days")
