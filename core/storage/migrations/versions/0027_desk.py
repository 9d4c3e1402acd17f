"""The МОЦ's desk: the parent's full name kept with a certificate request while it waits
(certificates.applicant_name), and the child's surname folded for the desk's search
(children.surname_fold, filled here for the children already registered).

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    # as core.rules.text.fold at the time of writing (a migration never imports the core)
    return " ".join(text.casefold().replace("ё", "е").split())[:60]


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("applicant_name", sa.String(100), nullable=True))
    with op.batch_alter_table("children") as batch:
        batch.add_column(sa.Column("surname_fold", sa.String(60), nullable=True))
    bind = op.get_bind()
    children = sa.table(
        "children",
        sa.column("id", sa.Integer),
        sa.column("surname", sa.String),
        sa.column("surname_fold", sa.String),
    )
    rows = bind.execute(sa.select(children.c.id, children.c.surname)).all()
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        bind.execute(
            children.update()
            .where(children.c.id == sa.bindparam("cid"))
            .values(surname_fold=sa.bindparam("folded")),
            [{"cid": i, "folded": _fold(s)} for i, s in chunk],
        )
    op.create_index("ix_children_surname_fold", "children", ["surname_fold"])


def downgrade() -> None:
    op.drop_index("ix_children_surname_fold", "children")
    with op.batch_alter_table("children") as batch:
        batch.drop_column("surname_fold")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("applicant_name")
