"""The program card's answers: who teaches a group (groups.teacher, the catalogue's
optional `teacher` column; "" when nobody is named), and the families' ratings (reviews:
one per child and program, 1–5 stars and a short text, hidden by the municipality's
coordinator, never edited).

Revision ID: 0030
Revises: 0029
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("teacher", sa.String(length=200), nullable=False, server_default="")
        )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_reviews_stars")),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_reviews_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["parents.id"], name=op.f("fk_reviews_parent_id_parents")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_reviews_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("child_id", "program_id", name=op.f("uq_reviews_child_id")),
    )
    op.create_index("ix_reviews_program", "reviews", ["program_id", "hidden_at", "updated_at"])
    op.create_index(op.f("ix_reviews_parent_id"), "reviews", ["parent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reviews_parent_id"), table_name="reviews")
    op.drop_index("ix_reviews_program", table_name="reviews")
    op.drop_table("reviews")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("teacher")
