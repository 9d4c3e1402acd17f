"""Nearest first at region scale: programs by latitude (and within a municipality).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_programs_muni_lat", "programs", ["municipality_id", "lat", "lon"])
    op.create_index("ix_programs_lat", "programs", ["lat", "lon"])


def downgrade() -> None:
    op.drop_index("ix_programs_lat", table_name="programs")
    op.drop_index("ix_programs_muni_lat", table_name="programs")
